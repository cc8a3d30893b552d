//! Group commit, as in the SQLite store. Every append of this node goes to one task, which
//! stores all the appends queued at that moment in one transaction, so one commit covers them,
//! and only then answers each. Alone, a message commits at once; under load a commit carries
//! many.
//!
//! Unlike SQLite's, this writer is not the only one: every node has one, all on the same
//! database, and may write the same room at once. The room's row is what makes that safe. A
//! batch locks the rows of the rooms it writes (`FOR NO KEY UPDATE`, held until its commit),
//! and only under that lock checks that the author may post, looks for the author's key and
//! takes the next seq (`UPDATE rooms SET last_seq = last_seq + 1 … RETURNING last_seq`). So the
//! writers of a room take turns, each starting from the seq the previous one committed: seqs
//! stay unique and gapless; and a key sent again to another node waits for the lock, then finds
//! the original. Rows are locked in ascending room id, so two batches never wait for each other
//! in a circle (a deadlock PostgreSQL would break by failing one of them).
//!
//! The task has its own connection, so appends never wait behind reads for one of the pool's.
//! It is supervised: when a commit fails twice (the second time on a fresh connection), or the
//! task panics, it stops for good and says so through [`Health`]; appends are then refused
//! with `unavailable`, and the server exits so its supervisor restarts it. On shutdown it is
//! drained: everything queued before [`Writer::drain`] is committed and answered.

use super::{mentioned_members, message_columns, visible, with_reactions, MessageRow, BEGIN};
use crate::store::now_ms;
use app::protocol::Message;
use sqlx::postgres::PgConnectOptions as Options;
use sqlx::PgConnection as Conn;
use std::collections::{BTreeMap, HashMap};

include!("../shared/writer.rs");

/// Stores a batch in one transaction. The outer error means nothing was stored (or, when the
/// COMMIT itself failed, possibly everything: [`Attempt::Retry`] finds that out); the inner
/// ones are per message (unknown room, …) and leave the others unaffected.
async fn commit(
    conn: &mut Conn,
    batch: &[Job],
    attempt: Attempt,
) -> Result<Vec<Result<Appended, Error>>, Error> {
    let mut tx = conn.begin_with(BEGIN).await?;
    let rooms = rooms_of(&mut tx, batch).await?;
    // A job whose room does not exist keeps this answer; every other one gets its own below.
    let mut results: Vec<Result<Appended, Error>> = batch
        .iter()
        .map(|job| Err(Error::UnknownRoom(job.room.clone())))
        .collect();
    for (room_id, jobs) in &rooms {
        lock_room(&mut tx, *room_id).await?;
        for &i in jobs {
            results[i] = append_locked(&mut tx, *room_id, &batch[i], attempt).await?;
        }
    }
    tx.commit().await?;
    Ok(results)
}

/// The rooms a batch writes: by id, ascending (the order their rows are locked in), each with
/// the positions of its jobs in the batch, in the order they came. Jobs naming no room are
/// left out. A room's id never changes, so it may be looked up before the lock.
async fn rooms_of(
    conn: &mut Conn,
    batch: &[Job],
) -> Result<BTreeMap<i64, Vec<usize>>, sqlx::Error> {
    let mut ids: HashMap<&str, Option<i64>> = HashMap::new();
    let mut rooms: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, job) in batch.iter().enumerate() {
        let name = job.room.as_str();
        let id = match ids.get(name) {
            Some(id) => *id,
            None => {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM rooms WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *conn)
                    .await?;
                ids.insert(name, id);
                id
            }
        };
        if let Some(id) = id {
            rooms.entry(id).or_default().push(i);
        }
    }
    Ok(rooms)
}

/// Locks room `room_id`'s row until the transaction ends: this node's turn at the room.
/// Waits while another node's batch (or a membership change) holds it.
async fn lock_room(conn: &mut Conn, room_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM rooms WHERE id = $1 FOR NO KEY UPDATE")
        .bind(room_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores one message in room `room_id`, whose row this transaction has locked.
async fn append_locked(
    conn: &mut Conn,
    room_id: i64,
    job: &Job,
    attempt: Attempt,
) -> Result<Result<Appended, Error>, sqlx::Error> {
    if attempt == Attempt::Retry {
        if let Some(row) = stored_with_id(&mut *conn, job).await? {
            // Stored by the attempt that seemed to fail (the author could post then): its
            // sender has not seen it yet.
            return Ok(Ok(Appended {
                message: found(&mut *conn, room_id, row).await?,
                duplicate: false,
            }));
        }
    }

    if !may_post(&mut *conn, room_id, &job.author).await? {
        return Ok(Err(Error::UnknownRoom(job.room.clone())));
    }

    if let Some(key) = &job.key {
        if let Some(row) = stored_with_key(&mut *conn, room_id, job, key).await? {
            return Ok(Ok(Appended {
                message: found(&mut *conn, room_id, row).await?,
                duplicate: true,
            }));
        }
    }

    // Checked under the room's lock, which deletions take too, and before a seq is taken: a
    // refusal leaves no gap.
    let reply_to = match job.reply_to {
        None => None,
        Some(original) => match quote(&mut *conn, room_id, &job.room, original).await? {
            Ok(quote) => Some(quote),
            Err(refused) => return Ok(Err(refused)),
        },
    };

    let seq: i64 = sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(room_id)
    .fetch_one(&mut *conn)
    .await?;
    let message = Message {
        id: job.id.clone(),
        room: job.room.as_str().to_owned(),
        seq,
        author: job.author.name.as_str().to_owned(),
        body: job.body.as_str().to_owned(),
        html: job.rendered.html.clone(),
        ts: now_ms(),
        key: job.key.as_ref().map(|k| k.as_str().to_owned()),
        mentions: mentioned_members(&mut *conn, room_id, &job.mentions).await?,
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        "UPDATE room_members SET read_seq = GREATEST(read_seq, $1) \
         WHERE room_id = $2 AND user_id = $3",
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

/// Whether `author` may post in room `room_id`: the visibility rule every read applies. Checked
/// under the room's lock, which membership removals take too, so a removal falls wholly before
/// or wholly after this batch.
async fn may_post(conn: &mut Conn, room_id: i64, author: &User) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM rooms r WHERE r.id = $1 AND {})",
        visible(2)
    ))
    .bind(room_id)
    .bind(author.id)
    .fetch_one(conn)
    .await
}

/// The message with `job`'s id, if an earlier attempt stored it.
async fn stored_with_id(conn: &mut Conn, job: &Job) -> Result<Option<MessageRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id WHERE m.id = $2",
        message_columns(1)
    ))
    .bind(job.author.id)
    .bind(&job.id)
    .fetch_optional(conn)
    .await
}

/// The author's message in room `room_id` with idempotency key `key`, if they stored one: on
/// any node, since that node held the room's lock until it committed it.
async fn stored_with_key(
    conn: &mut Conn,
    room_id: i64,
    job: &Job,
    key: &ClientKey,
) -> Result<Option<MessageRow>, sqlx::Error> {
    // `$1` is the author twice: the reader whose key is shown, and the author it must match.
    sqlx::query_as(&format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id \
         WHERE m.room_id = $2 AND m.author_id = $1 AND m.client_key = $3",
        message_columns(1)
    ))
    .bind(job.author.id)
    .bind(room_id)
    .bind(key.as_str())
    .fetch_optional(conn)
    .await
}

/// A message found stored already (the same key, or the same id on a retry), as it stands now:
/// with its reactions.
async fn found(conn: &mut Conn, room_id: i64, row: MessageRow) -> Result<Message, sqlx::Error> {
    let mut found = with_reactions(conn, room_id, vec![row]).await?;
    found.pop().ok_or(sqlx::Error::RowNotFound)
}
