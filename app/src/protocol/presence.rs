//! Who is around: every user is online (a tab or client of theirs is in use), away (connected,
//! but nothing in use for a while) or offline (nothing connected). The server works it out from
//! the connections themselves, on every node; nothing is stored.

use super::events::{event, request};
use serde::{Deserialize, Serialize};

/// A user's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// At least one connection of theirs is in use (a visible tab with input in the last
    /// [`AWAY_AFTER_MS`]).
    Online,
    /// Connected, but no connection is in use.
    Away,
    /// Nothing of theirs is connected.
    #[default]
    Offline,
}

impl Presence {
    /// The wire name, as serde writes it (also the word the pages show).
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }
}

/// A tab with no keyboard, pointer or touch input for this long counts as not in use.
pub const AWAY_AFTER_MS: u64 = 5 * 60 * 1000;
/// The most users one `presence` request may ask about.
pub const MAX_PRESENCE_USERS: usize = 50;

/// The optional payload of the Socket.IO CONNECT packet (`auth` in socket.io-client): whether
/// the new connection is in use. Absent, or `active` absent: in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectAuth {
    #[serde(default = "in_use")]
    pub active: bool,
}

fn in_use() -> bool {
    true
}

/// `activity` payload: whether this connection is in use now (a client sends it when its tab
/// is shown or hidden, and when its user stops or starts using it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRequest {
    pub active: bool,
}

/// `activity` ack on success: the user's presence, as everyone now sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityReply {
    pub status: Presence,
}

/// `presence` payload: which users' presence the client wants (at most
/// [`MAX_PRESENCE_USERS`] usernames).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceRequest {
    pub users: Vec<super::Username>,
}

/// `presence` ack on success: one entry per user asked about, in the order asked (an unknown
/// username is simply offline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceReply {
    pub users: Vec<UserPresence>,
}

/// One user's presence: an entry of the `presence` ack, and the payload of the `presence` event
/// that tells the sockets sharing a room with `user` that it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPresence {
    pub user: String,
    pub status: Presence,
}

request!(ActivityRequest, event::ACTIVITY, ActivityReply);
request!(PresenceRequest, event::PRESENCE, PresenceReply);

/// Whether a tab is in use: shown, and touched within [`AWAY_AFTER_MS`] (times in ms).
pub fn in_use_now(visible: bool, last_input_ms: f64, now_ms: f64) -> bool {
    visible && now_ms - last_input_ms < AWAY_AFTER_MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_is_in_use_while_shown_and_touched_lately() {
        let min = 60_000.0;
        assert!(in_use_now(true, 0.0, 4.0 * min));
        assert!(!in_use_now(true, 0.0, 5.0 * min));
        assert!(!in_use_now(false, 0.0, 1.0));
    }

    #[test]
    fn connect_auth_defaults_to_in_use() {
        let auth: ConnectAuth = serde_json::from_str("{}").unwrap();
        assert!(auth.active);
        let auth: ConnectAuth = serde_json::from_str(r#"{"active":false}"#).unwrap();
        assert!(!auth.active);
        assert_eq!(
            serde_json::to_string(&UserPresence {
                user: "ada".into(),
                status: Presence::Away
            })
            .unwrap(),
            r#"{"user":"ada","status":"away"}"#
        );
    }
}
