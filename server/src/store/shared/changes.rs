// Edits, deletions, reactions and pins, and each room's change log: one text for both engines,
// included by `sqlite/changes.rs` and `postgres/changes.rs` (`include!`), which give it `Engine`,
// `Conn` and `Db` and the one thing that differs, `lock_room` (docs/storage.md). Not a
// module of its own: each engine compiles it with its own types.
//
// Every change is one write transaction in which checking the message, changing it and taking
// the room's next change number are one step, so change numbers stay gapless.

use crate::error::Error;
use crate::store::rows::{distinct, ChangeRow};
use crate::store::rules::{self, Entry, ReactionCounts, Target};
use crate::store::{now_ms, Changed, ReactionLimits, Rendered, StoredKind, User};
use app::protocol::{Change, ChangeKind, Emoji, Message, MessageBody, RoomName};
use sqlx::Transaction;

/// A change under way: its transaction, and the room and message it is about.
struct Write<'a> {
    tx: Transaction<'static, Db>,
    room: &'a RoomName,
    room_id: i64,
    seq: i64,
    target: Target,
}

/// Starts a change of message `seq` of `room`: `UnknownRoom` unless `actor` can see the room,
/// `UnknownMessage` when it has no such message.
async fn begin<'a>(
    store: &Engine,
    actor: &User,
    room: &'a RoomName,
    seq: i64,
) -> Result<Write<'a>, Error> {
    let mut tx = store.write().await?;
    lock_room(&mut tx, room).await?;
    let room_id = visible_room_id(&mut tx, actor.id, room)
        .await?
        .ok_or_else(|| Error::UnknownRoom(room.clone()))?;
    let target: Option<Target> = sqlx::query_as(
        "SELECT author_id, body, deleted FROM messages WHERE room_id = $1 AND seq = $2",
    )
    .bind(room_id)
    .bind(seq)
    .fetch_optional(&mut *tx)
    .await?;
    let target = target.ok_or_else(|| Error::UnknownMessage {
        room: room.clone(),
        seq,
    })?;
    Ok(Write {
        tx,
        room,
        room_id,
        seq,
        target,
    })
}

/// Logs `entry` under the room's next change number, which it answers.
async fn log(
    conn: &mut Conn,
    room_id: i64,
    seq: i64,
    actor: &User,
    entry: &Entry<'_>,
) -> Result<i64, sqlx::Error> {
    let change: i64 = sqlx::query_scalar(
        "UPDATE rooms SET last_change = last_change + 1 WHERE id = $1 RETURNING last_change",
    )
    .bind(room_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO changes (room_id, change, seq, kind, actor, emoji, ts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(room_id)
    .bind(change)
    .bind(seq)
    .bind(entry.kind.as_str())
    .bind(actor.name.as_str())
    .bind(entry.emoji)
    .bind(entry.ts)
    .execute(&mut *conn)
    .await?;
    Ok(change)
}

/// Ends a change: reads the message as `actor` sees it now, commits, and answers with the
/// change logged as `change` (none when the request changed nothing).
async fn finish(
    mut w: Write<'_>,
    actor: &User,
    logged: Option<(i64, Entry<'_>)>,
) -> Result<Changed, Error> {
    let message = message_at(&mut w.tx, actor.id, w.room_id, w.seq)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    w.tx.commit().await?;
    let change =
        logged.map(|(change, entry)| rules::logged(w.room, w.seq, actor, change, entry, &message));
    Ok(Changed { message, change })
}

/// [`crate::store::Store::edit`].
pub(super) async fn edit(
    store: &Engine,
    actor: &User,
    room: &RoomName,
    seq: i64,
    body: &MessageBody,
    rendered: &Rendered,
    mentions: &[String],
) -> Result<Changed, Error> {
    let mut w = begin(store, actor, room, seq).await?;
    if !rules::edit_changes(&w.target, actor, room, seq, body)? {
        return finish(w, actor, None).await;
    }
    let mentions = mentioned_members(&mut w.tx, w.room_id, mentions).await?;
    let entry = Entry {
        kind: ChangeKind::Edit,
        emoji: None,
        ts: now_ms(),
    };
    sqlx::query(
        "UPDATE messages SET body = $1, html = $2, snippet = $3, mentions = $4, edited_at = $5 \
         WHERE room_id = $6 AND seq = $7",
    )
    .bind(body.as_str())
    .bind(&rendered.html)
    .bind(&rendered.snippet)
    .bind(mentions.join(" "))
    .bind(entry.ts)
    .bind(w.room_id)
    .bind(seq)
    .execute(&mut *w.tx)
    .await?;
    let change = log(&mut w.tx, w.room_id, seq, actor, &entry).await?;
    finish(w, actor, Some((change, entry))).await
}

/// Whether `actor` may delete others' messages in room `room_id`: they own it and it is
/// private, or they are an administrator.
async fn moderates(conn: &mut Conn, room_id: i64, actor: &User) -> Result<bool, sqlx::Error> {
    let (kind, owner_id): (StoredKind, Option<i64>) =
        sqlx::query_as("SELECT kind, owner_id FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_one(&mut *conn)
            .await?;
    if kind == StoredKind::Private && owner_id == Some(actor.id) {
        return Ok(true);
    }
    let admin: Option<bool> = sqlx::query_scalar("SELECT is_admin FROM users WHERE id = $1")
        .bind(actor.id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(admin.unwrap_or(false))
}

/// [`crate::store::Store::delete`]. The row stays (its seq stays taken, replies still point
/// at it); its body, mentions and reactions are gone.
pub(super) async fn delete(
    store: &Engine,
    actor: &User,
    room: &RoomName,
    seq: i64,
) -> Result<Changed, Error> {
    let mut w = begin(store, actor, room, seq).await?;
    if w.target.author_id != Some(actor.id) && !moderates(&mut w.tx, w.room_id, actor).await? {
        return Err(Error::MayNotDelete);
    }
    if w.target.deleted {
        return finish(w, actor, None).await;
    }
    sqlx::query(
        "UPDATE messages SET body = '', html = '', snippet = '', mentions = '', deleted = TRUE, \
           pinned_at = NULL, pinned_by = NULL \
         WHERE room_id = $1 AND seq = $2",
    )
    .bind(w.room_id)
    .bind(seq)
    .execute(&mut *w.tx)
    .await?;
    sqlx::query("DELETE FROM reactions WHERE room_id = $1 AND seq = $2")
        .bind(w.room_id)
        .bind(seq)
        .execute(&mut *w.tx)
        .await?;
    let entry = Entry {
        kind: ChangeKind::Delete,
        emoji: None,
        ts: now_ms(),
    };
    let change = log(&mut w.tx, w.room_id, seq, actor, &entry).await?;
    finish(w, actor, Some((change, entry))).await
}

/// [`crate::store::Store::pin`].
pub(super) async fn pin(
    store: &Engine,
    actor: &User,
    room: &RoomName,
    seq: i64,
    on: bool,
    most: usize,
) -> Result<Changed, Error> {
    let mut w = begin(store, actor, room, seq).await?;
    rules::not_deleted(&w.target, room, seq)?;
    let (kind, owner_id): (StoredKind, Option<i64>) =
        sqlx::query_as("SELECT kind, owner_id FROM rooms WHERE id = $1")
            .bind(w.room_id)
            .fetch_one(&mut *w.tx)
            .await?;
    if kind == StoredKind::Private && owner_id != Some(actor.id) {
        return Err(Error::MayNotPin(room.clone()));
    }
    let (pinned, count): (bool, i64) = sqlx::query_as(
        "SELECT COALESCE(MAX(CASE WHEN seq = $1 THEN 1 ELSE 0 END), 0) = 1, COUNT(*) \
         FROM messages WHERE room_id = $2 AND pinned_at IS NOT NULL",
    )
    .bind(seq)
    .bind(w.room_id)
    .fetch_one(&mut *w.tx)
    .await?;
    if pinned == on {
        return finish(w, actor, None).await;
    }
    if on && count >= most as i64 {
        return Err(Error::TooManyPins {
            room: room.clone(),
            most,
        });
    }
    let entry = Entry {
        kind: if on {
            ChangeKind::Pin
        } else {
            ChangeKind::Unpin
        },
        emoji: None,
        ts: now_ms(),
    };
    sqlx::query(
        "UPDATE messages SET pinned_at = $1, pinned_by = $2 WHERE room_id = $3 AND seq = $4",
    )
    .bind(on.then_some(entry.ts))
    .bind(on.then(|| actor.name.as_str()))
    .bind(w.room_id)
    .bind(seq)
    .execute(&mut *w.tx)
    .await?;
    let change = log(&mut w.tx, w.room_id, seq, actor, &entry).await?;
    finish(w, actor, Some((change, entry))).await
}

/// [`crate::store::Store::pins`].
pub(super) async fn pins(
    store: &Engine,
    viewer: &User,
    room: &RoomName,
    limit: usize,
) -> Result<Vec<Message>, Error> {
    let mut conn = store.pool.acquire().await?;
    let room_id = readable_room_id(&mut conn, viewer, room).await?;
    Ok(messages(
        &mut conn,
        "WHERE m.room_id = $2 AND m.pinned_at IS NOT NULL AND m.seq > $3 \
         ORDER BY m.pinned_at DESC, m.seq DESC LIMIT $4",
        viewer.id,
        room_id,
        0,
        limit as u32,
    )
    .await?)
}

/// [`crate::store::Store::react`].
pub(super) async fn react(
    store: &Engine,
    actor: &User,
    room: &RoomName,
    seq: i64,
    emoji: &Emoji,
    on: bool,
    limits: ReactionLimits,
) -> Result<Changed, Error> {
    let mut w = begin(store, actor, room, seq).await?;
    rules::not_deleted(&w.target, room, seq)?;
    let entry = Entry {
        kind: if on {
            ChangeKind::React
        } else {
            ChangeKind::Unreact
        },
        emoji: Some(emoji.as_str()),
        ts: now_ms(),
    };
    if !on {
        let removed = sqlx::query(
            "DELETE FROM reactions WHERE room_id = $1 AND seq = $2 AND user_id = $3 AND emoji = $4",
        )
        .bind(w.room_id)
        .bind(seq)
        .bind(actor.id)
        .bind(emoji.as_str())
        .execute(&mut *w.tx)
        .await?;
        if removed.rows_affected() == 0 {
            return finish(w, actor, None).await;
        }
        let change = log(&mut w.tx, w.room_id, seq, actor, &entry).await?;
        return finish(w, actor, Some((change, entry))).await;
    }
    // The emoji on the message, this user's among them, and whether this one is there already
    // (and whether this user put it there).
    let counts: ReactionCounts = sqlx::query_as(
        "SELECT COUNT(DISTINCT emoji) AS kinds, \
           COUNT(CASE WHEN user_id = $1 THEN 1 END) AS mine, \
           COALESCE(MAX(CASE WHEN emoji = $2 THEN 1 ELSE 0 END), 0) = 1 AS used, \
           COALESCE(MAX(CASE WHEN emoji = $2 AND user_id = $1 THEN 1 ELSE 0 END), 0) = 1 AS there \
         FROM reactions WHERE room_id = $3 AND seq = $4",
    )
    .bind(actor.id)
    .bind(emoji.as_str())
    .bind(w.room_id)
    .bind(seq)
    .fetch_one(&mut *w.tx)
    .await?;
    if !rules::reaction_adds(&counts, limits)? {
        return finish(w, actor, None).await;
    }
    let change = log(&mut w.tx, w.room_id, seq, actor, &entry).await?;
    sqlx::query(
        "INSERT INTO reactions (room_id, seq, user_id, emoji, ts, change) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(w.room_id)
    .bind(seq)
    .bind(actor.id)
    .bind(emoji.as_str())
    .bind(entry.ts)
    .bind(change)
    .execute(&mut *w.tx)
    .await?;
    finish(w, actor, Some((change, entry))).await
}

/// [`crate::store::Store::changes`].
pub(super) async fn changes(
    store: &Engine,
    viewer: &User,
    room: &RoomName,
    after: i64,
    limit: u32,
) -> Result<Vec<Change>, Error> {
    let mut conn = store.pool.acquire().await?;
    let room_id = readable_room_id(&mut conn, viewer, room).await?;
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT change, seq, kind, actor, emoji, ts FROM changes \
         WHERE room_id = $1 AND change > $2 ORDER BY change LIMIT $3",
    )
    .bind(room_id)
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let seqs = distinct(rows.iter().map(|r| r.seq));
    let messages = messages_at(&mut conn, viewer.id, room_id, &seqs).await?;
    rules::in_log_order(room, rows, messages)
}
