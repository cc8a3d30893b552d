//! Group commit. Every append goes to one task, which stores all the appends queued at that
//! moment in one transaction, so one fsync covers them, and only then answers each. Alone, a
//! message commits at once; under load a commit carries many. Being the only writer of
//! messages also makes "is this key stored already?" and "take the next seq" race-free.

use super::{visible_room_id, MessageRow, MESSAGE_COLUMNS};
use crate::error::Error;
use crate::store::{now_ms, Appended, User};
use app::protocol::{ClientKey, Message, MessageBody, RoomName};
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// The most appends one transaction carries, unless configured otherwise.
pub const MAX_BATCH: usize = 512;

/// One append, owned so it can wait in the queue.
pub struct Job {
    pub room: RoomName,
    pub author: User,
    pub body: MessageBody,
    pub key: Option<ClientKey>,
    pub reply: oneshot::Sender<Result<Appended, Error>>,
}

/// Starts the writer task, committing up to `max_batch` appends at a time; appends are sent
/// to the returned queue.
pub fn spawn(pool: SqlitePool, max_batch: usize) -> mpsc::Sender<Job> {
    let max_batch = max_batch.max(1);
    let (tx, rx) = mpsc::channel(max_batch.max(64) * 8);
    tokio::spawn(run(pool, rx, max_batch));
    tx
}

async fn run(pool: SqlitePool, mut queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        match commit(&pool, &batch).await {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing of this batch was stored: every sender hears so (and may retry).
                tracing::error!(error = %e, messages = batch.len(), "commit failed");
                let why = e.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(Error::Commit(why.clone())));
                }
            }
        }
    }
}

/// Stores a batch in one transaction. The outer error means nothing was stored; the inner
/// ones are per message (unknown room, …) and leave the others unaffected.
async fn commit(pool: &SqlitePool, batch: &[Job]) -> Result<Vec<Result<Appended, Error>>, Error> {
    // IMMEDIATE: take the write lock now, so no other writer can slip in between this
    // transaction's reads and writes.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(append_one(&mut tx, job).await?);
    }
    tx.commit().await?;
    Ok(results)
}

async fn append_one(
    conn: &mut SqliteConnection,
    job: &Job,
) -> Result<Result<Appended, Error>, sqlx::Error> {
    let Some(room_id) = visible_room_id(&mut *conn, job.author.id, &job.room).await? else {
        return Ok(Err(Error::UnknownRoom(job.room.clone())));
    };

    if let Some(key) = &job.key {
        let existing: Option<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = ? AND m.author_id = ? AND m.client_key = ?"
        ))
        .bind(job.author.id)
        .bind(room_id)
        .bind(job.author.id)
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = existing {
            return Ok(Ok(Appended {
                message: row.into(),
                duplicate: true,
            }));
        }
    }

    let seq: i64 = sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
    )
    .bind(room_id)
    .fetch_one(&mut *conn)
    .await?;
    let message = Message {
        id: uuid::Uuid::now_v7().to_string(),
        room: job.room.as_str().to_owned(),
        seq,
        author: job.author.name.as_str().to_owned(),
        body: job.body.as_str().to_owned(),
        ts: now_ms(),
        key: job.key.as_ref().map(|k| k.as_str().to_owned()),
    };
    sqlx::query(
        "INSERT INTO messages (id, room_id, seq, author, author_id, body, ts, client_key) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&message.id)
    .bind(room_id)
    .bind(message.seq)
    .bind(&message.author)
    .bind(job.author.id)
    .bind(&message.body)
    .bind(message.ts)
    .bind(&message.key)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(Appended {
        message,
        duplicate: false,
    }))
}
