//! Read positions, unread counts, mentions and typing notices, over Socket.IO.

use crate::helpers::{error_code, Options, TestApp, TestClient};
use serde_json::{json, Value};
use std::time::Duration;

/// The read state of `room` in a `rooms` reply.
fn read_of<'a>(reply: &'a Value, room: &str) -> &'a Value {
    reply["reads"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["room"] == room))
        .unwrap_or_else(|| panic!("no read state of {room}: {reply}"))
}

#[tokio::test]
async fn every_room_in_the_list_is_heard_and_read_positions_follow_the_user_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestApp::spawn(Options::new().dir(dir.path()).flags(&["--send-rate", "0"])).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    // Bob's two tabs: neither has opened general, both hear it (for their unread counts).
    let mut bob1 = TestClient::connect(&server.url, &bob).await;
    let mut bob2 = TestClient::connect(&server.url, &bob).await;

    ada1.send_json("general", "morning").await;
    let mention = ada1
        .send_json("general", "@bob can you look? cc @nobody")
        .await;
    assert_eq!(mention["message"]["mentions"], json!(["bob"]));
    ada1.send_json("general", "thanks").await;
    for tab in [&mut bob1, &mut bob2] {
        let first = tab.next("message").await;
        assert_eq!(
            (first["room"].as_str(), first["seq"].as_i64()),
            (Some("general"), Some(1))
        );
        assert_eq!(tab.next("message").await["mentions"], json!(["bob"]));
    }

    // Bob has read nothing yet; one unread message mentions him. Ada has read what she wrote.
    let rooms = bob1.request("rooms", json!({})).await;
    assert_eq!(
        read_of(&rooms, "general"),
        &json!({ "room": "general", "read": 0, "mentions": [2] })
    );
    let rooms = ada1.request("rooms", json!({})).await;
    assert_eq!(read_of(&rooms, "general")["read"], 3);
    // A join says where the reader stood, for the "new messages" line.
    assert_eq!(bob1.join_json("general").await["read"]["read"], 0);

    // Bob reads up to 2 in one tab; every tab of his hears it.
    let ack = bob1
        .request("mark_read", json!({ "room": "general", "seq": 2 }))
        .await;
    assert_eq!(ack, json!({ "room": "general", "read": 2 }));
    let told = bob2.next("read_position").await;
    assert_eq!(told, json!({ "room": "general", "read": 2 }));
    // Never backwards, never past the newest message.
    let ack = bob2
        .request("mark_read", json!({ "room": "general", "seq": 1 }))
        .await;
    assert_eq!(ack["read"], 2);
    let ack = bob2
        .request("mark_read", json!({ "room": "general", "seq": 1000 }))
        .await;
    assert_eq!(ack["read"], 3);

    // After a restart the position is where it was, with no mention left unread.
    drop((ada1, bob1, bob2));
    server.kill().await;
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let bob3 = TestClient::connect(&server.url, &bob).await;
    let rooms = bob3.request("rooms", json!({})).await;
    assert_eq!(
        read_of(&rooms, "general"),
        &json!({ "room": "general", "read": 3 })
    );
}

#[tokio::test]
async fn rooms_that_enter_the_list_are_heard_at_once_on_every_socket() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let bob1 = TestClient::connect(&server.url, &bob).await;
    let mut bob2 = TestClient::connect(&server.url, &bob).await;

    // A private room bob is added to, and a public one he joins in his other tab.
    ada1.request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    ada1.request(
        "add_member",
        json!({ "room": "ada/plans", "username": "bob" }),
    )
    .await;
    ada1.request("create_room", json!({ "name": "ops" })).await;
    bob1.join_json("ops").await;
    ada1.send_json("ada/plans", "secret").await;
    ada1.send_json("ops", "deploy").await;
    assert_eq!(bob2.next("message").await["body"], "secret");
    assert_eq!(bob2.next("message").await["body"], "deploy");

    // Leaving (or being removed) ends it.
    bob1.request("remove_member", json!({ "room": "ops", "username": "bob" }))
        .await;
    ada1.request(
        "remove_member",
        json!({ "room": "ada/plans", "username": "bob" }),
    )
    .await;
    ada1.send_json("ops", "gone?").await;
    ada1.send_json("ada/plans", "gone?").await;
    bob2.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn bad_read_positions_are_refused_with_a_reason() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let bob1 = TestClient::connect(&server.url, &bob).await;
    ada1.request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    ada1.request("create_room", json!({ "name": "ops" })).await;
    let cases = [
        (json!({ "room": "general", "seq": -1 }), "bad_payload"),
        (json!({ "room": "general" }), "bad_payload"),
        (json!({ "room": "general", "seq": "3" }), "bad_payload"),
        (json!({ "room": "No Such", "seq": 1 }), "invalid_room_name"),
        (json!({ "room": "nope", "seq": 1 }), "unknown_room"),
        // Someone else's private room looks like no room at all.
        (json!({ "room": "ada/plans", "seq": 1 }), "unknown_room"),
        // A public room not in bob's list: join it first.
        (json!({ "room": "ops", "seq": 1 }), "forbidden"),
    ];
    for (payload, code) in cases {
        let reply = bob1.request("mark_read", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}: {reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .is_some_and(|m| m.ends_with('.')),
            "a sentence: {reply}"
        );
    }
}

#[tokio::test]
async fn typing_reaches_the_others_in_the_room_only_and_is_rate_limited() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob, cy) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cy").await,
    );
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let mut ada2 = TestClient::connect(&server.url, &ada).await;
    let mut bob1 = TestClient::connect(&server.url, &bob).await;
    let mut cy1 = TestClient::connect(&server.url, &cy).await;
    ada1.request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    ada1.request(
        "add_member",
        json!({ "room": "ada/plans", "username": "bob" }),
    )
    .await;

    let ack = ada1.request("typing", json!({ "room": "ada/plans" })).await;
    assert_eq!(ack, json!({}));
    assert_eq!(
        bob1.next("typing").await,
        json!({ "room": "ada/plans", "user": "ada" })
    );
    // Not her own other tab, not someone outside the room; nothing is stored.
    ada2.none("typing", Duration::from_millis(300)).await;
    cy1.none("typing", Duration::from_millis(100)).await;
    assert!(bob1.read_all_json("ada/plans").await.is_empty());

    for (payload, code) in [
        (json!({ "room": "ada/plans" }), "unknown_room"),
        (json!({}), "bad_payload"),
        (json!({ "room": 5 }), "bad_payload"),
    ] {
        let reply = cy1.request("typing", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}: {reply}");
    }

    // A burst of 10, then refusals with the limit in words.
    let mut refused = None;
    for _ in 0..12 {
        let reply = bob1.request("typing", json!({ "room": "general" })).await;
        if reply.get("error").is_some() {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("a flood of typing notices is refused");
    assert_eq!(error_code(&refused), "rate_limited");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("typing notices")),
        "{refused}"
    );
}

#[tokio::test]
async fn members_by_prefix_offer_whom_to_mention_and_only_where_one_can_see() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    server.register("bob").await;
    server.register("bea").await;
    let cy = server.register("cy").await;
    let ada = TestClient::connect(&server.url, &ada).await;
    let cy = TestClient::connect(&server.url, &cy).await;
    let reply = ada
        .request("members", json!({ "room": "general", "prefix": "B" }))
        .await;
    assert_eq!(reply, json!({ "members": ["bea", "bob"] }));
    let all = ada.request("members", json!({ "room": "general" })).await;
    assert_eq!(all["members"], json!(["ada", "bea", "bob", "cy"]));

    ada.request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    let own = ada
        .request("members", json!({ "room": "ada/plans", "prefix": "" }))
        .await;
    assert_eq!(own["members"], json!(["ada"]));
    for (payload, code) in [
        (
            json!({ "room": "ada/plans", "prefix": "a" }),
            "unknown_room",
        ),
        (
            json!({ "room": "general", "prefix": "x".repeat(25) }),
            "bad_payload",
        ),
        (json!({ "prefix": "a" }), "bad_payload"),
    ] {
        let reply = cy.request("members", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}: {reply}");
    }
}
