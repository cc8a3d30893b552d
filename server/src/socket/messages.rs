//! Sending messages and paging through history.

use super::respond::{payload, Responder};
use crate::state::SocketState;
use crate::store::NewMessage;
use app::protocol::{
    event, history_limit, AuthorName, ClientKey, ErrorBody, HistoryReply, HistoryRequest,
    MessageBody, RoomName, SendReply, SendRequest,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};

/// Stores the message, then broadcasts it to the room (the sender included), then acks.
pub async fn send<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
    TryData(data): TryData<SendRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let req = payload(data, "{ room, author, body, key? }")?;
        let room = RoomName::parse(&req.room)?;
        let author = AuthorName::parse(&req.author)?;
        let body = MessageBody::parse(&req.body)?;
        let key = req.key.as_deref().map(ClientKey::parse).transpose()?;
        let appended = state
            .store
            .append(NewMessage {
                room: &room,
                author: &author,
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
    TryData(data): TryData<HistoryRequest>,
    respond: Responder<A>,
) {
    let result = async {
        let req = payload(data, "{ room, before?, limit? }")?;
        let room = RoomName::parse(&req.room)?;
        let limit = history_limit(req.limit)?;
        let messages = state.store.history(&room, req.before, limit).await?;
        Ok::<_, ErrorBody>(HistoryReply { messages })
    }
    .await;
    respond.send(event::HISTORY, result);
}
