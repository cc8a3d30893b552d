//! A read flood: one client writes `requests` `history` requests (newest `limit`, each asking
//! for an ack) as fast as it can, without waiting for answers, while it reads the replies on the
//! same socket. Measured: how long writing took and how long until the last answer, each
//! request's time from writing to its ack, how each ended (`ok` or an error code such as
//! `rate_limited`), and the requests never answered.

use crate::conn;
use crate::frames::{self, Incoming};
use crate::stats::{Outcomes, Stats};
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A flood that gets no frame at all for this long is over; what is left is unanswered.
const SILENCE: Duration = Duration::from_secs(30);

/// When each request was written, µs after the start, by ack id − 2 (ack 1 is the join).
type SentAt = Arc<Vec<AtomicU64>>;

pub async fn run(
    url: &str,
    cookie: Option<&str>,
    room: &str,
    requests: u64,
    limit: u32,
) -> serde_json::Value {
    let timeout = Duration::from_secs(15);
    let mut ws = conn::connect(&conn::ws_url(url), cookie, timeout)
        .await
        .expect("read flood client could not connect");
    conn::request(&mut ws, frames::join(room, 1), 1, timeout, |_| {})
        .await
        .expect("read flood client's join unanswered");
    let (sink, mut stream) = ws.split();
    let sink = Arc::new(Mutex::new(sink));
    let sent_at: SentAt = Arc::new((0..requests).map(|_| AtomicU64::new(0)).collect());
    let started = Instant::now();

    let writer = {
        let (sink, sent_at, room) = (sink.clone(), sent_at.clone(), room.to_owned());
        tokio::spawn(async move {
            for n in 0..requests {
                let frame = frames::history(&room, limit, n + 2);
                sent_at[n as usize].store(started.elapsed().as_micros() as u64, Ordering::Release);
                if sink
                    .lock()
                    .await
                    .send(WsMessage::text(frame))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            started.elapsed().as_secs_f64()
        })
    };

    let (mut latency, mut outcomes) = (Stats::default(), Outcomes::default());
    let mut answered = vec![false; requests as usize];
    let mut disconnected = false;
    while latency.delivered < requests {
        let text = match tokio::time::timeout(SILENCE, stream.next()).await {
            Ok(Some(Ok(WsMessage::Text(text)))) => text,
            Ok(Some(Ok(_))) => continue,
            Ok(_) => {
                disconnected = true;
                break;
            }
            Err(_) => break,
        };
        match frames::parse(&text) {
            Incoming::Ack(id) if (2..requests + 2).contains(&id) && !answered[id as usize - 2] => {
                answered[id as usize - 2] = true;
                let sent = sent_at[id as usize - 2].load(Ordering::Acquire);
                latency
                    .record_delivery((started.elapsed().as_micros() as u64).saturating_sub(sent));
                outcomes.record(&text);
            }
            Incoming::Ping => {
                let _ = sink.lock().await.send(WsMessage::text(frames::PONG)).await;
            }
            _ => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // `null` when the writer is stuck (the server stopped reading).
    let writing_s = match tokio::time::timeout(Duration::from_secs(1), writer).await {
        Ok(done) => done.ok(),
        Err(_) => None,
    };
    serde_json::json!({
        "mode": "readflood",
        "room": room,
        "requests": requests,
        "limit": limit,
        "writing_s": writing_s,
        "seconds": seconds,
        "answered": latency.delivered,
        "unanswered": requests - latency.delivered,
        "outcomes": outcomes.to_json(),
        "disconnected": disconnected,
        "p50_ms": latency.ms(0.5),
        "p99_ms": latency.ms(0.99),
        "max_ms": latency.max_ms(),
    })
}
