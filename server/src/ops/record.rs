//! The measurements, by name. Everything a node measures is made here, through the `metrics`
//! macros (the recorder decides where it lands), so the names are written once.

use app::protocol::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Messages stored (new ones; a repeated key is not counted).
pub const MESSAGES_STORED: &str = "natter_messages_stored_total";
/// `message` events sent to this node's sockets.
pub const DELIVERIES: &str = "natter_deliveries_total";
/// Requests answered (label `event`), and in how long, receipt to answer.
pub const REQUESTS: &str = "natter_requests_total";
pub const REQUEST_SECONDS: &str = "natter_request_seconds";
/// Requests answered with an error (labels `event`, `code`).
pub const REQUEST_ERRORS: &str = "natter_request_errors_total";
/// Storage commits: messages in each, and how long each took (measured by the store's writers).
pub use crate::store::{COMMIT_MESSAGES, COMMIT_SECONDS};
/// Sockets connected now (label `transport`), and distinct users among them.
pub const SOCKETS: &str = "natter_sockets";
pub const USERS: &str = "natter_users";

/// Messages stored per room since the last window closed (the other nodes count their
/// deliveries from it).
static STORED_BY_ROOM: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// A new message was stored in `room`.
pub fn message_stored(room: &str) {
    metrics::counter!(MESSAGES_STORED).increment(1);
    let mut rooms = STORED_BY_ROOM.lock().unwrap_or_else(|e| e.into_inner());
    *rooms.entry(room.to_owned()).or_insert(0) += 1;
}

/// Takes the per-room counts of the window that closes now.
pub fn take_stored_by_room() -> Vec<(String, u64)> {
    let mut rooms = STORED_BY_ROOM.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *rooms).into_iter().collect()
}

/// `n` `message` events went to this node's sockets.
pub fn delivered(n: u64) {
    if n > 0 {
        metrics::counter!(DELIVERIES).increment(n);
    }
}

/// A request for `event` was answered after `took`, with `error` if it failed.
pub fn answered(event: &'static str, took: Duration, error: Option<ErrorCode>) {
    metrics::counter!(REQUESTS, "event" => event).increment(1);
    metrics::histogram!(REQUEST_SECONDS).record(took.as_secs_f64());
    if let Some(code) = error {
        metrics::counter!(REQUEST_ERRORS, "event" => event, "code" => code.as_str()).increment(1);
    }
}

/// The sockets connected now, by transport, and the distinct users behind them.
pub fn connected(websocket: u64, polling: u64, users: u64) {
    metrics::gauge!(SOCKETS, "transport" => "websocket").set(websocket as f64);
    metrics::gauge!(SOCKETS, "transport" => "polling").set(polling as f64);
    metrics::gauge!(USERS).set(users as f64);
}
