//! Edits, deletions, reactions and pins on PostgreSQL: the text they share with SQLite
//! (`../shared/changes.rs`), with PostgreSQL's types. A change's transaction first locks the
//! room's row (`FOR NO KEY UPDATE`, as the message writers of every node do before they append),
//! and only then reads the message: the changes of a room, and its appends, take turns. A change
//! locks one room only, so it never waits in a circle with a writer's batch.

use super::{
    lock_room, mentioned_members, message_at, messages, messages_at, readable_room_id,
    visible_room_id, PostgresStore,
};
use sqlx::{PgConnection as Conn, Postgres as Db};

type Engine = PostgresStore;

include!("../shared/changes.rs");
