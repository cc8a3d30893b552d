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

use super::{mentioned_members, visible_room_id, with_reactions, MessageRow, MESSAGE_COLUMNS};
use crate::error::Error;
use crate::store::{now_ms, Appended, Health, User};
use app::protocol::{ClientKey, Message, MessageBody, Quote, RoomName};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot, watch};

/// The most appends one transaction carries, unless configured otherwise.
pub const MAX_BATCH: usize = 512;

/// One append, owned so it can wait in the queue.
struct Job {
    room: RoomName,
    author: User,
    body: MessageBody,
    /// The body as readers see it (rendered by the service, before it queued this).
    rendered: crate::store::Rendered,
    key: Option<ClientKey>,
    mentions: Vec<String>,
    reply_to: Option<i64>,
    reply: oneshot::Sender<Result<Appended, Error>>,
}

enum Command {
    Append(Job),
    /// Commit everything queued so far, then stop.
    Drain(oneshot::Sender<()>),
}

/// The handle to the writer task.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Command>,
    health: watch::Receiver<Health>,
}

impl Writer {
    /// Opens the writer's connection and starts the task, committing up to `max_batch` appends
    /// at a time.
    pub async fn start(options: SqliteConnectOptions, max_batch: usize) -> Result<Self, Error> {
        let max_batch = max_batch.max(1);
        let conn = SqliteConnection::connect_with(&options).await?;
        let (tx, rx) = mpsc::channel(max_batch.max(64) * 8);
        let (health_tx, health) = watch::channel(Health::Up);
        let task = tokio::spawn(run(conn, options, rx, max_batch, health_tx.clone()));
        // Supervision: a panic is a failure too.
        tokio::spawn(async move {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the message writer panicked");
                let _ = health_tx.send(Health::Down(format!("the writer panicked: {e}")));
            }
        });
        Ok(Self { queue: tx, health })
    }

    /// Stores one message (or finds the author's earlier one with the same key).
    pub async fn append(&self, new: crate::store::NewMessage<'_>) -> Result<Appended, Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            room: new.room.clone(),
            author: new.author.clone(),
            body: new.body.clone(),
            rendered: new.rendered.clone(),
            key: new.key.cloned(),
            mentions: new.mentions.to_vec(),
            reply_to: new.reply_to,
            reply,
        };
        if self.queue.send(Command::Append(job)).await.is_err() {
            return Err(self.refusal());
        }
        answer.await.unwrap_or_else(|_| Err(self.refusal()))
    }

    /// Why appends are refused now that the writer is gone.
    fn refusal(&self) -> Error {
        match &*self.health.borrow() {
            Health::Stopped => Error::Stopping,
            Health::Down(why) => Error::StorageDown(why.clone()),
            Health::Up => Error::StorageDown("the writer stopped".into()),
        }
    }

    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// Resolves with the reason once the writer has failed (never after a drain).
    pub async fn failed(&self) -> String {
        let mut health = self.health.clone();
        loop {
            if let Health::Down(why) = &*health.borrow_and_update() {
                return why.clone();
            }
            if health.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Commits what is queued, then stops; later appends get `unavailable`.
    pub async fn drain(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Command::Drain(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(
    mut conn: SqliteConnection,
    options: SqliteConnectOptions,
    mut queue: mpsc::Receiver<Command>,
    max_batch: usize,
    health: watch::Sender<Health>,
) {
    let mut commands = Vec::with_capacity(max_batch);
    let mut batch = Vec::with_capacity(max_batch);
    let mut draining: Option<oneshot::Sender<()>> = None;
    while queue.recv_many(&mut commands, max_batch).await > 0 {
        for command in commands.drain(..) {
            match command {
                Command::Append(job) => batch.push(job),
                Command::Drain(done) => {
                    // Nothing new is taken; what is queued already is still committed.
                    queue.close();
                    draining = Some(done);
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let begun = std::time::Instant::now();
        let mut outcome = commit(&mut conn, &batch).await;
        if let Err(e) = &outcome {
            // Once more on a fresh connection: a broken connection is not a broken database.
            tracing::warn!(error = %e, messages = batch.len(), "commit failed; retrying once");
            match SqliteConnection::connect_with(&options).await {
                Ok(fresh) => {
                    conn = fresh;
                    outcome = commit(&mut conn, &batch).await;
                }
                Err(e) => outcome = Err(e.into()),
            }
        }
        match outcome {
            Ok(results) => {
                crate::store::committed(batch.len(), begun.elapsed());
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing of this batch was stored: every sender hears so (and may retry
                // elsewhere), and so does everyone queued behind it.
                let why = e.to_string();
                tracing::error!(error = %why, "the message writer stops: storing failed twice");
                let _ = health.send(Health::Down(why.clone()));
                queue.close();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(Error::StorageDown(why.clone())));
                }
                while let Ok(command) = queue.try_recv() {
                    match command {
                        Command::Append(job) => {
                            let _ = job.reply.send(Err(Error::StorageDown(why.clone())));
                        }
                        Command::Drain(done) => draining = Some(done),
                    }
                }
                if let Some(done) = draining {
                    let _ = done.send(());
                }
                return;
            }
        }
    }
    let _ = health.send(Health::Stopped);
    if let Some(done) = draining {
        let _ = done.send(());
    }
}

/// Stores a batch in one transaction. The outer error means nothing was stored; the inner
/// ones are per message (unknown room, …) and leave the others unaffected.
async fn commit(
    conn: &mut SqliteConnection,
    batch: &[Job],
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
        id: uuid::Uuid::now_v7().to_string(),
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

/// How a reply quotes message `seq` of room `room_id` (named `room`); the refusal when there
/// is no such message or it was deleted.
async fn quote(
    conn: &mut SqliteConnection,
    room_id: i64,
    room: &RoomName,
    seq: i64,
) -> Result<Result<Quote, Error>, sqlx::Error> {
    let original: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT author, snippet, deleted FROM messages WHERE room_id = ? AND seq = ?",
    )
    .bind(room_id)
    .bind(seq)
    .fetch_optional(conn)
    .await?;
    Ok(crate::store::rules::quote(room, seq, original))
}
