//! The embedded default: SQLite through sqlx, WAL mode, migrations compiled into the binary.

mod accounts;
mod changes;
mod rooms;
#[cfg(test)]
mod tests;
mod writer;

use crate::error::Error;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

use super::rows::{
    attach_reactions, in_order, is_unique_violation, read_states, MentionRow, MessageRow,
    ReactionRow, ReadRow, RoomRow, UserRow,
};
use app::protocol::Message;
use sqlx::SqliteConnection;

#[derive(Clone)]
pub struct SqliteStore {
    /// Reads and the rare other writes (rooms, members, accounts).
    pool: SqlitePool,
    /// The one task that appends messages (group commit), on its own connection.
    writer: writer::Writer,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, Error> {
        Self::open_with(url, writer::MAX_BATCH).await
    }

    /// [`SqliteStore::open`], committing at most `max_batch` messages per transaction.
    pub async fn open_with(url: &str, max_batch: usize) -> Result<Self, Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged message is on disk, even after a power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Checkpoints copy the WAL into the database file and fsync it: done by a
            // background task (below) instead of inside whichever commit crosses the
            // threshold, where it held up every message queued behind it.
            .pragma("wal_autocheckpoint", "0")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(super::POOL_WAIT)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let writer = writer::Writer::start(options, max_batch).await?;
        tokio::spawn(checkpoints(pool.clone()));
        Ok(Self { pool, writer })
    }
}

impl SqliteStore {
    /// A write transaction that holds the write lock from its first statement (`BEGIN
    /// IMMEDIATE`). A deferred one that reads first and writes later cannot take the lock once
    /// another writer (the message writer) has it, and fails with "database is locked" instead of
    /// waiting for it.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Checkpoints the WAL every second without blocking writers (PASSIVE), so it stays small.
async fn checkpoints(pool: SqlitePool) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        if pool.is_closed() {
            break;
        }
    }
}

/// The SQL condition "user `?` may see room `r`"; binds one user id.
const VISIBLE: &str = "(r.kind = 'public' OR EXISTS \
     (SELECT 1 FROM room_members vm WHERE vm.room_id = r.id AND vm.user_id = ?))";

/// The id of room `name` when `viewer` (a user id) may see it: the one check every read and
/// write of a room's messages makes.
async fn visible_room_id(
    conn: &mut sqlx::SqliteConnection,
    viewer: i64,
    name: &app::protocol::RoomName,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT r.id FROM rooms r WHERE r.name = ? AND {VISIBLE}"
    ))
    .bind(name.as_str())
    .bind(viewer)
    .fetch_optional(conn)
    .await
}

/// The columns of [`RoomRow`], from `rooms r`.
const ROOM_COLUMNS: &str = "r.id, r.name, r.kind, r.owner_id, r.topic, r.last_seq, \
     r.last_change, r.created_at, \
     (SELECT username FROM users WHERE id = r.owner_id) AS owner, \
     CASE WHEN r.kind = 'public' THEN NULL ELSE \
       (SELECT group_concat(u.username, ' ') FROM room_members m JOIN users u ON u.id = m.user_id \
        WHERE m.room_id = r.id) END AS members";

/// The columns of [`MessageRow`], from `messages m JOIN rooms r`. Binds one user id, the reader:
/// a message's idempotency key is shown to its author only. The message a reply answers is
/// read by scalar subqueries, so every query keeps its one FROM clause.
const MESSAGE_COLUMNS: &str =
    "m.id, r.name AS room, m.seq, m.author, m.body, m.html, m.ts, m.mentions, \
     CASE WHEN m.author_id = ? THEN m.client_key END AS client_key, \
     m.edited_at, m.deleted, m.reply_to, m.pinned_at, m.pinned_by, \
     (SELECT o.author FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
       AS reply_author, \
     (SELECT o.snippet FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
       AS reply_snippet, \
     (SELECT o.deleted FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
       AS reply_deleted";

/// `n` placeholders for an `IN (…)` list.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The messages of `rows` (all of room `room_id`), with their reactions: one more query for
/// the whole page.
async fn with_reactions(
    conn: &mut SqliteConnection,
    room_id: i64,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
    if messages.is_empty() {
        return Ok(messages);
    }
    let sql = format!(
        "SELECT x.seq, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id \
         WHERE x.room_id = ? AND x.seq IN ({}) ORDER BY x.seq, x.change",
        marks(messages.len())
    );
    let mut query = sqlx::query_as(&sql).bind(room_id);
    for m in &messages {
        query = query.bind(m.seq);
    }
    let reactions: Vec<ReactionRow> = query.fetch_all(&mut *conn).await?;
    attach_reactions(&mut messages, reactions);
    Ok(messages)
}

/// Messages of room `room_id` as `viewer` (a user id) reads them, by `tail` (a
/// WHERE/ORDER/LIMIT tail binding the room id, a seq and a limit).
async fn messages(
    conn: &mut SqliteConnection,
    tail: &str,
    viewer: i64,
    room_id: i64,
    seq: i64,
    limit: u32,
) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id {tail}"
    ))
    .bind(viewer)
    .bind(room_id)
    .bind(seq)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, room_id, rows).await
}

/// Message `seq` of room `room_id` as `viewer` (a user id) reads it, if there is one.
async fn message_at(
    conn: &mut SqliteConnection,
    viewer: i64,
    room_id: i64,
    seq: i64,
) -> Result<Option<Message>, sqlx::Error> {
    let mut found = messages(
        conn,
        "WHERE m.room_id = ? AND m.seq = ? LIMIT ?",
        viewer,
        room_id,
        seq,
        1,
    )
    .await?;
    Ok(found.pop())
}

/// The messages of room `room_id` with the seqs `seqs`, as `viewer` (a user id) reads them,
/// ascending.
async fn messages_at(
    conn: &mut SqliteConnection,
    viewer: i64,
    room_id: i64,
    seqs: &[i64],
) -> Result<Vec<Message>, sqlx::Error> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
         WHERE m.room_id = ? AND m.seq IN ({}) ORDER BY m.seq",
        marks(seqs.len())
    );
    let mut query = sqlx::query_as(&sql).bind(viewer).bind(room_id);
    for seq in seqs {
        query = query.bind(*seq);
    }
    let rows: Vec<MessageRow> = query.fetch_all(&mut *conn).await?;
    with_reactions(conn, room_id, rows).await
}

/// Of the usernames in `candidates`, those who are members of room `room_id` (have it in their
/// list), in the order written: who a message (new or edited) mentions.
async fn mentioned_members(
    conn: &mut SqliteConnection,
    room_id: i64,
    candidates: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.username FROM room_members rm JOIN users u ON u.id = rm.user_id \
         WHERE rm.room_id = ? AND u.username IN ({})",
        marks(candidates.len())
    );
    let mut query = sqlx::query_scalar(&sql).bind(room_id);
    for c in candidates {
        query = query.bind(c);
    }
    let members: Vec<String> = query.fetch_all(conn).await?;
    Ok(in_order(candidates, &members))
}
