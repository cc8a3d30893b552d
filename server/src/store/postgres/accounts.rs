//! Users and sessions on PostgreSQL: the text they share with SQLite (`../shared/accounts.rs`),
//! with the locks that keep "the first user" one user across nodes.

use super::{is_unique_violation, PostgresStore, UserRow};
use sqlx::PgConnection as Conn;

type Engine = PostgresStore;

/// While there is no user, locks the users table (as [`lock_users`]), so two registrations on
/// two nodes cannot both be "the first".
async fn lock_while_no_users(tx: &mut Conn) -> Result<(), Error> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)")
        .fetch_one(&mut *tx)
        .await?;
    if empty {
        lock_users(tx).await?;
    }
    Ok(())
}

/// EXCLUSIVE mode waits for every transaction that inserted a user to end, and keeps new inserts
/// (and row locks, such as foreign-key checks) out until the commit; plain reads go on. A
/// `NOT EXISTS (SELECT 1 FROM users)` after it takes its snapshot after the lock, so it sees
/// every user committed before.
async fn lock_users(tx: &mut Conn) -> Result<(), Error> {
    sqlx::query("LOCK TABLE users IN EXCLUSIVE MODE")
        .execute(tx)
        .await?;
    Ok(())
}

include!("../shared/accounts.rs");
