// The message writer's handle, queue and supervision, and what a batch shares on both engines:
// one text, included by `sqlite/writer.rs` and `postgres/writer.rs` (`include!`), which give it
// `Conn` and `Options` and their own `commit` (how a batch locks and takes seqs: the engines'
// real difference; docs/storage.md).

use crate::error::Error;
use crate::store::{Appended, Health, User};
use app::protocol::{ClientKey, MessageBody, Quote, RoomName};
use sqlx::Connection;
use tokio::sync::{mpsc, oneshot, watch};

/// The most appends one transaction carries, unless configured otherwise.
pub const MAX_BATCH: usize = 512;

/// One append, owned so it can wait in the queue.
struct Job {
    /// The message's id, chosen once when it is queued: a retry after a commit whose outcome
    /// was lost (the connection broke during COMMIT) finds the message by it instead of
    /// storing it twice.
    id: String,
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
    pub async fn start(options: Options, max_batch: usize) -> Result<Self, Error> {
        let max_batch = max_batch.max(1);
        let conn = Conn::connect_with(&options).await?;
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
            id: uuid::Uuid::now_v7().to_string(),
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
    mut conn: Conn,
    options: Options,
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
        let mut outcome = commit(&mut conn, &batch, Attempt::First).await;
        if let Err(e) = &outcome {
            // Once more on a fresh connection: a broken connection is not a broken database.
            // Dropping the old one ends its session, and with it any locks it still held.
            tracing::warn!(error = %e, messages = batch.len(), "commit failed; retrying once");
            match Conn::connect_with(&options).await {
                Ok(fresh) => {
                    conn = fresh;
                    outcome = commit(&mut conn, &batch, Attempt::Retry).await;
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

/// Which try at committing a batch this is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    First,
    /// After a failure, whose commit may have happened all the same: each message is looked
    /// for by its id before it is stored.
    Retry,
}

/// How a reply quotes message `seq` of room `room_id` (named `room`); the refusal when there
/// is no such message or it was deleted.
async fn quote(
    conn: &mut Conn,
    room_id: i64,
    room: &RoomName,
    seq: i64,
) -> Result<Result<Quote, Error>, sqlx::Error> {
    let original: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT author, snippet, deleted FROM messages WHERE room_id = $1 AND seq = $2",
    )
    .bind(room_id)
    .bind(seq)
    .fetch_optional(conn)
    .await?;
    Ok(crate::store::rules::quote(room, seq, original))
}
