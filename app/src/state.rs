//! The reactive state of the chat in the browser.
//!
//! Views read it; only the socket client (`client/`) and server-function results write it. Its
//! starting values are the same on the server and in the browser, so the server's HTML and the
//! hydrated page match; the client changes them once it runs.

use crate::protocol::{Message, Room};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The socket's state, as the status line shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    /// The first connection attempt is under way (also what the server renders).
    Connecting,
    Connected,
    /// Lost; the next attempt starts after `retry_in_ms`.
    Disconnected {
        retry_in_ms: u32,
    },
    /// Attempt number `attempt` (1, 2, …) after a loss is under way.
    Reconnecting {
        attempt: u32,
    },
}

impl ConnStatus {
    /// A short word for the status line and for tests (`data-status`).
    pub fn word(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "connecting",
            ConnStatus::Connected => "connected",
            ConnStatus::Disconnected { .. } => "disconnected",
            ConnStatus::Reconnecting { .. } => "reconnecting",
        }
    }
}

/// Where a message the user sent stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PendingState {
    /// Sent or waiting for the connection; no ack yet.
    Sending,
    /// The server refused it; the sentence says why.
    Failed(String),
}

/// A message the user sent that the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The idempotency key: the same key on every retry.
    pub key: String,
    pub room: String,
    pub author: String,
    pub body: String,
    pub state: PendingState,
}

/// Everything the chat views read. All fields are `Copy` signals.
#[derive(Debug, Clone, Copy)]
pub struct ChatState {
    pub status: RwSignal<ConnStatus>,
    /// `websocket` or `polling`; `None` before the first connection.
    pub transport: RwSignal<Option<&'static str>>,
    /// Rooms learned live (created after the page loaded), merged with the server-rendered list.
    pub new_rooms: RwSignal<Vec<Room>>,
    /// Messages that arrived live, per room, keyed by seq.
    pub live: RwSignal<BTreeMap<String, BTreeMap<i64, Message>>>,
    /// The outbox: messages sent but not confirmed, in the order they were typed.
    pub pending: RwSignal<Vec<Pending>>,
    /// The display name (kept in the browser's storage; empty until chosen).
    pub author: RwSignal<String>,
    /// The local time zone's offset from UTC in minutes, once the browser told it. Until then,
    /// times show in UTC, as on the server, so hydration matches.
    pub utc_offset_min: RwSignal<Option<i32>>,
}

impl ChatState {
    pub fn new() -> Self {
        Self {
            status: RwSignal::new(ConnStatus::Connecting),
            transport: RwSignal::new(None),
            new_rooms: RwSignal::new(Vec::new()),
            live: RwSignal::new(BTreeMap::new()),
            pending: RwSignal::new(Vec::new()),
            author: RwSignal::new(String::new()),
            utc_offset_min: RwSignal::new(None),
        }
    }

    /// Records messages of a room; a seq already held is kept once.
    pub fn add_messages(&self, room: &str, messages: impl IntoIterator<Item = Message>) {
        let mut messages = messages.into_iter().peekable();
        if messages.peek().is_none() {
            return;
        }
        let mut confirmed = Vec::new();
        self.live.update(|live| {
            let per_room = live.entry(room.to_owned()).or_default();
            for m in messages {
                if let Some(k) = &m.key {
                    confirmed.push(k.clone());
                }
                per_room.insert(m.seq, m);
            }
        });
        if !confirmed.is_empty() {
            self.pending
                .update(|p| p.retain(|p| !confirmed.contains(&p.key)));
        }
    }

    pub fn add_room(&self, room: Room) {
        self.new_rooms.update(|rooms| {
            if !rooms.iter().any(|r| r.name == room.name) {
                rooms.push(room);
            }
        });
    }

    pub fn set_pending_state(&self, key: &str, state: PendingState) {
        self.pending.update(|p| {
            if let Some(p) = p.iter_mut().find(|p| p.key == key) {
                p.state = state;
            }
        });
    }
}

impl Default for ChatState {
    fn default() -> Self {
        Self::new()
    }
}

/// Merges server-rendered history with live messages: one list in seq order, no seq twice.
pub fn merge_messages(history: &[Message], live: Option<&BTreeMap<i64, Message>>) -> Vec<Message> {
    let mut all: BTreeMap<i64, Message> = history.iter().map(|m| (m.seq, m.clone())).collect();
    if let Some(live) = live {
        for (seq, m) in live {
            all.entry(*seq).or_insert_with(|| m.clone());
        }
    }
    all.into_values().collect()
}

pub fn use_chat_state() -> ChatState {
    expect_context::<ChatState>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64) -> Message {
        Message {
            id: format!("id{seq}"),
            room: "general".into(),
            seq,
            author: "a".into(),
            body: format!("m{seq}"),
            ts: 0,
            key: None,
        }
    }

    #[test]
    fn merge_orders_by_seq_without_duplicates() {
        let live: BTreeMap<i64, Message> = [3, 2, 5].into_iter().map(|s| (s, msg(s))).collect();
        let merged = merge_messages(&[msg(1), msg(2), msg(3)], Some(&live));
        assert_eq!(
            merged.iter().map(|m| m.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 5]
        );
    }
}
