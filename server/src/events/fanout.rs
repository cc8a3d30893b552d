//! The socket fan-out: the consumer of events that tells sockets what changed, on every node
//! (through the adapter: [`crate::cluster::emit`]). It owns the Socket.IO rooms a change is sent
//! to: each Natter room's name, `user:<name>` (every socket of a user) and `session:<hash>`
//! (every socket opened with one session: logging out closes them).
//!
//! Its queue is large: it loses events only when the server is far behind. Then it tells every
//! socket, on every node, `resync`, and their clients catch up by seq and change number, as after
//! a Redis outage.

use super::{Consumer, Event};
use crate::cluster::{emit, reachable, sockets};
use app::protocol::{event, Room, RoomKind, RoomReply};
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::SocketIo;
use std::sync::Arc;

/// Whether a Socket.IO room is a chat room's: chat room names never hold ':', and every other
/// room Natter uses is `<kind>:<…>` (`user:`, `session:`, presence's, the ops watchers').
pub fn is_chat_room(room: &str) -> bool {
    !room.contains(':')
}

/// The Socket.IO room every socket of a user joins.
pub fn user_room(name: &str) -> String {
    format!("user:{name}")
}

/// The Socket.IO room every socket opened with one session joins.
pub fn session_room(session: &crate::auth::Session) -> String {
    format!("session:{}", session.token_hash)
}

/// The Socket.IO rooms of `users`' sockets.
fn user_rooms(users: &[String]) -> Vec<String> {
    users.iter().map(|u| user_room(u)).collect()
}

pub struct Fanout<A: Adapter> {
    io: SocketIo<A>,
}

impl<A: Adapter> Fanout<A> {
    pub fn new(io: SocketIo<A>) -> Self {
        Self { io }
    }

    /// Sends `event` to the sockets of `users` (nobody, for none: an empty room list would mean
    /// every socket).
    async fn to_users<T: Serialize + ?Sized>(
        &self,
        users: &[String],
        event: &'static str,
        data: &T,
    ) {
        if users.is_empty() {
            return;
        }
        self.to_rooms(user_rooms(users), event, data).await;
    }

    /// Sends `event` to the sockets in the Socket.IO rooms `to`.
    async fn to_rooms<T: Serialize + ?Sized>(
        &self,
        to: Vec<String>,
        event: &'static str,
        data: &T,
    ) {
        emit(&self.io, |s| s.to(to.clone()), event, data).await;
    }

    /// The sockets of `users`, on every node, start receiving `room` (it entered their lists).
    async fn subscribe(&self, users: &[String], room: &Room) {
        if users.is_empty() {
            return;
        }
        let rooms = user_rooms(users);
        // While the other nodes are unreachable, this node's sockets at once (not after a
        // timeout that would hold up every event behind it).
        let Some(all) = reachable(&self.io) else {
            return;
        };
        if let Err(e) = all.to(rooms.clone()).join(room.name.clone()).await {
            // The other nodes are unreachable: this node's sockets at least; the others catch
            // up with `rooms` and `join` after their `resync`.
            tracing::warn!(error = %e, room = %room.name, "a room's new members joined on this node only");
            if let Some(all) = sockets(&self.io) {
                let _ = all.local().to(rooms).join(room.name.clone()).await;
            }
        }
    }

    /// `user`'s sockets, on every node, stop receiving `room`.
    async fn unsubscribe(&self, user: &str, room: &Room) {
        let removed = user_room(user);
        let Some(all) = reachable(&self.io) else {
            return;
        };
        if let Err(e) = all.to(removed.clone()).leave(room.name.clone()).await {
            // The other nodes are unreachable: at least this node's sockets leave (the others'
            // cannot read the room anyway: every request checks membership).
            tracing::warn!(error = %e, room = %room.name, "a removed member left on this node only");
            if let Some(all) = sockets(&self.io) {
                let _ = all.local().to(removed).leave(room.name.clone()).await;
            }
        }
    }

    async fn send(&self, event: &Event) {
        match event {
            Event::MessagePosted(message) => {
                self.to_rooms(vec![message.room.clone()], event::MESSAGE, message)
                    .await;
            }
            Event::MessageChanged(change) => {
                self.to_rooms(vec![change.room.clone()], event::CHANGE, change)
                    .await;
            }
            Event::RoomListed { room, users } => {
                // The creator's, the two people's of a new conversation, the joiner's other
                // tabs and devices.
                self.subscribe(users, room).await;
                let reply = RoomReply { room: room.clone() };
                self.to_users(users, event::ROOM_ADDED, &reply).await;
            }
            Event::RoomUpdated { room, listed_by } => {
                // Those with it in their list, and the sockets reading it.
                let users = match room.kind {
                    RoomKind::Public => listed_by,
                    _ => &room.members,
                };
                let mut to = user_rooms(users);
                to.push(room.name.clone());
                let reply = RoomReply { room: room.clone() };
                self.to_rooms(to, event::ROOM_UPDATED, &reply).await;
            }
            Event::MemberAdded { room, user } => {
                // They get `room_added`, the others `room_updated`.
                let reply = RoomReply { room: room.clone() };
                let others: Vec<String> = room
                    .members
                    .iter()
                    .filter(|m| *m != user)
                    .cloned()
                    .collect();
                let added = [user.clone()];
                self.subscribe(&added, room).await;
                self.to_users(&added, event::ROOM_ADDED, &reply).await;
                self.to_users(&others, event::ROOM_UPDATED, &reply).await;
            }
            Event::MemberRemoved { room, user } => {
                // Their sockets stop receiving the room and are told so; the remaining members
                // of a private room get `room_updated`.
                let reply = RoomReply { room: room.clone() };
                self.unsubscribe(user, room).await;
                self.to_users(&[user.clone()], event::ROOM_REMOVED, &reply)
                    .await;
                self.to_users(&room.members, event::ROOM_UPDATED, &reply)
                    .await;
            }
            Event::ReadMoved { user, read } => {
                self.to_users(&[user.clone()], event::READ_POSITION, read)
                    .await;
            }
            Event::NotificationsSet {
                user,
                notifications,
            } => {
                self.to_users(&[user.clone()], event::NOTIFICATIONS, notifications)
                    .await;
            }
            Event::Typing(notice) => {
                // The room's other readers, not the typist's own sockets.
                let (to, except) = (notice.room.clone(), user_room(&notice.user));
                emit(
                    &self.io,
                    |s| s.to(to.clone()).except(except.clone()),
                    event::TYPING,
                    notice,
                )
                .await;
            }
            Event::PresenceChanged { presence, rooms } => {
                let mut to = rooms.clone();
                to.push(user_room(&presence.user));
                self.to_rooms(to, event::PRESENCE, presence).await;
            }
        }
    }
}

impl<A: Adapter> Consumer for Fanout<A> {
    const NAME: &'static str = "fanout";
    /// Far more than a busy node has in flight: each event is a broadcast of a few
    /// microseconds.
    const QUEUE: usize = 65_536;

    async fn handle(&mut self, event: Arc<Event>) {
        self.send(&event).await;
    }

    async fn lost(&mut self, n: u64) {
        tracing::error!(
            lost = n,
            "the socket fan-out fell behind: every client catches up"
        );
        emit(&self.io, |all| all, event::RESYNC, &serde_json::json!({})).await;
    }
}

/// Closes the sockets of one session, or of every session of its user, on every node.
pub async fn close_sockets<A: Adapter>(
    io: &SocketIo<A>,
    session: &crate::auth::Session,
    everywhere: bool,
) {
    let room = if everywhere {
        user_room(session.user.name.as_str())
    } else {
        session_room(session)
    };
    let Some(sockets) = sockets(io) else {
        return;
    };
    if let Err(e) = sockets.to(room.clone()).disconnect().await {
        // Other nodes unreachable: close this node's at least (the others' cannot do anything:
        // every request checks the session is still live).
        tracing::warn!(error = %e, "could not close a logged-out session's sockets everywhere");
        if let Some(sockets) = crate::cluster::sockets(io) {
            let _ = sockets.local().to(room).disconnect().await;
        }
    }
}
