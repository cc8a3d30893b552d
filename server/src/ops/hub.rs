//! Every node's last five minutes, and the live feed to the dashboard.
//!
//! Each second every node closes its window and publishes it on Redis channel `natter-ops`
//! (one node: it only keeps it). Every node keeps every node's windows, so a dashboard opened on
//! any node starts with the whole cluster's history (`ops_watch`), and sends each window as it
//! arrives to its own sockets watching (room [`WATCHERS`]): every watcher hears each window
//! once, whichever node it is connected to.

use super::record;
use super::recorder::Installed;
use super::window::{Connected, Windows};
use crate::auth::Session;
use crate::cluster::ReconnectingDriver;
use app::protocol::{event, NodeHistory, OpsWindow, OPS_HISTORY};
use futures_util::StreamExt;
use socketioxide::adapter::Adapter;
use socketioxide::SocketIo;
use socketioxide_redis::drivers::Driver;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// The Socket.IO room of the sockets watching the dashboard (no room name has a colon).
pub const WATCHERS: &str = "ops:watchers";

/// The Redis channel the windows travel on.
const CHANNEL: &str = "natter-ops";

/// Every node's recent windows, as this node heard them.
pub struct Hub {
    node: String,
    history: Mutex<BTreeMap<String, VecDeque<OpsWindow>>>,
}

impl Hub {
    pub fn new(node: &str) -> Self {
        Self {
            node: node.to_owned(),
            history: Mutex::default(),
        }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Each node's windows of the last five minutes, oldest first, by node name. A node silent
    /// for as long is left out (older windows go as this node's own arrive, every second).
    pub fn history(&self) -> Vec<NodeHistory> {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history
            .iter()
            .map(|(node, windows)| NodeHistory {
                node: node.clone(),
                windows: windows.iter().cloned().collect(),
            })
            .collect()
    }

    /// A node's window arrived (this node's own included): counts the `message` events this
    /// node's sockets got for the messages stored in it, keeps it, and sends it to the watchers.
    fn arrived<A: Adapter>(&self, io: &SocketIo<A>, mut window: OpsWindow) {
        let Some(all) = crate::cluster::sockets(io) else {
            return;
        };
        let delivered: u64 = window
            .rooms
            .iter()
            .map(|(room, n)| n * all.clone().local().to(room.clone()).sockets().len() as u64)
            .sum();
        record::delivered(delivered);
        window.rooms.clear();
        {
            let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
            let windows = history.entry(window.node.clone()).or_default();
            windows.push_back(window.clone());
            while windows.len() > OPS_HISTORY {
                windows.pop_front();
            }
            // By this node's clock: another node's (maybe skewed) cannot empty the history.
            let cutoff = crate::clock::now_ms() - (OPS_HISTORY as i64) * 1000;
            for windows in history.values_mut() {
                while windows.front().is_some_and(|w| w.at <= cutoff) {
                    windows.pop_front();
                }
            }
            history.retain(|_, w| !w.is_empty());
        }
        // Local: the other nodes send it to their own watchers.
        let watchers = all.local().to(WATCHERS);
        tokio::spawn(async move {
            let _ = watchers.emit(event::OPS_WINDOW, &window).await;
        });
    }
}

/// Watchers whose administrator rights were revoked (`natter admin revoke`) stop hearing the
/// windows within a few seconds.
async fn drop_revoked_watchers<A: Adapter>(io: SocketIo<A>, auth: crate::auth::Auth) {
    let Some(all) = crate::cluster::sockets(&io) else {
        return;
    };
    for socket in all.local().to(WATCHERS).sockets() {
        let Some(session) = socket.extensions.get::<Session>() else {
            socket.leave(WATCHERS);
            continue;
        };
        if matches!(auth.is_admin(&session.user).await, Ok(false)) {
            socket.leave(WATCHERS);
        }
    }
}

/// What this node's sockets are now.
fn connected<A: Adapter>(io: &SocketIo<A>) -> Option<Connected> {
    let sockets = crate::cluster::sockets(io)?.local().sockets();
    let mut now = Connected::default();
    let mut users = HashSet::new();
    for socket in &sockets {
        match socket.transport_type() {
            socketioxide::TransportType::Websocket => now.websocket += 1,
            socketioxide::TransportType::Polling => now.polling += 1,
        }
        if let Some(session) = socket.extensions.get::<Session>() {
            users.insert(session.user.id);
        }
    }
    now.users = users.len() as u64;
    Some(now)
}

/// Closes a window every second for as long as the server runs, shares it with the other nodes
/// (over `link`, in a cluster), and hears theirs.
pub async fn run<A: Adapter>(
    hub: std::sync::Arc<Hub>,
    io: SocketIo<A>,
    auth: crate::auth::Auth,
    installed: Installed,
    link: Option<ReconnectingDriver>,
) {
    if let Some(link) = &link {
        match link.subscribe(CHANNEL.to_owned(), 1024).await {
            Ok(mut stream) => {
                let (hub, io) = (hub.clone(), io.clone());
                tokio::spawn(async move {
                    while let Some((_, payload)) = stream.next().await {
                        match serde_json::from_slice::<OpsWindow>(&payload) {
                            Ok(w) if w.node != hub.node => hub.arrived(&io, w),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::debug!(error = %e, "an ops window could not be read")
                            }
                        }
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "the dashboard shows this node only: no subscription to {CHANNEL}")
            }
        }
    }
    let mut windows = Windows::new(installed.measurements.clone());
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    let mut ticks: u64 = 0;
    loop {
        every.tick().await;
        ticks += 1;
        let Some(now) = connected(&io) else {
            return;
        };
        record::connected(now.websocket, now.polling, now.users);
        let window = windows.close(&hub.node, crate::clock::now_ms(), now);
        if let Some(link) = &link {
            if crate::cluster::linked() {
                if let Ok(json) = serde_json::to_vec(&window) {
                    let _ = link.publish(CHANNEL.to_owned(), json).await;
                }
            }
        }
        hub.arrived(&io, window);
        if ticks % 5 == 0 {
            if let Some(prometheus) = &installed.prometheus {
                prometheus.run_upkeep();
            }
            tokio::spawn(drop_revoked_watchers(io.clone(), auth.clone()));
        }
    }
}
