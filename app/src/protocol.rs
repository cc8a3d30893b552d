//! The wire format shared by the server, the browser client and every test.
//!
//! `docs/protocol.md` describes the same thing in prose; when one changes, so does the other.
//! Validated newtypes (`RoomName`, `MessageBody`, `Username`, `Password`) are built at the edge
//! with `parse`, so the inside of the program never checks them again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most characters a message body may hold (after trimming).
pub const MAX_BODY_CHARS: usize = 4000;
/// The fewest and most characters a username may hold.
pub const MIN_USERNAME_CHARS: usize = 2;
pub const MAX_USERNAME_CHARS: usize = 24;
/// The fewest and most characters a password may hold.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The largest event payload the server reads, in bytes of its JSON text. Bigger ones are
/// refused with `payload_too_large` (a 4,000-character body fits, even fully escaped).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
/// Room names with this prefix are direct conversations; nobody can create one by name.
pub const DIRECT_PREFIX: &str = "dm-";
/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "natter_session";
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
    /// Client -> server: create a room (public or private).
    pub const CREATE_ROOM: &str = "create_room";
    /// Client -> server: open (or find) the direct conversation with another user.
    pub const OPEN_DIRECT: &str = "open_direct";
    /// Client -> server: the owner of a private room adds a member.
    pub const ADD_MEMBER: &str = "add_member";
    /// Client -> server: the owner removes a member, or a member leaves.
    pub const REMOVE_MEMBER: &str = "remove_member";
    /// Server -> client: a new message in a joined room.
    pub const MESSAGE: &str = "message";
    /// Server -> client: a room entered your list (a new public room, you were added to a
    /// private one, someone opened a direct conversation with you).
    pub const ROOM_ADDED: &str = "room_added";
    /// Server -> client: a room's members changed (sent to its members).
    pub const ROOM_UPDATED: &str = "room_updated";
    /// Server -> client: a room left your list (you left it or were removed).
    pub const ROOM_REMOVED: &str = "room_removed";
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
    /// The request needs a logged-in user and the session is missing, expired or ended.
    NotAuthenticated,
    /// Login failed: unknown username or wrong password (the same answer for both).
    BadCredentials,
    /// Too many failed logins for this username; wait before trying again.
    TooManyAttempts,
    /// The username breaks the naming rules.
    InvalidUsername,
    /// The password is too short or too long.
    InvalidPassword,
    /// Someone has that username already.
    UsernameTaken,
    /// No user has that username.
    UnknownUser,
    /// The user may not do that (e.g. only a room's owner adds members).
    Forbidden,
    /// Too many messages too fast; the message says when to try again.
    RateLimited,
    /// The event's payload is larger than [`MAX_EVENT_BYTES`].
    PayloadTooLarge,
    /// The room name breaks the naming rules.
    InvalidRoomName,
    /// The idempotency key is empty or longer than [`MAX_KEY_CHARS`].
    InvalidKey,
    /// No room has that name, or it is private and you are not a member (the same answer, so
    /// private rooms cannot be found by guessing).
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
            ErrorCode::NotAuthenticated => "not_authenticated",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::InvalidUsername => "invalid_username",
            ErrorCode::InvalidPassword => "invalid_password",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::UnknownUser => "unknown_user",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::InvalidRoomName => "invalid_room_name",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::UnknownRoom => "unknown_room",
            ErrorCode::RoomExists => "room_exists",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status an error gets over HTTP (pages, server functions, `/auth/*`).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::UnknownRoom | ErrorCode::UnknownUser => 404,
            ErrorCode::RoomExists | ErrorCode::UsernameTaken => 409,
            ErrorCode::NotAuthenticated | ErrorCode::BadCredentials => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::TooManyAttempts | ErrorCode::RateLimited => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
            _ => 400,
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

    pub fn not_authenticated() -> Self {
        Self::new(
            ErrorCode::NotAuthenticated,
            "You are not logged in (or your session ended). Log in and try again.",
        )
    }

    pub fn bad_credentials() -> Self {
        Self::new(ErrorCode::BadCredentials, "Wrong username or password.")
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

/// A username: 2 to 24 of `a-z`, `0-9`, `-`, `_`, starting with a letter. Input is trimmed and
/// lowercased, so `Ada` and `ada` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let name = raw.trim().to_lowercase();
        let len = name.chars().count();
        let ok = (MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&len)
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err(ErrorBody::new(
                ErrorCode::InvalidUsername,
                format!(
                    "Usernames are {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters of \
                     letters, digits, \"-\" and \"_\", starting with a letter."
                ),
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 8 to 128 characters, kept as typed (spaces count).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let len = raw.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len) {
            return Err(ErrorBody::new(
                ErrorCode::InvalidPassword,
                format!("Passwords are {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
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
    /// The sender's username, from the server's session record.
    pub author: String,
    pub body: String,
    /// Server time of storing, milliseconds since the Unix epoch (UTC).
    pub ts: i64,
    /// The sender's idempotency key, so a sender can match the echo to its pending message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Who may see a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// Every logged-in user can see and join it.
    #[default]
    Public,
    /// Invite-only: its owner adds members by username.
    Private,
    /// A conversation between two users.
    Direct,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
        }
    }
}

/// A room as the room list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    #[serde(default)]
    pub kind: RoomKind,
    /// The creator of a private room (who adds and removes members); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The members of a private room or direct conversation, by username; empty for public rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// The sequence number of the room's newest message (0 when it has none).
    pub last_seq: i64,
    /// Creation time, milliseconds since the Unix epoch (UTC).
    pub created_at: i64,
}

impl Room {
    /// How the room is named on screen for `me`: `#name`, or `@other` for a direct conversation.
    pub fn title(&self, me: &str) -> String {
        match self.kind {
            RoomKind::Direct => {
                let other = self.members.iter().find(|m| *m != me);
                format!("@{}", other.map_or(me, |o| o.as_str()))
            }
            _ => format!("#{}", self.name),
        }
    }
}

/// The logged-in user, as `GET /auth/me`, the auth endpoints and the pages know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
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
    /// The text. The author is the logged-in user; an `author` field, if sent, is ignored.
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
    /// True: invite-only, starting with the creator as its only member.
    #[serde(default)]
    pub private: bool,
}

/// `open_direct` payload: the other user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenDirectRequest {
    pub username: String,
}

/// `add_member` and `remove_member` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRequest {
    pub room: String,
    pub username: String,
}

/// The ack of `create_room`, `open_direct`, `add_member`, `remove_member`, and the payload of
/// `room_added`, `room_updated` and `room_removed`.
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
    fn usernames_passwords_and_keys() {
        assert_eq!(Username::parse(" Ada ").unwrap().as_str(), "ada");
        for bad in ["", "a", "1ab", "-ab", "a b", "ad@", "é_x", &"x".repeat(25)] {
            assert_eq!(
                Username::parse(bad).unwrap_err().code,
                ErrorCode::InvalidUsername,
                "{bad}"
            );
        }
        assert!(Password::parse("correct horse").is_ok());
        assert_eq!(
            Password::parse("short").unwrap_err().code,
            ErrorCode::InvalidPassword
        );
        assert!(!format!("{:?}", Password::parse("secret-words").unwrap()).contains("secret"));
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
    fn direct_rooms_are_titled_by_the_other_member() {
        let mut room = Room {
            name: "dm-1-2".into(),
            kind: RoomKind::Direct,
            owner: None,
            members: vec!["ada".into(), "bob".into()],
            last_seq: 0,
            created_at: 0,
        };
        assert_eq!(room.title("ada"), "@bob");
        assert_eq!(room.title("bob"), "@ada");
        room.kind = RoomKind::Public;
        assert_eq!(room.title("ada"), "#dm-1-2");
    }

    #[test]
    fn error_code_names_match_serde() {
        for code in [
            ErrorCode::BadPayload,
            ErrorCode::MessageTooLong,
            ErrorCode::UnknownRoom,
            ErrorCode::NotAuthenticated,
            ErrorCode::PayloadTooLarge,
            ErrorCode::TooManyAttempts,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
