//! Reconnect storm: `clients` listeners in `rooms` rooms while one sender per room keeps
//! sending; at `storm_at` every listener drops its connection at once, waits a jittered
//! backoff (0–1 s, then doubling up to 5 s ±50% on failure), reconnects and joins again with
//! `after` = the newest seq it holds without a gap. Measured: time from the drop until each
//! listener is back in its room, and the messages a listener never received (each room's
//! messages after the seq it first saw, up to the last one sent, that it lacks at the end).

use crate::conn::{self, Rng, Ws};
use crate::frames;
use crate::stats::Stats;
use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub struct Plan {
    pub url: String,
    pub cookie: Option<String>,
    pub clients: usize,
    pub rooms: usize,
    /// Total messages per second from the senders.
    pub rate: f64,
    /// Seconds of sending.
    pub seconds: f64,
    /// Seconds after sending starts when every listener drops.
    pub storm_at: f64,
}

struct Listener {
    room: String,
    /// The room's newest seq when the listener first joined: it owes nothing before.
    base: i64,
    held: BTreeSet<i64>,
}

impl Listener {
    fn contiguous(&self) -> i64 {
        let mut upto = self.base;
        for &s in self.held.range(self.base + 1..) {
            if s == upto + 1 {
                upto = s;
            } else {
                break;
            }
        }
        upto
    }

    fn take_message(&mut self, frame: &str) {
        if let Some((room, seq)) = frames::room_and_seq(frame) {
            if room == self.room {
                self.held.insert(seq);
            }
        }
    }

    fn take_join_reply(&mut self, frame: &str) {
        if let Some(reply) = conn::ack_argument(frame) {
            for m in reply["messages"].as_array().into_iter().flatten() {
                if let Some(seq) = m["seq"].as_i64() {
                    self.held.insert(seq);
                }
            }
        }
    }

    /// Connects and joins, after the newest gapless seq once it has one.
    async fn join(&mut self, url: &str, cookie: Option<&str>, first: bool) -> Option<Ws> {
        let mut ws = conn::connect(url, cookie, Duration::from_secs(20)).await?;
        let frame = if first {
            frames::join(&self.room, 1)
        } else {
            frames::join_after(&self.room, self.contiguous(), 1)
        };
        let mut early = Vec::new();
        let ack = conn::request(&mut ws, frame, 1, Duration::from_secs(20), |f| {
            early.push(f.to_owned())
        })
        .await?;
        if first {
            let reply = conn::ack_argument(&ack)?;
            self.base = reply["room"]["last_seq"].as_i64().unwrap_or(0);
        }
        self.take_join_reply(&ack);
        for f in early {
            self.take_message(&f);
        }
        Some(ws)
    }
}

pub async fn run(plan: Plan) -> serde_json::Value {
    let url = conn::ws_url(&plan.url);
    let cookie = plan.cookie.clone();
    let handshakes = Arc::new(Semaphore::new(256));
    let ready = Arc::new(AtomicUsize::new(0));
    let back_count = Arc::new(AtomicUsize::new(0));
    let (storm_tx, storm_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);

    // The listeners.
    let mut tasks = Vec::new();
    for i in 0..plan.clients {
        let (url, cookie, handshakes, ready, back_count) = (
            url.clone(),
            cookie.clone(),
            handshakes.clone(),
            ready.clone(),
            back_count.clone(),
        );
        let (mut storm, mut stop) = (storm_rx.clone(), stop_rx.clone());
        let room = format!("r{}", i % plan.rooms);
        tasks.push(tokio::spawn(async move {
            let mut me = Listener {
                room,
                base: 0,
                held: BTreeSet::new(),
            };
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
            let permit = handshakes.acquire_owned().await.ok()?;
            let mut ws = me.join(&url, cookie.as_deref(), true).await?;
            drop(permit);
            ready.fetch_add(1, Ordering::Relaxed);
            // Listen until the storm.
            read_until(&mut ws, &mut me, &mut storm).await;
            drop(ws);
            let dropped = Instant::now();
            // Back, with jittered backoff.
            let mut delay = Duration::from_millis(rng.below(1000));
            let mut attempts = 0u32;
            let mut ws = loop {
                tokio::time::sleep(delay).await;
                attempts += 1;
                if let Some(ws) = me.join(&url, cookie.as_deref(), false).await {
                    break ws;
                }
                let base = (1000u64 << attempts.min(3)).min(5000);
                delay = Duration::from_millis(base / 2 + rng.below(base));
            };
            let back_after = dropped.elapsed();
            back_count.fetch_add(1, Ordering::Relaxed);
            read_until(&mut ws, &mut me, &mut stop).await;
            Some((me, back_after, attempts))
        }));
    }
    while ready.load(Ordering::Relaxed) < plan.clients && !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("READY {}", ready.load(Ordering::Relaxed));

    // The senders: one per room, never dropped; each learns its messages' seqs from the acks.
    let mut senders = Vec::new();
    let interval = Duration::from_secs_f64(plan.rooms as f64 / plan.rate.max(0.001));
    for r in 0..plan.rooms {
        let (url, cookie) = (url.clone(), cookie.clone());
        let seconds = plan.seconds;
        senders.push(tokio::spawn(async move {
            let room = format!("r{r}");
            let mut ws = conn::connect(&url, cookie.as_deref(), Duration::from_secs(20))
                .await
                .expect("sender could not connect");
            let until = Instant::now() + Duration::from_secs_f64(seconds);
            let mut last_seq = 0;
            let mut id = 10;
            while Instant::now() < until {
                id += 1;
                let frame = frames::send_acked(&room, &format!("s{r}"), crate::now_us(), id);
                if let Some(ack) =
                    conn::request(&mut ws, frame, id, Duration::from_secs(30), |_| {}).await
                {
                    if let Some(seq) =
                        conn::ack_argument(&ack).and_then(|a| a["message"]["seq"].as_i64())
                    {
                        last_seq = last_seq.max(seq);
                    }
                }
                tokio::time::sleep(interval).await;
            }
            (room, last_seq)
        }));
    }

    tokio::time::sleep(Duration::from_secs_f64(plan.storm_at)).await;
    let _ = storm_tx.send(true);
    let mut last_seq = std::collections::HashMap::new();
    for s in senders {
        let (room, seq) = s.await.expect("sender task");
        last_seq.insert(room, seq);
    }
    // Slow reconnections finish (up to 60 s more), then the last messages arrive.
    let settle = Instant::now();
    let connected = ready.load(Ordering::Relaxed);
    while back_count.load(Ordering::Relaxed) < connected
        && settle.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_tx.send(true);

    let mut back = Stats::default();
    let (mut lost, mut failed, mut reconnect_attempts, mut expected) = (0u64, 0u64, 0u64, 0u64);
    for t in tasks {
        match t.await.ok().flatten() {
            Some((me, back_after, attempts)) => {
                back.record_delivery(back_after.as_micros() as u64);
                reconnect_attempts += u64::from(attempts);
                let last = last_seq.get(&me.room).copied().unwrap_or(0);
                let owed = (me.base + 1..=last).count() as u64;
                let missing = (me.base + 1..=last)
                    .filter(|s| !me.held.contains(s))
                    .count() as u64;
                expected += owed;
                lost += missing;
            }
            None => failed += 1,
        }
    }
    serde_json::json!({
        "mode": "storm",
        "clients": plan.clients,
        "rooms": plan.rooms,
        "rate": plan.rate,
        "back": plan.clients as u64 - failed,
        "failed": failed,
        "reconnect_attempts": reconnect_attempts,
        "all_back_s": back.max_ms() / 1000.0,
        "back_p50_s": back.ms(0.5) / 1000.0,
        "back_p99_s": back.ms(0.99) / 1000.0,
        "expected_messages": expected,
        "lost": lost,
    })
}

/// Reads messages into `me` until `until` turns true (or the connection ends).
async fn read_until(ws: &mut Ws, me: &mut Listener, until: &mut watch::Receiver<bool>) {
    use futures_util::SinkExt;
    loop {
        tokio::select! {
            _ = turned_true(until) => return,
            msg = ws.next() => match msg {
                Some(Ok(WsMessage::Text(text))) => {
                    if text.as_str() == "2" {
                        let _ = ws.send(WsMessage::text(frames::PONG)).await;
                    } else {
                        me.take_message(&text);
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    }
}

/// Resolves once the flag is true (or its sender is gone).
async fn turned_true(flag: &mut watch::Receiver<bool>) {
    loop {
        let now = *flag.borrow_and_update();
        if now || flag.changed().await.is_err() {
            return;
        }
    }
}
