//! Private rooms and direct conversations stay private: an outsider tries every way in.

use crate::helpers::{error_code, room_names_json, Options, TestApp, TestClient, TestUser};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(400);

struct Three {
    server: TestApp,
    ada: TestUser,
    bob: TestUser,
    eve: TestUser,
}

async fn three_users() -> Three {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    Three {
        server,
        ada,
        bob,
        eve,
    }
}

#[tokio::test]
async fn an_outsider_cannot_reach_a_private_room_by_any_road() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let mut bob = TestClient::connect(url, &t.bob).await;
    let mut eve = TestClient::connect(url, &t.eve).await;

    let created = ada
        .request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    assert_eq!(created["room"]["kind"], "private");
    assert_eq!(created["room"]["members"], json!(["ada"]));
    eve.none("room_added", QUIET).await;

    let added = ada
        .request(
            "add_member",
            json!({ "room": "ada/secret", "username": "bob" }),
        )
        .await;
    assert_eq!(added["room"]["members"], json!(["ada", "bob"]));
    assert_eq!(bob.next("room_added").await["room"]["name"], "ada/secret");
    ada.join_json("ada/secret").await;
    bob.join_json("ada/secret").await;
    ada.send_json("ada/secret", "for members only").await;
    assert_eq!(bob.next("message").await["body"], "for members only");

    // The socket: not listed, not joinable, not readable, not writable, not manageable.
    assert!(!room_names_json(&eve.request("rooms", json!({})).await).contains(&"ada/secret".into()));
    for (event, payload) in [
        ("join", json!({ "room": "ada/secret" })),
        ("join", json!({ "room": "ada/secret", "after": 0 })),
        ("history", json!({ "room": "ada/secret" })),
        ("send", json!({ "room": "ada/secret", "body": "let me in" })),
        (
            "add_member",
            json!({ "room": "ada/secret", "username": "eve" }),
        ),
        (
            "remove_member",
            json!({ "room": "ada/secret", "username": "bob" }),
        ),
    ] {
        let reply = eve.request(event, payload).await;
        assert_eq!(error_code(&reply), "unknown_room", "{event}: {reply}");
    }
    eve.none("message", QUIET).await;

    // HTTP: the page and the server function answer as for a room that does not exist.
    let page = t.server.get("/r/ada/secret", Some(&t.eve)).await;
    assert_eq!(page.status(), 404);
    assert!(!page.text().await.unwrap().contains("for members only"));
    let api = t
        .server
        .post_form("/api/room", &[("room", "ada/secret")], Some(&t.eve))
        .await;
    assert_eq!(api.status(), 404);
    assert!(!api.text().await.unwrap().contains("for members only"));
    // Members read it over HTTP.
    let page = t.server.get("/r/ada/secret", Some(&t.bob)).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("for members only"));
}

#[tokio::test]
async fn creating_a_room_tells_nothing_of_others_private_rooms() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let eve = TestClient::connect(url, &t.eve).await;
    let made = ada
        .request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    assert_eq!(made["room"]["name"], "ada/secret");

    // Eve picks the same name, private and public: both are hers, as if Ada's did not exist.
    let hers = eve
        .request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    assert_eq!(hers["room"]["name"], "eve/secret");
    assert_eq!(hers["room"]["members"], json!(["eve"]));
    let public = eve
        .request("create_room", json!({ "name": "secret" }))
        .await;
    assert_eq!(public["room"]["name"], "secret");
    assert_eq!(public["room"]["kind"], "public");
    // Only her own names collide, and naming someone else's room outright is not a name at all.
    assert_eq!(
        error_code(
            &eve.request("create_room", json!({ "name": "secret", "private": true }))
                .await
        ),
        "room_exists"
    );
    assert_eq!(
        error_code(
            &eve.request("create_room", json!({ "name": "ada/secret" }))
                .await
        ),
        "invalid_room_name"
    );
    assert_eq!(
        room_names_json(&eve.request("rooms", json!({})).await),
        ["eve/secret", "general", "secret"]
    );
    let found = eve.request("browse", json!({ "query": "secret" })).await;
    assert_eq!(room_names_json(&found), ["secret"]);
    // Ada's room is untouched.
    ada.send_json("ada/secret", "still mine").await;
    let h = ada
        .request("history", json!({ "room": "ada/secret" }))
        .await;
    assert_eq!(h["messages"][0]["body"], "still mine");
}

#[tokio::test]
async fn a_removed_member_stops_receiving_at_once() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let mut bob = TestClient::connect(url, &t.bob).await;
    ada.request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    ada.request(
        "add_member",
        json!({ "room": "ada/secret", "username": "bob" }),
    )
    .await;
    bob.join_json("ada/secret").await;

    // Only the owner removes others.
    let eve = TestClient::connect(url, &t.eve).await;
    ada.request(
        "add_member",
        json!({ "room": "ada/secret", "username": "eve" }),
    )
    .await;
    let reply = eve
        .request(
            "remove_member",
            json!({ "room": "ada/secret", "username": "bob" }),
        )
        .await;
    assert_eq!(error_code(&reply), "forbidden");

    let reply = ada
        .request(
            "remove_member",
            json!({ "room": "ada/secret", "username": "bob" }),
        )
        .await;
    assert_eq!(reply["room"]["members"], json!(["ada", "eve"]));
    assert_eq!(bob.next("room_removed").await["room"]["name"], "ada/secret");
    ada.send_json("ada/secret", "after bob left").await;
    bob.none("message", QUIET).await;
    assert_eq!(
        error_code(&bob.request("join", json!({ "room": "ada/secret" })).await),
        "unknown_room"
    );

    // A member may leave; the owner may not.
    let left = eve
        .request(
            "remove_member",
            json!({ "room": "ada/secret", "username": "eve" }),
        )
        .await;
    assert_eq!(left["room"]["members"], json!(["ada"]));
    let reply = ada
        .request(
            "remove_member",
            json!({ "room": "ada/secret", "username": "ada" }),
        )
        .await;
    assert_eq!(error_code(&reply), "forbidden");
}

#[tokio::test]
async fn a_direct_conversation_belongs_to_its_two_users() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let mut bob = TestClient::connect(url, &t.bob).await;
    let eve = TestClient::connect(url, &t.eve).await;

    let opened = ada
        .request("open_direct", json!({ "username": "bob" }))
        .await;
    let room = opened["room"]["name"].as_str().unwrap().to_owned();
    assert_eq!(opened["room"]["kind"], "direct");
    assert_eq!(opened["room"]["members"], json!(["ada", "bob"]));
    assert_eq!(bob.next("room_added").await["room"]["name"], room.as_str());
    // Opening it again, from either side, finds the same room.
    let again = bob
        .request("open_direct", json!({ "username": "ada" }))
        .await;
    assert_eq!(again["room"]["name"], room.as_str());
    for c in [&ada, &bob] {
        assert!(room_names_json(&c.request("rooms", json!({})).await).contains(&room));
    }

    bob.join_json(&room).await;
    ada.send_json(&room, "just us").await;
    assert_eq!(bob.next("message").await["body"], "just us");

    // Eve knows (or guesses) its name: it does not help.
    assert!(!room_names_json(&eve.request("rooms", json!({})).await).contains(&room));
    assert_eq!(
        error_code(&eve.request("join", json!({ "room": room })).await),
        "unknown_room"
    );
    assert_eq!(
        t.server
            .get(&format!("/r/{room}"), Some(&t.eve))
            .await
            .status(),
        404
    );
    // Nor can she make a public room of that name.
    assert_eq!(
        error_code(&eve.request("create_room", json!({ "name": room })).await),
        "invalid_room_name"
    );
    assert_eq!(
        error_code(
            &eve.request("open_direct", json!({ "username": "nobody" }))
                .await
        ),
        "unknown_user"
    );
}
