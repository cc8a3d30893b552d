//! Messages: bodies, idempotency keys, and the payloads of `send` and `history`.

use super::errors::{ErrorBody, ErrorCode};
use super::events::{event, request};
use super::rooms::RoomName;
use serde::{Deserialize, Serialize};

/// The most characters a message body may hold (after trimming).
pub const MAX_BODY_CHARS: usize = 4000;
/// How many messages a room page and a `join` reply carry at most.
pub const HISTORY_PAGE: u32 = 50;
/// The largest `limit` a `history` request may ask for.
pub const MAX_HISTORY_LIMIT: u32 = 200;
/// The most characters an idempotency key may hold.
pub const MAX_KEY_CHARS: usize = 64;

/// A message body: trimmed, not empty, at most [`MAX_BODY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        // Line breaks as `\r\n` (some clients) are plain newlines.
        let normalized = raw.replace("\r\n", "\n");
        let body = normalized.trim();
        if let Some(c) = body
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            return Err(ErrorBody::new(
                ErrorCode::InvalidCharacters,
                format!(
                    "A message cannot hold control characters other than line breaks and tabs \
                     (found U+{:04X}).",
                    u32::from(c)
                ),
            ));
        }
        if body.is_empty() {
            return Err(ErrorBody::new(
                ErrorCode::EmptyMessage,
                "A message cannot be empty.",
            ));
        }
        let len = body.chars().count();
        if len > MAX_BODY_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::MessageTooLong,
                format!(
                    "A message can hold at most {MAX_BODY_CHARS} characters; this one has {len}."
                ),
            ));
        }
        Ok(Self(body.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::decode::text_field!(MessageBody);

/// A client-chosen idempotency key: 1 to [`MAX_KEY_CHARS`] printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientKey(String);

impl ClientKey {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        if raw.is_empty() || raw.len() > MAX_KEY_CHARS || !raw.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(ErrorBody::new(
                ErrorCode::InvalidKey,
                format!("A message key is 1 to {MAX_KEY_CHARS} printable ASCII characters."),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::decode::text_field!(ClientKey);

/// How many messages one `history` page holds: 1 to [`MAX_HISTORY_LIMIT`], default
/// [`HISTORY_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Option<u32>", into = "u32")]
pub struct HistoryLimit(u32);

/// Absent or `null`: the default page.
impl TryFrom<Option<u32>> for HistoryLimit {
    type Error = ErrorBody;
    fn try_from(n: Option<u32>) -> Result<Self, Self::Error> {
        super::decode::validated(Self::parse(n))
    }
}

impl From<HistoryLimit> for u32 {
    fn from(l: HistoryLimit) -> u32 {
        l.0
    }
}

impl Default for HistoryLimit {
    fn default() -> Self {
        Self(HISTORY_PAGE)
    }
}

impl HistoryLimit {
    pub fn parse(limit: Option<u32>) -> Result<Self, ErrorBody> {
        match limit {
            None => Ok(Self(HISTORY_PAGE)),
            Some(n) if (1..=MAX_HISTORY_LIMIT).contains(&n) => Ok(Self(n)),
            Some(_) => Err(ErrorBody::new(
                ErrorCode::BadPayload,
                format!("limit must be between 1 and {MAX_HISTORY_LIMIT}."),
            )),
        }
    }

    /// True for the default page size (left out of a request).
    pub fn is_default(&self) -> bool {
        self.0 == HISTORY_PAGE
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A stored message, as the server broadcasts it and history returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Server-assigned unique id (a UUID).
    pub id: String,
    pub room: String,
    /// Per-room sequence number: 1, 2, 3, … with no gaps.
    pub seq: i64,
    /// The sender's username, from the server's session record.
    pub author: String,
    /// The text as written: Markdown (what an edit starts from).
    pub body: String,
    /// The body as HTML, rendered by the server (what the body may become is in the protocol's
    /// "Message bodies"); absent when the message was deleted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub html: String,
    /// Server time of storing, milliseconds since the Unix epoch (UTC).
    pub ts: i64,
    /// The sender's idempotency key, so a sender can match the echo to its pending message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The members of the room the body mentions as `@name`, in the order written (absent when
    /// none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// When the author last edited the body, ms since the epoch (absent: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<i64>,
    /// True once the message was deleted: `body` is empty and `mentions`, `reactions` and
    /// `reply_to`'s snippet are gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Reactions, by emoji in the order first used (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<super::Reaction>,
    /// The message this one answers (absent when it answers none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<super::Quote>,
    /// Who pinned it to the room, and when (absent: not pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<super::Pinned>,
}

/// `send` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    pub room: RoomName,
    /// The text. The author is the logged-in user; an `author` field, if sent, is ignored.
    pub body: MessageBody,
    /// Idempotency key: a repeat with the same key in the same room stores nothing new and gets
    /// the first message back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<ClientKey>,
    /// The seq of the message in the same room this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
}

/// `send` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendReply {
    pub message: Message,
}

/// `history` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRequest {
    pub room: RoomName,
    /// Only messages with a smaller seq; absent: the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// How many at most (1 to [`MAX_HISTORY_LIMIT`], default [`HISTORY_PAGE`]).
    #[serde(default, skip_serializing_if = "HistoryLimit::is_default")]
    pub limit: HistoryLimit,
}

/// `history` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryReply {
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
}

request!(SendRequest, event::SEND, SendReply);
request!(HistoryRequest, event::HISTORY, HistoryReply);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(MessageBody::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(
            MessageBody::parse(" \n\t ").unwrap_err().code,
            ErrorCode::EmptyMessage
        );
        assert!(MessageBody::parse(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert_eq!(MessageBody::parse("a\r\nb\tc").unwrap().as_str(), "a\nb\tc");
        for bad in ["bell\u{7}", "esc\u{1b}[31m", "nul\u{0}", "cr\ronly"] {
            assert_eq!(
                MessageBody::parse(bad).unwrap_err().code,
                ErrorCode::InvalidCharacters,
                "{bad:?}"
            );
        }
        // Direction overrides are text, kept as typed: the page isolates each body instead.
        assert!(MessageBody::parse("\u{202e}abc").is_ok());
        assert_eq!(
            MessageBody::parse(&"x".repeat(MAX_BODY_CHARS + 1))
                .unwrap_err()
                .code,
            ErrorCode::MessageTooLong
        );
    }

    #[test]
    fn keys_and_limits() {
        assert!(ClientKey::parse("k-1").is_ok());
        assert!(ClientKey::parse("").is_err());
        assert!(ClientKey::parse("has space").is_err());
        assert_eq!(HistoryLimit::parse(None).unwrap().get(), HISTORY_PAGE);
        assert!(HistoryLimit::parse(Some(0)).is_err());
        assert!(HistoryLimit::parse(Some(MAX_HISTORY_LIMIT + 1)).is_err());
    }
}
