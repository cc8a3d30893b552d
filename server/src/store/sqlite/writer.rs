//! Group commit. Every append goes to one task, which stores all the appends queued at that
//! moment in one transaction, so one fsync covers them, and only then answers each. Alone, a
//! message commits at once; under load a commit carries many. Being the only writer of
//! messages also makes "is this key stored already?" and "take the next seq" race-free.
//!
//! The task has its own connection, so appends never wait behind reads for one of the pool's.
//! It is supervised: when a commit fails twice (the second time on a fresh connection), or the
//! task panics, it stops for good and says so through [`Health`]; appends are then refused
//! with `unavailable`, and the server exits so its supervisor restarts it. On shutdown it is
//! drained: everything queued before [`Writer::drain`] is committed and answered.

use super::{mentioned_members, message_columns, visible_room_id, with_reactions, MessageRow};
use crate::store::now_ms;
use app::protocol::Message;
use sqlx::sqlite::SqliteConnectOptions as Options;
use sqlx::SqliteConnection as Conn;

include!("../shared/writer.rs");

/// Stores a batch in one transaction. The outer error means nothing was stored; the inner
/// ones are per message (unknown room, …) and leave the others unaffected.
async fn commit(
    conn: &mut Conn,
    batch: &[Job],
    // One transaction holds the database's write lock: a failed COMMIT stored nothing.
    _attempt: Attempt,
) -> Result<Vec<Result<Appended, Error>>, Error> {
    // IMMEDIATE: take the write lock now, so no other writer can slip in between this
    // transaction's reads and writes.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(append_one(&mut tx, job).await?);
    }
    tx.commit().await?;
    Ok(results)
}

async fn append_one(conn: &mut Conn, job: &Job) -> Result<Result<Appended, Error>, sqlx::Error> {
    let Some(room_id) = visible_room_id(&mut *conn, job.author.id, &job.room).await? else {
        return Ok(Err(Error::UnknownRoom(job.room.clone())));
    };

    if let Some(key) = &job.key {
        let existing: Option<MessageRow> = sqlx::query_as(&format!(
            "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = $2 AND m.author_id = $1 AND m.client_key = $3",
            message_columns(1)
        ))
        .bind(job.author.id)
        .bind(room_id)
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = existing {
            let mut found = with_reactions(&mut *conn, room_id, vec![row]).await?;
            return Ok(Ok(Appended {
                message: found.remove(0),
                duplicate: true,
            }));
        }
    }

    // Checked before a seq is taken: a refusal leaves no gap.
    let reply_to = match job.reply_to {
        None => None,
        Some(original) => match quote(&mut *conn, room_id, &job.room, original).await? {
            Ok(quote) => Some(quote),
            Err(refused) => return Ok(Err(refused)),
        },
    };

    let seq: i64 = sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
    )
    .bind(room_id)
    .fetch_one(&mut *conn)
    .await?;
    let mentions = mentioned_members(&mut *conn, room_id, &job.mentions).await?;
    let message = Message {
        id: job.id.clone(),
        room: job.room.as_str().to_owned(),
        seq,
        author: job.author.name.as_str().to_owned(),
        body: job.body.as_str().to_owned(),
        html: job.rendered.html.clone(),
        ts: now_ms(),
        key: job.key.as_ref().map(|k| k.as_str().to_owned()),
        mentions,
        edited: None,
        deleted: false,
        reactions: Vec::new(),
        reply_to,
        pinned: None,
    };
    sqlx::query(
        "INSERT INTO messages \
           (id, room_id, seq, author, author_id, body, html, snippet, ts, client_key, mentions, \
            reply_to) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&message.id)
    .bind(room_id)
    .bind(message.seq)
    .bind(&message.author)
    .bind(job.author.id)
    .bind(&message.body)
    .bind(&job.rendered.html)
    .bind(&job.rendered.snippet)
    .bind(message.ts)
    .bind(&message.key)
    .bind(message.mentions.join(" "))
    .bind(job.reply_to)
    .execute(&mut *conn)
    .await?;
    // Whoever writes has read the room up to their message.
    sqlx::query(
        "UPDATE room_members SET read_seq = max(read_seq, ?) WHERE room_id = ? AND user_id = ?",
    )
    .bind(seq)
    .bind(room_id)
    .bind(job.author.id)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(Appended {
        message,
        duplicate: false,
    }))
}
