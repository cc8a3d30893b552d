//! PostgreSQL through sqlx, for several Natter nodes sharing one database: the same schema,
//! rules and answers as the SQLite store, with row locks where SQLite had its one write lock.

mod accounts;
mod changes;
mod rooms;
mod writer;

use crate::error::Error;
use app::protocol::RoomName;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;

use super::rows::{
    attach_reactions, in_order, is_unique_violation, read_states, MentionRow, MessageRow,
    ReactionRow, ReadRow, RoomRow, UserRow,
};
use app::protocol::Message;

/// Connections in the pool for reads and the rare other writes: a node's requests wait for one
/// when all are busy, and every node opens its own, so the database sees this many per node.
const POOL_CONNECTIONS: u32 = 16;

/// How long a statement waits for a lock (a room row another node's writer holds, say) before
/// failing: the PostgreSQL counterpart of SQLite's `busy_timeout`, so nothing waits forever.
const LOCK_TIMEOUT: &str = "10s";

/// How long a session may sit inside a transaction without sending anything before PostgreSQL
/// ends it. Natter never pauses inside one; a node that froze or lost the network while holding
/// a room's lock is cut off after this, sooner than [`LOCK_TIMEOUT`], so the other nodes'
/// writers get the lock instead of failing.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "5s";

#[derive(Clone)]
pub struct PostgresStore {
    /// Reads and the rare other writes (rooms, members, accounts).
    pool: PgPool,
    /// The one task of this node that appends messages (group commit), on its own connection.
    writer: writer::Writer,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, Error> {
        Self::open_with(url, writer::MAX_BATCH).await
    }

    /// [`PostgresStore::open`], committing at most `max_batch` messages per transaction.
    pub async fn open_with(url: &str, max_batch: usize) -> Result<Self, Error> {
        let base = PgConnectOptions::from_str(url)?;
        migrate(&base).await?;
        let options = base.options([
            ("lock_timeout", LOCK_TIMEOUT),
            (
                "idle_in_transaction_session_timeout",
                IDLE_IN_TRANSACTION_TIMEOUT,
            ),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_CONNECTIONS)
            .acquire_timeout(super::POOL_WAIT)
            .connect_with(options.clone())
            .await?;
        let writer = writer::Writer::start(options, max_batch).await?;
        Ok(Self { pool, writer })
    }
}

/// How every transaction of this store begins: READ COMMITTED whatever the database's default.
/// The locking reads rely on it: after waiting for a row lock, the next statement sees what the
/// holder committed (a key stored by another node, say), where REPEATABLE READ would refuse
/// with a serialization failure instead.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

impl PostgresStore {
    /// A write transaction (see [`BEGIN`]). Unlike SQLite's `BEGIN IMMEDIATE` it locks nothing
    /// by itself: each write locks the rows its checks are about.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin_with(BEGIN).await
    }
}

/// Brings the schema up to date on a connection of its own, without [`LOCK_TIMEOUT`]: nodes
/// starting together take turns on the migrator's advisory lock, and one waits as long as
/// another's migration takes.
async fn migrate(options: &PgConnectOptions) -> Result<(), Error> {
    let mut conn = PgConnection::connect_with(options).await?;
    sqlx::migrate!("./migrations-postgres")
        .run(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// The SQL condition "user `$n` may see room `r`"; binds one user id, as placeholder `$n`.
fn visible(n: u8) -> String {
    format!(
        "(r.kind = 'public' OR EXISTS \
         (SELECT 1 FROM room_members vm WHERE vm.room_id = r.id AND vm.user_id = ${n}))"
    )
}

/// The id of room `name` when `viewer` (a user id) may see it: the check every read of a
/// room's messages makes.
async fn visible_room_id(
    conn: &mut PgConnection,
    viewer: i64,
    name: &RoomName,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT r.id FROM rooms r WHERE r.name = $1 AND {}",
        visible(2)
    ))
    .bind(name.as_str())
    .bind(viewer)
    .fetch_optional(conn)
    .await
}

/// The columns of [`RoomRow`], from `rooms r`; binds nothing.
const ROOM_COLUMNS: &str = "r.id, r.name, r.kind, r.owner_id, r.topic, r.last_seq, \
     r.last_change, r.created_at, \
     (SELECT username FROM users WHERE id = r.owner_id) AS owner, \
     CASE WHEN r.kind = 'public' THEN NULL ELSE \
       (SELECT string_agg(u.username, ' ') FROM room_members m JOIN users u ON u.id = m.user_id \
        WHERE m.room_id = r.id) END AS members";

/// Locks room `name` against other membership changes and appends (on any node) until the
/// transaction ends, before anything about it is checked; `UnknownRoom` when there is no such
/// room. Whether the caller may see it is checked after, by [`visible_room`].
pub(super) async fn lock_room(conn: &mut PgConnection, name: &RoomName) -> Result<(), Error> {
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rooms WHERE name = $1 FOR NO KEY UPDATE")
            .bind(name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    locked
        .map(|_| ())
        .ok_or_else(|| Error::UnknownRoom(name.clone()))
}

/// The columns of [`MessageRow`], from `messages m JOIN rooms r`. Binds one user id, the reader,
/// as placeholder `$n`: a message's idempotency key is shown to its author only. The message a
/// reply answers is read by scalar subqueries, so every query keeps its one FROM clause.
fn message_columns(n: u8) -> String {
    format!(
        "m.id, r.name AS room, m.seq, m.author, m.body, m.html, m.ts, m.mentions, \
         CASE WHEN m.author_id = ${n} THEN m.client_key END AS client_key, \
         m.edited_at, m.deleted, m.reply_to, m.pinned_at, m.pinned_by, \
         (SELECT o.author FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_author, \
         (SELECT o.snippet FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_snippet, \
         (SELECT o.deleted FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_deleted"
    )
}

/// The messages of `rows` (all of room `room_id`), with their reactions: one more query for
/// the whole page.
async fn with_reactions(
    conn: &mut PgConnection,
    room_id: i64,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
    if messages.is_empty() {
        return Ok(messages);
    }
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    let reactions: Vec<ReactionRow> = sqlx::query_as(
        "SELECT x.seq, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id \
         WHERE x.room_id = $1 AND x.seq = ANY($2) ORDER BY x.seq, x.change",
    )
    .bind(room_id)
    .bind(&seqs)
    .fetch_all(&mut *conn)
    .await?;
    attach_reactions(&mut messages, reactions);
    Ok(messages)
}

/// Messages of room `room_id` as `viewer` (a user id) reads them, by `tail` (a
/// WHERE/ORDER/LIMIT tail binding the room id as `$2`, a seq as `$3` and a limit as `$4`; `$1`
/// is the viewer).
async fn messages(
    conn: &mut PgConnection,
    tail: &str,
    viewer: i64,
    room_id: i64,
    seq: i64,
    limit: u32,
) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id {tail}",
        message_columns(1)
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
    conn: &mut PgConnection,
    viewer: i64,
    room_id: i64,
    seq: i64,
) -> Result<Option<Message>, sqlx::Error> {
    let mut found = messages(
        conn,
        "WHERE m.room_id = $2 AND m.seq = $3 LIMIT $4",
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
    conn: &mut PgConnection,
    viewer: i64,
    room_id: i64,
    seqs: &[i64],
) -> Result<Vec<Message>, sqlx::Error> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id \
         WHERE m.room_id = $2 AND m.seq = ANY($3) ORDER BY m.seq",
        message_columns(1)
    ))
    .bind(viewer)
    .bind(room_id)
    .bind(seqs)
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, room_id, rows).await
}

/// Of the usernames in `candidates`, those who are members of room `room_id` (have it in their
/// list), in the order written: who a message (new or edited) mentions.
async fn mentioned_members(
    conn: &mut PgConnection,
    room_id: i64,
    candidates: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT u.username FROM room_members rm JOIN users u ON u.id = rm.user_id \
         WHERE rm.room_id = $1 AND u.username = ANY($2)",
    )
    .bind(room_id)
    .bind(candidates)
    .fetch_all(conn)
    .await?;
    Ok(in_order(candidates, &members))
}
