//! The delivery checker's client: it sends with idempotency keys until acknowledged, drops and
//! resumes its connection (catching up by seq), and keeps what it received per room, so a test
//! can compare every copy with the server's full history: nothing lost, nothing twice.

use crate::helpers::{TestClient, TestUser};
use rust_socketio::TransportType;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// A small deterministic generator, so a failing run can be replayed from its printed seed.
pub struct Rng(pub u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A seed from `NATTER_CHECKER_SEED`, or from the clock (printed, so a failure can be replayed).
pub fn seed() -> u64 {
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
    seed
}

/// A message as every member sees it: the idempotency key is shown to its author only (in the
/// ack and in their own reads), so copies are compared without it.
pub fn without_key(message: &Value) -> Value {
    let mut m = message.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("key");
    }
    m
}

/// One client's view: what it holds per room, keyed by seq.
/// How long a client may keep failing to reconnect, or to get one message acknowledged,
/// before its test fails.
const STUCK: Duration = Duration::from_secs(90);

pub struct Checker {
    /// Where it connects; a test moves it when the server moves.
    pub url: Arc<Mutex<String>>,
    pub rooms: Vec<String>,
    pub held: HashMap<String, BTreeMap<i64, Value>>,
    /// Long-polling only (else WebSocket).
    pub polling: bool,
    conn: Option<TestClient>,
    /// Connections it opened.
    pub reconnects: usize,
    /// Its session survives the server's restarts (it is in the database).
    user: TestUser,
}

impl Checker {
    pub fn new(url: Arc<Mutex<String>>, rooms: &[&str], user: TestUser) -> Checker {
        Checker {
            url,
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            held: rooms
                .iter()
                .map(|r| (r.to_string(), BTreeMap::new()))
                .collect(),
            polling: false,
            conn: None,
            reconnects: 0,
            user,
        }
    }

    fn transport(&self) -> TransportType {
        if self.polling {
            TransportType::Polling
        } else {
            TransportType::Websocket
        }
    }

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
        let room = message["room"].as_str().expect("a message names its room");
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

    pub fn take_events(&mut self) {
        let events = self.conn.as_mut().map(|c| c.drain()).unwrap_or_default();
        for (name, data) in events {
            if name == "message" {
                self.record(&data);
            }
        }
    }

    /// Connects (retrying while the server is down) and resumes every room after its held seq.
    pub async fn ensure_connected(&mut self) {
        // A client that cannot get back within this fails its test (saying why) instead of
        // hanging it.
        let started = std::time::Instant::now();
        let mut why = "";
        while self.conn.is_none() {
            assert!(
                started.elapsed() < STUCK,
                "{} could not connect and resume within {STUCK:?}: {why}",
                self.user.name
            );
            let url = self.url.lock().await.clone();
            let cookie = Some(self.user.cookie.as_str());
            let Some(conn) = TestClient::try_connect_with(&url, self.transport(), cookie).await
            else {
                why = "the last connection attempt failed or was refused";
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            self.conn = Some(conn);
            for room in self.rooms.clone() {
                loop {
                    let after = self.contiguous(&room);
                    let req = json!({ "room": room, "after": after });
                    let Some(reply) = self.conn.as_ref().unwrap().try_request("join", req).await
                    else {
                        why = "the last join got no answer in time";
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
    pub async fn send(&mut self, room: &str, key: &str, body: &str) -> Value {
        let started = std::time::Instant::now();
        loop {
            assert!(
                started.elapsed() < STUCK,
                "{}'s send of {key} got no ack within {STUCK:?}",
                self.user.name
            );
            self.ensure_connected().await;
            let req = json!({ "room": room, "body": body, "key": key });
            match self.conn.as_ref().unwrap().try_request("send", req).await {
                Some(reply) if reply["error"]["code"] == "unavailable" => {
                    // The node is stopping: another one (or this one, restarted) will take it.
                    self.drop_connection().await;
                }
                Some(reply) => {
                    assert!(reply.get("error").is_none(), "send refused: {reply}");
                    self.take_events();
                    return reply["message"].clone();
                }
                None => self.drop_connection().await,
            }
        }
    }

    pub async fn drop_connection(&mut self) {
        self.take_events();
        if let Some(conn) = self.conn.take() {
            conn.disconnect().await;
        }
    }

    /// Resumes once more and asserts it holds exactly `truth` (each room's full history,
    /// without keys) for every room it joined.
    pub async fn assert_holds(&mut self, truth: &HashMap<String, Vec<Value>>) {
        self.drop_connection().await;
        self.ensure_connected().await;
        self.take_events();
        for room in self.rooms.clone() {
            let held: Vec<&Value> = self.held[&room].values().collect();
            let expected: Vec<&Value> = truth[&room].iter().collect();
            assert_eq!(held, expected, "{}'s copy of {room}", self.user.name);
        }
    }
}

/// Every room's full history, read with `reader`; asserts its seqs are 1..=n.
pub async fn full_histories(reader: &TestClient, rooms: &[&str]) -> HashMap<String, Vec<Value>> {
    let mut truth = HashMap::new();
    for room in rooms {
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
        truth.insert(room.to_string(), all);
    }
    truth
}

/// Asserts every acknowledged message (room, key, the ack's message) is stored once, as
/// acknowledged, and that nothing else is stored.
pub fn assert_acked_stored_once(
    truth: &HashMap<String, Vec<Value>>,
    acked: &[(String, String, Value)],
) {
    let total: usize = truth.values().map(Vec::len).sum();
    assert_eq!(
        total,
        acked.len(),
        "one stored message per send, however often retried"
    );
    let mut keys = std::collections::HashSet::new();
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
