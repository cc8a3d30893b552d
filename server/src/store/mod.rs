//! Storage of accounts, rooms and messages. The server is the only source of ids, sequence
//! numbers, timestamps and authors; a message is stored (committed) before anyone is told of it.
//!
//! Every room read or write takes the user it is for, and the store itself enforces who may see
//! a room: a private room or direct conversation that the user is not a member of answers
//! exactly like a room that does not exist.

mod postgres;
mod rows;
mod rules;
mod sqlite;
#[cfg(test)]
mod tests;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::error::Error;
use app::protocol::{
    Change, ClientKey, Emoji, Message, MessageBody, ReadState, Room, RoomKind, RoomName, Topic,
    Username,
};
use std::time::Duration;

/// How long a request waits for one of the pool's connections (all in use, or a new one not
/// opened yet) before it is answered `unavailable` (sqlx's default, 30 s, outlasts every
/// client's wait for an answer: the browser gives up after 10 s and asks again, while the first
/// request still holds its place).
const POOL_WAIT: Duration = Duration::from_secs(3);

/// A registered user, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: Username,
}

/// A message to store.
pub struct NewMessage<'a> {
    pub room: &'a RoomName,
    pub author: &'a User,
    pub body: &'a MessageBody,
    /// The body as readers see it, stored with it.
    pub rendered: &'a Rendered,
    pub key: Option<&'a ClientKey>,
    /// The usernames the body names as `@name`: those who are members of the room are
    /// recorded as mentioned.
    pub mentions: &'a [String],
    /// The seq of the message in the same room this one answers: it must exist
    /// (`Error::UnknownMessage`) and not be deleted (`Error::MessageDeleted`).
    pub reply_to: Option<i64>,
}

/// The result of an edit, a deletion or a reaction.
pub struct Changed {
    /// The message as it stands after the request.
    pub message: Message,
    /// The change log entry the request made, its message without the author's idempotency
    /// key (it is told to the whole room); `None` when it changed nothing (the same body, a
    /// reaction already there or already gone, a message already deleted).
    pub change: Option<Change>,
}

/// What a reaction may not exceed (per message).
#[derive(Debug, Clone, Copy)]
pub struct ReactionLimits {
    /// Distinct emoji on one message.
    pub kinds: usize,
    /// Distinct emoji one user puts on one message.
    pub per_user: usize,
}

/// The result of [`Store::append`].
pub struct Appended {
    pub message: Message,
    /// True when the key was seen before: nothing new was stored and `message` is the original.
    pub duplicate: bool,
}

/// The kind of room a user can create by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewRoomKind {
    Public,
    Private,
}

impl NewRoomKind {
    /// From the `private` flag of a request or form.
    pub fn from_private(private: bool) -> Self {
        if private {
            Self::Private
        } else {
            Self::Public
        }
    }
}

/// A room's kind as every engine stores it (`kind` column: `public`, `private`, `direct`): the
/// one place it is written and read. An unknown value is a decoding error, never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum StoredKind {
    Public,
    Private,
    Direct,
}

impl From<StoredKind> for RoomKind {
    fn from(k: StoredKind) -> Self {
        match k {
            StoredKind::Public => RoomKind::Public,
            StoredKind::Private => RoomKind::Private,
            StoredKind::Direct => RoomKind::Direct,
        }
    }
}

impl From<NewRoomKind> for StoredKind {
    fn from(k: NewRoomKind) -> Self {
        match k {
            NewRoomKind::Public => StoredKind::Public,
            NewRoomKind::Private => StoredKind::Private,
        }
    }
}

/// A body as readers see it, made once when the message is stored or edited (by
/// `crate::markdown`) and kept beside the body: reads never render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The body's HTML, as every message carries it.
    pub html: String,
    /// What a reply quotes of it.
    pub snippet: String,
}

/// A message whose body was stored before bodies were kept rendered (see
/// [`Store::unrendered`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unrendered {
    pub id: String,
    pub body: String,
}

/// A membership change and who it concerns.
pub struct MemberChange {
    /// The room after the change.
    pub room: Room,
    /// The user added or removed.
    pub user: User,
    /// False when nothing changed: adding someone who is a member already.
    pub changed: bool,
}

/// Whether the store can take messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Up,
    /// Storing failed for good (the reason, for the log and `/healthz`).
    Down(String),
    /// Drained for shutdown.
    Stopped,
}

/// A direct conversation, and whether this call created it.
pub struct Direct {
    pub room: Room,
    pub created: bool,
}

/// A room someone entered, and whether that made it one of theirs.
pub struct Entered {
    pub room: Room,
    /// True when `viewer` had not joined this public room before: it is in their list now.
    pub joined: bool,
}

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// `viewer`'s rooms, by name: the public rooms they joined, and the private rooms and
    /// direct conversations they are a member of.
    async fn rooms(&self, viewer: &User) -> Result<Vec<Room>, Error>;
    /// Public rooms by name after `after`, whose name contains `query`: at most `limit`.
    async fn browse(&self, query: &str, after: &str, limit: u32) -> Result<Vec<Room>, Error>;
    /// One room `viewer` can see, or `Error::UnknownRoom`.
    async fn room(&self, viewer: &User, name: &RoomName) -> Result<Room, Error>;
    /// One room `viewer` can see, as [`Store::room`]; a public one becomes one of theirs.
    async fn enter(&self, viewer: &User, name: &RoomName) -> Result<Entered, Error>;
    /// The usernames of those who have public room `room` in their list (for announcing a
    /// change to it); empty for other kinds, whose `Room::members` says it.
    async fn listed_by(&self, room: &RoomName) -> Result<Vec<String>, Error>;
    /// Creates a room owned by `owner` and in their list: a public one named `name`, or their
    /// private `owner/name`. `Error::RoomExists` when a public room of that name exists, or
    /// when they have that private room already (another user's private room never
    /// collides); `Error::TooManyRooms` when they own `most` rooms already.
    async fn create_room(
        &self,
        owner: &User,
        name: &RoomName,
        kind: NewRoomKind,
        most: u32,
    ) -> Result<Room, Error>;
    /// The direct conversation of `me` and `other`, created on first use.
    async fn open_direct(&self, me: &User, other: &Username) -> Result<Direct, Error>;
    /// The owner of private room `room` adds `who`. Adding a member twice changes nothing;
    /// `Error::RoomFull` when the room has `most` members already.
    async fn add_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
        most: u32,
    ) -> Result<MemberChange, Error>;
    /// The owner removes `who`, or a member (`who` = `actor`) leaves; leaving a public room
    /// takes it out of one's list.
    async fn remove_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
    ) -> Result<MemberChange, Error>;
    /// Sets the topic of a room `actor` can see: any user for a public room, the owner for a
    /// private one, nobody for a direct conversation.
    async fn set_topic(&self, actor: &User, room: &RoomName, topic: &Topic) -> Result<Room, Error>;
    /// Stores a message with the room's next seq, in one transaction, if the author may post
    /// there; the author has read the room up to it. A key the same author already used in the room returns their original message
    /// instead; another author's key is theirs alone.
    async fn append(&self, new: NewMessage<'_>) -> Result<Appended, Error>;
    /// The author replaces the body of message `seq` (and who it mentions: `mentions` are the
    /// names the new body writes as `@name`). `Error::NotAuthor` for anyone else,
    /// `Error::MessageDeleted` for a deleted message, `Error::UnknownMessage` when the room has
    /// no such message, `Error::UnknownRoom` when `actor` cannot see the room. The same body
    /// again changes nothing.
    async fn edit(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        body: &MessageBody,
        rendered: &Rendered,
        mentions: &[String],
    ) -> Result<Changed, Error>;
    /// Deletes message `seq`: its body, mentions and reactions are gone for good. Allowed to
    /// its author, to the owner of a private room for any message in it, and to administrators;
    /// `Error::MayNotDelete` otherwise. Deleting a deleted message changes nothing.
    async fn delete(&self, actor: &User, room: &RoomName, seq: i64) -> Result<Changed, Error>;
    /// Pins (`on`) message `seq` of `room` to the room, or unpins it. Anyone who can see a
    /// public room or a direct conversation may, and the owner of a private room
    /// (`Error::MayNotPin` for anyone else); `Error::TooManyPins` beyond `most` pinned messages;
    /// `Error::MessageDeleted` for a deleted message. Pinning a pinned message, or unpinning one
    /// that is not, changes nothing.
    async fn pin(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        on: bool,
        most: usize,
    ) -> Result<Changed, Error>;
    /// The pinned messages of `room` as `viewer` reads them, the newest pin first (at most
    /// `limit`).
    async fn pins(
        &self,
        viewer: &User,
        room: &RoomName,
        limit: usize,
    ) -> Result<Vec<Message>, Error>;
    /// Adds (`on`) or takes back `actor`'s reaction `emoji` on message `seq`. Anyone who can
    /// see the room may react; adding one that is there, or taking back one that is not,
    /// changes nothing. `Error::TooManyReactionKinds` / `Error::TooManyReactions` past `limits`,
    /// `Error::MessageDeleted` on a deleted message.
    async fn react(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        emoji: &Emoji,
        on: bool,
        limits: ReactionLimits,
    ) -> Result<Changed, Error>;
    /// The changes of `room` numbered above `after`, oldest first, at most `limit`; each with
    /// its message as it stands now.
    async fn changes(
        &self,
        viewer: &User,
        room: &RoomName,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>, Error>;
    /// How far `viewer` has read each room of their list (only `room`, when given), with the
    /// unread messages that mention them (at most `MAX_LISTED_MENTIONS` per room).
    async fn read_states(
        &self,
        viewer: &User,
        room: Option<&RoomName>,
    ) -> Result<Vec<ReadState>, Error>;
    /// Moves `viewer`'s read position in `room` up to `seq` (never back, never beyond the
    /// room's newest message) and answers the position it holds now. `Error::NotListed` for a
    /// visible room not in their list, `Error::UnknownRoom` for one they cannot see.
    async fn mark_read(&self, viewer: &User, room: &RoomName, seq: i64) -> Result<i64, Error>;
    /// Sets what `room` notifies `viewer` of and answers the level it holds now.
    /// `Error::NotListed` for a visible room not in their list, `Error::UnknownRoom` for one
    /// they cannot see.
    async fn set_notify(
        &self,
        viewer: &User,
        room: &RoomName,
        level: app::protocol::NotifyLevel,
    ) -> Result<app::protocol::NotifyLevel, Error>;
    /// Whether messages can be stored now.
    fn health(&self) -> Health;
    /// Resolves, with the reason, once storing messages has failed for good (the server then
    /// exits, for its supervisor to restart it).
    async fn failed(&self) -> String;
    /// Commits every message queued so far, then refuses more (`unavailable`): for shutdown.
    async fn drain(&self);
    /// Ok when the database answers a read.
    async fn ping(&self) -> Result<(), Error>;
    /// Up to `limit` messages stored before bodies were kept rendered: not deleted, no HTML
    /// (NULL; a body may render to nothing).
    async fn unrendered(&self, limit: i64) -> Result<Vec<Unrendered>, Error>;
    /// Keeps each message's rendering (by id), in one transaction.
    async fn save_rendered(&self, rendered: &[(String, Rendered)]) -> Result<(), Error>;
    /// The newest `limit` messages with a seq below `before` (all when `None`), ascending.
    async fn history(
        &self,
        viewer: &User,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error>;
    /// The oldest `limit` messages with a seq above `after`, ascending.
    async fn after(
        &self,
        viewer: &User,
        room: &RoomName,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, Error>;
}

/// A user and their password hash, for logging in.
pub struct Credentials {
    pub user: User,
    /// An argon2id PHC string.
    pub password_hash: String,
}

/// A live session as stored: its user and when it expires (ms since the epoch).
pub struct StoredSession {
    pub user: User,
    pub expires_at: i64,
}

/// Users and their sessions.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Registers a user, or `Error::UsernameTaken`. The first user of a database is an
    /// administrator.
    async fn create_user(&self, name: &Username, password_hash: &str) -> Result<User, Error>;
    /// Registers a user only if there is no user yet (atomically); `None` when there is.
    async fn create_first_user(
        &self,
        name: &Username,
        password_hash: &str,
    ) -> Result<Option<User>, Error>;
    /// True once any account exists.
    async fn has_users(&self) -> Result<bool, Error>;
    /// A user and their password hash, for logging in.
    async fn credentials(&self, name: &Username) -> Result<Option<Credentials>, Error>;
    /// Starts a session found by `token_hash` until `expires_at` (ms since the epoch).
    async fn create_session(
        &self,
        user: &User,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<(), Error>;
    /// The user of a session that has not expired, and when it expires.
    async fn session(&self, token_hash: &str) -> Result<Option<StoredSession>, Error>;
    /// Ends a session; true when there was one.
    async fn delete_session(&self, token_hash: &str) -> Result<bool, Error>;
    /// Ends every session of `user`.
    async fn delete_sessions_of(&self, user: &User) -> Result<(), Error>;
    /// Whether `user` is an administrator (may open the ops dashboard).
    async fn is_admin(&self, user: &User) -> Result<bool, Error>;
    /// Makes `name` an administrator, or not; `Error::UnknownUser` when nobody has that name.
    async fn set_admin(&self, name: &Username, admin: bool) -> Result<(), Error>;
    /// The administrators' names, in alphabetical order.
    async fn admins(&self) -> Result<Vec<Username>, Error>;
}

pub use crate::clock::now_ms;

/// Storage commits: messages in each, and how long each took (the ops window and `/metrics`
/// read them under these names, through the `metrics` facade).
pub const COMMIT_MESSAGES: &str = "natter_commit_messages";
pub const COMMIT_SECONDS: &str = "natter_commit_seconds";

/// A writer committed `messages` in one transaction, taking `took`.
fn committed(messages: usize, took: std::time::Duration) {
    metrics::histogram!(COMMIT_MESSAGES).record(messages as f64);
    metrics::histogram!(COMMIT_SECONDS).record(took.as_secs_f64());
}
