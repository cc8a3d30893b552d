//! Who is in a private room, and direct conversations.

use super::caller::Caller;
use super::respond::{Payload, Responder};
use crate::room_changes;
use crate::state::SocketState;
use app::protocol::{
    event, ErrorBody, MemberRequest, OpenDirectRequest, RoomName, RoomReply, Username,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::State;
use socketioxide::SocketIo;

pub async fn add<A: Adapter>(
    io: SocketIo<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<MemberRequest>,
    respond: Responder<A>,
) {
    let result = change(Change::Add, io, state, caller, data).await;
    respond.send(event::ADD_MEMBER, result);
}

pub async fn remove<A: Adapter>(
    io: SocketIo<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<MemberRequest>,
    respond: Responder<A>,
) {
    let result = change(Change::Remove, io, state, caller, data).await;
    respond.send(event::REMOVE_MEMBER, result);
}

#[derive(Clone, Copy)]
enum Change {
    Add,
    Remove,
}

async fn change<A: Adapter>(
    change: Change,
    io: SocketIo<A>,
    state: SocketState,
    caller: Result<crate::auth::Session, ErrorBody>,
    data: Payload<MemberRequest>,
) -> Result<RoomReply, ErrorBody> {
    let user = caller?.user;
    let req = data.parse("{ room, username }")?;
    let room = RoomName::parse(&req.room)?;
    let who = Username::parse(&req.username)?;
    let store = &*state.store;
    let room = match change {
        Change::Add => room_changes::add_member(store, &io, &user, &room, &who).await?,
        Change::Remove => room_changes::remove_member(store, &io, &user, &room, &who).await?,
    };
    Ok(RoomReply { room })
}

pub async fn open_direct<A: Adapter>(
    io: SocketIo<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<OpenDirectRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ username }")?;
        let other = Username::parse(&req.username)?;
        let room = room_changes::open_direct(&*state.store, &io, &user, &other).await?;
        Ok::<_, ErrorBody>(RoomReply { room })
    }
    .await;
    respond.send(event::OPEN_DIRECT, result);
}
