//! Read positions, unread counts, mentions and typing notices, over Socket.IO.

use crate::helpers::{error_code, req, Options, TestApp, TestClient};
use app::protocol::{
    event, ErrorCode, MembersReply, Message, ReadReply, ReadState, RoomsReply, TypingEvent,
    TypingReply,
};
use serde_json::json;
use std::time::Duration;

/// The read state of `room` in a `rooms` reply.
fn read_of<'a>(reply: &'a RoomsReply, room: &str) -> &'a ReadState {
    reply
        .reads
        .iter()
        .find(|r| r.room == room)
        .unwrap_or_else(|| panic!("no read state of {room}: {reply:?}"))
}

fn read_state(room: &str, read: i64, mentions: &[i64]) -> ReadState {
    ReadState {
        room: room.to_owned(),
        read,
        mentions: mentions.to_vec(),
        ..ReadState::default()
    }
}

fn read_reply(room: &str, read: i64) -> ReadReply {
    ReadReply {
        room: room.to_owned(),
        read,
    }
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

    ada1.send("general", "morning").await;
    let mention = ada1.send("general", "@bob can you look? cc @nobody").await;
    assert_eq!(mention.mentions, ["bob"]);
    ada1.send("general", "thanks").await;
    for tab in [&mut bob1, &mut bob2] {
        let first: Message = tab.next_as(event::MESSAGE).await;
        assert_eq!((first.room.as_str(), first.seq), ("general", 1));
        let second: Message = tab.next_as(event::MESSAGE).await;
        assert_eq!(second.mentions, ["bob"]);
    }

    // Bob has read nothing yet; one unread message mentions him. Ada has read what she wrote.
    let rooms = bob1.rooms().await;
    assert_eq!(read_of(&rooms, "general"), &read_state("general", 0, &[2]));
    let rooms = ada1.rooms().await;
    assert_eq!(read_of(&rooms, "general").read, 3);
    // A join says where the reader stood, for the "new messages" line.
    assert_eq!(bob1.join("general").await.read.read, 0);

    // Bob reads up to 2 in one tab; every tab of his hears it.
    let ack = bob1.ok(&req::mark_read("general", 2)).await;
    assert_eq!(ack, read_reply("general", 2));
    let told: ReadReply = bob2.next_as(event::READ_POSITION).await;
    assert_eq!(told, read_reply("general", 2));
    // Never backwards, never past the newest message.
    let ack = bob2.ok(&req::mark_read("general", 1)).await;
    assert_eq!(ack.read, 2);
    let ack = bob2.ok(&req::mark_read("general", 1000)).await;
    assert_eq!(ack.read, 3);

    // After a restart the position is where it was, with no mention left unread.
    drop((ada1, bob1, bob2));
    server.kill().await;
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let bob3 = TestClient::connect(&server.url, &bob).await;
    let rooms = bob3.rooms().await;
    assert_eq!(read_of(&rooms, "general"), &read_state("general", 3, &[]));
}

#[tokio::test]
async fn rooms_that_enter_the_list_are_heard_at_once_on_every_socket() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let bob1 = TestClient::connect(&server.url, &bob).await;
    let mut bob2 = TestClient::connect(&server.url, &bob).await;

    // A private room bob is added to, and a public one he joins in his other tab.
    ada1.ok(&req::create_private("plans")).await;
    ada1.ok(&req::add_member("ada/plans", "bob")).await;
    ada1.ok(&req::create("ops")).await;
    bob1.join("ops").await;
    ada1.send("ada/plans", "secret").await;
    ada1.send("ops", "deploy").await;
    assert_eq!(bob2.next_as::<Message>(event::MESSAGE).await.body, "secret");
    assert_eq!(bob2.next_as::<Message>(event::MESSAGE).await.body, "deploy");

    // Leaving (or being removed) ends it.
    bob1.ok(&req::remove_member("ops", "bob")).await;
    ada1.ok(&req::remove_member("ada/plans", "bob")).await;
    ada1.send("ops", "gone?").await;
    ada1.send("ada/plans", "gone?").await;
    bob2.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn bad_read_positions_are_refused_with_a_reason() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let bob1 = TestClient::connect(&server.url, &bob).await;
    ada1.ok(&req::create_private("plans")).await;
    ada1.ok(&req::create("ops")).await;
    // A table of refusals, as JSON: several are fields a typed request cannot carry.
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
    ada1.ok(&req::create_private("plans")).await;
    ada1.ok(&req::add_member("ada/plans", "bob")).await;

    let ack = ada1.ok(&req::typing("ada/plans")).await;
    assert_eq!(ack, TypingReply {});
    let typing: TypingEvent = bob1.next_as(event::TYPING).await;
    assert_eq!(
        typing,
        TypingEvent {
            room: "ada/plans".into(),
            user: "ada".into()
        }
    );
    // Not her own other tab, not someone outside the room; nothing is stored.
    ada2.none("typing", Duration::from_millis(300)).await;
    cy1.none("typing", Duration::from_millis(100)).await;
    assert!(bob1.read_all("ada/plans").await.is_empty());

    assert_eq!(
        cy1.refused(&req::typing("ada/plans")).await.code,
        ErrorCode::UnknownRoom
    );
    // Payloads a typed request cannot be, as JSON.
    for (payload, code) in [
        (json!({}), "bad_payload"),
        (json!({ "room": 5 }), "bad_payload"),
    ] {
        let reply = cy1.request("typing", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}: {reply}");
    }

    // A burst of 10, then refusals with the limit in words.
    let mut refused = None;
    for _ in 0..12 {
        if let Err(e) = bob1.call(&req::typing("general")).await {
            refused = Some(e);
            break;
        }
    }
    let refused = refused.expect("a flood of typing notices is refused");
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert!(refused.message.contains("typing notices"), "{refused:?}");
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
    let reply = ada.ok(&req::members("general", "B")).await;
    assert_eq!(
        reply,
        MembersReply {
            members: vec!["bea".into(), "bob".into()]
        }
    );
    // As JSON: `prefix` left out (a typed request always carries one).
    let all = ada.request("members", json!({ "room": "general" })).await;
    assert_eq!(all["members"], json!(["ada", "bea", "bob", "cy"]));

    ada.ok(&req::create_private("plans")).await;
    let own = ada.ok(&req::members("ada/plans", "")).await;
    assert_eq!(own.members, ["ada"]);
    assert_eq!(
        cy.refused(&req::members("ada/plans", "a")).await.code,
        ErrorCode::UnknownRoom
    );
    // Out-of-range and missing fields, as JSON: the server's own checks.
    for (payload, code) in [
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
