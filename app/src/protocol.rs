//! The wire format shared by the server, the browser client and every test.
//!
//! `docs/protocol.md` describes the same thing in prose; when one changes, so does the other.
//! Validated newtypes (`RoomName`, `MessageBody`, `AuthorName`) are built at the edge with
//! `parse`, so the inside of the program never checks them again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most characters a message body may hold (after trimming).
pub const MAX_BODY_CHARS: usize = 4000;
/// The most characters a display name may hold.
pub const MAX_AUTHOR_CHARS: usize = 32;
/// The most characters a room name may hold.
pub const MAX_ROOM_CHARS: usize = 32;
/// How many messages a room page and a `join` reply carry at most.
pub const HISTORY_PAGE: u32 = 50;
/// The largest `limit` a `history` request may ask for.
pub const MAX_HISTORY_LIMIT: u32 = 200;
/// The most characters an idempotency key may hold.
pub const MAX_KEY_CHARS: usize = 64;
/// The room every fresh database starts with.
pub const DEFAULT_ROOM: &str = "general";

/// Event names, in both directions.
pub mod event {
    /// Client -> server: enter a room and get what it holds after a sequence number.
    pub const JOIN: &str = "join";
    /// Client -> server: stop receiving a room's messages.
    pub const LEAVE: &str = "leave";
    /// Client -> server: post a message.
    pub const SEND: &str = "send";
    /// Client -> server: page back through a room's history.
    pub const HISTORY: &str = "history";
    /// Client -> server: list the rooms.
    pub const ROOMS: &str = "rooms";
    /// Client -> server: create a room.
    pub const CREATE_ROOM: &str = "create_room";
    /// Server -> client: a new message in a joined room.
    pub const MESSAGE: &str = "message";
    /// Server -> client: a room was created (sent to every connected client).
    pub const ROOM_CREATED: &str = "room_created";
}

/// What went wrong, in a form a program can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The payload is not the JSON object the event expects.
    BadPayload,
    /// The event name is not part of the protocol.
    UnknownEvent,
    /// The message body is empty or only white space.
    EmptyMessage,
    /// The message body is longer than [`MAX_BODY_CHARS`].
    MessageTooLong,
    /// The display name is empty, too long or holds control characters.
    InvalidAuthor,
    /// The room name breaks the naming rules.
    InvalidRoomName,
    /// The idempotency key is empty or longer than [`MAX_KEY_CHARS`].
    InvalidKey,
    /// No room has that name.
    UnknownRoom,
    /// A room with that name exists already.
    RoomExists,
    /// The server failed; the message says nothing private. Retrying may help.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadPayload => "bad_payload",
            ErrorCode::UnknownEvent => "unknown_event",
            ErrorCode::EmptyMessage => "empty_message",
            ErrorCode::MessageTooLong => "message_too_long",
            ErrorCode::InvalidAuthor => "invalid_author",
            ErrorCode::InvalidRoomName => "invalid_room_name",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::UnknownRoom => "unknown_room",
            ErrorCode::RoomExists => "room_exists",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The error half of every ack, and the error type of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "The server could not do that just now. Please try again.",
        )
    }

    pub fn unknown_room(room: &RoomName) -> Self {
        Self::new(
            ErrorCode::UnknownRoom,
            format!("There is no room named \"{room}\"."),
        )
    }
}

impl leptos::server_fn::error::FromServerFnError for ErrorBody {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(m) | E::MissingArg(m) => Self::new(ErrorCode::BadPayload, m),
            E::Request(_) => Self::new(
                ErrorCode::Internal,
                "The server could not be reached. Please try again.",
            ),
            _ => Self::internal(),
        }
    }
}

/// Every ack is either `{ "error": { code, message } }` or the event's success payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply<T> {
    Err { error: ErrorBody },
    Ok(T),
}

impl<T> From<Result<T, ErrorBody>> for Reply<T> {
    fn from(r: Result<T, ErrorBody>) -> Self {
        match r {
            Ok(v) => Reply::Ok(v),
            Err(error) => Reply::Err { error },
        }
    }
}

impl<T> From<Reply<T>> for Result<T, ErrorBody> {
    fn from(r: Reply<T>) -> Self {
        match r {
            Reply::Ok(v) => Ok(v),
            Reply::Err { error } => Err(error),
        }
    }
}

/// A room's name: 1 to 32 of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let ok_len = !raw.is_empty() && raw.chars().count() <= MAX_ROOM_CHARS;
        let ok_first = raw
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok_len && ok_first && ok_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ErrorBody::new(
                ErrorCode::InvalidRoomName,
                format!(
                    "Room names are 1 to {MAX_ROOM_CHARS} characters of lowercase letters, digits, \
                     \"-\" and \"_\", starting with a letter or digit."
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RoomName {
    type Error = ErrorBody;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RoomName> for String {
    fn from(r: RoomName) -> String {
        r.0
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message body: trimmed, not empty, at most [`MAX_BODY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let body = raw.trim();
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

/// A display name: trimmed, 1 to [`MAX_AUTHOR_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 || len > MAX_AUTHOR_CHARS || name.chars().any(char::is_control) {
            return Err(ErrorBody::new(
                ErrorCode::InvalidAuthor,
                format!("A display name is 1 to {MAX_AUTHOR_CHARS} characters, without control characters."),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client-chosen idempotency key: 1 to [`MAX_KEY_CHARS`] printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A stored message, as the server broadcasts it and history returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Server-assigned unique id (a UUID).
    pub id: String,
    pub room: String,
    /// Per-room sequence number: 1, 2, 3, … with no gaps.
    pub seq: i64,
    pub author: String,
    pub body: String,
    /// Server time of storing, milliseconds since the Unix epoch (UTC).
    pub ts: i64,
    /// The sender's idempotency key, so a sender can match the echo to its pending message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A room as the room list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    /// The sequence number of the room's newest message (0 when it has none).
    pub last_seq: i64,
    /// Creation time, milliseconds since the Unix epoch (UTC).
    pub created_at: i64,
}

/// `join` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub room: String,
    /// The newest sequence number the client holds; the reply carries what came after it.
    /// Absent: the reply carries the newest [`HISTORY_PAGE`] messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
}

/// `join` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinReply {
    pub room: Room,
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
    /// True when more messages came after `after` than one reply carries: page with `history`.
    pub truncated: bool,
}

/// `leave` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveRequest {
    pub room: String,
}

/// `leave` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveReply {
    pub room: String,
}

/// `send` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    pub room: String,
    pub author: String,
    pub body: String,
    /// Idempotency key: a repeat with the same key in the same room stores nothing new and gets
    /// the first message back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `send` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendReply {
    pub message: Message,
}

/// `history` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRequest {
    pub room: String,
    /// Only messages with a smaller seq; absent: the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// How many at most (1 to [`MAX_HISTORY_LIMIT`], default [`HISTORY_PAGE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `history` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryReply {
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
}

/// `rooms` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomsReply {
    pub rooms: Vec<Room>,
}

/// `create_room` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRoomRequest {
    pub name: String,
}

/// `create_room` ack on success, and the `room_created` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomReply {
    pub room: Room,
}

/// Checks a `history` limit.
pub fn history_limit(limit: Option<u32>) -> Result<u32, ErrorBody> {
    match limit {
        None => Ok(HISTORY_PAGE),
        Some(n) if (1..=MAX_HISTORY_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ErrorBody::new(
            ErrorCode::BadPayload,
            format!("limit must be between 1 and {MAX_HISTORY_LIMIT}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names() {
        for ok in ["general", "a", "dev-ops", "team_2", "0day"] {
            assert!(RoomName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "General",
            "-x",
            "_x",
            "with space",
            "é",
            &"x".repeat(33),
        ] {
            assert_eq!(
                RoomName::parse(bad).unwrap_err().code,
                ErrorCode::InvalidRoomName,
                "{bad}"
            );
        }
    }

    #[test]
    fn bodies() {
        assert_eq!(MessageBody::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(
            MessageBody::parse(" \n\t ").unwrap_err().code,
            ErrorCode::EmptyMessage
        );
        assert!(MessageBody::parse(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert_eq!(
            MessageBody::parse(&"x".repeat(MAX_BODY_CHARS + 1))
                .unwrap_err()
                .code,
            ErrorCode::MessageTooLong
        );
    }

    #[test]
    fn authors_and_keys() {
        assert_eq!(AuthorName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert!(AuthorName::parse("").is_err());
        assert!(AuthorName::parse("a\u{7}b").is_err());
        assert!(ClientKey::parse("k-1").is_ok());
        assert!(ClientKey::parse("").is_err());
        assert!(ClientKey::parse("has space").is_err());
    }

    #[test]
    fn replies_are_error_or_payload() {
        let ok: Reply<LeaveReply> = serde_json::from_str(r#"{"room":"general"}"#).unwrap();
        assert_eq!(
            ok,
            Reply::Ok(LeaveReply {
                room: "general".into()
            })
        );
        let err: Reply<LeaveReply> =
            serde_json::from_str(r#"{"error":{"code":"unknown_room","message":"no"}}"#).unwrap();
        assert!(matches!(err, Reply::Err { error } if error.code == ErrorCode::UnknownRoom));
        let json = serde_json::to_string(&Reply::<LeaveReply>::Err {
            error: ErrorBody::internal(),
        })
        .unwrap();
        assert!(json.starts_with(r#"{"error":{"code":"internal""#), "{json}");
    }

    #[test]
    fn error_code_names_match_serde() {
        for code in [
            ErrorCode::BadPayload,
            ErrorCode::MessageTooLong,
            ErrorCode::UnknownRoom,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
