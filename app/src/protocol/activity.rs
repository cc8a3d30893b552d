//! What people do in rooms besides writing: how far each has read (read positions, unread
//! counts), whom a message mentions, and who is typing.

use super::events::{event, request};
use super::rooms::RoomName;
use serde::{Deserialize, Serialize};

/// The most mentions of one room one [`ReadState`] lists (more still count as "99+").
pub const MAX_LISTED_MENTIONS: usize = 100;
/// The most users one message can mention (names beyond are plain text).
pub const MAX_MENTIONS: usize = 20;

/// Where one user stands in one room of their list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub room: String,
    /// The seq of the newest message the user has read (0: none). Unread messages are those
    /// after it: `room.last_seq - read` of them.
    pub read: i64,
    /// The seqs of the unread messages that mention the user, ascending (at most
    /// [`MAX_LISTED_MENTIONS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<i64>,
    /// What the room notifies the user of (`mentions` when absent: the default is not sent).
    #[serde(default, skip_serializing_if = "super::NotifyLevel::is_default")]
    pub notify: super::NotifyLevel,
}

impl ReadState {
    /// Unread messages in a room whose newest seq is `last_seq`.
    pub fn unread(&self, last_seq: i64) -> i64 {
        (last_seq - self.read).max(0)
    }

    /// Unread messages that mention the user.
    pub fn unread_mentions(&self) -> usize {
        self.mentions.iter().filter(|&&s| s > self.read).count()
    }

    /// Adds the mentions of `seqs` that are still unread (after this position), once each, in
    /// order.
    pub fn keep_mentions(&mut self, seqs: &[i64]) {
        let read = self.read;
        self.mentions.extend(seqs.iter().filter(|&&s| s > read));
        self.mentions.sort_unstable();
        self.mentions.dedup();
    }

    /// Takes in a read position: never backwards; mentions up to it are read.
    pub fn advance(&mut self, read: i64) {
        if read > self.read {
            self.read = read;
            self.mentions.retain(|&s| s > read);
        }
    }
}

/// `mark_read` payload: the user has seen the room up to `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkReadRequest {
    pub room: RoomName,
    /// The newest seq seen. A position never moves back; one beyond the room's newest message
    /// counts as its newest.
    pub seq: i64,
}

/// `mark_read` ack on success, and the payload of `read_position`, which every socket of the
/// user gets (their other tabs and devices follow).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadReply {
    pub room: String,
    /// The stored position after the request.
    pub read: i64,
}

impl From<ReadReply> for ReadState {
    /// A position the server stored or announced (the mentions before it are read).
    fn from(r: ReadReply) -> Self {
        Self {
            room: r.room,
            read: r.read,
            mentions: Vec::new(),
            notify: Default::default(),
        }
    }
}

/// `typing` payload: the user is typing in `room` (send at most every few seconds while they
/// type; nothing when they stop: the others forget after [`TYPING_SHOWN_MS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingRequest {
    pub room: RoomName,
}

/// `typing` ack on success: `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TypingReply {}

/// `typing` event payload: `user` is typing in `room`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingEvent {
    pub room: String,
    pub user: String,
}

/// How long a `typing` event is shown, in milliseconds, unless another comes or the typist's
/// message arrives first.
pub const TYPING_SHOWN_MS: u64 = 5_000;
/// How often a client sends `typing` while the user types, at most, in milliseconds.
pub const TYPING_EVERY_MS: u64 = 3_000;

request!(MarkReadRequest, event::MARK_READ, ReadReply);
request!(TypingRequest, event::TYPING, TypingReply);
request!(MembersRequest, event::MEMBERS, MembersReply);

/// The most names one `members` reply holds.
pub const MEMBERS_PAGE: usize = 8;

/// `members` payload: who in `room` could be mentioned, by the start of their name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersRequest {
    pub room: RoomName,
    /// The start of the usernames wanted (what follows the `@` typed so far); may be empty.
    #[serde(default)]
    pub prefix: String,
}

/// `members` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersReply {
    /// Usernames of members of the room starting with the prefix, in name order, at most
    /// [`MEMBERS_PAGE`].
    pub members: Vec<String>,
}

/// The usernames `body` mentions as `@name`, in order, each once, at most [`MAX_MENTIONS`]:
/// an `@` at the start or after a character that is not part of a name (so `ada@example.com`
/// mentions nobody), then a valid username. Whether such a user exists and is in the room is
/// the server's to check.
pub fn mentioned_names(body: &str) -> Vec<String> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut names: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in body.char_indices() {
        let starts = c == '@' && !prev.is_some_and(|p| is_name_char(p) || p == '@');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &body[i + 1..];
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        // A name ends before trailing punctuation: `@ada-` or `@ada_` of "thanks @ada-!" hardly.
        let raw = rest[..end].trim_end_matches(['-', '_']);
        // As typed: `@Ada` is not `ada` (names are lowercase), so it is not a mention.
        if super::Username::exact(raw).is_ok() {
            if !names.iter().any(|n| n == raw) {
                names.push(raw.to_owned());
                if names.len() == MAX_MENTIONS {
                    break;
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_at_names_at_word_starts() {
        assert_eq!(mentioned_names("hi @ada and @bob_2!"), ["ada", "bob_2"]);
        assert_eq!(mentioned_names("@ada @ada, @ada"), ["ada"]);
        assert!(mentioned_names("mail ada@example.com").is_empty());
        assert!(mentioned_names("@@ada @ @x").is_empty());
        assert_eq!(mentioned_names("(@cy) thanks @dee-."), ["cy", "dee"]);
        assert!(mentioned_names("@Ada").is_empty());
        let many: String = (0..30).map(|i| format!("@user{i} ")).collect();
        assert_eq!(mentioned_names(&many).len(), MAX_MENTIONS);
    }

    #[test]
    fn read_states_never_move_back() {
        let mut s = ReadState {
            room: "general".into(),
            read: 3,
            mentions: vec![4, 6],
            ..ReadState::default()
        };
        assert_eq!(s.unread(7), 4);
        assert_eq!(s.unread_mentions(), 2);
        s.advance(5);
        assert_eq!((s.read, s.unread_mentions()), (5, 1));
        s.advance(2);
        assert_eq!(s.read, 5);
        assert_eq!(s.unread(4), 0);
    }
}
