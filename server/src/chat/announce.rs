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

/// A room entered the lists of those who can see it: everyone for a public room, else its
/// members.
pub async fn room_added<A: Adapter>(io: &SocketIo<A>, room: &Room) {
    to_viewers(io, room, event::ROOM_ADDED).await;
}

/// A room changed (its topic): those who see it get `room_updated`.
pub async fn room_updated<A: Adapter>(io: &SocketIo<A>, room: &Room) {
    to_viewers(io, room, event::ROOM_UPDATED).await;
}

/// Sends `event` with the room to everyone who sees it.
async fn to_viewers<A: Adapter>(io: &SocketIo<A>, room: &Room, event: &'static str) {
    let Some(all) = sockets(io) else { return };
    let reply = RoomReply { room: room.clone() };
    let sent = match room.kind {
        RoomKind::Public => all.emit(event, &reply).await,
        _ => all.to(member_rooms(room)).emit(event, &reply).await,
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, room = %room.name, event, "could not announce a room");
    }
}

/// A user was added to a private room: they get `room_added`, the others `room_updated`.
pub async fn member_added<A: Adapter>(io: &SocketIo<A>, room: &Room, user: &User) {
    let reply = RoomReply { room: room.clone() };
    let added = user_room(user.name.as_str());
    let others: Vec<String> = member_rooms(room)
        .into_iter()
        .filter(|r| *r != added)
        .collect();
    let (Some(to_added), Some(to_others)) = (sockets(io), sockets(io)) else {
        return;
    };
    let results = [
        to_added.to(added).emit(event::ROOM_ADDED, &reply).await,
        to_others.to(others).emit(event::ROOM_UPDATED, &reply).await,
    ];
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, room = %room.name, "could not announce a new member");
    }
}

/// A user left or was removed: their sockets stop receiving the room and are told so; the
/// remaining members get `room_updated`.
pub async fn member_removed<A: Adapter>(io: &SocketIo<A>, room: &Room, user: &User) {
    let reply = RoomReply { room: room.clone() };
    let removed = user_room(user.name.as_str());
    let (Some(leaving), Some(to_removed), Some(to_others)) =
        (sockets(io), sockets(io), sockets(io))
    else {
        return;
    };
    if let Err(e) = leaving.to(removed.clone()).leave(room.name.clone()).await {
        tracing::error!(error = %e, room = %room.name, "could not unsubscribe a removed member");
    }
    let results = [
        to_removed
            .to(removed)
            .emit(event::ROOM_REMOVED, &reply)
            .await,
        to_others
            .to(member_rooms(room))
            .emit(event::ROOM_UPDATED, &reply)
            .await,
    ];
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, room = %room.name, "could not announce a removal");
    }
}

fn member_rooms(room: &Room) -> Vec<String> {
    room.members.iter().map(|m| user_room(m)).collect()
}
