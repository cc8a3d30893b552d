//! A stalled reader: one client joins `room`, writes `requests` `history` requests (newest
//! `limit`, each asking for an ack) as fast as it can, and from then on never reads its socket,
//! which stays open. Its TCP receive buffer is tiny, so the unread replies pile up in the
//! server rather than in this machine's kernel; it writes a pong every half second unasked, so
//! the heartbeat stays alive and only what the server does about its outgoing queue can end
//! the connection. Measured: whether the server closed the connection within `seconds` of the
//! first request, and when (a write fails once the server has closed its end), and whether
//! the server stopped reading the client's writes (a write that blocks until the end).

use crate::conn::{self, Ws};
use crate::frames;
use futures_util::SinkExt;
use std::time::{Duration, Instant};
use tokio::time::Instant as Deadline;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The client's TCP receive buffer, bytes (the kernel doubles it and keeps a minimum).
const RECV_BUFFER: u32 = 4096;
/// Between the unasked pongs, which also probe whether the server closed the connection.
const PONG_EVERY: Duration = Duration::from_millis(500);

/// How a write ended.
#[derive(PartialEq, Eq)]
enum Write {
    Done,
    /// The server closed the connection.
    Closed,
    /// Still not written at the deadline: the server is not reading either.
    Blocked,
}

async fn write(ws: &mut Ws, frame: String, deadline: Deadline) -> Write {
    match tokio::time::timeout_at(deadline, ws.send(WsMessage::text(frame))).await {
        Ok(Ok(())) => Write::Done,
        Ok(Err(_)) => Write::Closed,
        Err(_) => Write::Blocked,
    }
}

/// Writes the requests (ack ids 2, 3, …); how many were written and how the last write ended.
async fn flood(
    ws: &mut Ws,
    room: &str,
    requests: u64,
    limit: u32,
    deadline: Deadline,
) -> (u64, Write) {
    for n in 0..requests {
        let end = write(ws, frames::history(room, limit, n + 2), deadline).await;
        if end != Write::Done {
            return (n, end);
        }
    }
    (requests, Write::Done)
}

/// Writes a pong every [`PONG_EVERY`] until one fails or `deadline`.
async fn hold(ws: &mut Ws, deadline: Deadline) -> Write {
    while Deadline::now() + PONG_EVERY < deadline {
        tokio::time::sleep(PONG_EVERY).await;
        let end = write(ws, frames::PONG.to_owned(), deadline).await;
        if end != Write::Done {
            return end;
        }
    }
    Write::Done
}

pub async fn run(
    url: &str,
    cookie: Option<&str>,
    room: &str,
    requests: u64,
    limit: u32,
    seconds: f64,
) -> serde_json::Value {
    let timeout = Duration::from_secs(15);
    let mut ws = conn::connect_narrow(&conn::ws_url(url), cookie, timeout, RECV_BUFFER)
        .await
        .expect("stalled reader could not connect");
    conn::request(&mut ws, frames::join(room, 1), 1, timeout, |_| {})
        .await
        .expect("stalled reader's join unanswered");
    let started = Instant::now();
    let deadline = Deadline::now() + Duration::from_secs_f64(seconds);
    let (written, mut end) = flood(&mut ws, room, requests, limit, deadline).await;
    let writing_s = started.elapsed().as_secs_f64();
    if end == Write::Done {
        end = hold(&mut ws, deadline).await;
    }
    let ended_s = started.elapsed().as_secs_f64();
    serde_json::json!({
        "mode": "stalled",
        "room": room,
        "requests": requests,
        "limit": limit,
        "written": written,
        "writing_s": writing_s,
        "closed_by_server": end == Write::Closed,
        "closed_after_s": (end == Write::Closed).then_some(ended_s),
        "writes_blocked": end == Write::Blocked,
        "watched_s": ended_s,
    })
}
