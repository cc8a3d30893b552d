//! The delivery checker's client: it sends with idempotency keys until acknowledged, edits,
//! reacts and deletes until acknowledged, drops and resumes its connection (catching up by seq
//! and by change number), and keeps what it received per room, so a test can compare every copy
//! with the server's full history: nothing lost, nothing twice, every change applied once and
//! in order.
//!
//! Its requests are `app::protocol` request types, but it keeps what it receives as JSON: it
//! compares every client's copies with the server's history exactly as they came over the wire.

use crate::helpers::{req, TestClient, TestUser};
use app::protocol::{JoinRequest, Request};
use rust_socketio::TransportType;
use serde_json::Value;
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
    /// Per room, the change numbers applied, in the order applied.
    pub applied: HashMap<String, Vec<i64>>,
    /// A change arrived past a gap on this connection: resume to catch up.
    behind: bool,
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
            applied: rooms.iter().map(|r| (r.to_string(), Vec::new())).collect(),
            behind: false,
        }
    }

    /// The newest change of `room` applied.
    fn change_position(&self, room: &str) -> i64 {
        self.applied[room].last().copied().unwrap_or(0)
    }

    /// Applies one change of the room log: the next one only (an older one is a copy, a newer
    /// one means one was missed: then the connection is resumed to catch up).
    fn apply(&mut self, change: &Value) {
        let room = change["room"].as_str().expect("a change names its room");
        if !self.applied.contains_key(room) {
            return;
        }
        let n = change["change"].as_i64().expect("a change number");
        let position = self.change_position(room);
        if n <= position {
            return;
        }
        if n > position + 1 {
            self.behind = true;
            return;
        }
        self.applied.get_mut(room).unwrap().push(n);
        let message = without_key(&change["message"]);
        let seq = message["seq"].as_i64().unwrap();
        if let Some(held) = self.held.get_mut(room).and_then(|h| h.get_mut(&seq)) {
            *held = message;
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
            match held.get(&seq) {
                // A copy may be older than what changes made of it: the held one stays.
                Some(previous) => assert_eq!(
                    previous["id"], message["id"],
                    "seq {seq} of {room} arrived as two different messages"
                ),
                None => {
                    held.insert(seq, message.clone());
                }
            }
        }
    }

    pub fn take_events(&mut self) {
        let events = self.conn.as_mut().map(|c| c.drain()).unwrap_or_default();
        for (name, data) in events {
            match name.as_str() {
                "message" => self.record(&data),
                "change" => self.apply(&data),
                _ => {}
            }
        }
    }

    /// Connects (retrying while the server is down) and resumes every room after its held seq.
    pub async fn ensure_connected(&mut self) {
        // A client that cannot get back within this fails its test (saying why) instead of
        // hanging it.
        let started = std::time::Instant::now();
        let mut why = "";
        if std::mem::take(&mut self.behind) {
            self.drop_connection().await;
        }
        while self.conn.is_none() {
            assert!(
                started.elapsed() < STUCK,
                "{} could not connect and resume within {STUCK:?}: {why}",
                self.user.name
            );
            let url = self.url.lock().await.clone();
            let cookie = self.user.cookie.clone();
            let cookie = Some(cookie.as_str());
            // rust_socketio 0.6's polling transport takes each piece of a poll response as a
            // whole payload, so a reply that arrives in more than one piece (a resume of 200
            // messages, once reads split it) never reaches it. A polling client catches up over
            // a WebSocket first; its own joins then carry only what was sent meanwhile. (So a
            // large resume is checked over WebSocket only; the server's join is the same for
            // both transports.)
            let transports: &[TransportType] = if self.polling {
                &[TransportType::Websocket, TransportType::Polling]
            } else {
                &[TransportType::Websocket]
            };
            for (i, transport) in transports.iter().enumerate() {
                let Some(conn) =
                    TestClient::try_connect_with(&url, transport.clone(), cookie).await
                else {
                    why = "the last connection attempt failed or was refused";
                    break;
                };
                let resumed = self.resume_on(&conn).await;
                match resumed {
                    Ok(()) if i + 1 == transports.len() => self.conn = Some(conn),
                    Ok(()) => conn.disconnect().await,
                    Err(e) => {
                        why = e;
                        conn.disconnect().await;
                        break;
                    }
                }
            }
            if self.conn.is_none() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            self.reconnects += 1;
        }
    }

    /// Joins every room on `conn` after what it holds, taking in the messages and changes
    /// each join returns (joining again while they are truncated).
    async fn resume_on(&mut self, conn: &TestClient) -> Result<(), &'static str> {
        for room in self.rooms.clone() {
            loop {
                let after = self.contiguous(&room);
                let changes_after = self.change_position(&room);
                let join = JoinRequest {
                    after: Some(after),
                    changes_after: Some(changes_after),
                    ..req::join(&room)
                };
                let Some(reply) = conn.try_raw(&join).await else {
                    return Err("the last join got no answer in time");
                };
                if reply["error"]["code"] == "unavailable" {
                    // Stopping, or too busy: another node (or this one, later) will answer.
                    return Err("the last join was answered unavailable");
                }
                assert!(reply.get("error").is_none(), "join refused: {reply}");
                for m in reply["messages"].as_array().unwrap() {
                    self.record(m);
                }
                for c in reply["changes"].as_array().into_iter().flatten() {
                    self.apply(c);
                }
                if reply["truncated"] != true && reply["changes_truncated"] != true {
                    break;
                }
            }
        }
        Ok(())
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
            let send = req::send_keyed(room, body, key);
            match self.conn.as_ref().unwrap().try_raw(&send).await {
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

    /// Edits, reacts or deletes (`request`) until acknowledged; a repeat of a change that was
    /// stored but not acknowledged changes nothing. The ack's message.
    pub async fn change<R: Request>(&mut self, request: &R) -> Value {
        let event = R::EVENT;
        let started = std::time::Instant::now();
        loop {
            assert!(
                started.elapsed() < STUCK,
                "{}'s {event} got no ack within {STUCK:?}",
                self.user.name
            );
            self.ensure_connected().await;
            let conn = self.conn.as_ref().unwrap();
            match conn.try_raw(request).await {
                Some(reply) if reply["error"]["code"] == "unavailable" => {
                    self.drop_connection().await;
                }
                Some(reply) => {
                    assert!(reply.get("error").is_none(), "{event} refused: {reply}");
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
        // Drained once more after the last resume: the log is complete when a resume finds
        // nothing left behind.
        while self.behind {
            self.ensure_connected().await;
            self.take_events();
        }
        for room in self.rooms.clone() {
            let held: Vec<&Value> = self.held[&room].values().collect();
            let expected: Vec<&Value> = truth[&room].iter().collect();
            assert_eq!(held, expected, "{}'s copy of {room}", self.user.name);
        }
    }

    /// Asserts it applied every change of each of its rooms once, in order: 1..=`last[room]`.
    pub fn assert_applied_every_change(&self, last: &HashMap<String, i64>) {
        for room in &self.rooms {
            assert_eq!(
                self.applied[room],
                (1..=last[room]).collect::<Vec<_>>(),
                "{}'s changes of {room}: each once, in order",
                self.user.name
            );
        }
    }
}

/// Every message of `room` as JSON, in seq order: `join` with `after`, page by page.
async fn read_all_raw(reader: &TestClient, room: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let after = all.last().map_or(0, |m| m["seq"].as_i64().unwrap());
        let reply = reader.raw(&req::join_after(room, after)).await;
        assert!(reply.get("error").is_none(), "join refused: {reply}");
        all.extend(reply["messages"].as_array().unwrap().iter().cloned());
        if reply["truncated"] != true {
            return all;
        }
    }
}

/// Every room's full history, read with `reader`; asserts its seqs are 1..=n.
pub async fn full_histories(reader: &TestClient, rooms: &[&str]) -> HashMap<String, Vec<Value>> {
    let mut truth = HashMap::new();
    for room in rooms {
        let all: Vec<Value> = read_all_raw(reader, room)
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
        // What a change leaves alone: which message it is and who sent it when.
        for field in ["id", "room", "seq", "author", "ts"] {
            assert_eq!(
                stored[field], message[field],
                "the ack of {key} names the stored message"
            );
        }
        if stored.get("edited").is_none() && stored.get("deleted").is_none() {
            assert_eq!(stored["body"], message["body"], "{key} stored as sent");
        }
        assert_eq!(message["key"], *key, "the ack carries its sender's key");
        assert!(keys.insert(key.clone()), "{key} stored twice");
    }
}
