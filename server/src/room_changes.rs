//! Changes to rooms that other users must hear about: each one is stored, then announced.
//! Socket events and the pages' forms (server functions) both come here.

use crate::error::Error;
use crate::socket::announce;
use crate::store::{NewRoomKind, Store, User};
use app::protocol::{Room, RoomName, Username};
use socketioxide::adapter::Adapter;
use socketioxide::SocketIo;

pub async fn create_room<A: Adapter>(
    store: &dyn Store,
    io: &SocketIo<A>,
    owner: &User,
    name: &RoomName,
    kind: NewRoomKind,
) -> Result<Room, Error> {
    let room = store.create_room(owner, name, kind).await?;
    announce::room_added(io, &room).await;
    Ok(room)
}

pub async fn open_direct<A: Adapter>(
    store: &dyn Store,
    io: &SocketIo<A>,
    me: &User,
    other: &Username,
) -> Result<Room, Error> {
    let direct = store.open_direct(me, other).await?;
    if direct.created {
        announce::room_added(io, &direct.room).await;
    }
    Ok(direct.room)
}

pub async fn add_member<A: Adapter>(
    store: &dyn Store,
    io: &SocketIo<A>,
    actor: &User,
    room: &RoomName,
    who: &Username,
) -> Result<Room, Error> {
    let change = store.add_member(actor, room, who).await?;
    announce::member_added(io, &change.room, &change.user).await;
    Ok(change.room)
}

pub async fn remove_member<A: Adapter>(
    store: &dyn Store,
    io: &SocketIo<A>,
    actor: &User,
    room: &RoomName,
    who: &Username,
) -> Result<Room, Error> {
    let change = store.remove_member(actor, room, who).await?;
    announce::member_removed(io, &change.room, &change.user).await;
    Ok(change.room)
}
