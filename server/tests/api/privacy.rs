//! Private rooms and direct conversations stay private: an outsider tries every way in.

use crate::helpers::{error_code, req, room_names, Options, TestApp, TestClient, TestUser};
use app::protocol::{event, ErrorCode, Message, RoomKind, RoomReply};
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

    let created = ada.ok(&req::create_private("secret")).await;
    assert_eq!(created.room.kind, RoomKind::Private);
    assert_eq!(created.room.members, ["ada"]);
    eve.none("room_added", QUIET).await;

    let added = ada.ok(&req::add_member("ada/secret", "bob")).await;
    assert_eq!(added.room.members, ["ada", "bob"]);
    let told: RoomReply = bob.next_as(event::ROOM_ADDED).await;
    assert_eq!(told.room.name, "ada/secret");
    ada.join("ada/secret").await;
    bob.join("ada/secret").await;
    ada.send("ada/secret", "for members only").await;
    let heard: Message = bob.next_as(event::MESSAGE).await;
    assert_eq!(heard.body, "for members only");

    // The socket: not listed, not joinable, not readable, not writable, not manageable.
    assert!(!room_names(&eve.rooms().await.rooms).contains(&"ada/secret".into()));
    let secret = "ada/secret";
    let refusals = [
        ("join", eve.refused(&req::join(secret)).await),
        ("join after", eve.refused(&req::join_after(secret, 0)).await),
        ("history", eve.refused(&req::history(secret)).await),
        ("send", eve.refused(&req::send(secret, "let me in")).await),
        (
            "add_member",
            eve.refused(&req::add_member(secret, "eve")).await,
        ),
        (
            "remove_member",
            eve.refused(&req::remove_member(secret, "bob")).await,
        ),
    ];
    for (event, refused) in refusals {
        assert_eq!(refused.code, ErrorCode::UnknownRoom, "{event}: {refused:?}");
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
    let made = ada.ok(&req::create_private("secret")).await;
    assert_eq!(made.room.name, "ada/secret");

    // Eve picks the same name, private and public: both are hers, as if Ada's did not exist.
    let hers = eve.ok(&req::create_private("secret")).await;
    assert_eq!(hers.room.name, "eve/secret");
    assert_eq!(hers.room.members, ["eve"]);
    let public = eve.ok(&req::create("secret")).await;
    assert_eq!(public.room.name, "secret");
    assert_eq!(public.room.kind, RoomKind::Public);
    // Only her own names collide, and naming someone else's room outright is not a name at all
    // (as JSON: a typed request cannot carry that name).
    assert_eq!(
        eve.refused(&req::create_private("secret")).await.code,
        ErrorCode::RoomExists
    );
    assert_eq!(
        error_code(
            &eve.request("create_room", json!({ "name": "ada/secret" }))
                .await
        ),
        "invalid_room_name"
    );
    assert_eq!(
        room_names(&eve.rooms().await.rooms),
        ["eve/secret", "general", "secret"]
    );
    let found = eve.ok(&req::browse("secret")).await;
    assert_eq!(room_names(&found.rooms), ["secret"]);
    // Ada's room is untouched.
    ada.send("ada/secret", "still mine").await;
    assert_eq!(ada.history("ada/secret").await[0].body, "still mine");
}

#[tokio::test]
async fn a_removed_member_stops_receiving_at_once() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let mut bob = TestClient::connect(url, &t.bob).await;
    ada.ok(&req::create_private("secret")).await;
    ada.ok(&req::add_member("ada/secret", "bob")).await;
    bob.join("ada/secret").await;

    // Only the owner removes others.
    let eve = TestClient::connect(url, &t.eve).await;
    ada.ok(&req::add_member("ada/secret", "eve")).await;
    let reply = eve.refused(&req::remove_member("ada/secret", "bob")).await;
    assert_eq!(reply.code, ErrorCode::Forbidden);

    let reply = ada.ok(&req::remove_member("ada/secret", "bob")).await;
    assert_eq!(reply.room.members, ["ada", "eve"]);
    let removed: RoomReply = bob.next_as(event::ROOM_REMOVED).await;
    assert_eq!(removed.room.name, "ada/secret");
    ada.send("ada/secret", "after bob left").await;
    bob.none("message", QUIET).await;
    assert_eq!(
        bob.refused(&req::join("ada/secret")).await.code,
        ErrorCode::UnknownRoom
    );

    // A member may leave; the owner may not.
    let left = eve.ok(&req::remove_member("ada/secret", "eve")).await;
    assert_eq!(left.room.members, ["ada"]);
    let reply = ada.refused(&req::remove_member("ada/secret", "ada")).await;
    assert_eq!(reply.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_direct_conversation_belongs_to_its_two_users() {
    let t = three_users().await;
    let url = &t.server.url;
    let ada = TestClient::connect(url, &t.ada).await;
    let mut bob = TestClient::connect(url, &t.bob).await;
    let eve = TestClient::connect(url, &t.eve).await;

    let opened = ada.ok(&req::open_direct("bob")).await;
    let room = opened.room.name.clone();
    assert_eq!(opened.room.kind, RoomKind::Direct);
    assert_eq!(opened.room.members, ["ada", "bob"]);
    let told: RoomReply = bob.next_as(event::ROOM_ADDED).await;
    assert_eq!(told.room.name, room);
    // Opening it again, from either side, finds the same room.
    let again = bob.ok(&req::open_direct("ada")).await;
    assert_eq!(again.room.name, room);
    for c in [&ada, &bob] {
        assert!(room_names(&c.rooms().await.rooms).contains(&room));
    }

    bob.join(&room).await;
    ada.send(&room, "just us").await;
    let heard: Message = bob.next_as(event::MESSAGE).await;
    assert_eq!(heard.body, "just us");

    // Eve knows (or guesses) its name: it does not help.
    assert!(!room_names(&eve.rooms().await.rooms).contains(&room));
    assert_eq!(
        eve.refused(&req::join(&room)).await.code,
        ErrorCode::UnknownRoom
    );
    assert_eq!(
        t.server
            .get(&format!("/r/{room}"), Some(&t.eve))
            .await
            .status(),
        404
    );
    // Nor can she make a public room of that name (as JSON: a typed request cannot carry a
    // name kept for direct conversations).
    let create = eve
        .request("create_room", json!({ "name": room.clone() }))
        .await;
    assert_eq!(error_code(&create), "invalid_room_name", "{create}");
    assert_eq!(
        eve.refused(&req::open_direct("nobody")).await.code,
        ErrorCode::UnknownUser
    );
}
