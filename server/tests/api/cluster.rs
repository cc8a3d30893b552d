//! Two Natter nodes, one PostgreSQL database and Redis between them: whatever reaches sockets on
//! one node reaches them on the other, and a Redis outage loses nothing. (PostgreSQL only: run
//! with `NATTER_TEST_POSTGRES`, as `.ci/test` does.)

use crate::helpers::{postgres_server, NodeOptions, TestClient, TestRedis, TwoNodes};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(500);

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
    ada_a.join_json("general").await;
    bob_b.join_json("general").await;
    ada_a.send_json("general", "hello from a").await;
    assert_eq!(bob_b.next("message").await["body"], "hello from a");
    assert_eq!(
        ada_a.next("message").await["body"],
        "hello from a",
        "her own"
    );
    bob_b.send_json("general", "hello from b").await;
    assert_eq!(ada_a.next("message").await["body"], "hello from b");
    assert_eq!(
        bob_b.next("message").await["body"],
        "hello from b",
        "his own"
    );

    // Room changes: a private room, a member added, its topic, the member removed.
    let made = ada_a
        .request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    assert_eq!(made["room"]["name"], "ada/plans");
    ada_a
        .request(
            "add_member",
            json!({ "room": "ada/plans", "username": "bob" }),
        )
        .await;
    assert_eq!(bob_b.next("room_added").await["room"]["name"], "ada/plans");
    bob_b.join_json("ada/plans").await;
    ada_a
        .request("set_topic", json!({ "room": "ada/plans", "topic": "Q3" }))
        .await;
    assert_eq!(bob_b.next("room_updated").await["room"]["topic"], "Q3");
    ada_a.send_json("ada/plans", "members only").await;
    assert_eq!(bob_b.next("message").await["body"], "members only");
    ada_a
        .request(
            "remove_member",
            json!({ "room": "ada/plans", "username": "bob" }),
        )
        .await;
    assert_eq!(
        bob_b.next("room_removed").await["room"]["name"],
        "ada/plans"
    );
    // His socket on the other node left the room at once.
    ada_a.send_json("ada/plans", "after bob left").await;
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
        c.join_json("general").await;
    }
    ada_a.send_json("general", "before").await;
    assert_eq!(bob_b.next("message").await["body"], "before");
    assert_eq!(ada_a2.next("message").await["body"], "before");

    redis.stop().await;
    // Sends are stored and acknowledged; this node's sockets still hear them.
    let sent = ada_a.send_json("general", "during the outage").await;
    assert_eq!(sent["message"]["seq"], 2, "{sent}");
    assert_eq!(ada_a2.next("message").await["body"], "during the outage");
    bob_b.none("message", QUIET).await;
    // Long enough for node b's once-a-second ping to find Redis gone too (it sent nothing
    // meanwhile, so only its ping can tell it missed something).
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // Redis is back: the other node's clients are told to catch up, and get it by seq.
    redis.restart().await;
    bob_b.next_within("resync", Duration::from_secs(10)).await;
    let caught = bob_b
        .request("join", json!({ "room": "general", "after": 1 }))
        .await;
    assert_eq!(caught["messages"][0]["body"], "during the outage");
    // And fan-out is live again, both ways.
    ada_a.send_json("general", "after").await;
    assert_eq!(bob_b.next("message").await["body"], "after");
    assert_eq!(ada_a2.next("message").await["body"], "after");
    bob_b.send_json("general", "welcome back").await;
    assert_eq!(ada_a2.next("message").await["body"], "welcome back");
}
