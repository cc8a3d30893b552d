//! Storage of rooms and messages. The server is the only source of ids, sequence numbers and
//! timestamps; a message is stored (committed) before anyone is told of it.

mod sqlite;

pub use sqlite::SqliteStore;

use crate::error::Error;
use app::protocol::{AuthorName, ClientKey, Message, MessageBody, Room, RoomName};

/// A message to store.
pub struct NewMessage<'a> {
    pub room: &'a RoomName,
    pub author: &'a AuthorName,
    pub body: &'a MessageBody,
    pub key: Option<&'a ClientKey>,
}

/// The result of [`Store::append`].
pub struct Appended {
    pub message: Message,
    /// True when the key was seen before: nothing new was stored and `message` is the original.
    pub duplicate: bool,
}

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// All rooms, by name.
    async fn rooms(&self) -> Result<Vec<Room>, Error>;
    /// One room, or `Error::UnknownRoom`.
    async fn room(&self, name: &RoomName) -> Result<Room, Error>;
    /// Creates a room, or `Error::RoomExists`.
    async fn create_room(&self, name: &RoomName) -> Result<Room, Error>;
    /// Stores a message with the room's next seq, in one transaction. A key already stored in
    /// the room returns the original message instead.
    async fn append(&self, new: NewMessage<'_>) -> Result<Appended, Error>;
    /// The newest `limit` messages with a seq below `before` (all when `None`), ascending.
    async fn history(
        &self,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error>;
    /// The oldest `limit` messages with a seq above `after`, ascending.
    async fn after(&self, room: &RoomName, after: i64, limit: u32) -> Result<Vec<Message>, Error>;
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
