//! What operators see: `/metrics` on its own address, and the ops dashboard's events, on one
//! node and across two.

use crate::helpers::{
    error_code, free_port, http, postgres_server, read_as, req, NodeOptions, Options, TestApp,
    TestClient, TestRedis, TwoNodes,
};
use app::protocol::{ErrorCode, OpsUnwatchRequest, OpsWatchRequest, OpsWindow};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_on_their_own_address_only() {
    let addr = format!("127.0.0.1:{}", free_port());
    let server = TestApp::spawn(Options::new().flags(&["--metrics-addr", &addr])).await;
    let ada = server.register("ada").await;
    let client = TestClient::connect(&server.url, &ada).await;
    client.join("general").await;
    client.send("general", "counted").await;
    let refused = client.refused(&req::send("nowhere", "x")).await;
    assert_eq!(refused.code, ErrorCode::UnknownRoom);

    let res = http()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert!(text.contains("natter_messages_stored_total 1"), "{text}");
    assert!(
        text.contains("natter_requests_total{event=\"send\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("natter_request_errors_total{event=\"send\",code=\"unknown_room\"} 1"),
        "{text}"
    );
    assert!(text.contains("natter_commit_messages"), "{text}");
    assert!(text.contains("natter_request_seconds"), "{text}");

    let public = http()
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404, "the public port serves no metrics");
}

/// The next `ops_window` of `node`, within a few seconds, as JSON (to see what it leaves out).
async fn window_of(client: &mut TestClient, node: &str) -> Value {
    for _ in 0..20 {
        let w = client
            .next_within("ops_window", Duration::from_secs(3))
            .await;
        if w["node"] == node {
            return w;
        }
    }
    panic!("no ops_window of {node}");
}

#[tokio::test]
async fn administrators_watch_each_second_and_everyone_else_finds_nothing() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await; // the first account: an administrator
    let bob = server.register("bob").await;
    let mut admin = TestClient::connect(&server.url, &ada).await;
    let bob_c = TestClient::connect(&server.url, &bob).await;

    let refusals = [
        ("ops_watch", bob_c.refused(&OpsWatchRequest {}).await),
        ("ops_unwatch", bob_c.refused(&OpsUnwatchRequest {}).await),
    ];
    for (event, refused) in refusals {
        assert_eq!(refused.code, ErrorCode::NotFound, "{event}: {refused:?}");
    }
    // Not an object, as JSON: a typed request cannot be that.
    let bad = admin.request("ops_watch", json!([])).await;
    assert_eq!(error_code(&bad), "bad_payload");

    admin.ok(&OpsWatchRequest {}).await;
    // The one node, named by default by its host and the port it listens on.
    let first: OpsWindow = read_as(
        &admin
            .next_within("ops_window", Duration::from_secs(3))
            .await,
    );
    let port = server.url.rsplit(':').next().unwrap();
    assert!(first.node.ends_with(&format!(":{port}")), "{first:?}");
    assert_eq!(first.sockets, 2, "{first:?}");
    assert_eq!(first.websocket, 2);
    assert_eq!(first.users, 2);

    // Bob sends three messages: a window counts them in, and the deliveries out (to his own
    // socket and Ada's, both in general) a second later.
    bob_c.join("general").await;
    admin.join("general").await;
    for i in 0..3 {
        bob_c.send("general", &format!("m{i}")).await;
    }
    let name = first.node.clone();
    let (mut stored, mut delivered, mut acks) = (0, 0, 0);
    for _ in 0..4 {
        let raw = window_of(&mut admin, &name).await;
        // As JSON: the window carries no `rooms` key at all.
        assert!(
            raw.get("rooms").is_none(),
            "room names stay on the server: {raw}"
        );
        let w: OpsWindow = read_as(&raw);
        stored += w.messages_in;
        delivered += w.deliveries_out;
        acks += w.acks;
        if delivered >= 6 {
            break;
        }
    }
    assert_eq!(stored, 3);
    assert_eq!(delivered, 6, "3 messages to 2 sockets");
    assert!(acks >= 3);

    // A watcher opening later starts from the history.
    let again = admin.ok(&OpsWatchRequest {}).await;
    let windows = &again.nodes[0].windows;
    assert!(windows.len() >= 3, "{again:?}");
    assert!(windows.iter().any(|w| w.messages_in > 0));

    admin.ok(&OpsUnwatchRequest {}).await;
    admin.drain();
    admin.none("ops_window", Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn the_dashboard_shows_every_node_of_a_cluster() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let redis = TestRedis::start().await;
    let nodes = TwoNodes::start(NodeOptions::new().redis(&redis).named(["a", "b"])).await;
    let [a, b] = nodes.both();
    let ada = a.register("ada").await;
    let bob = b.register("bob").await;
    let mut admin = TestClient::connect(&a.url, &ada).await;
    let bob_b = TestClient::connect(&b.url, &bob).await;
    admin.join("general").await;
    bob_b.join("general").await;
    admin.ok(&OpsWatchRequest {}).await;
    bob_b.send("general", "from b").await;

    // Windows of both nodes reach the administrator on node a; b's message is counted in on
    // b, and delivered on both (bob's socket on b, ada's on a).
    let (mut in_b, mut out_a, mut out_b) = (0, 0, 0);
    for _ in 0..40 {
        let w: OpsWindow = read_as(
            &admin
                .next_within("ops_window", Duration::from_secs(3))
                .await,
        );
        match w.node.as_str() {
            "a" => out_a += w.deliveries_out,
            "b" => {
                in_b += w.messages_in;
                out_b += w.deliveries_out;
                assert_eq!(w.sockets, 1, "{w:?}");
            }
            other => panic!("a window of an unknown node {other:?}"),
        }
        if in_b == 1 && out_a == 1 && out_b == 1 {
            break;
        }
    }
    assert_eq!((in_b, out_a, out_b), (1, 1, 1));
    let history = admin.ok(&OpsWatchRequest {}).await;
    let names: Vec<&str> = history.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}
