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

/// Nothing to lock: a write transaction holds the database's write lock from its start
/// (`BEGIN IMMEDIATE`). PostgreSQL locks the room's row here.
async fn lock_room(
    _conn: &mut SqliteConnection,
    _name: &app::protocol::RoomName,
) -> Result<(), Error> {
    Ok(())
}

/// `IN ($first, $first + 1, …)`: one placeholder per item ([`bind_list`]).
fn in_list(first: usize, len: usize) -> String {
    let marks: Vec<String> = (first..first + len).map(|n| format!("${n}")).collect();
    format!("IN ({})", marks.join(", "))
}

/// Binds each of `items`.
fn bind_list<'q, O, T>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    items: &'q [T],
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>
where
    T: sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Sync,
{
    for item in items {
        query = query.bind(item);
    }
    query
}

type Conn = SqliteConnection;

include!("../shared/queries.rs");
