//! Edits, deletions, reactions and pins on SQLite: the text they share with PostgreSQL
//! (`../shared/changes.rs`), with SQLite's types. A change's transaction holds the write lock
//! from its start (`BEGIN IMMEDIATE`, `SqliteStore::write`), as the message writer's do: there
//! is nothing more to lock.

use super::{
    lock_room, mentioned_members, message_at, messages, messages_at, readable_room_id,
    visible_room_id, SqliteStore,
};
use sqlx::{Sqlite as Db, SqliteConnection as Conn};

type Engine = SqliteStore;

include!("../shared/changes.rs");
