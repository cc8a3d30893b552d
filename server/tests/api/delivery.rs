//! The delivery checker: many clients send while they drop and resume their connections and
//! while the server is killed (SIGKILL) and restarted; afterwards every client must hold exactly
//! the server's full, ordered sequence of every room it joined: nothing lost, nothing twice.

use crate::helpers::{TestClient, TestServer, TestUser};
use rust_socketio::TransportType;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

const CLIENTS: usize = 8;
const SENDS_PER_CLIENT: usize = 30;
const RESTARTS: usize = 2;
const ROOMS: [&str; 2] = ["general", "second"];

/// A small deterministic generator, so a failing run can be replayed from its printed seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A message as every member sees it: the idempotency key is shown to its author only (in the
/// ack and in their own reads), so copies are compared without it.
fn without_key(message: &Value) -> Value {
    let mut m = message.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("key");
    }
    m
}

/// One client's view: what it holds per room, keyed by seq.
struct Checker {
    url: Arc<Mutex<String>>,
    rooms: Vec<&'static str>,
    held: HashMap<&'static str, BTreeMap<i64, Value>>,
    conn: Option<TestClient>,
    reconnects: usize,
    /// Its session survives the server's restarts (it is in the database).
    user: TestUser,
}

impl Checker {
    /// The seq up to which every message of `room` is held.
    fn contiguous(&self, room: &str) -> i64 {
        let mut upto = 0;
        for seq in self.held[room].keys() {
            if *seq != upto + 1 {
                break;
            }
            upto = *seq;
        }
        upto
    }

    fn record(&mut self, message: &Value) {
        let message = &without_key(message);
        let room = ROOMS
            .iter()
            .find(|r| **r == message["room"])
            .copied()
            .expect("known room");
        if let Some(held) = self.held.get_mut(room) {
            let seq = message["seq"].as_i64().unwrap();
            if let Some(previous) = held.insert(seq, message.clone()) {
                assert_eq!(
                    &previous, message,
                    "seq {seq} of {room} arrived with different contents"
                );
            }
        }
    }

    fn take_events(&mut self) {
        let events = self.conn.as_mut().map(|c| c.drain()).unwrap_or_default();
        for (name, data) in events {
            if name == "message" {
                self.record(&data);
            }
        }
    }

    /// Connects (retrying while the server is down) and resumes every room after its held seq.
    async fn ensure_connected(&mut self) {
        while self.conn.is_none() {
            let url = self.url.lock().await.clone();
            let cookie = Some(self.user.cookie.as_str());
            let Some(conn) =
                TestClient::try_connect_with(&url, TransportType::Websocket, cookie).await
            else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            self.conn = Some(conn);
            for room in self.rooms.clone() {
                loop {
                    let after = self.contiguous(room);
                    let req = json!({ "room": room, "after": after });
                    let Some(reply) = self.conn.as_ref().unwrap().try_request("join", req).await
                    else {
                        self.conn = None;
                        break;
                    };
                    assert!(reply.get("error").is_none(), "join refused: {reply}");
                    for m in reply["messages"].as_array().unwrap() {
                        self.record(m);
                    }
                    if reply["truncated"] != true {
                        break;
                    }
                }
                if self.conn.is_none() {
                    break;
                }
            }
            self.reconnects += 1;
        }
    }

    /// Sends until acknowledged, with the same key every time.
    async fn send(&mut self, room: &str, key: &str, body: &str) -> Value {
        loop {
            self.ensure_connected().await;
            let req = json!({ "room": room, "body": body, "key": key });
            match self.conn.as_ref().unwrap().try_request("send", req).await {
                Some(reply) => {
                    assert!(reply.get("error").is_none(), "send refused: {reply}");
                    self.take_events();
                    return reply["message"].clone();
                }
                None => self.drop_connection().await,
            }
        }
    }

    async fn drop_connection(&mut self) {
        self.take_events();
        if let Some(conn) = self.conn.take() {
            conn.disconnect().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_client_ends_with_every_message_once_in_order() {
    let seed = std::env::var("NATTER_CHECKER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("checker seed: {seed} (NATTER_CHECKER_SEED={seed} replays it)");

    let dir = tempfile::tempdir().unwrap();
    // The checker tests delivery, not the send limit: retries after drops would hit it.
    const FLAGS: &[&str] = &["--send-rate", "0"];
    let server = TestServer::start_at_with(dir.path(), "127.0.0.1:0", FLAGS).await;
    let url = Arc::new(Mutex::new(server.url.clone()));
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut users = Vec::new();
    for c in 0..CLIENTS {
        users.push(server.register(&format!("checker{c}")).await);
    }
    TestClient::connect(&server.url, &users[0])
        .await
        .request("create_room", json!({ "name": "second" }))
        .await;

    // The clients: each joins one or both rooms and sends with random pauses and drops.
    let mut tasks = Vec::new();
    for (c, user) in users.iter().cloned().enumerate() {
        let url = url.clone();
        let mut rng = Rng(seed.wrapping_add((c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        tasks.push(tokio::spawn(async move {
            let rooms = match c % 3 {
                0 => vec!["general"],
                1 => vec!["second"],
                _ => vec!["general", "second"],
            };
            let held = rooms.iter().map(|r| (*r, BTreeMap::new())).collect();
            let mut checker = Checker {
                url,
                rooms: rooms.clone(),
                held,
                conn: None,
                reconnects: 0,
                user,
            };
            let mut acked = Vec::new();
            for i in 0..SENDS_PER_CLIENT {
                let room = rooms[rng.below(rooms.len() as u64) as usize];
                let key = format!("c{c}-{i}");
                let message = checker
                    .send(room, &key, &format!("client {c} message {i}"))
                    .await;
                acked.push((room, key, message));
                if rng.below(10) == 0 {
                    checker.drop_connection().await;
                }
                tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
            }
            (checker, acked)
        }));
    }

    // Meanwhile: crash the server and bring it back on the same address, more than once.
    let mut server = server;
    for _ in 0..RESTARTS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        server.kill().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server = TestServer::start_at_with(dir.path(), &addr, FLAGS).await;
        *url.lock().await = server.url.clone();
    }

    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("client task"));
    }

    // The truth: every room's full history, read from a fresh client.
    let reader = TestClient::connect(&server.url, &users[0]).await;
    let mut truth: HashMap<&str, Vec<Value>> = HashMap::new();
    for room in ROOMS {
        let all: Vec<Value> = reader
            .read_all(room)
            .await
            .iter()
            .map(without_key)
            .collect();
        let seqs: Vec<i64> = all.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        assert_eq!(
            seqs,
            (1..=all.len() as i64).collect::<Vec<_>>(),
            "{room}: seqs are 1..=n without gaps"
        );
        truth.insert(room, all);
    }

    // Every acknowledged message is stored exactly once, as acknowledged.
    let total: usize = truth.values().map(Vec::len).sum();
    assert_eq!(
        total,
        CLIENTS * SENDS_PER_CLIENT,
        "one stored message per send, however often retried"
    );
    let mut keys = HashSet::new();
    for (_, acked) in &results {
        for (room, key, message) in acked {
            let stored = &truth[room][(message["seq"].as_i64().unwrap() - 1) as usize];
            assert_eq!(
                stored,
                &without_key(message),
                "the ack of {key} names the stored message"
            );
            assert_eq!(message["key"], *key, "the ack carries its sender's key");
            assert!(keys.insert(key.clone()), "{key} stored twice");
        }
    }

    // Every client, after resuming once more, holds exactly the full sequence of its rooms.
    let mut reconnects = 0;
    for (mut checker, _) in results {
        checker.drop_connection().await;
        *checker.url.lock().await = server.url.clone();
        checker.ensure_connected().await;
        checker.take_events();
        reconnects += checker.reconnects;
        for room in checker.rooms.clone() {
            let held: Vec<&Value> = checker.held[room].values().collect();
            let expected: Vec<&Value> = truth[room].iter().collect();
            assert_eq!(held, expected, "a client's copy of {room}");
        }
    }
    println!(
        "checker: {CLIENTS} clients, {total} messages, {RESTARTS} server kills, {reconnects} connections"
    );
}
