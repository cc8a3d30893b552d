use crate::helpers::{req, room_names, seqs, Options, TestApp, TestClient, WAIT};
use app::protocol::{event, HistoryLimit, HistoryRequest, LeaveReply, Message, RoomReply};
use rust_socketio::TransportType;
use std::time::Duration;

#[tokio::test]
async fn a_message_reaches_every_member_of_the_room_and_only_them() {
    let server = TestApp::spawn(Options::new()).await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    let mut carol = server.client().await;
    alice.join("general").await;
    bob.join("general").await;
    carol.ok(&req::create("random")).await;
    carol.join("random").await;
    // A socket hears every room in its user's list: carol takes general out of hers.
    carol.ok(&req::remove_member("general", &carol.name)).await;

    let sent = alice.send("general", "hello, room").await;
    assert_eq!(sent.body, "hello, room");
    assert_eq!(sent.room, "general");
    assert_eq!(sent.author, alice.name);
    assert_eq!(sent.seq, 1);
    assert!(sent.id.len() == 36, "server id: {sent:?}");
    assert!(sent.ts > 1_700_000_000_000, "server time: {sent:?}");

    // Everyone in the room, the sender too, gets the same stored message.
    assert_eq!(bob.next_as::<Message>(event::MESSAGE).await, sent);
    assert_eq!(alice.next_as::<Message>(event::MESSAGE).await, sent);
    carol.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn sequence_numbers_increase_per_room() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    c.ok(&req::create("second")).await;
    for expected in 1..=3 {
        assert_eq!(
            c.send("general", &format!("g{expected}")).await.seq,
            expected
        );
    }
    assert_eq!(c.send("second", "s1").await.seq, 1);
}

#[tokio::test]
async fn leaving_a_room_stops_its_messages() {
    let server = TestApp::spawn(Options::new()).await;
    let mut a = server.client().await;
    let b = server.client().await;
    a.join("general").await;
    let reply = a.ok(&req::leave("general")).await;
    assert_eq!(
        reply,
        LeaveReply {
            room: "general".into()
        }
    );
    b.send("general", "anyone?").await;
    a.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn join_returns_recent_history_and_what_came_after_a_seq() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let c = server.client().await;
    for i in 1..=60 {
        c.send("general", &format!("m{i}")).await;
    }
    let fresh = c.join("general").await;
    assert_eq!(
        seqs(&fresh.messages),
        (11..=60).collect::<Vec<_>>(),
        "the newest 50, oldest first"
    );
    assert_eq!(fresh.room.last_seq, 60);
    assert!(!fresh.truncated);

    let resumed = c.ok(&req::join_after("general", 57)).await;
    assert_eq!(seqs(&resumed.messages), vec![58, 59, 60]);

    let older = c
        .ok(&HistoryRequest {
            before: Some(11),
            limit: HistoryLimit::parse(Some(5)).unwrap(),
            ..req::history("general")
        })
        .await;
    assert_eq!(seqs(&older.messages), vec![6, 7, 8, 9, 10]);
}

#[tokio::test]
async fn the_same_key_twice_stores_one_message() {
    let server = TestApp::spawn(Options::new()).await;
    let mut c = server.client().await;
    c.join("general").await;
    let once = req::send_keyed("general", "once", "key-1");
    let first = c.ok(&once).await;
    let again = c.ok(&once).await;
    assert_eq!(first, again, "a repeat gets the original ack");
    c.next("message").await;
    c.none("message", Duration::from_millis(300)).await;
    assert_eq!(c.history("general").await.len(), 1);
}

#[tokio::test]
async fn a_new_room_reaches_its_creators_other_tabs_and_nobody_elses_list() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let tab = TestClient::connect(&server.url, &ada).await;
    let mut other_tab = TestClient::connect(&server.url, &ada).await;
    let mut b = server.client().await;
    let reply = tab.ok(&req::create("design")).await;
    assert_eq!(reply.room.name, "design");
    assert_eq!(reply.room.last_seq, 0);
    let announced: RoomReply = tokio::time::timeout(WAIT, other_tab.next_as(event::ROOM_ADDED))
        .await
        .unwrap();
    assert_eq!(announced.room.name, "design");
    // Others find it by browsing; their lists do not grow with every room on the server.
    b.none("room_added", Duration::from_millis(300)).await;
    let found = b.ok(&req::browse("")).await;
    assert!(room_names(&found.rooms).contains(&"design".to_owned()));
}

#[tokio::test]
async fn polling_upgraded_and_websocket_clients_chat_together() {
    let server = TestApp::spawn(Options::new()).await;
    let (p, u) = (server.register("pat").await, server.register("uma").await);
    let mut polling = TestClient::connect_with(&server.url, TransportType::Polling, &p).await;
    let mut upgraded = TestClient::connect_with(&server.url, TransportType::Any, &u).await;
    let mut ws = server.client().await;
    for c in [&polling, &upgraded, &ws] {
        c.join("general").await;
    }
    let sent = polling.send("general", "from polling").await;
    for c in [&mut polling, &mut upgraded, &mut ws] {
        assert_eq!(c.next_as::<Message>(event::MESSAGE).await, sent);
    }
    let sent = upgraded.send("general", "from upgraded").await;
    assert_eq!(polling.next_as::<Message>(event::MESSAGE).await, sent);
    assert_eq!(ws.next_as::<Message>(event::MESSAGE).await, sent);
}

#[tokio::test]
async fn the_same_key_sent_concurrently_stores_one_message() {
    let server = TestApp::spawn(Options::new()).await;
    // One user's tabs (or reconnections) racing with the same message.
    let ada = server.register("ada").await;
    let clients = [
        TestClient::connect(&server.url, &ada).await,
        TestClient::connect(&server.url, &ada).await,
        TestClient::connect(&server.url, &ada).await,
    ];
    let racing = req::send_keyed("general", "racing", "same-key");
    let (a, b, c) = tokio::join!(
        clients[0].ok(&racing),
        clients[1].ok(&racing),
        clients[2].ok(&racing),
    );
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(clients[0].history("general").await.len(), 1);
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_its_author() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let a = TestClient::connect(&server.url, &ada).await;
    let mut b = TestClient::connect(&server.url, &bob).await;
    b.join("general").await;
    let from_ada = req::send_keyed("general", "from ada", "k-1");
    let first = a.ok(&from_ada).await;
    assert_eq!(
        first.message.key.as_deref(),
        Some("k-1"),
        "the sender's ack carries the key"
    );
    // The others hear the message without the key. (As JSON: the key must be absent from the
    // event, not merely empty.)
    let heard = b.next("message").await;
    assert_eq!(heard["body"], "from ada");
    assert!(heard.get("key").is_none(), "{heard}");

    // Bob happens to use the same key: his own message is stored, Ada's is not returned.
    let theirs = b.ok(&req::send_keyed("general", "from bob", "k-1")).await;
    assert_eq!(theirs.message.author, "bob");
    assert_eq!(theirs.message.body, "from bob");
    assert_eq!(theirs.message.seq, 2);
    // Ada's repeat still returns her own message.
    let again = a.ok(&from_ada).await;
    assert_eq!(again, first);

    // In history each reader sees only their own keys.
    let seen_by_bob = b.history("general").await;
    let keys: Vec<Option<&str>> = seen_by_bob.iter().map(|m| m.key.as_deref()).collect();
    assert_eq!(keys, [None, Some("k-1")]);
}
