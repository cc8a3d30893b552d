//! Bad input gets an error ack with a code and a sentence, is never stored, and leaves the
//! connection working.
//!
//! The bad requests are JSON on purpose: invalid fields, missing ones, payloads that are not one
//! object, an unknown event, none of which a typed `app::protocol` request can carry. What the
//! tests check afterwards goes through the typed client.

use crate::helpers::{error_code, room_names, Options, TestApp};
use rust_socketio::Payload;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn every_bad_send_is_refused_with_its_code_and_nothing_is_stored() {
    let server = TestApp::spawn(Options::new()).await;
    let mut c = server.client().await;
    c.join("general").await;
    let long = "x".repeat(4001);
    let cases = [
        (json!({ "room": "general", "body": "" }), "empty_message"),
        (
            json!({ "room": "general", "body": " \n\t " }),
            "empty_message",
        ),
        (
            json!({ "room": "general", "body": long }),
            "message_too_long",
        ),
        (
            json!({ "room": "General!", "body": "hi" }),
            "invalid_room_name",
        ),
        (json!({ "room": "nowhere", "body": "hi" }), "unknown_room"),
        (
            json!({ "room": "general", "body": "ding\u{7}\u{1b}[2J" }),
            "invalid_characters",
        ),
        (
            json!({ "room": "general", "body": "hi", "pad": "x".repeat(70_000) }),
            "payload_too_large",
        ),
        (
            json!({ "room": "general", "body": "hi", "key": "" }),
            "invalid_key",
        ),
        (json!({ "room": "general" }), "bad_payload"),
        (json!({ "room": "general", "body": 42 }), "bad_payload"),
        (json!("just a string"), "bad_payload"),
        (json!([1, 2, 3]), "bad_payload"),
    ];
    for (payload, code) in cases {
        let reply = c.request("send", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "payload {payload}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(
            message.len() > 10 && message.ends_with('.'),
            "a sentence for {code}: {message:?}"
        );
    }
    // No arguments at all.
    let reply = c.request_payload("send", Payload::Text(vec![])).await;
    assert_eq!(error_code(&reply), "bad_payload");

    c.none("message", Duration::from_millis(300)).await;
    assert!(c.history("general").await.is_empty(), "nothing was stored");
    // The connection still works.
    assert_eq!(c.send("general", "still here").await.seq, 1);
}

#[tokio::test]
async fn a_4000_character_message_is_accepted() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    let body = "é".repeat(4000);
    assert_eq!(c.send("general", &body).await.body, body);
}

#[tokio::test]
async fn bad_joins_history_and_room_names_are_refused() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    assert_eq!(
        error_code(&c.request("join", json!({ "room": "nowhere" })).await),
        "unknown_room"
    );
    assert_eq!(
        error_code(&c.request("join", json!({ "room": "" })).await),
        "invalid_room_name"
    );
    assert_eq!(
        error_code(&c.request("join", json!({ "after": 1 })).await),
        "bad_payload"
    );
    assert_eq!(
        error_code(
            &c.request("history", json!({ "room": "general", "limit": 0 }))
                .await
        ),
        "bad_payload"
    );
    assert_eq!(
        error_code(
            &c.request("history", json!({ "room": "general", "limit": 201 }))
                .await
        ),
        "bad_payload"
    );
    assert_eq!(
        error_code(
            &c.request("create_room", json!({ "name": "Bad Name" }))
                .await
        ),
        "invalid_room_name"
    );
    assert_eq!(
        error_code(
            &c.request("create_room", json!({ "name": "x".repeat(33) }))
                .await
        ),
        "invalid_room_name"
    );
    assert_eq!(
        error_code(&c.request("leave", json!({})).await),
        "bad_payload"
    );
}

#[tokio::test]
async fn unknown_events_get_an_error() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    assert_eq!(
        error_code(&c.request("shout", json!({})).await),
        "unknown_event"
    );
}

#[tokio::test]
async fn a_refused_request_without_ack_gets_a_request_error_event() {
    let server = TestApp::spawn(Options::new()).await;
    let mut c = server.client().await;
    c.emit("send", json!({ "room": "general", "body": "" }))
        .await;
    let e = c.next("request_error").await;
    assert_eq!(e["event"], "send");
    assert_eq!(e["error"]["code"], "empty_message");
}

#[tokio::test]
async fn every_event_refuses_payloads_that_are_not_one_object_and_changes_nothing() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    let bob = server.register("bob").await.name;
    let events = [
        ("join", vec![json!("general")]),
        ("leave", vec![json!("general")]),
        ("send", vec![json!("general"), json!("hi")]),
        ("history", vec![json!("general")]),
        ("rooms", vec![]),
        ("create_room", vec![json!("newroom"), json!(false)]),
        ("open_direct", vec![json!(bob)]),
        ("add_member", vec![json!("general"), json!(bob)]),
        ("remove_member", vec![json!("general"), json!(bob)]),
    ];
    for (event, fields) in events {
        let as_array = Value::Array(fields.clone());
        let cases = [
            // One argument that is an array: serde would read it as the struct's fields.
            Payload::Text(vec![as_array.clone()]),
            // The fields as separate arguments.
            Payload::Text(fields.clone()),
            Payload::Text(vec![json!("just a string")]),
            Payload::Text(vec![json!(42)]),
            Payload::Text(vec![Value::Null]),
            Payload::Text(vec![json!({ "room": "general" }), json!({ "body": "x" })]),
        ];
        for payload in cases {
            let shown = format!("{payload:?}");
            let reply = c.request_payload(event, payload).await;
            assert_eq!(error_code(&reply), "bad_payload", "{event} {shown}");
            let sentence = reply["error"]["message"].as_str().unwrap();
            assert!(sentence.starts_with("Expected {"), "{event}: {sentence}");
        }
    }
    assert!(
        c.history("general").await.is_empty(),
        "no message was stored"
    );
    assert_eq!(
        room_names(&c.rooms().await.rooms),
        ["general"],
        "no room or conversation was created"
    );
}
