//! Where a client written from docs/protocol.md alone found the code and the document apart:
//! each settled (the code fixed, or the document where the code was right), and held here.

use crate::helpers::{error_code, Options, TestApp, TestClient};
use serde_json::{json, Value};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(400);

fn seqs(reply: &Value) -> Vec<i64> {
    reply["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("no messages: {reply}"))
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

/// "Adding a member twice changes nothing": and tells nobody.
#[tokio::test]
async fn adding_a_member_twice_tells_nobody() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let mut ada = TestClient::connect(&server.url, &ada).await;
    let mut bob = TestClient::connect(&server.url, &bob).await;
    ada.request("create_room", json!({ "name": "secret", "private": true }))
        .await;
    let add = json!({ "room": "ada/secret", "username": "bob" });
    ada.request("add_member", add.clone()).await;
    assert_eq!(bob.next("room_added").await["room"]["name"], "ada/secret");
    assert_eq!(
        ada.next("room_updated").await["room"]["members"],
        json!(["ada", "bob"])
    );

    let again = ada.request("add_member", add).await;
    assert_eq!(again["room"]["members"], json!(["ada", "bob"]), "{again}");
    bob.none("room_added", QUIET).await;
    bob.none("room_updated", QUIET).await;
    ada.none("room_updated", QUIET).await;
}

/// A Change's `message` is "without `key`", read back or heard live; the author's own
/// messages in `join` keep theirs.
#[tokio::test]
async fn a_change_never_carries_the_authors_key() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let sent = ada
        .request(
            "send",
            json!({ "room": "general", "body": "helo", "key": "k-1" }),
        )
        .await;
    let seq = sent["message"]["seq"].as_i64().unwrap();
    let edited = ada
        .request(
            "edit",
            json!({ "room": "general", "seq": seq, "body": "hello" }),
        )
        .await;
    assert!(edited.get("error").is_none(), "{edited}");

    let page = ada
        .request("changes", json!({ "room": "general", "after": 0 }))
        .await;
    assert_eq!(page["changes"][0]["message"]["body"], "hello", "{page}");
    assert!(page["changes"][0]["message"].get("key").is_none(), "{page}");
    let back = ada
        .request(
            "join",
            json!({ "room": "general", "after": 0, "changes_after": 0 }),
        )
        .await;
    assert!(back["changes"][0]["message"].get("key").is_none(), "{back}");
    assert_eq!(back["messages"][0]["key"], "k-1", "{back}");
}

/// A `join` without `after` whose newest 50 messages exceed 64 KiB returns the newest that fit
/// with `truncated` false (nothing newer is left out); the older ones come with `history`.
#[tokio::test]
async fn a_join_without_after_keeps_the_newest_that_fit_and_history_has_the_rest() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let c = server.client().await;
    for _ in 0..40 {
        c.send_json("general", &"x".repeat(3000)).await;
    }
    let fresh = c.request("join", json!({ "room": "general" })).await;
    let newest = seqs(&fresh);
    assert!(newest.len() < 40, "cut to the reply's budget: {newest:?}");
    assert_eq!(newest.last(), Some(&40));
    assert_eq!(fresh["truncated"], false);
    let first = newest[0];
    let older = c
        .request("history", json!({ "room": "general", "before": first }))
        .await;
    assert_eq!(
        older["messages"].as_array().unwrap().last().unwrap()["seq"],
        first - 1
    );
}

/// Refused creations with a valid name (`room_exists`) count against the hourly limit; invalid
/// names do not.
#[tokio::test]
async fn refused_room_creations_count_against_the_limit_and_invalid_names_do_not() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let made = ada.request("create_room", json!({ "name": "plans" })).await;
    assert!(made.get("room").is_some(), "{made}");
    for _ in 0..4 {
        let again = ada.request("create_room", json!({ "name": "plans" })).await;
        assert_eq!(error_code(&again), "room_exists", "{again}");
    }
    let more = ada.request("create_room", json!({ "name": "fresh" })).await;
    assert_eq!(error_code(&more), "rate_limited", "{more}");

    let bob = server.client().await;
    for _ in 0..6 {
        let bad = bob
            .request("create_room", json!({ "name": "Not A Name" }))
            .await;
        assert_eq!(error_code(&bad), "invalid_room_name", "{bad}");
    }
    let ok = bob.request("create_room", json!({ "name": "ok" })).await;
    assert!(ok.get("room").is_some(), "{ok}");
}

/// A read state lists the oldest 100 unread mentions; reading on lists the next.
#[tokio::test]
async fn a_read_state_lists_the_oldest_hundred_unread_mentions() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let ada = server.client().await;
    let bob_user = server.register("bob").await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    for i in 1..=110 {
        ada.send_json("general", &format!("@bob {i}")).await;
    }
    let mentions = |reply: &Value| -> Value {
        reply["reads"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["room"] == "general"))
            .map(|r| r["mentions"].clone())
            .unwrap_or_else(|| panic!("no read state of general: {reply}"))
    };
    let rooms = bob.request("rooms", json!({})).await;
    assert_eq!(mentions(&rooms), json!((1..=100).collect::<Vec<i64>>()));
    bob.request("mark_read", json!({ "room": "general", "seq": 10 }))
        .await;
    let rooms = bob.request("rooms", json!({})).await;
    assert_eq!(mentions(&rooms), json!((11..=110).collect::<Vec<i64>>()));
}
