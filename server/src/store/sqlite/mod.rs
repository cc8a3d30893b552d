//! The embedded default: SQLite through sqlx, WAL mode, migrations compiled into the binary.

mod accounts;
mod rooms;
#[cfg(test)]
mod tests;
mod writer;

use crate::error::Error;
use app::protocol::{Message, Room, RoomKind, Username};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

use super::User;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The queue of the one task that appends messages (group commit).
    writer: tokio::sync::mpsc::Sender<writer::Job>,
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
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let writer = writer::spawn(pool.clone(), max_batch);
        tokio::spawn(checkpoints(pool.clone()));
        Ok(Self { pool, writer })
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

/// The columns [`room_from_row`] reads, from `rooms r`.
const ROOM_COLUMNS: &str = "r.id, r.name, r.kind, r.last_seq, r.created_at, \
     (SELECT username FROM users WHERE id = r.owner_id) AS owner, \
     CASE WHEN r.kind = 'public' THEN NULL ELSE \
       (SELECT group_concat(u.username, ' ') FROM room_members m JOIN users u ON u.id = m.user_id \
        WHERE m.room_id = r.id) END AS members";

const MESSAGE_COLUMNS: &str = "m.id, r.name AS room, m.seq, m.author, m.body, m.ts, m.client_key";

fn room_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Room, sqlx::Error> {
    let kind = match row.try_get::<&str, _>("kind")? {
        "private" => RoomKind::Private,
        "direct" => RoomKind::Direct,
        _ => RoomKind::Public,
    };
    let mut members: Vec<String> = row
        .try_get::<Option<String>, _>("members")?
        .map(|m| m.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    members.sort();
    Ok(Room {
        name: row.try_get("name")?,
        kind,
        owner: row.try_get("owner")?,
        members,
        last_seq: row.try_get("last_seq")?,
        created_at: row.try_get("created_at")?,
    })
}

fn message_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Message, sqlx::Error> {
    Ok(Message {
        id: row.try_get("id")?,
        room: row.try_get("room")?,
        seq: row.try_get("seq")?,
        author: row.try_get("author")?,
        body: row.try_get("body")?,
        ts: row.try_get("ts")?,
        key: row.try_get("client_key")?,
    })
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User, sqlx::Error> {
    let name: String = row.try_get("username")?;
    Ok(User {
        id: row.try_get("user_id")?,
        // Stored names were parsed on the way in.
        name: Username::parse(&name).map_err(|e| sqlx::Error::Decode(e.message.into()))?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
