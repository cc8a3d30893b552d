//! Sending messages and paging through history.

use super::caller::Caller;
use super::respond::{Payload, Responder};
use crate::state::SocketState;
use crate::store::NewMessage;
use app::protocol::{
    event, history_limit, ClientKey, ErrorBody, ErrorCode, HistoryReply, HistoryRequest,
    MessageBody, RoomName, SendReply, SendRequest,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use std::time::Instant;

/// Stores the message, then broadcasts it to the room (the sender included), then acks.
pub async fn send<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<SendRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ room, body, key? }")?;
        let room = RoomName::parse(&req.room)?;
        let body = MessageBody::parse(&req.body)?;
        let key = req.key.as_deref().map(ClientKey::parse).transpose()?;
        if let Err(wait) = state.send_limit.take(user.id, Instant::now()) {
            return Err(ErrorBody::new(
                ErrorCode::RateLimited,
                format!(
                    "Slow down: {}. Try again in {} ms.",
                    state.send_limit.describe(),
                    wait.as_millis().max(1)
                ),
            ));
        }
        let appended = state
            .store
            .append(NewMessage {
                room: &room,
                author: &user,
                body: &body,
                key: key.as_ref(),
            })
            .await?;
        if !appended.duplicate {
            // Stored already: a failed broadcast loses nothing, members catch up on `join`.
            if let Err(e) = socket
                .within(room.to_string())
                .emit(event::MESSAGE, &appended.message)
                .await
            {
                tracing::warn!(error = %e, room = %room, "broadcast failed");
            }
        }
        Ok::<_, ErrorBody>(SendReply {
            message: appended.message,
        })
    }
    .await;
    respond.send(event::SEND, result);
}

pub async fn history<A: Adapter>(
    State(state): State<SocketState>,
    Caller(caller): Caller,
    data: Payload<HistoryRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let user = caller?.user;
        let req = data.parse("{ room, before?, limit? }")?;
        let room = RoomName::parse(&req.room)?;
        let limit = history_limit(req.limit)?;
        let messages = state.store.history(&user, &room, req.before, limit).await?;
        Ok::<_, ErrorBody>(HistoryReply { messages })
    }
    .await;
    respond.send(event::HISTORY, result);
}
