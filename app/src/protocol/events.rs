//! Event names, and which request goes with which event and reply.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The largest event payload the server reads, in bytes of its JSON text. Bigger ones are
/// refused with `payload_too_large` (a 4,000-character body fits, even fully escaped).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// A client → server request: its event name and the type of its successful ack. The server's
/// socket adapter registers each handler by this, so an event's name is written once.
pub trait Request: Serialize + DeserializeOwned + Send + 'static {
    const EVENT: &'static str;
    type Reply: Serialize + DeserializeOwned + Send + 'static;
}

/// Declares `$req` as the request of event `$event`, answered with `$reply`. Its fields, for
/// error sentences, come from the type itself (`decode::fields`).
macro_rules! request {
    ($req:ty, $event:expr, $reply:ty) => {
        impl $crate::protocol::Request for $req {
            const EVENT: &'static str = $event;
            type Reply = $reply;
        }
    };
}
pub(crate) use request;

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
    /// Client -> server: change the body of one's own message.
    pub const EDIT: &str = "edit";
    /// Client -> server: delete a message (one's own; any, for a private room's owner or an
    /// administrator).
    pub const DELETE: &str = "delete";
    /// Client -> server: add or take back an emoji reaction.
    pub const REACT: &str = "react";
    /// Client -> server: pin a message to its room, or unpin it.
    pub const PIN: &str = "pin";
    /// Client -> server: a room's changes after a change number.
    pub const CHANGES: &str = "changes";
    /// Server -> client: one entry of a room's change log.
    pub const CHANGE: &str = "change";
    /// Client -> server: list your rooms (the ones you joined, private rooms you are a member
    /// of, your direct conversations).
    pub const ROOMS: &str = "rooms";
    /// Client -> server: list public rooms, a page at a time, optionally by part of the name.
    pub const BROWSE: &str = "browse";
    /// Client -> server: create a room (public or private).
    pub const CREATE_ROOM: &str = "create_room";
    /// Client -> server: open (or find) the direct conversation with another user.
    pub const OPEN_DIRECT: &str = "open_direct";
    /// Client -> server: the owner of a private room adds a member.
    pub const ADD_MEMBER: &str = "add_member";
    /// Client -> server: the owner removes a member, or a member leaves.
    pub const REMOVE_MEMBER: &str = "remove_member";
    /// Client -> server: set a room's one-line topic.
    pub const SET_TOPIC: &str = "set_topic";
    /// Client -> server (administrators): receive every node's `ops_window`; the ack holds the
    /// last 5 minutes of each.
    pub const OPS_WATCH: &str = "ops_watch";
    /// Client -> server (administrators): stop receiving `ops_window`.
    pub const OPS_UNWATCH: &str = "ops_unwatch";
    /// Server -> client (administrators watching): one node's last second.
    pub const OPS_WINDOW: &str = "ops_window";
    /// Client -> server: the user has seen a room up to a seq (their read position).
    pub const MARK_READ: &str = "mark_read";
    /// Server -> client (every socket of the user): a read position moved.
    pub const READ_POSITION: &str = "read_position";
    /// Client -> server: members of a room by the start of their names (for `@` mentions).
    pub const MEMBERS: &str = "members";
    /// Client -> server: the user is typing in a room; server -> client: someone else is.
    pub const TYPING: &str = "typing";
    /// Client -> server: whether this connection is in use (its tab shown and touched lately).
    pub const ACTIVITY: &str = "activity";
    /// Client -> server: the presence of some users; server -> client: the presence of someone
    /// who shares a room with you changed.
    pub const PRESENCE: &str = "presence";
    /// Client -> server: how a room of your list notifies you.
    pub const SET_NOTIFICATIONS: &str = "set_notifications";
    /// Server -> client (every socket of the user): a room's notification level changed.
    pub const NOTIFICATIONS: &str = "notifications";
    /// Server -> client: a new message in one of your rooms.
    pub const MESSAGE: &str = "message";
    /// Server -> client: a room entered your list (you created or joined it on another tab or
    /// device, you were added to a private one, someone opened a direct conversation with you).
    pub const ROOM_ADDED: &str = "room_added";
    /// Server -> client: a room in your list changed (its members or its topic).
    pub const ROOM_UPDATED: &str = "room_updated";
    /// Server -> client: a room left your list (you left it or were removed).
    pub const ROOM_REMOVED: &str = "room_removed";
    /// Server -> client: this node was cut off from the other nodes for a while (its link to
    /// Redis was down): messages and room changes may have been missed; catch up (`join` the
    /// open room with `after`, `rooms` again). Payload `{}`.
    pub const RESYNC: &str = "resync";
    /// Server -> client: the answer to a failed request that carried no ack id.
    pub const REQUEST_ERROR: &str = "request_error";
}
