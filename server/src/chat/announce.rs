//! Telling sockets what changed: the Socket.IO rooms each user and session joins, and the
//! room-list events. Only the chat service calls these, so each change is announced one way.

use crate::store::User;
use app::protocol::{event, Room, RoomKind, RoomReply};
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::SocketIo;

/// The sockets of the namespace, or none once the server has closed them (it is stopping):
/// then nothing is announced, and clients catch up when they reconnect. (`SocketIo::to`
/// would panic then.)
pub fn sockets<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    io.of("/")
}

/// The Socket.IO room every socket of a user joins.
pub fn user_room(name: &str) -> String {
    format!("user:{name}")
}

/// The Socket.IO room every socket opened with one session joins: logging out closes it.
pub fn session_room(session: &crate::auth::Session) -> String {
    format!("session:{}", session.token_hash)
}

/// A room entered the lists of `users` (the creator of a room, the two people of a new direct
/// conversation, someone who joined a public room: their other tabs and devices).
pub async fn room_added<A: Adapter>(io: &SocketIo<A>, room: &Room, users: &[String]) {
    let Some(to) = to_users(io, users) else {
        return;
    };
    if let Err(e) = to
        .emit(event::ROOM_ADDED, &RoomReply { room: room.clone() })
        .await
    {
        tracing::warn!(error = %e, room = %room.name, "could not announce a room");
    }
}

/// A room changed (its topic): those with it in their list (`listed_by`, for a public room;
/// its members, for the others) and the sockets reading it get `room_updated`.
pub async fn room_updated<A: Adapter>(io: &SocketIo<A>, room: &Room, listed_by: &[String]) {
    let users = match room.kind {
        RoomKind::Public => listed_by,
        _ => &room.members[..],
    };
    let mut rooms: Vec<String> = users.iter().map(|u| user_room(u)).collect();
    rooms.push(room.name.clone());
    let Some(all) = sockets(io) else { return };
    let reply = RoomReply { room: room.clone() };
    if let Err(e) = all.to(rooms).emit(event::ROOM_UPDATED, &reply).await {
        tracing::warn!(error = %e, room = %room.name, "could not announce a room change");
    }
}

/// The sockets of `users`; `None` for nobody (an empty room list would mean every socket).
fn to_users<A: Adapter>(io: &SocketIo<A>, users: &[String]) -> Option<BroadcastOperators<A>> {
    if users.is_empty() {
        return None;
    }
    Some(sockets(io)?.to(users.iter().map(|u| user_room(u)).collect::<Vec<_>>()))
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
    let mut results = vec![];
    if let Some(to_added) = to_users(io, &[user.name.to_string()]) {
        results.push(to_added.emit(event::ROOM_ADDED, &reply).await);
    }
    if let Some(to_others) = to_users(io, &others) {
        results.push(to_others.emit(event::ROOM_UPDATED, &reply).await);
    }
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, room = %room.name, "could not announce a new member");
    }
}

/// A user left or was removed: their sockets stop receiving the room and are told so; the
/// remaining members of a private room get `room_updated`.
pub async fn member_removed<A: Adapter>(io: &SocketIo<A>, room: &Room, user: &User) {
    let reply = RoomReply { room: room.clone() };
    let removed = [user.name.to_string()];
    if let Some(leaving) = to_users(io, &removed) {
        if let Err(e) = leaving.leave(room.name.clone()).await {
            tracing::error!(error = %e, room = %room.name, "could not unsubscribe a removed member");
        }
    }
    let mut results = vec![];
    if let Some(to_removed) = to_users(io, &removed) {
        results.push(to_removed.emit(event::ROOM_REMOVED, &reply).await);
    }
    if let Some(to_others) = to_users(io, &room.members) {
        results.push(to_others.emit(event::ROOM_UPDATED, &reply).await);
    }
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, room = %room.name, "could not announce a removal");
    }
}
