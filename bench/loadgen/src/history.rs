//! History latency: one client asks for the newest `limit` messages of a room, again and again,
//! one request at a time, and records how long each answer took.

use crate::conn::{self, Rng};
use crate::frames;
use crate::stats::Stats;
use std::time::{Duration, Instant};

pub async fn run(
    url: &str,
    cookie: Option<&str>,
    room: &str,
    requests: u64,
    limit: u32,
) -> serde_json::Value {
    let mut ws = conn::connect(&conn::ws_url(url), cookie, Duration::from_secs(15))
        .await
        .expect("history client could not connect");
    let mut stats = Stats::default();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut messages = 0;
    for id in 1..=requests {
        let started = Instant::now();
        let ack = conn::request(
            &mut ws,
            frames::history(room, limit, id),
            id,
            Duration::from_secs(30),
            |_| {},
        )
        .await
        .expect("history request unanswered");
        stats.record_delivery(started.elapsed().as_micros() as u64);
        if id == 1 {
            messages = conn::ack_argument(&ack)
                .and_then(|a| a["messages"].as_array().map(Vec::len))
                .unwrap_or(0);
        }
        // A little spacing, so the requests are not one tight loop against a warm cache line.
        tokio::time::sleep(Duration::from_micros(rng.below(500))).await;
    }
    serde_json::json!({
        "mode": "history",
        "room": room,
        "requests": requests,
        "messages_per_reply": messages,
        "p50_ms": stats.ms(0.5),
        "p99_ms": stats.ms(0.99),
        "p999_ms": stats.ms(0.999),
        "max_ms": stats.max_ms(),
    })
}
