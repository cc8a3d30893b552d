//! PostgreSQL through sqlx, for several Natter nodes sharing one database: the same schema,
//! rules and answers as the SQLite store, with row locks where SQLite had its one write lock.

mod accounts;
mod changes;
mod rooms;
mod writer;

use crate::error::Error;
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

/// Locks room `name` against other membership changes and appends (on any node) until the
/// transaction ends, before anything about it is checked; `UnknownRoom` when there is no such
/// room. Whether the caller may see it is checked after, by [`visible_room`].
pub(super) async fn lock_room(
    conn: &mut PgConnection,
    name: &app::protocol::RoomName,
) -> Result<(), Error> {
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rooms WHERE name = $1 FOR NO KEY UPDATE")
            .bind(name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    locked
        .map(|_| ())
        .ok_or_else(|| Error::UnknownRoom(name.clone()))
}

/// `= ANY($first)`: the list is bound as one array ([`bind_list`]).
fn in_list(first: usize, _len: usize) -> String {
    format!("= ANY(${first})")
}

/// Binds `items` as one array.
fn bind_list<'q, O, T>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    items: &'q [T],
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
where
    T: sqlx::postgres::PgHasArrayType
        + sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>,
{
    query.bind(items)
}

type Conn = PgConnection;

include!("../shared/queries.rs");
