//! Who is in a private room, and direct conversations.

use super::limits::Action;
use super::{Caller, ChatService};
use crate::error::Error;
use crate::events::Event;
use app::protocol::{
    AddMemberRequest, ErrorBody, ErrorCode, MembersReply, MembersRequest, OpenDirectRequest,
    RemoveMemberRequest, RoomKind, RoomReply, MAX_USERNAME_CHARS, MEMBERS_PAGE,
};
use socketioxide::adapter::Adapter;

/// Members of a room whose names start with a prefix: who the caller can mention there.
pub async fn list<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: MembersRequest,
) -> Result<MembersReply, Error> {
    let room = req.room;
    let prefix = req.prefix.trim().to_lowercase();
    if prefix.chars().count() > MAX_USERNAME_CHARS {
        return Err(ErrorBody::new(
            ErrorCode::BadPayload,
            format!("A prefix holds at most {MAX_USERNAME_CHARS} characters, as usernames do."),
        )
        .into());
    }
    let store = chat.store();
    let found = store.room(&caller.user, &room).await?;
    let all = match found.kind {
        RoomKind::Public => store.listed_by(&room).await?,
        _ => found.members,
    };
    let mut members: Vec<String> = all.into_iter().filter(|m| m.starts_with(&prefix)).collect();
    members.sort();
    members.truncate(MEMBERS_PAGE);
    Ok(MembersReply { members })
}

pub async fn open_direct<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: OpenDirectRequest,
) -> Result<RoomReply, Error> {
    let other = req.username;
    chat.limit(Action::OpenDirect, &caller)?;
    let direct = chat.store().open_direct(&caller.user, &other).await?;
    if direct.created {
        chat.publish(Event::RoomListed {
            room: direct.room.clone(),
            users: direct.room.members.clone(),
        });
    }
    Ok(RoomReply { room: direct.room })
}

/// The owner of a private room adds a member.
pub async fn add<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    AddMemberRequest(req): AddMemberRequest,
) -> Result<RoomReply, Error> {
    let (room, who) = (req.room, req.username);
    chat.limit(Action::ChangeMembers, &caller)?;
    let most = chat.caps().members_per_room;
    let change = chat
        .store()
        .add_member(&caller.user, &room, &who, most)
        .await?;
    // Adding a member twice changes nothing, and tells nobody.
    if change.changed {
        chat.publish(Event::MemberAdded {
            room: change.room.clone(),
            user: change.user.name.to_string(),
        });
    }
    Ok(RoomReply { room: change.room })
}

/// The owner removes a member, or a member leaves (a private room, or a public one: it leaves
/// their list).
pub async fn remove<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    RemoveMemberRequest(req): RemoveMemberRequest,
) -> Result<RoomReply, Error> {
    let (room, who) = (req.room, req.username);
    chat.limit(Action::ChangeMembers, &caller)?;
    let change = chat
        .store()
        .remove_member(&caller.user, &room, &who)
        .await?;
    chat.publish(Event::MemberRemoved {
        room: change.room.clone(),
        user: change.user.name.to_string(),
    });
    Ok(RoomReply { room: change.room })
}
