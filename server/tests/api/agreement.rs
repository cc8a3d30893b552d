//! Where a client written from docs/protocol.md alone found the code and the document apart:
//! each settled (the code fixed, or the document where the code was right), and held here.

use crate::helpers::{error_code, req, seqs, Options, TestApp, TestClient};
use app::protocol::{event, ErrorCode, HistoryRequest, JoinRequest, RoomReply, RoomsReply};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(400);

/// "Adding a member twice changes nothing": and tells nobody.
#[tokio::test]
async fn adding_a_member_twice_tells_nobody() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let mut ada = TestClient::connect(&server.url, &ada).await;
    let mut bob = TestClient::connect(&server.url, &bob).await;
    ada.ok(&req::create_private("secret")).await;
    let add = req::add_member("ada/secret", "bob");
    ada.ok(&add).await;
    let added: RoomReply = bob.next_as(event::ROOM_ADDED).await;
    assert_eq!(added.room.name, "ada/secret");
    let updated: RoomReply = ada.next_as(event::ROOM_UPDATED).await;
    assert_eq!(updated.room.members, ["ada", "bob"]);

    let again = ada.ok(&add).await;
    assert_eq!(again.room.members, ["ada", "bob"], "{again:?}");
    bob.none("room_added", QUIET).await;
    bob.none("room_updated", QUIET).await;
    ada.none("room_updated", QUIET).await;
}

/// A Change's `message` is "without `key`", read back or heard live; the author's own
/// messages in `join` keep theirs. (The replies are read as JSON: the key must be absent from
/// the wire, not merely empty.)
#[tokio::test]
async fn a_change_never_carries_the_authors_key() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let sent = ada.ok(&req::send_keyed("general", "helo", "k-1")).await;
    let seq = sent.message.seq;
    ada.ok(&req::edit("general", seq, "hello")).await;

    let page = ada.raw(&req::changes("general", 0)).await;
    assert_eq!(page["changes"][0]["message"]["body"], "hello", "{page}");
    assert!(page["changes"][0]["message"].get("key").is_none(), "{page}");
    let back = ada
        .raw(&JoinRequest {
            after: Some(0),
            changes_after: Some(0),
            ..req::join("general")
        })
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
        c.send("general", &"x".repeat(3000)).await;
    }
    let fresh = c.join("general").await;
    let newest = seqs(&fresh.messages);
    assert!(newest.len() < 40, "cut to the reply's budget: {newest:?}");
    assert_eq!(newest.last(), Some(&40));
    assert!(!fresh.truncated);
    let first = newest[0];
    let older = c
        .ok(&HistoryRequest {
            before: Some(first),
            ..req::history("general")
        })
        .await;
    assert_eq!(older.messages.last().unwrap().seq, first - 1);
}

/// Refused creations with a valid name (`room_exists`) count against the hourly limit; invalid
/// names do not.
#[tokio::test]
async fn refused_room_creations_count_against_the_limit_and_invalid_names_do_not() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    ada.ok(&req::create("plans")).await;
    for _ in 0..4 {
        let again = ada.refused(&req::create("plans")).await;
        assert_eq!(again.code, ErrorCode::RoomExists, "{again:?}");
    }
    let more = ada.refused(&req::create("fresh")).await;
    assert_eq!(more.code, ErrorCode::RateLimited, "{more:?}");

    let bob = server.client().await;
    // An invalid name, as JSON: a typed request cannot carry it.
    for _ in 0..6 {
        let bad = bob
            .request("create_room", json!({ "name": "Not A Name" }))
            .await;
        assert_eq!(error_code(&bad), "invalid_room_name", "{bad}");
    }
    // Names kept for direct conversations are invalid names too, refused as they are read.
    for i in 0..6 {
        let reserved = bob
            .request("create_room", json!({ "name": format!("dm-{i}") }))
            .await;
        assert_eq!(error_code(&reserved), "invalid_room_name", "{reserved}");
        assert!(
            reserved.to_string().contains("direct conversations"),
            "{reserved}"
        );
    }
    bob.ok(&req::create("ok")).await;
}

/// A read state lists the oldest 100 unread mentions; reading on lists the next.
#[tokio::test]
async fn a_read_state_lists_the_oldest_hundred_unread_mentions() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let ada = server.client().await;
    let bob_user = server.register("bob").await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    for i in 1..=110 {
        ada.send("general", &format!("@bob {i}")).await;
    }
    let mentions = |reply: &RoomsReply| -> Vec<i64> {
        reply
            .reads
            .iter()
            .find(|r| r.room == "general")
            .map(|r| r.mentions.clone())
            .unwrap_or_else(|| panic!("no read state of general: {reply:?}"))
    };
    let rooms = bob.rooms().await;
    assert_eq!(mentions(&rooms), (1..=100).collect::<Vec<i64>>());
    bob.ok(&req::mark_read("general", 10)).await;
    let rooms = bob.rooms().await;
    assert_eq!(mentions(&rooms), (11..=110).collect::<Vec<i64>>());
}
