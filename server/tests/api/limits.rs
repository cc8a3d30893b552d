//! Limits per user on what changes state, and caps on sizes: each refusal is an ack with a
//! code and a sentence, and changes nothing.

use crate::helpers::{error_code, Options, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn every_state_changing_event_is_rate_limited_per_user() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let bob = server.register("bob").await;

    // Rooms: five at once, then ten an hour.
    let created = ada
        .request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    assert!(created.get("room").is_some(), "{created}");
    let plans = created["room"]["name"].as_str().unwrap().to_owned();
    for i in 1..5 {
        let reply = ada
            .request("create_room", json!({ "name": format!("room{i}") }))
            .await;
        assert!(reply.get("room").is_some(), "{reply}");
    }
    let refused = ada.request("create_room", json!({ "name": "room5" })).await;
    assert_eq!(error_code(&refused), "rate_limited");
    let sentence = refused["error"]["message"].as_str().unwrap();
    assert!(
        sentence.contains("create at most 10 rooms per hour") && sentence.contains("Try again in"),
        "{sentence}"
    );
    let rooms = ada.request("rooms", json!({})).await;
    assert!(
        !rooms.to_string().contains("room5"),
        "a refused room is not made"
    );
    // Another user has their own budget.
    let other = server.client().await;
    let theirs = other
        .request("create_room", json!({ "name": "room5" }))
        .await;
    assert!(theirs.get("room").is_some(), "{theirs}");

    // Topics: five at once.
    for i in 0..5 {
        let reply = ada
            .request(
                "set_topic",
                json!({ "room": "room1", "topic": format!("t{i}") }),
            )
            .await;
        assert!(reply.get("room").is_some(), "{reply}");
    }
    let refused = ada
        .request("set_topic", json!({ "room": "room1", "topic": "too many" }))
        .await;
    assert_eq!(error_code(&refused), "rate_limited");

    // Direct conversations: ten at once.
    for _ in 0..10 {
        let reply = ada
            .request("open_direct", json!({ "username": "bob" }))
            .await;
        assert!(reply.get("room").is_some(), "{reply}");
    }
    let refused = ada
        .request("open_direct", json!({ "username": "bob" }))
        .await;
    assert_eq!(error_code(&refused), "rate_limited");

    // Membership changes: thirty at once, then one a second (a slow machine may earn a few more
    // while the thirty are made: as many as whole seconds went by).
    let change = json!({ "room": plans, "username": bob.name });
    let started = std::time::Instant::now();
    let event = |i: usize| {
        if i % 2 == 0 {
            "add_member"
        } else {
            "remove_member"
        }
    };
    for i in 0..30 {
        let reply = ada.request(event(i), change.clone()).await;
        assert!(reply.get("room").is_some(), "{}: {reply}", event(i));
    }
    let earned = started.elapsed().as_secs() as usize;
    let mut refused = Value::Null;
    for i in 30..=30 + earned {
        refused = ada.request(event(i), change.clone()).await;
        if refused.get("error").is_some() {
            break;
        }
    }
    assert_eq!(error_code(&refused), "rate_limited");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("membership changes"),
        "{refused}"
    );
}

#[tokio::test]
async fn rooms_per_user_and_members_per_room_are_capped() {
    let flags = ["--rooms-per-user", "2", "--members-per-room", "2"];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let ada = server.client().await;
    let bob = server.register("bob").await;
    server.register("cy").await;
    let mut plans = String::new();
    for (name, private) in [("plans", true), ("open", false)] {
        let reply = ada
            .request("create_room", json!({ "name": name, "private": private }))
            .await;
        assert!(reply.get("room").is_some(), "{reply}");
        if private {
            plans = reply["room"]["name"].as_str().unwrap().to_owned();
        }
    }
    let refused = ada.request("create_room", json!({ "name": "third" })).await;
    assert_eq!(error_code(&refused), "limit_reached");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("You own 2 rooms"),
        "{refused}"
    );
    // Direct conversations are not rooms one owns.
    let dm = ada
        .request("open_direct", json!({ "username": "cy" }))
        .await;
    assert!(dm.get("room").is_some(), "{dm}");

    // The owner and bob: full.
    let add = |who: &str| json!({ "room": plans, "username": who });
    let added = ada.request("add_member", add(&bob.name)).await;
    assert!(added.get("room").is_some(), "{added}");
    let refused = ada.request("add_member", add("cy")).await;
    assert_eq!(error_code(&refused), "limit_reached");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("#{plans} has 2 members")),
        "{refused}"
    );
    // Adding someone who is in already still answers (it changes nothing).
    let again = ada.request("add_member", add(&bob.name)).await;
    assert!(again.get("room").is_some(), "{again}");
}
