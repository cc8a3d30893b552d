//! Limits per user on what changes state, and caps on sizes: each refusal is an ack with a
//! code and a sentence, and changes nothing.

use crate::helpers::{req, room_names, Options, TestApp, TestClient};
use app::protocol::{ErrorBody, ErrorCode, RoomReply};

/// Adds `user` to `room` (even `i`) or removes them (odd `i`): one membership change each.
async fn membership_change(
    owner: &TestClient,
    i: usize,
    room: &str,
    user: &str,
) -> Result<RoomReply, ErrorBody> {
    if i % 2 == 0 {
        owner.call(&req::add_member(room, user)).await
    } else {
        owner.call(&req::remove_member(room, user)).await
    }
}

#[tokio::test]
async fn every_state_changing_event_is_rate_limited_per_user() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let bob = server.register("bob").await;

    // Rooms: five at once, then ten an hour.
    let created = ada.ok(&req::create_private("plans")).await;
    let plans = created.room.name;
    for i in 1..5 {
        ada.ok(&req::create(&format!("room{i}"))).await;
    }
    let refused = ada.refused(&req::create("room5")).await;
    assert_eq!(refused.code, ErrorCode::RateLimited);
    let sentence = &refused.message;
    assert!(
        sentence.contains("create at most 10 rooms per hour") && sentence.contains("Try again in"),
        "{sentence}"
    );
    let rooms = ada.rooms().await;
    assert!(
        !room_names(&rooms.rooms).contains(&"room5".to_owned())
            && !rooms.reads.iter().any(|r| r.room == "room5"),
        "a refused room is not made"
    );
    // Another user has their own budget.
    let other = server.client().await;
    other.ok(&req::create("room5")).await;

    // Topics: five at once.
    for i in 0..5 {
        ada.ok(&req::set_topic("room1", &format!("t{i}"))).await;
    }
    let refused = ada.refused(&req::set_topic("room1", "too many")).await;
    assert_eq!(refused.code, ErrorCode::RateLimited);

    // Direct conversations: ten at once.
    for _ in 0..10 {
        ada.ok(&req::open_direct("bob")).await;
    }
    let refused = ada.refused(&req::open_direct("bob")).await;
    assert_eq!(refused.code, ErrorCode::RateLimited);

    // Membership changes: thirty at once, then one a second (a slow machine may earn a few more
    // while the thirty are made: as many as whole seconds went by).
    let started = std::time::Instant::now();
    for i in 0..30 {
        let reply = membership_change(&ada, i, &plans, &bob.name).await;
        assert!(reply.is_ok(), "{i}: {reply:?}");
    }
    let earned = started.elapsed().as_secs() as usize;
    let mut refused = None;
    for i in 30..=30 + earned {
        if let Err(e) = membership_change(&ada, i, &plans, &bob.name).await {
            refused = Some(e);
            break;
        }
    }
    let refused = refused.expect("refused once the burst is spent");
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert!(
        refused.message.contains("membership changes"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn rooms_per_user_and_members_per_room_are_capped() {
    let flags = ["--rooms-per-user", "2", "--members-per-room", "2"];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let ada = server.client().await;
    let bob = server.register("bob").await;
    server.register("cy").await;
    let plans = ada.ok(&req::create_private("plans")).await.room.name;
    ada.ok(&req::create("open")).await;
    let refused = ada.refused(&req::create("third")).await;
    assert_eq!(refused.code, ErrorCode::LimitReached);
    assert!(refused.message.contains("You own 2 rooms"), "{refused:?}");
    // Direct conversations are not rooms one owns.
    ada.ok(&req::open_direct("cy")).await;

    // The owner and bob: full.
    ada.ok(&req::add_member(&plans, &bob.name)).await;
    let refused = ada.refused(&req::add_member(&plans, "cy")).await;
    assert_eq!(refused.code, ErrorCode::LimitReached);
    assert!(
        refused.message.contains(&format!("#{plans} has 2 members")),
        "{refused:?}"
    );
    // Adding someone who is in already still answers (it changes nothing).
    ada.ok(&req::add_member(&plans, &bob.name)).await;
}
