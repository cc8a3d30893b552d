//! What the server pushes, typed ([`ServerEvent`]), and the one function that takes each into
//! the store ([`ChatClient::apply`]). What the connection must do next (fetch what a gap shows
//! was missed) is returned to it as a [`Next`]: the store side never reaches for the socket.

use super::handle::RawOps;
use super::ChatClient;
use crate::protocol::{
    event, read_through_text, Change, Message, NotificationsReply, ReadReply, Room, RoomReply,
    TypingEvent, UserPresence,
};
use crate::state::Applied;
use leptos::prelude::*;
use serde_json::Value;

/// An event the server pushed, as its protocol type.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    Message(Message),
    Change(Change),
    /// The server was cut off from the other nodes for a while: whatever they told meanwhile
    /// may be missing.
    Resync,
    ReadPosition(ReadReply),
    Typing(TypingEvent),
    Presence(UserPresence),
    Notifications(NotificationsReply),
    /// An `ops_window`, kept as it came (see [`RawOps`]).
    OpsWindow(Value),
    RoomAdded(Room),
    RoomUpdated(Room),
    RoomRemoved(Room),
}

impl ServerEvent {
    /// Reads event `name`'s payload: `Ok(None)` for an event this client does not know, an
    /// error (to log) for a payload that is not its type.
    pub fn decode(name: &str, data: Value) -> Result<Option<Self>, serde_json::Error> {
        fn read<T: serde::de::DeserializeOwned>(
            data: Value,
            wrap: fn(T) -> ServerEvent,
        ) -> Result<Option<ServerEvent>, serde_json::Error> {
            read_through_text(data).map(|v| Some(wrap(v)))
        }
        fn room(
            data: Value,
            wrap: fn(Room) -> ServerEvent,
        ) -> Result<Option<ServerEvent>, serde_json::Error> {
            read_through_text::<RoomReply>(data).map(|r| Some(wrap(r.room)))
        }
        match name {
            event::MESSAGE => read(data, Self::Message),
            event::CHANGE => read(data, Self::Change),
            event::RESYNC => Ok(Some(Self::Resync)),
            event::READ_POSITION => read(data, Self::ReadPosition),
            event::TYPING => read(data, Self::Typing),
            event::PRESENCE => read(data, Self::Presence),
            event::NOTIFICATIONS => read(data, Self::Notifications),
            event::OPS_WINDOW => Ok(Some(Self::OpsWindow(data))),
            event::ROOM_ADDED => room(data, Self::RoomAdded),
            event::ROOM_UPDATED => room(data, Self::RoomUpdated),
            event::ROOM_REMOVED => room(data, Self::RoomRemoved),
            _ => Ok(None),
        }
    }
}

/// What the connection does after an event was taken in.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Nothing,
    /// A message of `room` came beyond the held ones: some were missed (fetched again by
    /// joining, if `room` is the one on screen).
    Rejoin(String),
    /// A change of a room the page holds: `change` is the newest heard of; `gap` when some
    /// before it were missed.
    Changed {
        room: String,
        change: i64,
        gap: bool,
    },
    /// Catch up on everything: the open room, the room list, presence.
    Resync,
}

impl ChatClient {
    /// Takes event `e` into the store: every pushed event reaches the store here and only here.
    pub fn apply(&self, e: ServerEvent) -> Next {
        match e {
            ServerEvent::Message(m) => {
                let (room, seq) = (m.room.clone(), m.seq);
                self.arrived(m);
                match self.history(&room, |h| seq > h.contiguous_upto()) {
                    Some(true) => Next::Rejoin(room),
                    _ => Next::Nothing,
                }
            }
            ServerEvent::Change(c) => {
                if self.changes_upto(&c.room).is_none() {
                    return Next::Nothing;
                }
                let gap = self.apply_changes(&c.room, std::slice::from_ref(&c)) == Applied::Gap;
                Next::Changed {
                    room: c.room,
                    change: c.change,
                    gap,
                }
            }
            ServerEvent::Resync => Next::Resync,
            ServerEvent::ReadPosition(r) => {
                self.advance_read(r.into());
                Next::Nothing
            }
            ServerEvent::Typing(t) => {
                if self.me.with_value(|me| *me != t.user) {
                    self.started_typing(t);
                }
                Next::Nothing
            }
            ServerEvent::Presence(p) => {
                self.presence_changed(p);
                Next::Nothing
            }
            ServerEvent::Notifications(n) => {
                self.set_notify_level(n);
                Next::Nothing
            }
            ServerEvent::OpsWindow(w) => {
                self.ops_arrived(RawOps::Window(w));
                Next::Nothing
            }
            ServerEvent::RoomAdded(r) => {
                self.put_room(r);
                Next::Nothing
            }
            // A change to a room read but not listed (a public room being browsed) must not add
            // it to the list.
            ServerEvent::RoomUpdated(r) => {
                self.update_room(r);
                Next::Nothing
            }
            ServerEvent::RoomRemoved(r) => {
                self.remove_room(&r.name);
                Next::Nothing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::msg;
    use crate::state::ChatStoreFields;
    use serde_json::json;

    #[test]
    fn events_decode_to_their_types_and_unknown_ones_are_skipped() {
        let room = serde_json::to_value(RoomReply {
            room: Room {
                name: "general".into(),
                ..Room::default()
            },
        })
        .unwrap();
        let e = ServerEvent::decode(event::ROOM_UPDATED, room).unwrap();
        assert!(matches!(e, Some(ServerEvent::RoomUpdated(r)) if r.name == "general"));
        assert_eq!(ServerEvent::decode("someday", json!({})).unwrap(), None);
        assert!(ServerEvent::decode(event::MESSAGE, json!({ "seq": "one" })).is_err());
    }

    #[test]
    fn a_message_beyond_the_held_ones_asks_for_a_rejoin() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            client.add_messages("general", vec![msg("general", 1)]);
            assert_eq!(
                client.apply(ServerEvent::Message(msg("general", 2))),
                Next::Nothing
            );
            assert_eq!(
                client.apply(ServerEvent::Message(msg("general", 4))),
                Next::Rejoin("general".into())
            );
            // A room the page holds nothing of keeps no text and asks for nothing.
            assert_eq!(
                client.apply(ServerEvent::Message(msg("random", 9))),
                Next::Nothing
            );
            let held = client
                .state()
                .histories()
                .with_untracked(|h| h.contains_key("random"));
            assert!(!held);
        });
    }

    #[test]
    fn someone_typing_shows_until_their_message_comes() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            let typing = TypingEvent {
                room: "general".into(),
                user: "bob".into(),
            };
            client.apply(ServerEvent::Typing(typing.clone()));
            // The user's own notice (from another tab) is not shown.
            client.apply(ServerEvent::Typing(TypingEvent {
                user: "ada".into(),
                ..typing
            }));
            let shown = || client.state().typing().get_untracked();
            assert_eq!(shown()["general"], ["bob"]);
            let mut m = msg("general", 1);
            m.author = "bob".into();
            client.apply(ServerEvent::Message(m));
            assert!(shown().is_empty());
        });
    }
}
