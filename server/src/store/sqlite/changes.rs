//! Edits, deletions, reactions and pins on SQLite: the text they share with PostgreSQL
//! (`../shared/changes.rs`), with SQLite's types. A change's transaction holds the write lock
//! from its start (`BEGIN IMMEDIATE`, `SqliteStore::write`), as the message writer's do: there
//! is nothing more to lock.

use super::{mentioned_members, message_at, messages, messages_at, visible_room_id, SqliteStore};
use sqlx::{Sqlite as Db, SqliteConnection as Conn};

type Store = SqliteStore;

/// Nothing: the transaction holds the database's write lock already.
async fn lock_for_change(_tx: &mut Conn, _room: &RoomName) -> Result<(), Error> {
    Ok(())
}

include!("../shared/changes.rs");
