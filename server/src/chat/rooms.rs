//! Joining, leaving, listing and creating rooms, and their topics.

use super::limits::Action;
use super::messages::{keep_within_reply, Keep};
use super::{Caller, ChatService};
use crate::error::Error;
use crate::events::Event;
use crate::store::NewRoomKind;
use app::protocol::{
    BrowseReply, BrowseRequest, CreateRoomRequest, ErrorBody, ErrorCode, JoinReply, JoinRequest,
    LeaveReply, LeaveRequest, ReadState, RoomKind, RoomReply, RoomsReply, RoomsRequest,
    SetTopicRequest, BROWSE_PAGE, HISTORY_PAGE, MAX_HISTORY_LIMIT, MAX_PINS, MAX_ROOM_CHARS,
};
use socketioxide::adapter::Adapter;

/// Subscribes the caller to a room and returns what it holds: the newest page, or everything
/// after `after` (at most [`MAX_HISTORY_LIMIT`] at a time).
pub async fn join<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: JoinRequest,
) -> Result<JoinReply, Error> {
    let room = req.room;
    let store = chat.store();
    let entered = store.enter(&caller.user, &room).await?;
    if entered.joined {
        // The user's other tabs and devices list it too.
        chat.publish(Event::RoomListed {
            room: entered.room.clone(),
            users: vec![caller.user.name.to_string()],
        });
    }
    let info = entered.room;
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
    // The changes the client missed: read after subscribing, like the messages, so none falls
    // between this read and the live `change` events.
    let changes = match req.changes_after {
        Some(after) => super::changes::page_after(&chat, &caller.user, &room, after).await,
        None => Ok((Vec::new(), false)),
    };
    // Before any `mark_read` of this visit: where the "new messages" line goes.
    let position = store
        .read_states(&caller.user, Some(&room))
        .await
        .map(|mut r| r.pop());
    // Read after subscribing too: a pin made meanwhile is in it or arrives as a `change`.
    let pins = store.pins(&caller.user, &room, MAX_PINS).await;
    match (read, changes, position, pins) {
        (Ok((messages, truncated)), Ok((changes, changes_truncated)), Ok(position), Ok(pins)) => {
            Ok(JoinReply {
                pins,
                read: position.unwrap_or_else(|| ReadState {
                    room: info.name.clone(),
                    ..ReadState::default()
                }),
                room: info,
                messages,
                truncated,
                changes,
                changes_truncated,
            })
        }
        (Err(e), _, _, _) | (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => {
            // Removed from the room in between: no live events either. (Any other failure
            // keeps the subscription: a listed room must stay heard.)
            if matches!(e, Error::UnknownRoom(_)) {
                caller.unsubscribe(&room);
            }
            Err(e)
        }
    }
}

/// Stops the caller's socket receiving a room's events until it joins again or reconnects (the
/// room stays in the user's list; a client that leaves a listed room chose to hear less).
pub async fn leave<A: Adapter>(
    _chat: ChatService<A>,
    caller: Caller<A>,
    req: LeaveRequest,
) -> Result<LeaveReply, Error> {
    let room = req.room;
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
    let store = chat.store();
    let before = caller.chat_rooms();
    let rooms = store.rooms(&caller.user).await?;
    let reads = store.read_states(&caller.user, None).await?;
    // A socket left out of a room (its node was cut off when the room entered the list) hears
    // it again, and one the fan-out failed to take out of a room it left stops hearing it:
    // clients ask for the list after every reconnection and `resync`.
    caller.subscribe_exactly(before, rooms.iter().map(|r| r.name.clone()).collect());
    Ok(RoomsReply { rooms, reads })
}

/// The longest `browse` query: the longest name a room can have.
const MAX_QUERY_CHARS: usize = MAX_ROOM_CHARS;

/// Public rooms a page at a time, by part of their name.
pub async fn browse<A: Adapter>(
    chat: ChatService<A>,
    _caller: Caller<A>,
    req: BrowseRequest,
) -> Result<BrowseReply, Error> {
    let limit = match req.limit {
        None => BROWSE_PAGE,
        Some(n) if (1..=BROWSE_PAGE).contains(&n) => n,
        Some(_) => {
            return Err(ErrorBody::new(
                ErrorCode::BadPayload,
                format!("limit must be between 1 and {BROWSE_PAGE}."),
            )
            .into())
        }
    };
    let query = req.query.trim().to_lowercase();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ErrorBody::new(
            ErrorCode::BadPayload,
            format!("A search holds at most {MAX_QUERY_CHARS} characters, as room names do."),
        )
        .into());
    }
    let after = req.after.unwrap_or_default();
    let mut rooms = chat.store().browse(&query, &after, limit + 1).await?;
    let next = (rooms.len() > limit as usize).then(|| {
        rooms.truncate(limit as usize);
        rooms.last().map(|r| r.name.clone()).unwrap_or_default()
    });
    Ok(BrowseReply { rooms, next })
}

pub async fn create<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: CreateRoomRequest,
) -> Result<RoomReply, Error> {
    let name = req.name;
    let kind = NewRoomKind::from_private(req.private);
    chat.limit(Action::CreateRoom, &caller)?;
    let most = chat.caps().rooms_per_user;
    let room = chat
        .store()
        .create_room(&caller.user, &name, kind, most)
        .await?;
    chat.publish(Event::RoomListed {
        room: room.clone(),
        users: vec![caller.user.name.to_string()],
    });
    Ok(RoomReply { room })
}

/// Sets a room's topic; everyone who has the room in their list, or reads it, gets
/// `room_updated`.
pub async fn set_topic<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: SetTopicRequest,
) -> Result<RoomReply, Error> {
    let (name, topic) = (req.room, req.topic);
    chat.limit(Action::SetTopic, &caller)?;
    let store = chat.store();
    let room = store.set_topic(&caller.user, &name, &topic).await?;
    let listed_by = match room.kind {
        RoomKind::Public => store.listed_by(&name).await?,
        _ => vec![],
    };
    chat.publish(Event::RoomUpdated {
        room: room.clone(),
        listed_by,
    });
    Ok(RoomReply { room })
}
