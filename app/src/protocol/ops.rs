//! The ops dashboard's payloads: what each node measured in one second, and the history a
//! watcher starts from. Administrators only.

use super::events::{event, request};
use serde::{Deserialize, Serialize};

/// How many windows of each node are kept and shown: the last 5 minutes.
pub const OPS_HISTORY: usize = 300;

/// What one node measured in one second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsWindow {
    /// The node's name (`--node-name`).
    pub node: String,
    /// When the window ended, in ms since the Unix epoch.
    pub at: i64,
    /// Sockets connected to this node, and by transport.
    pub sockets: u64,
    pub websocket: u64,
    pub polling: u64,
    /// Distinct users with a socket on this node.
    pub users: u64,
    /// Messages this node stored in the window.
    pub messages_in: u64,
    /// `message` events this node sent to its sockets in the window (for messages stored by
    /// any node: counted when the storing node's window arrives, so a second late).
    pub deliveries_out: u64,
    /// Acknowledged requests in the window, and their latency (receipt to ack) in ms.
    pub acks: u64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    /// Storage commits in the window, messages per commit (mean) and commit time (p99, ms).
    pub commits: u64,
    pub commit_batch: f64,
    pub commit_p99_ms: f64,
    /// Requests answered with an error in the window (any code).
    pub errors: u64,
    /// Messages stored in the window per room, for the other nodes' delivery counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<(String, u64)>,
}

/// One node's recent windows, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeHistory {
    pub node: String,
    pub windows: Vec<OpsWindow>,
}

/// `ops_watch` payload: `{}`. The socket then receives every node's `ops_window`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsWatchRequest {}

/// `ops_watch` ack: each node's last [`OPS_HISTORY`] windows, by node name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsWatchReply {
    pub nodes: Vec<NodeHistory>,
}

/// `ops_unwatch` payload: `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsUnwatchRequest {}

/// `ops_unwatch` ack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsUnwatchReply {}

request!(OpsWatchRequest, event::OPS_WATCH, OpsWatchReply);
request!(OpsUnwatchRequest, event::OPS_UNWATCH, OpsUnwatchReply);
