//! Drives a Socket.IO chat server (Natter, or any server speaking its `join` / `send` /
//! `message` events) with many clients over raw WebSockets: open-loop sends at a fixed total rate,
//! latency from send to each other member's receipt, counts of sent, delivered and lost. Other
//! modes (`--mode`) measure history reads, a reconnect storm, and abusive clients.

mod conn;
mod frames;
mod history;
mod readflood;
mod stalled;
mod stats;
mod steady;
mod storm;

use clap::Parser;
use frames::Incoming;
use futures_util::{SinkExt, StreamExt};
use stats::Stats;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What to measure.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every client sends at an even share of `--rate`; latency to every other member.
    Fanout,
    /// One client asks `--requests` times for the newest 50 messages of `--room`.
    History,
    /// Every client drops at `--storm-at` and reconnects with jittered backoff.
    Storm,
    /// One client writes `--requests` `history` requests to `--room`, then never reads; when
    /// (within `--seconds`) the server closes the connection.
    Stalled,
    /// One client writes `--requests` `history` requests to `--room` as fast as it can while
    /// reading the answers; their latency and outcomes.
    Readflood,
    /// One client sends `--rate` acked messages per second into `--room` until `--seconds`
    /// pass or SIGTERM; send-to-ack latency and outcomes.
    Steady,
}

#[derive(Parser, Debug, Clone)]
#[command(about = "Fan-out load against a Socket.IO chat server")]
struct Args {
    #[arg(long, value_enum, default_value = "fanout")]
    mode: Mode,
    /// History, stalled, readflood and steady modes: the room to use.
    #[arg(long, default_value = "r0")]
    room: String,
    /// History, stalled and readflood modes: how many requests.
    #[arg(long, default_value_t = 1000)]
    requests: u64,
    /// History, stalled and readflood modes: messages per `history` request (1–200).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Storm mode: seconds after sending starts when every client drops.
    #[arg(long, default_value_t = 3.0)]
    storm_at: f64,
    /// Server base URL. Fan-out mode takes several, comma-separated (the nodes of a cluster):
    /// client i connects to the (i mod n)-th.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Connected clients.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Rooms; client i joins room i % rooms.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Total messages per second, spread evenly over the clients (open loop).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Seconds of sending (stalled mode: of watching the connection).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds to wait after the last send for deliveries still under way.
    #[arg(long, default_value_t = 2.0)]
    drain: f64,
    /// `Cookie` header for the handshake (Natter wants a session: `natter_session=…`).
    #[arg(long)]
    cookie: Option<String>,
}

/// A client that has not joined its room by then counts as a failed connection.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

pub(crate) fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(out) = other_mode(&args).await {
        println!("{out}");
        return;
    }
    let ws_urls: Vec<String> = args
        .url
        .split(',')
        .map(|url| {
            format!(
                "{}/socket.io/?EIO=4&transport=websocket",
                url.trim()
                    .replacen("http://", "ws://", 1)
                    .replacen("https://", "wss://", 1)
            )
        })
        .collect();
    let ready = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let handshakes = Arc::new(Semaphore::new(256));
    let (go_tx, go_rx) = watch::channel(false);
    let per_client_interval = Duration::from_secs_f64(args.clients as f64 / args.rate.max(0.001));

    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let (url, room) = (
            ws_urls[i % ws_urls.len()].clone(),
            format!("r{}", i % args.rooms),
        );
        let (ready, failed, handshakes, mut go) = (
            ready.clone(),
            failed.clone(),
            handshakes.clone(),
            go_rx.clone(),
        );
        let args = args.clone();
        tasks.push(tokio::spawn(async move {
            let me = format!("c{i}");
            let mut stats = Stats::default();
            let permit = handshakes.acquire_owned().await.expect("semaphore");
            let mut request = url.as_str().into_client_request().expect("websocket URL");
            if let Some(cookie) = &args.cookie {
                request.headers_mut().insert("Cookie", cookie.parse().expect("cookie header"));
            }
            let connect = tokio::time::timeout(HANDSHAKE_TIMEOUT, tokio_tungstenite::connect_async(request));
            let Ok(Ok((mut ws, _))) = connect.await else {
                failed.fetch_add(1, Ordering::Relaxed);
                return (room, stats);
            };
            // Handshake: open -> CONNECT -> join (ack 1), within HANDSHAKE_TIMEOUT.
            let mut joined = false;
            let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
            while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
                let WsMessage::Text(text) = msg else { continue };
                match frames::parse(&text) {
                    Incoming::Open => ws.send(WsMessage::text(frames::CONNECT)).await.ok().unwrap_or(()),
                    Incoming::Connected => ws.send(WsMessage::text(frames::join(&room, 1))).await.ok().unwrap_or(()),
                    Incoming::Ping => ws.send(WsMessage::text(frames::PONG)).await.ok().unwrap_or(()),
                    Incoming::Ack(1) => {
                        joined = true;
                        break;
                    }
                    _ => {}
                }
            }
            drop(permit);
            if !joined {
                failed.fetch_add(1, Ordering::Relaxed);
                return (room, stats);
            }
            ready.fetch_add(1, Ordering::Relaxed);
            let _ = go.wait_for(|g| *g).await;

            // Spread the first sends over one interval so clients do not send in lockstep.
            let offset = per_client_interval.mul_f64((i as f64 * 0.618_033_988_7) % 1.0);
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, per_client_interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let send_until = tokio::time::Instant::now() + Duration::from_secs_f64(args.seconds);
            let stop_at = send_until + Duration::from_secs_f64(args.drain);
            loop {
                tokio::select! {
                    _ = ticker.tick(), if tokio::time::Instant::now() < send_until => {
                        if ws.send(WsMessage::text(frames::send(&room, &me, now_us()))).await.is_err() {
                            break;
                        }
                        stats.sent += 1;
                    }
                    msg = ws.next() => {
                        let Some(Ok(WsMessage::Text(text))) = msg else {
                            if msg.is_none() { break } else { continue }
                        };
                        match frames::parse(&text) {
                            // Only its own room's: the others it hears because every client
                            // is the same account, which lists every room they joined.
                            Incoming::Message { sender, sent_us, room: r }
                                if sender != me && r.is_none_or(|r| r == room) =>
                            {
                                stats.record_delivery(now_us().saturating_sub(sent_us));
                            }
                            Incoming::Ping => {
                                let _ = ws.send(WsMessage::text(frames::PONG)).await;
                            }
                            _ => {}
                        }
                    }
                    _ = tokio::time::sleep_until(stop_at) => break,
                }
            }
            let _ = ws.close(None).await;
            (room, stats)
        }));
    }

    // Wait until every client joined (or failed), then start sending.
    while ready.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < args.clients {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_s = started.elapsed().as_secs_f64();
    // Tells a driving script that the connections are up (it may sample the server now).
    eprintln!("READY {}", ready.load(Ordering::Relaxed));
    let _ = go_tx.send(true);

    let mut total = Stats::default();
    let mut members = std::collections::HashMap::<String, u64>::new();
    let mut sent_per_room = std::collections::HashMap::<String, u64>::new();
    for t in tasks {
        let (room, stats) = t.await.expect("client task");
        *members.entry(room.clone()).or_default() += 1;
        *sent_per_room.entry(room).or_default() += stats.sent;
        total.merge(&stats);
    }
    // Every message goes to every other member of its room.
    let expected: u64 = sent_per_room
        .iter()
        .map(|(r, s)| s * (members[r].saturating_sub(1)))
        .sum();
    let lost = expected.saturating_sub(total.delivered);
    let summary = serde_json::json!({
        "clients": args.clients,
        "connected": ready.load(Ordering::Relaxed),
        "failed_connections": failed.load(Ordering::Relaxed),
        "connect_seconds": connect_s,
        "rooms": args.rooms,
        "target_rate": args.rate,
        "seconds": args.seconds,
        "sent": total.sent,
        "expected_deliveries": expected,
        "delivered": total.delivered,
        "lost": lost,
        "delivered_ratio": if expected == 0 { 1.0 } else { total.delivered as f64 / expected as f64 },
        "delivered_per_second": total.delivered as f64 / args.seconds,
        "p50_ms": total.ms(0.5),
        "p99_ms": total.ms(0.99),
        "p999_ms": total.ms(0.999),
        "max_ms": total.max_ms(),
    });
    println!("{summary}");
}

/// The JSON summary of a run in any mode but fan-out (`None` for fan-out).
async fn other_mode(args: &Args) -> Option<serde_json::Value> {
    let (url, cookie, room) = (
        args.url.as_str(),
        args.cookie.as_deref(),
        args.room.as_str(),
    );
    Some(match args.mode {
        Mode::Fanout => return None,
        Mode::History => history::run(url, cookie, room, args.requests, args.limit).await,
        Mode::Storm => {
            storm::run(storm::Plan {
                url: args.url.clone(),
                cookie: args.cookie.clone(),
                clients: args.clients,
                rooms: args.rooms,
                rate: args.rate,
                seconds: args.seconds,
                storm_at: args.storm_at,
            })
            .await
        }
        Mode::Stalled => {
            stalled::run(url, cookie, room, args.requests, args.limit, args.seconds).await
        }
        Mode::Readflood => readflood::run(url, cookie, room, args.requests, args.limit).await,
        Mode::Steady => {
            steady::run(steady::Plan {
                url: args.url.clone(),
                cookie: args.cookie.clone(),
                room: args.room.clone(),
                rate: args.rate,
                seconds: args.seconds,
            })
            .await
        }
    })
}
