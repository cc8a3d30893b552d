//! The embedded default: SQLite through sqlx, WAL mode, migrations compiled into the binary.

use super::{now_ms, Appended, NewMessage, Store};
use crate::error::Error;
use app::protocol::{Message, Room, RoomName};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

const MESSAGE_COLUMNS: &str = "m.id, r.name AS room, m.seq, m.author, m.body, m.ts, m.client_key";

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged message is on disk, even after a power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }
}

fn room_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Room, sqlx::Error> {
    Ok(Room {
        name: row.try_get("name")?,
        last_seq: row.try_get("last_seq")?,
        created_at: row.try_get("created_at")?,
    })
}

fn message_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Message, sqlx::Error> {
    Ok(Message {
        id: row.try_get("id")?,
        room: row.try_get("room")?,
        seq: row.try_get("seq")?,
        author: row.try_get("author")?,
        body: row.try_get("body")?,
        ts: row.try_get("ts")?,
        key: row.try_get("client_key")?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        let rows = sqlx::query("SELECT name, last_seq, created_at FROM rooms ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(room_from_row).collect::<Result<_, _>>()?)
    }

    async fn room(&self, name: &RoomName) -> Result<Room, Error> {
        let row = sqlx::query("SELECT name, last_seq, created_at FROM rooms WHERE name = ?")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(room_from_row(&row)?),
            None => Err(Error::UnknownRoom(name.clone())),
        }
    }

    async fn create_room(&self, name: &RoomName) -> Result<Room, Error> {
        let created_at = now_ms();
        let result = sqlx::query("INSERT INTO rooms (name, created_at) VALUES (?, ?)")
            .bind(name.as_str())
            .bind(created_at)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(Room {
                name: name.as_str().to_owned(),
                last_seq: 0,
                created_at,
            }),
            Err(e) if is_unique_violation(&e) => Err(Error::RoomExists(name.clone())),
            Err(e) => Err(e.into()),
        }
    }

    async fn append(&self, new: NewMessage<'_>) -> Result<Appended, Error> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes the write lock at once, so concurrent appends queue instead of
        // failing to upgrade a read lock.
        let row = sqlx::query(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE name = ? RETURNING id, last_seq",
        )
        .bind(new.room.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(Error::UnknownRoom(new.room.clone()));
        };
        let (room_id, seq): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);

        if let Some(key) = new.key {
            let existing = sqlx::query(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
                 WHERE m.room_id = ? AND m.client_key = ?"
            ))
            .bind(room_id)
            .bind(key.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                tx.rollback().await?;
                return Ok(Appended {
                    message: message_from_row(&row)?,
                    duplicate: true,
                });
            }
        }

        let message = Message {
            id: uuid::Uuid::now_v7().to_string(),
            room: new.room.as_str().to_owned(),
            seq,
            author: new.author.as_str().to_owned(),
            body: new.body.as_str().to_owned(),
            ts: now_ms(),
            key: new.key.map(|k| k.as_str().to_owned()),
        };
        sqlx::query(
            "INSERT INTO messages (id, room_id, seq, author, body, ts, client_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&message.id)
        .bind(room_id)
        .bind(message.seq)
        .bind(&message.author)
        .bind(&message.body)
        .bind(message.ts)
        .bind(&message.key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Appended {
            message,
            duplicate: false,
        })
    }

    async fn history(
        &self,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        let room_id = self.room_id(room).await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?"
        ))
        .bind(room_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }

    async fn after(&self, room: &RoomName, after: i64, limit: u32) -> Result<Vec<Message>, Error> {
        let room_id = self.room_id(room).await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?"
        ))
        .bind(room_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?)
    }
}

impl SqliteStore {
    async fn room_id(&self, room: &RoomName) -> Result<i64, Error> {
        sqlx::query_scalar("SELECT id FROM rooms WHERE name = ?")
            .bind(room.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::UnknownRoom(room.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{AuthorName, ClientKey, MessageBody};

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        (SqliteStore::open(&url).await.unwrap(), dir)
    }

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    async fn append(
        s: &SqliteStore,
        room: &RoomName,
        key: Option<&ClientKey>,
    ) -> Result<Appended, Error> {
        let (author, body) = (
            AuthorName::parse("ada").unwrap(),
            MessageBody::parse("hi").unwrap(),
        );
        s.append(NewMessage {
            room,
            author: &author,
            body: &body,
            key,
        })
        .await
    }

    fn seqs(messages: &[Message]) -> Vec<i64> {
        messages.iter().map(|m| m.seq).collect()
    }

    #[tokio::test]
    async fn sequences_are_per_room_and_gapless() {
        let (s, _dir) = store().await;
        let (general, other) = (room("general"), room("other"));
        s.create_room(&other).await.unwrap();
        for expected in 1..=3 {
            assert_eq!(
                append(&s, &general, None).await.unwrap().message.seq,
                expected
            );
        }
        assert_eq!(append(&s, &other, None).await.unwrap().message.seq, 1);
        assert_eq!(s.room(&general).await.unwrap().last_seq, 3);
        assert_eq!(
            seqs(&s.history(&general, None, 2).await.unwrap()),
            vec![2, 3]
        );
        assert_eq!(
            seqs(&s.history(&general, Some(3), 50).await.unwrap()),
            vec![1, 2]
        );
        assert_eq!(seqs(&s.after(&general, 1, 1).await.unwrap()), vec![2]);
    }

    #[tokio::test]
    async fn a_repeated_key_stores_once() {
        let (s, _dir) = store().await;
        let (general, key) = (room("general"), ClientKey::parse("k1").unwrap());
        let first = append(&s, &general, Some(&key)).await.unwrap();
        let again = append(&s, &general, Some(&key)).await.unwrap();
        assert!(!first.duplicate && again.duplicate);
        assert_eq!(first.message, again.message);
        assert_eq!(s.history(&general, None, 50).await.unwrap().len(), 1);
        // The seq taken by the repeat was rolled back: the next message has no gap before it.
        assert_eq!(append(&s, &general, None).await.unwrap().message.seq, 2);
    }

    #[tokio::test]
    async fn unknown_and_duplicate_rooms_are_errors() {
        let (s, _dir) = store().await;
        assert!(matches!(
            append(&s, &room("nowhere"), None).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.create_room(&room("general")).await,
            Err(Error::RoomExists(_))
        ));
    }
}
