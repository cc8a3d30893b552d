//! Room topics: set over the socket and through the form, shown in the page, live for
//! everyone who sees the room, and refused with a clear code when too long or not allowed.

use crate::helpers::{error_code, Options, TestApp, TestClient};
use serde_json::json;

#[tokio::test]
async fn any_user_sets_a_public_rooms_topic_and_everyone_sees_it_live() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let a = TestClient::connect(&server.url, &ada).await;
    let mut b = TestClient::connect(&server.url, &bob).await;
    let reply = a
        .request(
            "set_topic",
            json!({ "room": "general", "topic": "  Ship it  " }),
        )
        .await;
    assert_eq!(reply["room"]["topic"], "Ship it", "trimmed");
    let pushed = b.next("room_updated").await;
    assert_eq!(pushed["room"]["name"], "general");
    assert_eq!(pushed["room"]["topic"], "Ship it");
    // It is part of the room wherever the room is read.
    assert_eq!(b.join_json("general").await["room"]["topic"], "Ship it");
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
    let cleared = b
        .request("set_topic", json!({ "room": "general", "topic": "" }))
        .await;
    assert_eq!(cleared["room"]["topic"], "");
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
    assert_eq!(
        a.next("room_updated").await["room"]["topic"],
        "Standup at 10"
    );
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
    assert!(a
        .request(
            "set_topic",
            json!({ "room": "general", "topic": "é".repeat(200) })
        )
        .await["room"]["topic"]
        .is_string());

    // A private room: its owner only; outsiders do not learn it exists.
    a.request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    a.request(
        "add_member",
        json!({ "room": "ada/secret", "username": "bob" }),
    )
    .await;
    let refused = b
        .request(
            "set_topic",
            json!({ "room": "ada/secret", "topic": "mine now" }),
        )
        .await;
    assert_eq!(error_code(&refused), "forbidden");
    assert_eq!(
        refused["error"]["message"],
        "Only the owner of #ada/secret can set its topic."
    );
    let eve = server.client().await;
    assert_eq!(
        error_code(
            &eve.request("set_topic", json!({ "room": "ada/secret", "topic": "x" }))
                .await
        ),
        "unknown_room"
    );
    let set = a
        .request(
            "set_topic",
            json!({ "room": "ada/secret", "topic": "Plans" }),
        )
        .await;
    assert_eq!(set["room"]["topic"], "Plans");

    // A direct conversation has none.
    let dm = a.request("open_direct", json!({ "username": "bob" })).await;
    let name = dm["room"]["name"].as_str().unwrap();
    assert_eq!(
        error_code(
            &a.request("set_topic", json!({ "room": name, "topic": "x" }))
                .await
        ),
        "forbidden"
    );
}
