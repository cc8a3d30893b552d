//! Sending messages and paging through history.

use super::{Caller, ChatService};
use crate::error::Error;
use crate::store::NewMessage;
use app::protocol::{
    event, ClientKey, HistoryLimit, HistoryReply, HistoryRequest, Message, MessageBody, RoomName,
    SendReply, SendRequest,
};
use socketioxide::adapter::Adapter;
use std::time::Instant;

/// Stores the message, then broadcasts it to the room (the sender included), then answers.
pub async fn send<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: SendRequest,
) -> Result<SendReply, Error> {
    let room = RoomName::parse(&req.room)?;
    let body = MessageBody::parse(&req.body)?;
    let key = req.key.as_deref().map(ClientKey::parse).transpose()?;
    chat.0.send_limit.take(caller.user.id, Instant::now())?;
    let appended = chat
        .store()
        .append(NewMessage {
            room: &room,
            author: &caller.user,
            body: &body,
            key: key.as_ref(),
        })
        .await?;
    if !appended.duplicate {
        // The key is the author's: the room hears the message without it (the sender matches
        // its pending message by the ack).
        let broadcast = Message {
            key: None,
            ..appended.message.clone()
        };
        // Stored already: a failed broadcast loses nothing, members catch up on `join`.
        if let Err(e) = chat
            .io()
            .to(room.to_string())
            .emit(event::MESSAGE, &broadcast)
            .await
        {
            tracing::warn!(error = %e, room = %room, "broadcast failed");
        }
    }
    Ok(SendReply {
        message: appended.message,
    })
}

pub async fn history<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: HistoryRequest,
) -> Result<HistoryReply, Error> {
    let room = RoomName::parse(&req.room)?;
    let limit = HistoryLimit::parse(req.limit)?;
    let messages = chat
        .store()
        .history(&caller.user, &room, req.before, limit.get())
        .await?;
    Ok(HistoryReply { messages })
}
