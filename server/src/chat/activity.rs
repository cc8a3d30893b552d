//! Read positions, notification levels and typing notices: what a user does in a room besides
//! writing.

use super::limits::Action;
use super::{Caller, ChatService};
use crate::error::Error;
use crate::events::Event;
use app::protocol::{
    ErrorBody, ErrorCode, MarkReadRequest, NotificationsReply, ReadReply, SetNotificationsRequest,
    TypingEvent, TypingReply, TypingRequest,
};
use socketioxide::adapter::Adapter;

/// Moves the caller's read position in a room; every socket of theirs (other tabs, other
/// devices, on any node) gets `read_position`.
pub async fn mark_read<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: MarkReadRequest,
) -> Result<ReadReply, Error> {
    let room = req.room;
    if req.seq < 0 {
        return Err(ErrorBody::new(ErrorCode::BadPayload, "seq cannot be negative.").into());
    }
    chat.limit(Action::MarkRead, &caller)?;
    let read = chat.store().mark_read(&caller.user, &room, req.seq).await?;
    let reply = ReadReply {
        room: room.to_string(),
        read,
    };
    chat.publish(Event::ReadMoved {
        user: caller.user.name.to_string(),
        read: reply.clone(),
    });
    Ok(reply)
}

/// Tells the room's other readers (not the caller's own sockets) that the caller is typing.
/// Nothing is stored.
pub async fn typing<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: TypingRequest,
) -> Result<TypingReply, Error> {
    let room = req.room;
    chat.limit(Action::Typing, &caller)?;
    // Only where the caller may write: the same check as sending.
    chat.store().room(&caller.user, &room).await?;
    chat.publish(Event::Typing(TypingEvent {
        room: room.to_string(),
        user: caller.user.name.to_string(),
    }));
    Ok(TypingReply {})
}

/// Sets what a room of the caller's list notifies them of; every socket of theirs gets
/// `notifications`.
pub async fn set_notifications<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: SetNotificationsRequest,
) -> Result<NotificationsReply, Error> {
    let room = req.room;
    chat.limit(Action::SetNotifications, &caller)?;
    let level = chat
        .store()
        .set_notify(&caller.user, &room, req.level)
        .await?;
    let reply = NotificationsReply {
        room: room.to_string(),
        level,
    };
    chat.publish(Event::NotificationsSet {
        user: caller.user.name.to_string(),
        notifications: reply.clone(),
    });
    Ok(reply)
}
