//! Users and sessions on SQLite: the text they share with PostgreSQL (`../shared/accounts.rs`).
//! Every write transaction holds the database's write lock from its start (`BEGIN IMMEDIATE`),
//! so "the first user" needs no lock of its own.

use super::{is_unique_violation, SqliteStore, UserRow};
use sqlx::SqliteConnection as Conn;

type Engine = SqliteStore;

/// Nothing: no other registration runs between the check and the insert.
async fn lock_while_no_users(_tx: &mut Conn) -> Result<(), Error> {
    Ok(())
}

/// Nothing, as [`lock_while_no_users`].
async fn lock_users(_tx: &mut Conn) -> Result<(), Error> {
    Ok(())
}

include!("../shared/accounts.rs");
