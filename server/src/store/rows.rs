//! The rows both engines read, and what they become: the same columns under the same names,
//! decoded by `sqlx::FromRow` from a SQLite or a PostgreSQL row alike.

use super::{StoredKind, User};
use crate::error::Error;
use app::protocol::{
    Change, ChangeKind, Message, NotifyLevel, Quote, Reaction, ReadState, Room, Username,
    MAX_LISTED_MENTIONS,
};

/// A room as `ROOM_COLUMNS` (`shared/queries.rs`) reads it.
#[derive(sqlx::FromRow)]
pub(super) struct RoomRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) kind: StoredKind,
    pub(super) owner_id: Option<i64>,
    pub(super) owner: Option<String>,
    /// Space-separated usernames (private rooms and direct conversations).
    pub(super) members: Option<String>,
    pub(super) topic: String,
    pub(super) last_seq: i64,
    pub(super) last_change: i64,
    pub(super) created_at: i64,
}

impl From<RoomRow> for Room {
    fn from(row: RoomRow) -> Self {
        let mut members: Vec<String> = row
            .members
            .map(|m| m.split(' ').map(str::to_owned).collect())
            .unwrap_or_default();
        members.sort();
        Room {
            name: row.name,
            kind: row.kind.into(),
            owner: row.owner,
            members,
            topic: row.topic,
            last_seq: row.last_seq,
            last_change: row.last_change,
            created_at: row.created_at,
        }
    }
}

/// A message as each engine's message columns read it (without its reactions: see
/// [`attach_reactions`]).
#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    pub(super) id: String,
    pub(super) room: String,
    pub(super) seq: i64,
    pub(super) author: String,
    pub(super) body: String,
    /// The body as readers see it, rendered when it was stored or edited ('' once deleted;
    /// NULL only before the server rendered the messages stored before it kept them).
    pub(super) html: Option<String>,
    pub(super) ts: i64,
    pub(super) client_key: Option<String>,
    /// Space-separated usernames, '' for none.
    pub(super) mentions: String,
    pub(super) edited_at: Option<i64>,
    pub(super) deleted: bool,
    /// The seq of the message this one answers, and that message's author, snippet (stored
    /// with it) and deleted flag (NULL when it answers none).
    pub(super) reply_to: Option<i64>,
    pub(super) reply_author: Option<String>,
    pub(super) reply_snippet: Option<String>,
    /// When the message was pinned to its room, and by whom (NULL: not pinned).
    pub(super) pinned_at: Option<i64>,
    pub(super) pinned_by: Option<String>,
    pub(super) reply_deleted: Option<bool>,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Self {
        // A deleted original is quoted by its seq and author only; a deleted reply quotes
        // nothing of its original either.
        let reply_to = row.reply_to.zip(row.reply_author).map(|(seq, author)| {
            let original_deleted = row.reply_deleted.unwrap_or(false);
            Quote {
                seq,
                author,
                snippet: match row.reply_snippet {
                    Some(snippet) if !original_deleted && !row.deleted => snippet,
                    _ => String::new(),
                },
                deleted: original_deleted,
            }
        });
        Message {
            id: row.id,
            room: row.room,
            seq: row.seq,
            author: row.author,
            body: row.body,
            ts: row.ts,
            key: row.client_key,
            mentions: row
                .mentions
                .split(' ')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            edited: row.edited_at,
            deleted: row.deleted,
            reactions: Vec::new(),
            reply_to,
            pinned: row
                .pinned_at
                .zip(row.pinned_by)
                .map(|(at, by)| app::protocol::Pinned { by, at }),
            html: match row.html {
                Some(html) if !row.deleted => html,
                _ => String::new(),
            },
        }
    }
}

/// One user's reaction, from `SELECT x.seq, x.emoji, u.username …`, ordered by seq and then
/// by when it was added.
#[derive(sqlx::FromRow)]
pub(super) struct ReactionRow {
    pub(super) seq: i64,
    pub(super) emoji: String,
    pub(super) username: String,
}

/// Puts `reactions` on the messages they are for: grouped by emoji, emoji in the order each
/// was first used on the message, users in the order they reacted (the rows' order).
pub(super) fn attach_reactions(messages: &mut [Message], reactions: Vec<ReactionRow>) {
    let at: std::collections::HashMap<i64, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.seq, i))
        .collect();
    for row in reactions {
        let Some(&i) = at.get(&row.seq) else { continue };
        let list = &mut messages[i].reactions;
        match list.iter_mut().find(|r| r.emoji == row.emoji) {
            Some(r) => r.users.push(row.username),
            None => list.push(Reaction {
                emoji: row.emoji,
                users: vec![row.username],
            }),
        }
    }
}

/// The distinct seqs of `seqs`, ascending (for fetching their messages in one query).
pub(super) fn distinct(seqs: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let set: std::collections::BTreeSet<i64> = seqs.into_iter().collect();
    set.into_iter().collect()
}

/// A change log entry, from `SELECT c.change, c.seq, c.kind, c.actor, c.emoji, c.ts …`.
#[derive(sqlx::FromRow)]
pub(super) struct ChangeRow {
    pub(super) change: i64,
    pub(super) seq: i64,
    /// `edit`, `delete`, `react` or `unreact` (a CHECK keeps it so).
    pub(super) kind: String,
    pub(super) actor: String,
    pub(super) emoji: Option<String>,
    pub(super) ts: i64,
}

impl ChangeRow {
    /// The change, carrying `message` (the one it touched, as it stands now). An unknown kind
    /// is a decoding error, never a guess.
    pub(super) fn into_change(self, room: &str, message: Message) -> Result<Change, Error> {
        let kind = ChangeKind::parse(&self.kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown change kind {:?}", self.kind).into())
        })?;
        Ok(Change {
            room: room.to_owned(),
            change: self.change,
            kind,
            seq: self.seq,
            actor: self.actor,
            emoji: self.emoji,
            ts: self.ts,
            // A change is the room's, not its author's: never the key, read or heard live.
            message: Message {
                key: None,
                ..message
            },
        })
    }
}

/// A user, from `SELECT id AS user_id, username …`.
#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub(super) user_id: i64,
    pub(super) username: String,
}

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(row: UserRow) -> Result<Self, Error> {
        Ok(User {
            id: row.user_id,
            // Stored names were parsed on the way in; one that no longer parses is corrupt.
            name: Username::parse(&row.username)
                .map_err(|e| sqlx::Error::Decode(e.message.into()))?,
        })
    }
}

/// True for an insert refused by a unique index (a name taken, say), on either engine.
pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A read position and notification level, from `SELECT r.name AS room, rm.read_seq, rm.notify …`.
#[derive(sqlx::FromRow)]
pub(super) struct ReadRow {
    pub(super) room: String,
    pub(super) read_seq: i64,
    /// `all`, `mentions` or `muted` (a CHECK keeps it so).
    pub(super) notify: String,
}

/// An unread message that mentions the reader, from `SELECT r.name AS room, m.seq …`, ordered
/// by room and seq.
#[derive(sqlx::FromRow)]
pub(super) struct MentionRow {
    pub(super) room: String,
    pub(super) seq: i64,
}

/// The read states of `reads`, each with its room's first mentions.
pub(super) fn read_states(reads: Vec<ReadRow>, mentions: Vec<MentionRow>) -> Vec<ReadState> {
    let mut by_room: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for m in mentions {
        let seqs = by_room.entry(m.room).or_default();
        if seqs.len() < MAX_LISTED_MENTIONS {
            seqs.push(m.seq);
        }
    }
    reads
        .into_iter()
        .map(|r| ReadState {
            mentions: by_room.remove(&r.room).unwrap_or_default(),
            room: r.room,
            read: r.read_seq,
            notify: NotifyLevel::parse(&r.notify).unwrap_or_default(),
        })
        .collect()
}

/// The users `candidates` names who are members of the room, in `candidates`' order, given
/// `members`: those of them the database found.
pub(super) fn in_order(candidates: &[String], members: &[String]) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| members.contains(c))
        .cloned()
        .collect()
}
