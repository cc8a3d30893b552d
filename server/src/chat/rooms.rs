//! Joining, leaving, listing and creating rooms, and their topics.

use super::limits::Action;
use super::messages::{keep_within_reply, Keep};
use super::{announce, Caller, ChatService};
use crate::error::Error;
use crate::store::NewRoomKind;
use app::protocol::{
    CreateRoomRequest, JoinReply, JoinRequest, LeaveReply, LeaveRequest, RoomName, RoomReply,
    RoomsReply, RoomsRequest, SetTopicRequest, Topic, HISTORY_PAGE, MAX_HISTORY_LIMIT,
};
use socketioxide::adapter::Adapter;

/// Subscribes the caller to a room and returns what it holds: the newest page, or everything
/// after `after` (at most [`MAX_HISTORY_LIMIT`] at a time).
pub async fn join<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: JoinRequest,
) -> Result<JoinReply, Error> {
    let room = RoomName::parse(&req.room)?;
    let store = chat.store();
    let info = store.room(&caller.user, &room).await?;
    // Subscribe before reading, so nothing stored between the read and the subscription is
    // missed; a message that is both read and broadcast is told apart by its seq.
    caller.subscribe(&room);
    let read = match req.after {
        None => store
            .history(&caller.user, &room, None, HISTORY_PAGE)
            .await
            .map(|mut messages| {
                // The older ones are paged in with `history`.
                keep_within_reply(&mut messages, Keep::Newest);
                (messages, false)
            }),
        Some(after) => store
            .after(&caller.user, &room, after, MAX_HISTORY_LIMIT + 1)
            .await
            .map(|mut messages| {
                let mut truncated = messages.len() > MAX_HISTORY_LIMIT as usize;
                messages.truncate(MAX_HISTORY_LIMIT as usize);
                truncated |= keep_within_reply(&mut messages, Keep::Oldest);
                (messages, truncated)
            }),
    };
    match read {
        Ok((messages, truncated)) => Ok(JoinReply {
            room: info,
            messages,
            truncated,
        }),
        Err(e) => {
            // Removed from the room in between: no live events either.
            caller.unsubscribe(&room);
            Err(e)
        }
    }
}

pub async fn leave<A: Adapter>(
    _chat: ChatService<A>,
    caller: Caller<A>,
    req: LeaveRequest,
) -> Result<LeaveReply, Error> {
    let room = RoomName::parse(&req.room)?;
    caller.unsubscribe(&room);
    Ok(LeaveReply {
        room: room.to_string(),
    })
}

pub async fn list<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    _req: RoomsRequest,
) -> Result<RoomsReply, Error> {
    let rooms = chat.store().rooms(&caller.user).await?;
    Ok(RoomsReply { rooms })
}

pub async fn create<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: CreateRoomRequest,
) -> Result<RoomReply, Error> {
    let name = RoomName::parse(req.name.trim())?;
    let kind = NewRoomKind::from_private(req.private);
    chat.limit(Action::CreateRoom, &caller)?;
    let most = chat.caps().rooms_per_user;
    let room = chat
        .store()
        .create_room(&caller.user, &name, kind, most)
        .await?;
    announce::room_added(chat.io(), &room).await;
    Ok(RoomReply { room })
}

/// Sets a room's topic; everyone who sees the room gets `room_updated`.
pub async fn set_topic<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: SetTopicRequest,
) -> Result<RoomReply, Error> {
    let name = RoomName::parse(&req.room)?;
    let topic = Topic::parse(&req.topic)?;
    chat.limit(Action::SetTopic, &caller)?;
    let room = chat.store().set_topic(&caller.user, &name, &topic).await?;
    announce::room_updated(chat.io(), &room).await;
    Ok(RoomReply { room })
}
