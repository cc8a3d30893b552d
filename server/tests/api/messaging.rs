use crate::helpers::{room_names_json, Options, TestApp, TestClient, WAIT};
use rust_socketio::TransportType;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_message_reaches_every_member_of_the_room_and_only_them() {
    let server = TestApp::spawn(Options::new()).await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    let mut carol = server.client().await;
    alice.join_json("general").await;
    bob.join_json("general").await;
    carol
        .request("create_room", json!({ "name": "random" }))
        .await;
    carol.join_json("random").await;
    // A socket hears every room in its user's list: carol takes general out of hers.
    let carol_name = carol.name.clone();
    carol
        .request(
            "remove_member",
            json!({ "room": "general", "username": carol_name }),
        )
        .await;

    let ack = alice.send_json("general", "hello, room").await;
    let sent = &ack["message"];
    assert_eq!(sent["body"], "hello, room");
    assert_eq!(sent["room"], "general");
    assert_eq!(sent["author"].as_str(), Some(alice.name.as_str()));
    assert_eq!(sent["seq"], 1);
    assert!(
        sent["id"].as_str().is_some_and(|id| id.len() == 36),
        "server id: {sent}"
    );
    assert!(
        sent["ts"].as_i64().is_some_and(|ts| ts > 1_700_000_000_000),
        "server time: {sent}"
    );

    // Everyone in the room, the sender too, gets the same stored message.
    assert_eq!(&bob.next("message").await, sent);
    assert_eq!(&alice.next("message").await, sent);
    carol.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn sequence_numbers_increase_per_room() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    c.request("create_room", json!({ "name": "second" })).await;
    for expected in 1..=3 {
        assert_eq!(
            c.send_json("general", &format!("g{expected}")).await["message"]["seq"],
            expected
        );
    }
    assert_eq!(c.send_json("second", "s1").await["message"]["seq"], 1);
}

#[tokio::test]
async fn leaving_a_room_stops_its_messages() {
    let server = TestApp::spawn(Options::new()).await;
    let mut a = server.client().await;
    let b = server.client().await;
    a.join_json("general").await;
    let reply = a.request("leave", json!({ "room": "general" })).await;
    assert_eq!(reply, json!({ "room": "general" }));
    b.send_json("general", "anyone?").await;
    a.none("message", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn join_returns_recent_history_and_what_came_after_a_seq() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let c = server.client().await;
    for i in 1..=60 {
        c.send_json("general", &format!("m{i}")).await;
    }
    let fresh = c.request("join", json!({ "room": "general" })).await;
    let seqs: Vec<i64> = fresh["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (11..=60).collect::<Vec<_>>(),
        "the newest 50, oldest first"
    );
    assert_eq!(fresh["room"]["last_seq"], 60);
    assert_eq!(fresh["truncated"], false);

    let resumed = c
        .request("join", json!({ "room": "general", "after": 57 }))
        .await;
    let seqs: Vec<i64> = resumed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![58, 59, 60]);

    let older = c
        .request(
            "history",
            json!({ "room": "general", "before": 11, "limit": 5 }),
        )
        .await;
    let seqs: Vec<i64> = older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![6, 7, 8, 9, 10]);
}

#[tokio::test]
async fn the_same_key_twice_stores_one_message() {
    let server = TestApp::spawn(Options::new()).await;
    let mut c = server.client().await;
    c.join_json("general").await;
    let payload = json!({ "room": "general", "body": "once", "key": "key-1" });
    let first = c.request("send", payload.clone()).await;
    let again = c.request("send", payload).await;
    assert_eq!(first, again, "a repeat gets the original ack");
    c.next("message").await;
    c.none("message", Duration::from_millis(300)).await;
    let h = c.request("history", json!({ "room": "general" })).await;
    assert_eq!(h["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_new_room_reaches_its_creators_other_tabs_and_nobody_elses_list() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let tab = TestClient::connect(&server.url, &ada).await;
    let mut other_tab = TestClient::connect(&server.url, &ada).await;
    let mut b = server.client().await;
    let reply = tab
        .request("create_room", json!({ "name": "design" }))
        .await;
    assert_eq!(reply["room"]["name"], "design");
    assert_eq!(reply["room"]["last_seq"], 0);
    let announced = tokio::time::timeout(WAIT, other_tab.next("room_added"))
        .await
        .unwrap();
    assert_eq!(announced["room"]["name"], "design");
    // Others find it by browsing; their lists do not grow with every room on the server.
    b.none("room_added", Duration::from_millis(300)).await;
    let found = b.request("browse", json!({})).await;
    assert!(room_names_json(&found).contains(&"design".to_owned()));
}

#[tokio::test]
async fn polling_upgraded_and_websocket_clients_chat_together() {
    let server = TestApp::spawn(Options::new()).await;
    let (p, u) = (server.register("pat").await, server.register("uma").await);
    let mut polling = TestClient::connect_with(&server.url, TransportType::Polling, &p).await;
    let mut upgraded = TestClient::connect_with(&server.url, TransportType::Any, &u).await;
    let mut ws = server.client().await;
    for c in [&polling, &upgraded, &ws] {
        c.join_json("general").await;
    }
    let sent = polling.send_json("general", "from polling").await["message"].clone();
    for c in [&mut polling, &mut upgraded, &mut ws] {
        assert_eq!(c.next("message").await, sent);
    }
    let sent = upgraded.send_json("general", "from upgraded").await["message"].clone();
    assert_eq!(polling.next("message").await, sent);
    assert_eq!(ws.next("message").await, sent);
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
    let payload = json!({ "room": "general", "body": "racing", "key": "same-key" });
    let (a, b, c) = tokio::join!(
        clients[0].request("send", payload.clone()),
        clients[1].request("send", payload.clone()),
        clients[2].request("send", payload.clone()),
    );
    assert_eq!(a, b);
    assert_eq!(b, c);
    let h = clients[0]
        .request("history", json!({ "room": "general" }))
        .await;
    assert_eq!(h["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_its_author() {
    let server = TestApp::spawn(Options::new()).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let a = TestClient::connect(&server.url, &ada).await;
    let mut b = TestClient::connect(&server.url, &bob).await;
    b.join_json("general").await;
    let first = a
        .request(
            "send",
            json!({ "room": "general", "body": "from ada", "key": "k-1" }),
        )
        .await;
    assert_eq!(
        first["message"]["key"], "k-1",
        "the sender's ack carries the key"
    );
    // The others hear the message without the key.
    let heard = b.next("message").await;
    assert_eq!(heard["body"], "from ada");
    assert!(heard.get("key").is_none(), "{heard}");

    // Bob happens to use the same key: his own message is stored, Ada's is not returned.
    let theirs = b
        .request(
            "send",
            json!({ "room": "general", "body": "from bob", "key": "k-1" }),
        )
        .await;
    assert_eq!(theirs["message"]["author"], "bob");
    assert_eq!(theirs["message"]["body"], "from bob");
    assert_eq!(theirs["message"]["seq"], 2);
    // Ada's repeat still returns her own message.
    let again = a
        .request(
            "send",
            json!({ "room": "general", "body": "from ada", "key": "k-1" }),
        )
        .await;
    assert_eq!(again, first);

    // In history each reader sees only their own keys.
    let seen_by_bob = b.request("history", json!({ "room": "general" })).await;
    let keys: Vec<&Value> = seen_by_bob["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["key"])
        .collect();
    assert_eq!(keys, [&Value::Null, &json!("k-1")]);
}
