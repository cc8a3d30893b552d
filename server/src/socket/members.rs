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
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ room, username }")?;
        let room = RoomName::parse(&req.room)?;
        let who = Username::parse(&req.username)?;
        let room = room_changes::add_member(&*state.store, &io, &user, &room, &who).await?;
        Ok::<_, ErrorBody>(RoomReply { room })
    }
    .await;
    respond.send(event::ADD_MEMBER, result);
}

pub async fn remove<A: Adapter>(
    io: SocketIo<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<MemberRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ room, username }")?;
        let room = RoomName::parse(&req.room)?;
        let who = Username::parse(&req.username)?;
        let room = room_changes::remove_member(&*state.store, &io, &user, &room, &who).await?;
        Ok::<_, ErrorBody>(RoomReply { room })
    }
    .await;
    respond.send(event::REMOVE_MEMBER, result);
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
