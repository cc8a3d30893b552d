//! A steady sender, the "others" of the abuse scenario: one client joins its own room and sends
//! `rate` acknowledged messages per second into it (open loop) while something else loads the
//! server, until `seconds` pass or it gets SIGTERM (the driving script sends one when the load
//! is over). Measured: each send's time from writing the frame to reading its ack, how each
//! send ended (`ok` or an error code), and the sends never answered.

use crate::conn::{self, Ws};
use crate::frames::{self, Incoming};
use crate::stats::{Outcomes, Stats};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

/// How long unanswered sends may still be answered once sending stops.
const DRAIN: Duration = Duration::from_secs(2);

pub struct Plan {
    pub url: String,
    pub cookie: Option<String>,
    pub room: String,
    /// Messages per second.
    pub rate: f64,
    /// Seconds of sending at most.
    pub seconds: f64,
}

/// The sender's connection and what it has measured so far.
struct Sender {
    ws: Ws,
    room: String,
    next_id: u64,
    /// Ack id → when its send was written.
    pending: HashMap<u64, Instant>,
    latency: Stats,
    outcomes: Outcomes,
    disconnected: bool,
}

impl Sender {
    /// Writes the next message; false once the connection is gone.
    async fn send(&mut self) -> bool {
        self.next_id += 1;
        let id = self.next_id;
        let frame = frames::send_acked(&self.room, "others", crate::now_us(), id);
        self.pending.insert(id, Instant::now());
        self.latency.sent += 1;
        self.ws.send(WsMessage::text(frame)).await.is_ok()
    }

    /// Takes one frame from the server (an ack, a ping, or something to ignore); false once the
    /// connection is gone.
    async fn take(&mut self, msg: Option<Result<WsMessage, WsError>>) -> bool {
        let text = match msg {
            Some(Ok(WsMessage::Text(text))) => text,
            Some(Ok(_)) => return true,
            _ => return false,
        };
        match frames::parse(&text) {
            Incoming::Ack(id) => {
                if let Some(sent) = self.pending.remove(&id) {
                    self.latency
                        .record_delivery(sent.elapsed().as_micros() as u64);
                    self.outcomes.record(&text);
                }
                true
            }
            Incoming::Ping => self.ws.send(WsMessage::text(frames::PONG)).await.is_ok(),
            _ => true,
        }
    }
}

pub async fn run(plan: Plan) -> serde_json::Value {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let url = conn::ws_url(&plan.url);
    let timeout = Duration::from_secs(15);
    let mut ws = conn::connect(&url, plan.cookie.as_deref(), timeout)
        .await
        .expect("steady sender could not connect");
    conn::request(&mut ws, frames::join(&plan.room, 1), 1, timeout, |_| {})
        .await
        .expect("steady sender's join unanswered");
    let mut me = Sender {
        ws,
        room: plan.room.clone(),
        next_id: 1,
        pending: HashMap::new(),
        latency: Stats::default(),
        outcomes: Outcomes::default(),
        disconnected: false,
    };
    // Tells the driving script that the sender is in its room (it may start the load now).
    eprintln!("READY");
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / plan.rate.max(0.001));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let until = tokio::time::Instant::now() + Duration::from_secs_f64(plan.seconds);
    // Sending.
    while !me.disconnected {
        tokio::select! {
            _ = ticker.tick() => me.disconnected = !me.send().await,
            msg = me.ws.next() => me.disconnected = !me.take(msg).await,
            _ = term.recv() => break,
            _ = tokio::time::sleep_until(until) => break,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // The last answers.
    let drain_until = tokio::time::Instant::now() + DRAIN;
    while !me.disconnected && !me.pending.is_empty() {
        match tokio::time::timeout_at(drain_until, me.ws.next()).await {
            Ok(msg) => me.disconnected = !me.take(msg).await,
            Err(_) => break,
        }
    }
    serde_json::json!({
        "mode": "steady",
        "room": plan.room,
        "rate": plan.rate,
        "seconds": seconds,
        "sent": me.latency.sent,
        "answered": me.latency.delivered,
        "unanswered": me.pending.len(),
        "outcomes": me.outcomes.to_json(),
        "disconnected": me.disconnected,
        "p50_ms": me.latency.ms(0.5),
        "p99_ms": me.latency.ms(0.99),
        "max_ms": me.latency.max_ms(),
    })
}
