//! What the engines decide alike about edits, deletions, reactions and replies: who may change
//! a message, which requests change nothing, where the reaction limits stop, how a reply quotes
//! its original, and how a logged change is told. Each engine reads the rows (in its own SQL and
//! transaction) and asks these; none of them touches a database.

use super::rows::ChangeRow;
use super::{ReactionLimits, User};
use crate::error::Error;
use app::protocol::{Change, ChangeKind, Message, MessageBody, Quote, RoomName};
use std::collections::HashMap;

/// The message a change is about, as stored (`SELECT author_id, body, deleted …`).
#[derive(sqlx::FromRow)]
pub(super) struct Target {
    pub(super) author_id: Option<i64>,
    pub(super) body: String,
    pub(super) deleted: bool,
}

/// What a change logs besides its room, message and actor.
pub(super) struct Entry<'a> {
    pub(super) kind: ChangeKind,
    pub(super) emoji: Option<&'a str>,
    pub(super) ts: i64,
}

/// Refused with `MessageDeleted` when `target` was deleted.
pub(super) fn not_deleted(target: &Target, room: &RoomName, seq: i64) -> Result<(), Error> {
    if target.deleted {
        return Err(Error::MessageDeleted {
            room: room.clone(),
            seq,
        });
    }
    Ok(())
}

/// Whether `actor`'s edit of `target` to `body` changes it: only its author may edit it, and
/// not once it is deleted; the same body again changes nothing.
pub(super) fn edit_changes(
    target: &Target,
    actor: &User,
    room: &RoomName,
    seq: i64,
    body: &MessageBody,
) -> Result<bool, Error> {
    if target.author_id != Some(actor.id) {
        return Err(Error::NotAuthor);
    }
    not_deleted(target, room, seq)?;
    Ok(target.body != body.as_str())
}

/// The reactions already on a message, as one query of each engine counts them (`… AS kinds,
/// … AS mine, … AS used, … AS there`).
#[derive(sqlx::FromRow)]
pub(super) struct ReactionCounts {
    /// Distinct emoji on the message.
    pub(super) kinds: i64,
    /// The actor's reactions on it.
    pub(super) mine: i64,
    /// Whether anyone put this emoji on it.
    pub(super) used: bool,
    /// Whether the actor did.
    pub(super) there: bool,
}

/// Whether adding the reaction changes anything (not when the actor has it already), or the
/// limit it would pass.
pub(super) fn reaction_adds(
    counts: &ReactionCounts,
    limits: ReactionLimits,
) -> Result<bool, Error> {
    if counts.there {
        return Ok(false);
    }
    if !counts.used && counts.kinds >= limits.kinds as i64 {
        return Err(Error::TooManyReactionKinds { most: limits.kinds });
    }
    if counts.mine >= limits.per_user as i64 {
        return Err(Error::TooManyReactions {
            most: limits.per_user,
        });
    }
    Ok(true)
}

/// How a reply quotes message `seq` of `room`, given its `(author, snippet, deleted)` as stored;
/// the refusal when there is no such message or it was deleted.
pub(super) fn quote(
    room: &RoomName,
    seq: i64,
    original: Option<(String, String, bool)>,
) -> Result<Quote, Error> {
    let room = room.clone();
    match original {
        None => Err(Error::UnknownMessage { room, seq }),
        Some((_, _, true)) => Err(Error::MessageDeleted { room, seq }),
        Some((author, snippet, false)) => Ok(Quote {
            seq,
            author,
            snippet,
            deleted: false,
        }),
    }
}

/// The change logged as number `change` for `entry` on message `seq` of `room`, carrying
/// `message` as it stands after it. The change goes to the whole room: without the author's
/// idempotency key.
pub(super) fn logged(
    room: &RoomName,
    seq: i64,
    actor: &User,
    change: i64,
    entry: Entry<'_>,
    message: &Message,
) -> Change {
    Change {
        room: room.as_str().to_owned(),
        change,
        kind: entry.kind,
        seq,
        actor: actor.name.as_str().to_owned(),
        emoji: entry.emoji.map(str::to_owned),
        ts: entry.ts,
        message: Message {
            key: None,
            ..message.clone()
        },
    }
}

/// The changes of `rows` (in log order), each carrying its message from `messages`.
pub(super) fn in_log_order(
    room: &RoomName,
    rows: Vec<ChangeRow>,
    messages: Vec<Message>,
) -> Result<Vec<Change>, Error> {
    let messages: HashMap<i64, Message> = messages.into_iter().map(|m| (m.seq, m)).collect();
    rows.into_iter()
        .map(|row| {
            let message = messages
                .get(&row.seq)
                .cloned()
                .ok_or(sqlx::Error::RowNotFound)?;
            row.into_change(room.as_str(), message)
        })
        .collect()
}
