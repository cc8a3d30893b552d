//! How each room of a user's list notifies them: every message, mentions only (and every
//! message of a direct conversation), or nothing. Kept per user and room by the server, so it
//! follows the user to every tab and device.

use super::events::{event, request};
use super::rooms::RoomName;
use serde::{Deserialize, Serialize};

/// What a room notifies its reader of, when their tab is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NotifyLevel {
    /// Every message.
    All,
    /// Messages that mention the reader, and every message of a direct conversation.
    #[default]
    Mentions,
    /// Nothing; the room's unread messages do not count in the tab's title either.
    Muted,
}

impl NotifyLevel {
    pub const ALL: [NotifyLevel; 3] = [NotifyLevel::All, NotifyLevel::Mentions, NotifyLevel::Muted];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyLevel::All => "all",
            NotifyLevel::Mentions => "mentions",
            NotifyLevel::Muted => "muted",
        }
    }

    /// True for the default level ([`NotifyLevel::Mentions`]), which read states leave out.
    pub fn is_default(&self) -> bool {
        *self == NotifyLevel::Mentions
    }

    /// The level of a wire name (a form's value).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == raw)
    }

    /// Words for the level, as the room page offers it.
    pub fn label(self) -> &'static str {
        match self {
            NotifyLevel::All => "All messages",
            NotifyLevel::Mentions => "Mentions and direct messages",
            NotifyLevel::Muted => "Nothing (muted)",
        }
    }

    /// Whether a message notifies: `mentioned` when it names the reader, `direct` in a direct
    /// conversation. (The reader's own messages never do; the caller checks that.)
    pub fn notifies(self, mentioned: bool, direct: bool) -> bool {
        match self {
            NotifyLevel::All => true,
            NotifyLevel::Mentions => mentioned || direct,
            NotifyLevel::Muted => false,
        }
    }
}

/// `set_notifications` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetNotificationsRequest {
    pub room: RoomName,
    /// `all`, `mentions` or `muted`.
    pub level: NotifyLevel,
}

/// `set_notifications` ack on success, and the payload of `notifications`, which every socket
/// of the user gets (their other tabs and devices follow).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationsReply {
    pub room: String,
    pub level: NotifyLevel,
}

request!(
    SetNotificationsRequest,
    event::SET_NOTIFICATIONS,
    NotificationsReply
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_decide_what_notifies() {
        assert!(NotifyLevel::All.notifies(false, false));
        assert!(!NotifyLevel::Mentions.notifies(false, false));
        assert!(NotifyLevel::Mentions.notifies(true, false));
        assert!(NotifyLevel::Mentions.notifies(false, true));
        assert!(!NotifyLevel::Muted.notifies(true, true));
        for l in NotifyLevel::ALL {
            assert_eq!(NotifyLevel::parse(l.as_str()), Some(l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
        assert_eq!(NotifyLevel::parse("loud"), None);
    }
}
