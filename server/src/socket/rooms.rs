//! Joining, leaving, listing and creating rooms.

use super::respond::{payload, Responder};
use crate::state::SocketState;
use app::protocol::{
    event, CreateRoomRequest, ErrorBody, JoinReply, JoinRequest, LeaveReply, LeaveRequest,
    RoomName, RoomReply, RoomsReply, HISTORY_PAGE, MAX_HISTORY_LIMIT,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};

pub async fn join<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
    TryData(data): TryData<JoinRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let req = payload(data, "{ room, after? }")?;
        let room = RoomName::parse(&req.room)?;
        let info = state.store.room(&room).await?;
        // Join before reading, so nothing stored between the read and the join is missed; a
        // message that is both read and broadcast is told apart by its seq.
        socket.join(room.to_string());
        let (messages, truncated) = match req.after {
            None => (state.store.history(&room, None, HISTORY_PAGE).await?, false),
            Some(after) => {
                let mut messages = state
                    .store
                    .after(&room, after, MAX_HISTORY_LIMIT + 1)
                    .await?;
                let truncated = messages.len() > MAX_HISTORY_LIMIT as usize;
                messages.truncate(MAX_HISTORY_LIMIT as usize);
                (messages, truncated)
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
    TryData(data): TryData<LeaveRequest>,
    respond: Responder<A>,
) {
    let result = payload(data, "{ room }").and_then(|req| {
        let room = RoomName::parse(&req.room)?;
        socket.leave(room.to_string());
        Ok(LeaveReply {
            room: room.to_string(),
        })
    });
    respond.send(event::LEAVE, result);
}

pub async fn list<A: Adapter>(State(state): State<SocketState>, respond: Responder<A>) {
    let result = state
        .store
        .rooms()
        .await
        .map(|rooms| RoomsReply { rooms })
        .map_err(ErrorBody::from);
    respond.send(event::ROOMS, result);
}

pub async fn create<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
    TryData(data): TryData<CreateRoomRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let req = payload(data, "{ name }")?;
        let name = RoomName::parse(req.name.trim())?;
        let room = state.store.create_room(&name).await?;
        let reply = RoomReply { room };
        if let Err(e) = socket.broadcast().emit(event::ROOM_CREATED, &reply).await {
            tracing::warn!(error = %e, "could not announce a new room");
        }
        Ok::<_, ErrorBody>(reply)
    }
    .await;
    respond.send(event::CREATE_ROOM, result);
}
