//! Joining, leaving, listing and creating rooms.

use super::caller::Caller;
use super::respond::{Payload, Responder};
use crate::room_changes;
use crate::state::SocketState;
use crate::store::NewRoomKind;
use app::protocol::{
    event, CreateRoomRequest, ErrorBody, JoinReply, JoinRequest, LeaveReply, LeaveRequest,
    RoomName, RoomReply, RoomsReply, HISTORY_PAGE, MAX_HISTORY_LIMIT,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use socketioxide::SocketIo;

pub async fn join<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<JoinRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ room, after? }")?;
        let room = RoomName::parse(&req.room)?;
        let info = state.store.room(&user, &room).await?;
        // Join before reading, so nothing stored between the read and the join is missed; a
        // message that is both read and broadcast is told apart by its seq.
        socket.join(room.to_string());
        let read = match req.after {
            None => state
                .store
                .history(&user, &room, None, HISTORY_PAGE)
                .await
                .map(|m| (m, false)),
            Some(after) => state
                .store
                .after(&user, &room, after, MAX_HISTORY_LIMIT + 1)
                .await
                .map(|mut messages| {
                    let truncated = messages.len() > MAX_HISTORY_LIMIT as usize;
                    messages.truncate(MAX_HISTORY_LIMIT as usize);
                    (messages, truncated)
                }),
        };
        let (messages, truncated) = match read {
            Ok(read) => read,
            Err(e) => {
                // Removed from the room in between: no live events either.
                socket.leave(room.to_string());
                return Err(e.into());
            }
        };
        Ok::<_, ErrorBody>(JoinReply {
            room: info,
            messages,
            truncated,
        })
    }
    .await;
    respond.send(event::JOIN, result);
}

pub async fn leave<A: Adapter>(
    socket: SocketRef<A>,
    Caller(caller): Caller,
    data: Payload<LeaveRequest>,
    respond: Responder<A>,
) {
    let result = caller.and_then(|_| {
        let req = data.parse("{ room }")?;
        let room = RoomName::parse(&req.room)?;
        socket.leave(room.to_string());
        Ok(LeaveReply {
            room: room.to_string(),
        })
    });
    respond.send(event::LEAVE, result);
}

pub async fn list<A: Adapter>(
    State(state): State<SocketState>,
    Caller(caller): Caller,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let rooms = state.store.rooms(&user).await?;
        Ok::<_, ErrorBody>(RoomsReply { rooms })
    }
    .await;
    respond.send(event::ROOMS, result);
}

pub async fn create<A: Adapter>(
    io: SocketIo<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<CreateRoomRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ name, private? }")?;
        let name = RoomName::parse(req.name.trim())?;
        let kind = NewRoomKind::from_private(req.private);
        let room = room_changes::create_room(&*state.store, &io, &user, &name, kind).await?;
        Ok::<_, ErrorBody>(RoomReply { room })
    }
    .await;
    respond.send(event::CREATE_ROOM, result);
}
