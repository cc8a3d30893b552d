//! What happens to a message after it is sent: edits, deletions and reactions, each stored as
//! the next entry of its room's change log and then broadcast as `change`; and reading that log
//! (`changes`, and `join` with `changes_after`), so a client that missed some catches up.

use super::limits::Action;
use super::messages::{keep_within_reply, Keep};
use super::{Caller, ChatService};
use crate::error::Error;
use crate::events::Event;
use crate::store::{Changed, ReactionLimits, User};
use app::protocol::{
    Change, ChangeReply, ChangesReply, ChangesRequest, DeleteRequest, EditRequest, Emoji,
    PinRequest, ReactRequest, RoomName, CHANGES_PAGE, MAX_PINS, MAX_REACTIONS_PER_USER,
    MAX_REACTION_KINDS,
};
use socketioxide::adapter::Adapter;

/// The author replaces a message's body.
pub async fn edit<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: EditRequest,
) -> Result<ChangeReply, Error> {
    let room = req.room;
    let body = req.body;
    chat.limit(Action::Change, &caller)?;
    let mentions = app::protocol::mentioned_names(body.as_str());
    let rendered = crate::markdown::rendered(body.as_str());
    let changed = chat
        .store()
        .edit(&caller.user, &room, req.seq, &body, &rendered, &mentions)
        .await?;
    Ok(publish_change(&chat, changed))
}

/// Deletes a message: its author, the owner of its private room, or an administrator.
pub async fn delete<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: DeleteRequest,
) -> Result<ChangeReply, Error> {
    let room = req.room;
    chat.limit(Action::Change, &caller)?;
    let changed = chat.store().delete(&caller.user, &room, req.seq).await?;
    Ok(publish_change(&chat, changed))
}

/// Pins a message to its room, or unpins it: anyone in a public room or a direct conversation,
/// the owner of a private room.
pub async fn pin<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: PinRequest,
) -> Result<ChangeReply, Error> {
    let room = req.room;
    chat.limit(Action::Change, &caller)?;
    let changed = chat
        .store()
        .pin(&caller.user, &room, req.seq, req.on, MAX_PINS)
        .await?;
    Ok(publish_change(&chat, changed))
}

/// Adds or takes back the caller's emoji reaction.
pub async fn react<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: ReactRequest,
) -> Result<ChangeReply, Error> {
    let room = req.room;
    let emoji = known_emoji(&req.emoji)?;
    chat.limit(Action::Change, &caller)?;
    let limits = ReactionLimits {
        kinds: MAX_REACTION_KINDS,
        per_user: MAX_REACTIONS_PER_USER,
    };
    let changed = chat
        .store()
        .react(&caller.user, &room, req.seq, &emoji, req.on, limits)
        .await?;
    Ok(publish_change(&chat, changed))
}

/// A room's changes after a change number, a page at a time.
pub async fn changes<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: ChangesRequest,
) -> Result<ChangesReply, Error> {
    let room = req.room;
    let (changes, truncated) = page_after(&chat, &caller.user, &room, req.after).await?;
    Ok(ChangesReply { changes, truncated })
}

/// The changes of `room` after `after`: at most [`CHANGES_PAGE`], and at most
/// [`MAX_REPLY_BYTES`](super::messages::MAX_REPLY_BYTES) of message text; true when more follow.
pub(super) async fn page_after<A: Adapter>(
    chat: &ChatService<A>,
    viewer: &User,
    room: &RoomName,
    after: i64,
) -> Result<(Vec<Change>, bool), Error> {
    let mut changes = chat
        .store()
        .changes(viewer, room, after.max(0), CHANGES_PAGE + 1)
        .await?;
    let mut truncated = changes.len() > CHANGES_PAGE as usize;
    changes.truncate(CHANGES_PAGE as usize);
    truncated |= keep_within_reply(&mut changes, Keep::Oldest);
    Ok((changes, truncated))
}

/// The emoji of the Unicode emoji list that `shaped` is, as that list spells it (so "❤" and
/// "❤️" are one reaction); anything else is `invalid_emoji`.
fn known_emoji(shaped: &Emoji) -> Result<Emoji, Error> {
    let e = shaped.as_str();
    let known = emojis::get(e).or_else(|| emojis::get(&format!("{e}\u{fe0f}")));
    match known {
        Some(k) => Ok(Emoji::parse(k.as_str())?),
        None => Err(Error::NotAnEmoji),
    }
}

/// Publishes a stored change (none when nothing changed), and answers with the message as it
/// stands.
fn publish_change<A: Adapter>(chat: &ChatService<A>, changed: Changed) -> ChangeReply {
    let Changed { message, change } = changed;
    let number = change.as_ref().map(|c| c.change);
    // The store tells the change without the author's key already: the room hears it as is.
    if let Some(change) = change {
        chat.publish(Event::MessageChanged(change));
    }
    ChangeReply {
        message,
        change: number,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reactions_are_known_emoji_spelled_one_way() {
        let known = |raw: &str| {
            Emoji::parse(raw)
                .map_err(Error::from)
                .and_then(|e| known_emoji(&e))
        };
        assert_eq!(known("👍").unwrap().as_str(), "👍");
        assert_eq!(known("👍🏽").unwrap().as_str(), "👍🏽");
        assert_eq!(known("❤").unwrap().as_str(), "❤️");
        assert_eq!(known("❤️").unwrap().as_str(), "❤️");
        assert_eq!(known("🇫🇷").unwrap().as_str(), "🇫🇷");
        for bad in ["é", "👍👍", "x", "", "\u{fe0f}"] {
            assert!(known(bad).is_err(), "{bad:?}");
        }
    }
}
