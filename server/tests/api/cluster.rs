//! Two Natter nodes, one PostgreSQL database and Redis between them: whatever reaches sockets on
//! one node reaches them on the other, and a Redis outage loses nothing. (PostgreSQL only: run
//! with `NATTER_TEST_POSTGRES`, as `.ci/test` does.)

use crate::helpers::{postgres_server, req, NodeOptions, TestClient, TestRedis, TwoNodes};
use app::protocol::{event, Message, RoomReply};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(500);

/// The body of the next `message` `client` hears.
async fn body_of(client: &mut TestClient) -> String {
    client.next_as::<Message>(event::MESSAGE).await.body
}

#[tokio::test]
async fn users_on_different_nodes_hear_every_change_live() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let redis = TestRedis::start().await;
    let nodes = TwoNodes::start(NodeOptions::new().redis(&redis).named(["a", "b"])).await;
    let [a, b] = nodes.both();
    let ada = a.register("ada").await;
    let bob = b.register("bob").await;
    let mut ada_a = TestClient::connect(&a.url, &ada).await;
    let mut bob_b = TestClient::connect(&b.url, &bob).await;

    // Messages, both ways.
    ada_a.join("general").await;
    bob_b.join("general").await;
    ada_a.send("general", "hello from a").await;
    assert_eq!(body_of(&mut bob_b).await, "hello from a");
    assert_eq!(body_of(&mut ada_a).await, "hello from a", "her own");
    bob_b.send("general", "hello from b").await;
    assert_eq!(body_of(&mut ada_a).await, "hello from b");
    assert_eq!(body_of(&mut bob_b).await, "hello from b", "his own");

    // Room changes: a private room, a member added, its topic, the member removed.
    let made = ada_a.ok(&req::create_private("plans")).await;
    assert_eq!(made.room.name, "ada/plans");
    ada_a.ok(&req::add_member("ada/plans", "bob")).await;
    let added: RoomReply = bob_b.next_as(event::ROOM_ADDED).await;
    assert_eq!(added.room.name, "ada/plans");
    bob_b.join("ada/plans").await;
    ada_a.ok(&req::set_topic("ada/plans", "Q3")).await;
    let updated: RoomReply = bob_b.next_as(event::ROOM_UPDATED).await;
    assert_eq!(updated.room.topic, "Q3");
    ada_a.send("ada/plans", "members only").await;
    assert_eq!(body_of(&mut bob_b).await, "members only");
    ada_a.ok(&req::remove_member("ada/plans", "bob")).await;
    let removed: RoomReply = bob_b.next_as(event::ROOM_REMOVED).await;
    assert_eq!(removed.room.name, "ada/plans");
    // His socket on the other node left the room at once.
    ada_a.send("ada/plans", "after bob left").await;
    bob_b.none("message", QUIET).await;

    // Logging out on one node closes the user's sockets on the other.
    let mut ada_b = TestClient::connect(&b.url, &ada).await;
    let out = a
        .post_form("/auth/logout", &[("everywhere", "1")], Some(&ada))
        .await;
    assert_eq!(out.status(), 204);
    ada_b.closed().await;
    ada_a.closed().await;
}

#[tokio::test]
async fn a_redis_outage_loses_nothing_and_clients_catch_up_when_it_is_back() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let mut redis = TestRedis::start().await;
    let nodes = TwoNodes::start(NodeOptions::new().redis(&redis).named(["a", "b"])).await;
    let [a, b] = nodes.both();
    let ada = a.register("ada").await;
    let bob = b.register("bob").await;
    let ada_a = TestClient::connect(&a.url, &ada).await;
    let mut ada_a2 = TestClient::connect(&a.url, &ada).await;
    let mut bob_b = TestClient::connect(&b.url, &bob).await;
    for c in [&ada_a, &ada_a2, &bob_b] {
        c.join("general").await;
    }
    ada_a.send("general", "before").await;
    assert_eq!(body_of(&mut bob_b).await, "before");
    assert_eq!(body_of(&mut ada_a2).await, "before");

    redis.stop().await;
    // Sends are stored and acknowledged; this node's sockets still hear them.
    let sent = ada_a.send("general", "during the outage").await;
    assert_eq!(sent.seq, 2, "{sent:?}");
    assert_eq!(body_of(&mut ada_a2).await, "during the outage");
    bob_b.none("message", QUIET).await;
    // Long enough for node b's once-a-second ping to find Redis gone too (it sent nothing
    // meanwhile, so only its ping can tell it missed something).
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // Redis is back: the other node's clients are told to catch up, and get it by seq.
    redis.restart().await;
    bob_b.next_within("resync", Duration::from_secs(10)).await;
    let caught = bob_b.ok(&req::join_after("general", 1)).await;
    assert_eq!(caught.messages[0].body, "during the outage");
    // And fan-out is live again, both ways.
    ada_a.send("general", "after").await;
    assert_eq!(body_of(&mut bob_b).await, "after");
    assert_eq!(body_of(&mut ada_a2).await, "after");
    bob_b.send("general", "welcome back").await;
    assert_eq!(body_of(&mut ada_a2).await, "welcome back");
}
