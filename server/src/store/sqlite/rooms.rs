//! Rooms, memberships and messages on SQLite: the text they share with PostgreSQL
//! (`../shared/rooms.rs`), with SQLite's names for two SQL functions. Its write transactions
//! hold the database's write lock from their start (`BEGIN IMMEDIATE`): no row needs a lock.

use super::{
    changes, is_unique_violation, lock_room, messages, read_states, readable_room_id, visible,
    MentionRow, ReadRow, RoomRow, SqliteStore, UserRow, ROOM_COLUMNS,
};
use sqlx::SqliteConnection as Conn;

type Engine = SqliteStore;

/// Where one text starts in another (1-based; 0: nowhere).
const POSITION: &str = "instr";
/// The larger and the smaller of two values (SQLite's scalar `max` and `min` of two).
const GREATEST: &str = "max";
const LEAST: &str = "min";

/// Nothing: the transaction holds the database's write lock already.
async fn lock_user(_tx: &mut Conn, _id: i64) -> Result<(), Error> {
    Ok(())
}

include!("../shared/rooms.rs");
