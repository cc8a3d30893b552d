//! Rooms: names, topics, kinds, and the payloads of the room events.

use super::errors::{ErrorBody, ErrorCode};
use super::events::{event, request};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most characters a room name may hold.
pub const MAX_ROOM_CHARS: usize = 32;
/// The most characters a room's topic may hold.
pub const MAX_TOPIC_CHARS: usize = 200;
/// Room names with this prefix are direct conversations; nobody can create one by name.
pub const DIRECT_PREFIX: &str = "dm-";
/// The room every fresh database starts with.
pub const DEFAULT_ROOM: &str = "general";

/// A room's name. A public room's is 1 to 32 of `a-z`, `0-9`, `-`, `_`, starting with a letter
/// or digit (its *local* name). A private room's is its owner's username, `/`, and a local name
/// (`ada/plans`): each user names their private rooms apart from everyone else's, so creating a
/// room never tells anyone which private rooms others have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoomName(String);

/// True for a local room name (the part after an owner's `/`).
fn is_local_name(raw: &str) -> bool {
    let ok_len = !raw.is_empty() && raw.chars().count() <= MAX_ROOM_CHARS;
    let ok_first = raw
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok_chars = raw
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    ok_len && ok_first && ok_chars
}

/// `invalid_room_name`: the rule for a local name, then `more` of it, ending the sentence.
fn invalid_name(more: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::InvalidRoomName,
        format!(
            "Room names are 1 to {MAX_ROOM_CHARS} characters of lowercase letters, digits, \"-\" \
             and \"_\", starting with a letter or digit{more}."
        ),
    )
}

impl RoomName {
    /// A name that refers to a room: a local name, or `owner/local` for a private room.
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let ok = match raw.split_once('/') {
            None => is_local_name(raw),
            Some((owner, local)) => {
                // A username exactly (no trimming or lowercasing): a name refers to one room.
                super::Username::exact(owner).is_ok() && is_local_name(local)
            }
        };
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(invalid_name(
                "; a private room's name starts with its owner's username and \"/\"",
            ))
        }
    }

    /// A name for a new room: a local name only (a private room's owner part is added by the
    /// server).
    pub fn parse_new(raw: &str) -> Result<Self, ErrorBody> {
        if !is_local_name(raw) {
            Err(invalid_name(""))
        } else if raw.starts_with(DIRECT_PREFIX) {
            // Refused here, as it is decoded, not by the store after the creation limit took
            // the attempt: an invalid name does not count against it (docs/protocol.md).
            Err(ErrorBody::new(
                ErrorCode::InvalidRoomName,
                "Room names starting with \"dm-\" are kept for direct conversations.",
            ))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    /// The name of `owner`'s private room called `local`.
    pub fn private(owner: &super::Username, local: &RoomName) -> Self {
        Self(format!("{}/{}", owner.as_str(), local.local()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name without its owner part.
    pub fn local(&self) -> &str {
        self.0.split_once('/').map_or(&self.0, |(_, local)| local)
    }

    /// True for the names direct conversations have.
    pub fn is_direct(&self) -> bool {
        self.0.starts_with(DIRECT_PREFIX)
    }
}

super::decode::text_field!(RoomName);

impl RoomName {
    /// A name for a new room, as a request field: trimmed, then [`RoomName::parse_new`].
    pub fn deserialize_new<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        super::decode::validated(Self::parse_new(raw.trim())).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A room's topic: one line of at most [`MAX_TOPIC_CHARS`] characters, trimmed; empty clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Topic(String);

impl Topic {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let topic = raw.trim();
        let len = topic.chars().count();
        if len > MAX_TOPIC_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::InvalidTopic,
                format!(
                    "A topic can hold at most {MAX_TOPIC_CHARS} characters; this one has {len}."
                ),
            ));
        }
        if topic.chars().any(char::is_control) {
            return Err(ErrorBody::new(
                ErrorCode::InvalidTopic,
                "A topic is one line of text, without line breaks or control characters.",
            ));
        }
        Ok(Self(topic.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::decode::text_field!(Topic);

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
    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        serde_variant::to_variant_name(&self).unwrap_or("public")
    }
}

/// A room as the room list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    #[serde(default)]
    pub kind: RoomKind,
    /// Who created the room (for a private room: who adds and removes members); absent for
    /// `general` and for direct conversations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The members of a private room or direct conversation, by username; empty for public rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// The one-line topic shown under the room's title; empty when none was set.
    #[serde(default)]
    pub topic: String,
    /// The sequence number of the room's newest message (0 when it has none).
    pub last_seq: i64,
    /// The number of the room's newest change (0 when it has none).
    #[serde(default)]
    pub last_change: i64,
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

    /// The path of the room's page: `/r/general`, `/r/ada/plans`.
    pub fn href(&self) -> String {
        format!("/r/{}", self.name)
    }
}

/// `join` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub room: RoomName,
    /// The newest sequence number the client holds; the reply carries what came after it.
    /// Absent: the reply carries the newest [`super::HISTORY_PAGE`] messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// The newest change number the client holds; the reply carries the changes after it.
    /// Absent: none (the messages of the reply are as they stand now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes_after: Option<i64>,
}

/// `join` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinReply {
    pub room: Room,
    /// Messages in ascending seq order.
    pub messages: Vec<super::Message>,
    /// True when more messages came after `after` than one reply carries: join again with the
    /// last seq received.
    pub truncated: bool,
    /// How far the user had read the room before this join.
    #[serde(default)]
    pub read: super::ReadState,
    /// With `changes_after`: the changes after it, in order (at most
    /// [`super::CHANGES_PAGE`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<super::Change>,
    /// True when more changes followed than one reply carries: ask `changes` for the rest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changes_truncated: bool,
    /// The room's pinned messages, the newest pin first (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<super::Message>,
}

/// `leave` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveRequest {
    pub room: RoomName,
}

/// `leave` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveReply {
    pub room: String,
}

/// The most public rooms one `browse` reply lists.
pub const BROWSE_PAGE: u32 = 50;

/// `browse` payload: public rooms by name, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BrowseRequest {
    /// Only rooms whose name contains this text (absent or empty: every public room).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query: String,
    /// The `next` of the previous page; absent: the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// At most this many rooms (1 to [`BROWSE_PAGE`]; absent: [`BROWSE_PAGE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `browse` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowseReply {
    /// Public rooms in name order.
    pub rooms: Vec<Room>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `rooms` payload: `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoomsRequest {}

/// `rooms` ack on success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomsReply {
    pub rooms: Vec<Room>,
    /// How far the user has read each of them (one entry per room).
    #[serde(default)]
    pub reads: Vec<super::ReadState>,
}

/// `create_room` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRoomRequest {
    #[serde(deserialize_with = "RoomName::deserialize_new")]
    pub name: RoomName,
    /// True: invite-only, starting with the creator as its only member.
    #[serde(default)]
    pub private: bool,
}

/// `open_direct` payload: the other user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenDirectRequest {
    pub username: super::Username,
}

/// `add_member` and `remove_member` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRequest {
    pub room: RoomName,
    pub username: super::Username,
}

/// `add_member` payload (the same fields as [`MemberRequest`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddMemberRequest(pub MemberRequest);

/// `remove_member` payload (the same fields as [`MemberRequest`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RemoveMemberRequest(pub MemberRequest);

/// `set_topic` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetTopicRequest {
    pub room: RoomName,
    /// The new topic; an empty one clears it.
    pub topic: Topic,
}

/// The ack of `create_room`, `open_direct`, `add_member`, `remove_member`, `set_topic`, and the
/// payload of `room_added`, `room_updated` and `room_removed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomReply {
    pub room: Room,
}

request!(JoinRequest, event::JOIN, JoinReply);
request!(LeaveRequest, event::LEAVE, LeaveReply);
request!(RoomsRequest, event::ROOMS, RoomsReply);
request!(BrowseRequest, event::BROWSE, BrowseReply);
request!(CreateRoomRequest, event::CREATE_ROOM, RoomReply);
request!(OpenDirectRequest, event::OPEN_DIRECT, RoomReply);
request!(AddMemberRequest, event::ADD_MEMBER, RoomReply);
request!(RemoveMemberRequest, event::REMOVE_MEMBER, RoomReply);
request!(SetTopicRequest, event::SET_TOPIC, RoomReply);

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
            "/plans",
            "ada/",
            "a/plans",
            "Ada/plans",
            "ada/plans/x",
            "ada//plans",
            " ada/plans",
        ] {
            assert_eq!(
                RoomName::parse(bad).unwrap_err().code,
                ErrorCode::InvalidRoomName,
                "{bad}"
            );
        }
    }

    #[test]
    fn private_room_names_carry_their_owner() {
        let ada = crate::protocol::Username::parse("ada").unwrap();
        let local = RoomName::parse_new("plans").unwrap();
        let name = RoomName::private(&ada, &local);
        assert_eq!(name.as_str(), "ada/plans");
        assert_eq!(name.local(), "plans");
        assert_eq!(RoomName::parse("ada/plans").unwrap(), name);
        assert_eq!(
            RoomName::parse_new("ada/plans").unwrap_err().code,
            ErrorCode::InvalidRoomName
        );
        assert_eq!(RoomName::parse("general").unwrap().local(), "general");
    }

    #[test]
    fn topics() {
        assert_eq!(Topic::parse("  Ship it  ").unwrap().as_str(), "Ship it");
        assert_eq!(Topic::parse("").unwrap().as_str(), "");
        assert!(Topic::parse(&"é".repeat(MAX_TOPIC_CHARS)).is_ok());
        for bad in ["x".repeat(MAX_TOPIC_CHARS + 1), "two\nlines".into()] {
            assert_eq!(
                Topic::parse(&bad).unwrap_err().code,
                ErrorCode::InvalidTopic
            );
        }
    }

    #[test]
    fn direct_rooms_are_titled_by_the_other_member() {
        let mut room = Room {
            name: "dm-1-2".into(),
            kind: RoomKind::Direct,
            owner: None,
            members: vec!["ada".into(), "bob".into()],
            ..Room::default()
        };
        assert_eq!(room.title("ada"), "@bob");
        assert_eq!(room.title("bob"), "@ada");
        room.kind = RoomKind::Public;
        assert_eq!(room.title("ada"), "#dm-1-2");
        assert_eq!(RoomKind::Private.as_str(), "private");
    }

    #[test]
    fn member_requests_are_plain_objects() {
        let req: AddMemberRequest =
            serde_json::from_str(r#"{"room":"r","username":"bob"}"#).unwrap();
        assert_eq!(req.0.username.as_str(), "bob");
    }
}
