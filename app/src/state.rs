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
    /// Rooms learned live (new, or changed since the page loaded), merged over the
    /// server-rendered list.
    pub new_rooms: RwSignal<Vec<Room>>,
    /// Rooms that left the user's list since the page loaded.
    pub removed_rooms: RwSignal<Vec<String>>,
    /// Messages that arrived live, per room, keyed by seq.
    pub live: RwSignal<BTreeMap<String, BTreeMap<i64, Message>>>,
    /// The outbox: messages sent but not confirmed, in the order they were typed.
    pub pending: RwSignal<Vec<Pending>>,
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
            removed_rooms: RwSignal::new(Vec::new()),
            live: RwSignal::new(BTreeMap::new()),
            pending: RwSignal::new(Vec::new()),
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

    /// A room entered the list or changed (members): the newest version wins.
    pub fn add_room(&self, room: Room) {
        self.removed_rooms
            .update(|r| r.retain(|name| *name != room.name));
        self.new_rooms.update(|rooms| {
            rooms.retain(|r| r.name != room.name);
            rooms.push(room);
        });
    }

    /// A room left the list.
    pub fn remove_room(&self, name: &str) {
        self.new_rooms
            .update(|rooms| rooms.retain(|r| r.name != name));
        self.removed_rooms.update(|r| {
            if !r.iter().any(|n| n == name) {
                r.push(name.to_owned());
            }
        });
    }

    /// The rooms to list: those the page loaded with, changed by what came live since.
    pub fn merged_rooms(&self, loaded: &[Room]) -> Vec<Room> {
        let live = self.new_rooms.get();
        let removed = self.removed_rooms.get();
        let mut all: Vec<Room> = loaded
            .iter()
            .filter(|r| !live.iter().any(|l| l.name == r.name))
            .cloned()
            .collect();
        all.extend(live);
        all.retain(|r| !removed.contains(&r.name));
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
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

/// The logged-in user's name (provided by the layout of every page behind the login).
pub fn use_me() -> String {
    use_context::<crate::protocol::Me>()
        .map(|m| m.username)
        .unwrap_or_default()
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

    fn room(name: &str, members: &[&str]) -> Room {
        Room {
            name: name.into(),
            kind: crate::protocol::RoomKind::Private,
            owner: None,
            members: members.iter().map(|m| m.to_string()).collect(),
            last_seq: 0,
            created_at: 0,
        }
    }

    #[test]
    fn live_room_changes_override_the_loaded_list() {
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            let chat = ChatState::new();
            let loaded = [room("a", &["x"]), room("b", &[])];
            chat.add_room(room("a", &["x", "y"]));
            chat.add_room(room("c", &[]));
            chat.remove_room("b");
            let merged = chat.merged_rooms(&loaded);
            let names: Vec<_> = merged.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(names, ["a", "c"]);
            assert_eq!(merged[0].members, ["x", "y"]);
            chat.add_room(room("b", &[]));
            assert_eq!(chat.merged_rooms(&loaded).len(), 3);
        });
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
