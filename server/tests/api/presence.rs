//! Presence (online, away, offline) and notification levels, over Socket.IO: across several
//! tabs of one user, across two nodes joined by Redis, and with bad payloads.

use crate::helpers::{
    error_code, postgres_server, read_as, req, NodeOptions, Options, TestApp, TestClient,
    TestRedis, TwoNodes,
};
use app::protocol::{
    event, ActivityReply, ConnectAuth, ErrorCode, NotificationsReply, NotifyLevel, Presence,
    RoomsRequest, UserPresence,
};
use serde_json::json;
use std::time::Duration;

/// A CONNECT payload for a tab not in use.
const HIDDEN: ConnectAuth = ConnectAuth { active: false };

const QUIET: Duration = Duration::from_millis(500);

/// The next `presence` event about `user` (those about others are skipped), within 15 s: each
/// is counted on every node first, which a loaded machine running the whole suite slows.
async fn next_about(client: &mut TestClient, user: &str) -> Presence {
    loop {
        let p: UserPresence = read_as(
            &client
                .next_within(event::PRESENCE, Duration::from_secs(15))
                .await,
        );
        if p.user == user {
            return p.status;
        }
    }
}

/// `user`'s presence, as a `presence` request answers.
async fn asked(client: &TestClient, user: &str) -> Presence {
    let reply = client.ok(&req::presence(&[user])).await;
    assert_eq!(reply.users.len(), 1, "{reply:?}");
    assert_eq!(reply.users[0].user, user);
    reply.users[0].status
}

#[tokio::test]
async fn presence_follows_every_tab_of_a_user() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let mut bob1 = TestClient::connect(&server.url, &bob).await;
    assert_eq!(asked(&bob1, "ada").await, Presence::Offline);

    // Ada opens a tab: bob (who shares general with her) hears she is online.
    let ada1 = TestClient::connect(&server.url, &ada).await;
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Online);
    assert_eq!(asked(&bob1, "ada").await, Presence::Online);

    // A second tab, hidden from the start (its CONNECT says so), changes nothing.
    let ada2 = TestClient::connect_with_auth(&server.url, &ada, &HIDDEN).await;
    // The first tab goes idle: no tab of hers is in use, she is away.
    let ack = ada1.ok(&req::activity(false)).await;
    assert_eq!(
        ack,
        ActivityReply {
            status: Presence::Away
        }
    );
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Away);
    // Saying it again changes nothing; the hidden tab coming into use makes her online.
    let ack = ada1.ok(&req::activity(false)).await;
    assert_eq!(ack.status, Presence::Away);
    let ack = ada2.ok(&req::activity(true)).await;
    assert_eq!(ack.status, Presence::Online);
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Online);

    // Closing the tab in use leaves one that is not: away; closing that one too: offline.
    ada2.disconnect().await;
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Away);
    ada1.disconnect().await;
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Offline);
    assert_eq!(asked(&bob1, "ada").await, Presence::Offline);
}

#[tokio::test]
async fn presence_is_told_only_to_those_who_share_a_room() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob, cy) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cy").await,
    );
    // Cy leaves general: she shares no room with ada.
    let mut cy1 = TestClient::connect(&server.url, &cy).await;
    cy1.ok(&req::remove_member("general", "cy")).await;
    let mut bob1 = TestClient::connect(&server.url, &bob).await;
    let ada1 = TestClient::connect(&server.url, &ada).await;
    assert_eq!(next_about(&mut bob1, "ada").await, Presence::Online);
    tokio::time::sleep(QUIET).await;
    let about_ada: Vec<UserPresence> = cy1
        .drain()
        .into_iter()
        .filter(|(e, _)| e == event::PRESENCE)
        .map(|(_, p)| read_as::<UserPresence>(&p))
        .filter(|p| p.user == "ada")
        .collect();
    assert!(about_ada.is_empty(), "{about_ada:?}");
    // Anyone may still ask (as for a direct conversation not opened yet).
    assert_eq!(asked(&cy1, "ada").await, Presence::Online);
    drop(ada1);
}

#[tokio::test]
async fn bad_presence_requests_are_refused_with_a_reason() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let many: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
    // Payloads a typed request cannot be (or a server limit), as JSON.
    let cases = [
        ("presence", json!({ "users": many }), "bad_payload"),
        (
            "presence",
            json!({ "users": ["no such name!"] }),
            "invalid_username",
        ),
        ("presence", json!({ "users": "ada" }), "bad_payload"),
        ("presence", json!({}), "bad_payload"),
        ("activity", json!({ "active": "yes" }), "bad_payload"),
        ("activity", json!([true]), "bad_payload"),
    ];
    for (event, payload, code) in cases {
        let reply = ada1.request(event, payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{event} {payload}: {reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10),
            "{reply}"
        );
    }
    // An unknown user is simply offline; 50 at once are fine.
    let fifty: Vec<String> = (0..50).map(|i| format!("user{i}")).collect();
    let fifty: Vec<&str> = fifty.iter().map(String::as_str).collect();
    let reply = ada1.ok(&req::presence(&fifty)).await;
    assert_eq!(reply.users.len(), 50);
    assert_eq!(
        reply.users[7],
        UserPresence {
            user: "user7".into(),
            status: Presence::Offline
        }
    );
}

#[tokio::test]
async fn activity_notices_are_rate_limited() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let mut refused = None;
    for i in 0..40 {
        if let Err(e) = ada1.call(&req::activity(i % 2 == 0)).await {
            refused = Some(e);
            break;
        }
    }
    let refused = refused.expect("a burst of activity notices is limited");
    assert_eq!(refused.code, ErrorCode::RateLimited);
}

#[tokio::test]
async fn notification_levels_follow_the_user_to_every_tab() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let ada1 = TestClient::connect(&server.url, &ada).await;
    let mut ada2 = TestClient::connect(&server.url, &ada).await;
    let bob1 = TestClient::connect(&server.url, &bob).await;

    let muted = NotificationsReply {
        room: "general".into(),
        level: NotifyLevel::Muted,
    };
    let ack = ada1
        .ok(&req::notifications("general", NotifyLevel::Muted))
        .await;
    assert_eq!(ack, muted);
    let told: NotificationsReply = ada2.next_as(event::NOTIFICATIONS).await;
    assert_eq!(told, muted);
    // The room list says it (the default, mentions, is left out: as JSON); bob's is his own.
    let rooms = ada2.rooms().await;
    assert_eq!(rooms.reads[0].notify, NotifyLevel::Muted);
    let rooms = bob1.raw(&RoomsRequest {}).await;
    assert!(rooms["reads"][0].get("notify").is_none(), "{rooms}");
    ada1.ok(&req::notifications("general", NotifyLevel::Mentions))
        .await;
    let rooms = ada1.raw(&RoomsRequest {}).await;
    assert!(rooms["reads"][0].get("notify").is_none(), "{rooms}");

    // Bad levels, rooms outside the list, unknown rooms: a table of refusals, as JSON (several
    // are fields a typed request cannot carry).
    ada1.ok(&req::create("ops")).await;
    ada1.ok(&req::create_private("plans")).await;
    let cases = [
        (json!({ "room": "general", "level": "loud" }), "bad_payload"),
        (json!({ "room": "general" }), "bad_payload"),
        (json!({ "room": "ops", "level": "all" }), "forbidden"),
        (
            json!({ "room": "ada/plans", "level": "all" }),
            "unknown_room",
        ),
        (
            json!({ "room": "Nope!", "level": "all" }),
            "invalid_room_name",
        ),
    ];
    for (payload, code) in cases {
        let reply = bob1.request("set_notifications", payload.clone()).await;
        assert_eq!(error_code(&reply), code, "{payload}: {reply}");
    }
}

#[tokio::test]
async fn presence_holds_across_two_nodes() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let redis = TestRedis::start().await;
    let nodes = TwoNodes::start(NodeOptions::new().redis(&redis).named(["a", "b"])).await;
    let [a, b] = nodes.both();
    let (ada, bob) = (a.register("ada").await, b.register("bob").await);
    let mut bob_b = TestClient::connect(&b.url, &bob).await;

    // Ada's tab on node a, hidden; bob on node b hears her arrive, and asks node b.
    let ada_a = TestClient::connect_with_auth(&a.url, &ada, &HIDDEN).await;
    assert_eq!(next_about(&mut bob_b, "ada").await, Presence::Away);
    assert_eq!(asked(&bob_b, "ada").await, Presence::Away);
    // Another tab on node b, in use: online, though her other tab is on the other node.
    let ada_b = TestClient::connect(&b.url, &ada).await;
    assert_eq!(next_about(&mut bob_b, "ada").await, Presence::Online);
    // The tab in use closes on b: node b counts her hidden tab on a, so she is away.
    ada_b.disconnect().await;
    assert_eq!(next_about(&mut bob_b, "ada").await, Presence::Away);
    ada_a.disconnect().await;
    assert_eq!(next_about(&mut bob_b, "ada").await, Presence::Offline);
}

/// socketioxide closes a socket twice (its client's DISCONNECT, then its transport), and the
/// second close empties its rooms at once, before the first one's handler has its turn: two
/// tabs closing together could each find the other gone, and nobody said "offline". (That
/// ordering needs a loaded machine; this asserts the outcome over many rounds.)
#[tokio::test]
async fn tabs_closing_together_leave_their_user_offline() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let mut bob1 = TestClient::connect(&server.url, &bob).await;
    for round in 0..20 {
        let ada1 = TestClient::connect(&server.url, &ada).await;
        assert_eq!(
            next_about(&mut bob1, "ada").await,
            Presence::Online,
            "round {round}"
        );
        let ada2 = TestClient::connect(&server.url, &ada).await;
        ada2.rooms().await;
        tokio::join!(ada1.disconnect(), ada2.disconnect());
        assert_eq!(
            next_about(&mut bob1, "ada").await,
            Presence::Offline,
            "round {round}"
        );
        bob1.none("presence", Duration::from_millis(50)).await;
    }
}
