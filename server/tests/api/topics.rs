//! Room topics: set over the socket and through the form, shown in the page, live for
//! everyone who sees the room, and refused with a clear code when too long or not allowed.

use crate::helpers::{error_code, req, Options, TestApp, TestClient};
use app::protocol::{event, ErrorCode, RoomReply};
use serde_json::json;

#[tokio::test]
async fn any_user_sets_a_public_rooms_topic_and_everyone_sees_it_live() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let a = TestClient::connect(&server.url, &ada).await;
    let mut b = TestClient::connect(&server.url, &bob).await;
    // As JSON: the server trims what it receives (a typed `Topic` would be trimmed already).
    let reply = a
        .request(
            "set_topic",
            json!({ "room": "general", "topic": "  Ship it  " }),
        )
        .await;
    assert_eq!(reply["room"]["topic"], "Ship it", "trimmed");
    let pushed: RoomReply = b.next_as(event::ROOM_UPDATED).await;
    assert_eq!(pushed.room.name, "general");
    assert_eq!(pushed.room.topic, "Ship it");
    // It is part of the room wherever the room is read.
    assert_eq!(b.join("general").await.room.topic, "Ship it");
    let html = server
        .get("/r/general", Some(&bob))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ship it"),
        "the topic is in the server-rendered page"
    );
    // An empty topic clears it.
    let cleared = b.ok(&req::set_topic("general", "")).await;
    assert_eq!(cleared.room.topic, "");
}

#[tokio::test]
async fn the_form_sets_the_topic_as_the_event_does() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let mut a = TestClient::connect(&server.url, &ada).await;
    let res = server
        .post_form(
            "/api/set_topic",
            &[("room", "general"), ("topic", "Standup at 10")],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 200);
    let room: serde_json::Value = res.json().await.unwrap();
    assert_eq!(room["topic"], "Standup at 10");
    let pushed: RoomReply = a.next_as(event::ROOM_UPDATED).await;
    assert_eq!(pushed.room.topic, "Standup at 10");
    let too_long = "x".repeat(201);
    let res = server
        .post_form(
            "/api/set_topic",
            &[("room", "general"), ("topic", &too_long)],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "invalid_topic");
}

#[tokio::test]
async fn topics_that_are_too_long_or_not_allowed_are_refused() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let a = TestClient::connect(&server.url, &ada).await;
    let b = TestClient::connect(&server.url, &bob).await;
    // Invalid fields and a missing one, as JSON: the server's own checks.
    let cases = [
        (
            json!({ "room": "general", "topic": "é".repeat(201) }),
            "invalid_topic",
        ),
        (
            json!({ "room": "general", "topic": "two\nlines" }),
            "invalid_topic",
        ),
        (json!({ "room": "nowhere", "topic": "x" }), "unknown_room"),
        (json!({ "room": "general" }), "bad_payload"),
    ];
    for (payload, code) in cases {
        let reply = a.request("set_topic", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}");
        assert!(reply["error"]["message"].as_str().unwrap().ends_with('.'));
    }
    a.ok(&req::set_topic("general", &"é".repeat(200))).await;

    // A private room: its owner only; outsiders do not learn it exists.
    a.ok(&req::create_private("secret")).await;
    a.ok(&req::add_member("ada/secret", "bob")).await;
    let refused = b.refused(&req::set_topic("ada/secret", "mine now")).await;
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(
        refused.message,
        "Only the owner of #ada/secret can set its topic."
    );
    let eve = server.client().await;
    assert_eq!(
        eve.refused(&req::set_topic("ada/secret", "x")).await.code,
        ErrorCode::UnknownRoom
    );
    let set = a.ok(&req::set_topic("ada/secret", "Plans")).await;
    assert_eq!(set.room.topic, "Plans");

    // A direct conversation has none.
    let dm = a.ok(&req::open_direct("bob")).await;
    assert_eq!(
        a.refused(&req::set_topic(&dm.room.name, "x")).await.code,
        ErrorCode::Forbidden
    );
}
