//! Rooms, memberships and messages on PostgreSQL: the text they share with SQLite
//! (`../shared/rooms.rs`), with PostgreSQL's names for two SQL functions and its row locks.

use super::{
    changes, is_unique_violation, lock_room, messages, read_states, readable_room_id, visible,
    MentionRow, PostgresStore, ReadRow, RoomRow, UserRow, ROOM_COLUMNS,
};
use sqlx::PgConnection as Conn;

type Engine = PostgresStore;

/// Where one text starts in another (1-based; 0: nowhere).
const POSITION: &str = "strpos";
/// The larger and the smaller of two values.
const GREATEST: &str = "GREATEST";
const LEAST: &str = "LEAST";

/// The user's row is the lock on "how many rooms they own": two creations by one user (from two
/// nodes, say) count one after the other.
async fn lock_user(tx: &mut Conn, id: i64) -> Result<(), Error> {
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

include!("../shared/rooms.rs");
