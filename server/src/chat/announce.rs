//! Telling sockets what changed: the Socket.IO rooms each user and session joins, the
//! room-list events, and [`emit`], the one way anything is sent to sockets. Only the chat
//! service (and logout) calls these, so each change is announced one way.

use crate::store::User;
use app::protocol::{event, Room, RoomKind, RoomReply};
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::{BroadcastError, SocketIo};

/// The sockets of the namespace, or none once the server has closed them (it is stopping):
/// then nothing is announced, and clients catch up when they reconnect. (`SocketIo::to`
/// would panic then.)
pub fn sockets<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    io.of("/")
}

/// Sends `event` with `data` to the sockets `pick` chooses, on every node. When the other nodes
/// cannot be reached (Redis is down), this node's sockets still get it: the others catch up by
/// seq once the link is back (`crate::cluster` tells their clients to, with `resync`).
pub async fn emit<A: Adapter, T: Serialize + ?Sized>(
    io: &SocketIo<A>,
    pick: impl Fn(BroadcastOperators<A>) -> BroadcastOperators<A>,
    event: &'static str,
    data: &T,
) {
    let Some(all) = sockets(io) else { return };
    if !crate::cluster::linked() {
        if let Err(e) = pick(all.local()).emit(event, data).await {
            tracing::warn!(error = %e, event, "could not send to every socket");
        }
        return;
    }
    let sent = match pick(all).emit(event, data).await {
        Err(BroadcastError::Adapter(e)) => {
            tracing::warn!(error = %e, event, "other nodes unreachable: sent on this node only");
            crate::cluster::unlinked();
            let Some(all) = sockets(io) else { return };
            pick(all.local()).emit(event, data).await
        }
        sent => sent,
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, event, "could not send to every socket");
    }
}

/// The Socket.IO room every socket of a user joins.
pub fn user_room(name: &str) -> String {
    format!("user:{name}")
}

/// The Socket.IO room every socket opened with one session joins: logging out closes it.
pub fn session_room(session: &crate::auth::Session) -> String {
    format!("session:{}", session.token_hash)
}

/// The Socket.IO rooms of `users`' sockets.
fn user_rooms(users: &[String]) -> Vec<String> {
    users.iter().map(|u| user_room(u)).collect()
}

/// Sends `event` to every socket of `user`, on every node.
pub async fn to_user<A: Adapter, T: Serialize + ?Sized>(
    io: &SocketIo<A>,
    user: &User,
    event: &'static str,
    data: &T,
) {
    to_users(io, &[user.name.to_string()], event, data).await;
}

/// A new socket of `user` starts receiving every room of their list: messages (for unread
/// counts and notifications) and typing notices, whichever room is on screen.
pub async fn subscribe_to_rooms<A: Adapter>(
    socket: &socketioxide::extract::SocketRef<A>,
    store: &dyn crate::store::Store,
    user: &User,
) -> Result<(), crate::error::Error> {
    let names = |rooms: Vec<Room>| {
        rooms
            .into_iter()
            .map(|r| r.name)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let first = names(store.rooms(user).await?);
    socket.join(first.iter().cloned().collect::<Vec<_>>());
    // A room that left the list between the read and the join (the user was removed from a
    // private room) would stay heard: read again, and leave what is gone.
    let now = names(store.rooms(user).await?);
    let gone: Vec<String> = first.difference(&now).cloned().collect();
    if !gone.is_empty() {
        socket.leave(gone);
    }
    Ok(())
}

/// The sockets of `users`, on every node, start receiving `room` (it entered their lists).
async fn subscribe<A: Adapter>(io: &SocketIo<A>, users: &[String], room: &Room) {
    if users.is_empty() {
        return;
    }
    let rooms = user_rooms(users);
    let Some(all) = sockets(io) else { return };
    if let Err(e) = all.to(rooms.clone()).join(room.name.clone()).await {
        // The other nodes are unreachable: this node's sockets at least; the others catch up
        // with `rooms` and `join` after their `resync`.
        tracing::warn!(error = %e, room = %room.name, "a room's new members joined on this node only");
        if let Some(all) = sockets(io) {
            let _ = all.local().to(rooms).join(room.name.clone()).await;
        }
    }
}

/// Sends `event` to the sockets of `users` (nobody, for none: an empty room list would mean
/// every socket).
async fn to_users<A: Adapter, T: Serialize + ?Sized>(
    io: &SocketIo<A>,
    users: &[String],
    event: &'static str,
    data: &T,
) {
    if users.is_empty() {
        return;
    }
    let rooms = user_rooms(users);
    emit(io, |s| s.to(rooms.clone()), event, data).await;
}

/// A room entered the lists of `users` (the creator of a room, the two people of a new direct
/// conversation, someone who joined a public room: their other tabs and devices).
pub async fn room_added<A: Adapter>(io: &SocketIo<A>, room: &Room, users: &[String]) {
    subscribe(io, users, room).await;
    let reply = RoomReply { room: room.clone() };
    to_users(io, users, event::ROOM_ADDED, &reply).await;
}

/// A room changed (its topic): those with it in their list (`listed_by`, for a public room;
/// its members, for the others) and the sockets reading it get `room_updated`.
pub async fn room_updated<A: Adapter>(io: &SocketIo<A>, room: &Room, listed_by: &[String]) {
    let users = match room.kind {
        RoomKind::Public => listed_by,
        _ => &room.members[..],
    };
    let mut rooms = user_rooms(users);
    rooms.push(room.name.clone());
    let reply = RoomReply { room: room.clone() };
    emit(io, |s| s.to(rooms.clone()), event::ROOM_UPDATED, &reply).await;
}

/// A user was added to a private room: they get `room_added`, the others `room_updated`.
pub async fn member_added<A: Adapter>(io: &SocketIo<A>, room: &Room, user: &User) {
    let reply = RoomReply { room: room.clone() };
    let others: Vec<String> = room
        .members
        .iter()
        .filter(|m| **m != user.name.as_str())
        .cloned()
        .collect();
    subscribe(io, &[user.name.to_string()], room).await;
    to_users(io, &[user.name.to_string()], event::ROOM_ADDED, &reply).await;
    to_users(io, &others, event::ROOM_UPDATED, &reply).await;
}

/// A user left or was removed: their sockets, on every node, stop receiving the room and are
/// told so; the remaining members of a private room get `room_updated`.
pub async fn member_removed<A: Adapter>(io: &SocketIo<A>, room: &Room, user: &User) {
    let reply = RoomReply { room: room.clone() };
    let removed = user_room(user.name.as_str());
    if let Some(all) = sockets(io) {
        if let Err(e) = all.to(removed.clone()).leave(room.name.clone()).await {
            // The other nodes are unreachable: at least this node's sockets leave (the others'
            // cannot read the room anyway: every request checks membership).
            tracing::warn!(error = %e, room = %room.name, "a removed member left on this node only");
            if let Some(all) = sockets(io) {
                let _ = all.local().to(removed).leave(room.name.clone()).await;
            }
        }
    }
    to_users(io, &[user.name.to_string()], event::ROOM_REMOVED, &reply).await;
    to_users(io, &room.members, event::ROOM_UPDATED, &reply).await;
}
