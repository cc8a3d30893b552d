//! The server's one error type. Each kind's code, sentence and HTTP status are decided here
//! alone: [`Error::code`], `From<Error> for ErrorBody` and `IntoResponse`.

use app::protocol::{ErrorBody, ErrorCode, RoomKind, RoomName, Username, MAX_EVENT_BYTES};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that failed a validated type's `parse`; the type phrased it.
    #[error("{0}")]
    Invalid(ErrorBody),
    #[error("payload is not the expected JSON object ({shape}): {why}")]
    BadPayload { shape: String, why: String },
    #[error("payload of {0} bytes is too large")]
    PayloadTooLarge(usize),
    #[error("unknown event {0}")]
    UnknownEvent(String),
    #[error("there is no room named {0} (or it is not visible to this user)")]
    UnknownRoom(RoomName),
    #[error("a room named {0} exists already")]
    RoomExists(RoomName),
    #[error("only administrators may do this")]
    NotAdmin,
    #[error("room names starting with dm- are reserved: {0}")]
    ReservedRoomName(RoomName),
    #[error("there is no user named {0}")]
    UnknownUser(Username),
    #[error("{0} is not a member of {1}")]
    NotMember(Username, RoomName),
    #[error("{0} is not in this user's room list")]
    NotListed(RoomName),
    #[error("the username {0} is taken")]
    UsernameTaken(Username),
    #[error("only the owner of {room} may {action}")]
    NotOwner { room: RoomName, action: OwnerAction },
    #[error("{room} has no message {seq}")]
    UnknownMessage { room: RoomName, seq: i64 },
    #[error("message {seq} of {room} was deleted")]
    MessageDeleted { room: RoomName, seq: i64 },
    #[error("only the author of a message may edit it")]
    NotAuthor,
    #[error(
        "only the author, the owner of a private room or an administrator may delete a message"
    )]
    MayNotDelete,
    #[error("a reaction must be one emoji")]
    NotAnEmoji,
    #[error("a message may carry {most} distinct reactions")]
    TooManyReactionKinds { most: usize },
    #[error("one user may react to a message with {most} emoji")]
    TooManyReactions { most: usize },
    #[error("only the owner of {0} pins its messages")]
    MayNotPin(RoomName),
    #[error("{room} has {most} pinned messages already")]
    TooManyPins { room: RoomName, most: usize },
    #[error("the owner of {0} cannot leave it")]
    OwnerCannotLeave(RoomName),
    #[error("{room} is a {kind:?} room, without members to change")]
    NotPrivate { room: RoomName, kind: RoomKind },
    #[error("{room} is a {kind:?} room whose topic this user may not set")]
    TopicNotAllowed { room: RoomName, kind: RoomKind },
    #[error("this user owns {most} rooms, the most allowed")]
    TooManyRooms { most: u32 },
    #[error("{room} has {most} members, the most allowed")]
    RoomFull { room: RoomName, most: u32 },
    #[error("a direct conversation with oneself")]
    DirectWithSelf,
    #[error("not authenticated")]
    NotAuthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("registration is closed")]
    RegistrationClosed,
    #[error("too many registrations from one address; retry in {retry_after_s} s")]
    TooManyRegistrations { retry_after_s: u64 },
    #[error("too many failed logins; retry in {retry_after_s} s")]
    TooManyAttempts { retry_after_s: u64 },
    /// `allowed` says what the limit allows: "send at most 10 messages per second, 30 at once".
    #[error("rate limit: may {allowed}; retry in {retry_after_ms} ms")]
    RateLimited {
        allowed: String,
        retry_after_ms: u128,
    },
    #[error("{0} requests in flight on one connection")]
    TooManyInFlight(usize),
    #[error("too busy; retry in {retry_after_s} s")]
    Busy { retry_after_s: u64 },
    #[error("storing messages is down: {0}")]
    StorageDown(String),
    #[error("the server is stopping")]
    Stopping,
    #[error("database commit: {0}")]
    Commit(String),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error("encoding a reply: {0}")]
    Encode(#[from] serde_json::Error),
    /// No database connection came free (or could be opened) within the time a request may
    /// wait for one.
    #[error("no database connection free in time")]
    DatabaseBusy,
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A flag or setting that cannot work; said at startup.
    #[error("configuration: {0}")]
    Config(String),
}

/// What only a room's owner may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerAction {
    AddMembers,
    RemoveMembers,
}

impl std::fmt::Display for OwnerAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OwnerAction::AddMembers => "add members",
            OwnerAction::RemoveMembers => "remove members",
        })
    }
}

impl From<sqlx::Error> for Error {
    /// A wait for a free connection that ran out is the server being busy (`unavailable`, try
    /// again), not a fault (`internal`).
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => Error::DatabaseBusy,
            e => Error::Database(e),
        }
    }
}

impl From<ErrorBody> for Error {
    fn from(e: ErrorBody) -> Self {
        Error::Invalid(e)
    }
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(body) => body.code,
            Error::BadPayload { .. } => ErrorCode::BadPayload,
            Error::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Error::UnknownEvent(_) => ErrorCode::UnknownEvent,
            Error::UnknownRoom(_) => ErrorCode::UnknownRoom,
            Error::RoomExists(_) => ErrorCode::RoomExists,
            Error::NotAdmin => ErrorCode::NotFound,
            Error::ReservedRoomName(_) => ErrorCode::InvalidRoomName,
            Error::UnknownUser(_) | Error::NotMember(..) => ErrorCode::UnknownUser,
            Error::UnknownMessage { .. } => ErrorCode::UnknownMessage,
            Error::MessageDeleted { .. } => ErrorCode::MessageDeleted,
            Error::NotAnEmoji => ErrorCode::InvalidEmoji,
            Error::NotAuthor | Error::MayNotDelete | Error::MayNotPin(_) => ErrorCode::Forbidden,
            Error::TooManyReactionKinds { .. }
            | Error::TooManyReactions { .. }
            | Error::TooManyPins { .. } => ErrorCode::LimitReached,
            Error::UsernameTaken(_) => ErrorCode::UsernameTaken,
            Error::NotOwner { .. }
            | Error::OwnerCannotLeave(_)
            | Error::NotPrivate { .. }
            | Error::TopicNotAllowed { .. }
            | Error::NotListed(_)
            | Error::RegistrationClosed
            | Error::DirectWithSelf => ErrorCode::Forbidden,
            Error::TooManyRegistrations { .. } => ErrorCode::RateLimited,
            Error::TooManyRooms { .. } | Error::RoomFull { .. } => ErrorCode::LimitReached,
            Error::NotAuthenticated => ErrorCode::NotAuthenticated,
            Error::BadCredentials => ErrorCode::BadCredentials,
            Error::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Error::RateLimited { .. } | Error::TooManyInFlight(_) => ErrorCode::RateLimited,
            Error::Busy { .. } | Error::DatabaseBusy | Error::StorageDown(_) | Error::Stopping => {
                ErrorCode::Unavailable
            }
            Error::Commit(_)
            | Error::Hashing(_)
            | Error::Encode(_)
            | Error::Database(_)
            | Error::Migrate(_)
            | Error::Io(_)
            | Error::Config(_) => ErrorCode::Internal,
        }
    }

    /// What a client may read: the user's mistake in full; for server faults a safe sentence.
    fn sentence(&self) -> String {
        match self {
            Error::Invalid(body) => body.message.clone(),
            Error::BadPayload { shape, why } => format!("Expected {shape}: {why}."),
            Error::PayloadTooLarge(n) => format!(
                "This event carries {n} bytes; the most the server reads is {MAX_EVENT_BYTES}."
            ),
            Error::UnknownEvent(name) => {
                format!("\"{name}\" is not an event of this server; see docs/protocol.md.")
            }
            Error::UnknownRoom(room) => format!("There is no room named \"{room}\"."),
            Error::RoomExists(room) => format!("A room named \"{room}\" exists already."),
            Error::NotAdmin => "There is nothing here.".to_owned(),
            Error::ReservedRoomName(_) => {
                "Room names starting with \"dm-\" are kept for direct conversations.".into()
            }
            Error::UnknownUser(name) => format!("There is no user named \"{name}\"."),
            Error::NotMember(name, room) => format!("\"{name}\" is not a member of #{room}."),
            Error::NotListed(room) => {
                format!("#{room} is not one of your rooms: join it first (open it).")
            }
            Error::UsernameTaken(name) => {
                format!("The username \"{name}\" is taken. Please choose another.")
            }
            Error::NotOwner { room, action } => format!("Only the owner of #{room} can {action}."),
            Error::UnknownMessage { room, seq } => {
                format!("#{room} has no message number {seq}.")
            }
            Error::MessageDeleted { room, seq } => {
                format!("Message {seq} of #{room} was deleted; it cannot change any more.")
            }
            Error::NotAuthor => "You can only edit your own messages.".into(),
            Error::MayNotDelete => "You can only delete your own messages (the owner of a \
                 private room and administrators can delete any in it)."
                .into(),
            Error::NotAnEmoji => app::protocol::Emoji::invalid().message,
            Error::TooManyReactionKinds { most } => format!(
                "This message has {most} different reactions, the most one message may have: \
                 add to one of those instead."
            ),
            Error::TooManyReactions { most } => format!(
                "You have reacted to this message with {most} emoji, the most one person may: \
                 take one back first."
            ),
            Error::MayNotPin(room) => format!(
                "Only the owner of #{room} pins its messages (anyone can, in a public room)."
            ),
            Error::TooManyPins { room, most } => format!(
                "#{room} has {most} pinned messages, the most a room may have: unpin one first."
            ),
            Error::OwnerCannotLeave(room) => format!("You own #{room}, so you cannot leave it."),
            Error::NotPrivate { room, kind } => match kind {
                RoomKind::Direct => "The members of a direct conversation cannot change.".into(),
                _ => format!(
                    "#{room} is open to everyone: people join and leave it themselves; only \
                     private rooms have members to add or remove."
                ),
            },
            Error::TopicNotAllowed { room, kind } => match kind {
                RoomKind::Direct => "Direct conversations have no topic.".into(),
                _ => format!("Only the owner of #{room} can set its topic."),
            },
            Error::DirectWithSelf => "A direct conversation needs another user.".into(),
            Error::TooManyRooms { most } => format!(
                "You own {most} rooms, the most one user may have on this server. Delete or \
                 hand over one first, or ask the administrator."
            ),
            Error::RoomFull { room, most } => {
                format!("#{room} has {most} members, the most a room may have on this server.")
            }
            Error::RegistrationClosed => {
                "Registration is closed on this server. Ask its administrator for an account."
                    .into()
            }
            Error::TooManyRegistrations { retry_after_s } => format!(
                "Too many accounts were created from this address. Try again in {retry_after_s} s."
            ),
            Error::NotAuthenticated => ErrorBody::not_authenticated().message,
            Error::BadCredentials => "Wrong username or password.".into(),
            Error::TooManyAttempts { retry_after_s } => {
                format!("Too many failed logins for this username. Try again in {retry_after_s} s.")
            }
            Error::RateLimited {
                allowed,
                retry_after_ms,
            } => {
                let wait = if *retry_after_ms < 1000 {
                    format!("{retry_after_ms} ms")
                } else {
                    format!("{} s", retry_after_ms.div_ceil(1000))
                };
                format!("Slow down: you may {allowed}. Try again in {wait}.")
            }
            Error::TooManyInFlight(n) => format!(
                "This connection has {n} requests waiting for answers already; wait for some \
                 before sending more."
            ),
            Error::Busy { retry_after_s } => format!(
                "The server is busy checking other passwords. Try again in {retry_after_s} s."
            ),
            Error::DatabaseBusy => {
                "The server is too busy to answer just now. Try again in a few seconds.".into()
            }
            Error::StorageDown(_) => "The server cannot store messages just now; nothing was \
                 stored. It is restarting: try again in a few seconds."
                .into(),
            Error::Stopping => "The server is restarting; nothing was stored. Try again in a \
                 few seconds (your client reconnects by itself)."
                .into(),
            Error::Commit(_)
            | Error::Hashing(_)
            | Error::Encode(_)
            | Error::Database(_)
            | Error::Migrate(_)
            | Error::Io(_)
            | Error::Config(_) => ErrorBody::internal().message,
        }
    }
}

impl From<Error> for ErrorBody {
    /// What a client may learn: user errors in full, server faults logged and hidden.
    fn from(e: Error) -> Self {
        let code = e.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "request failed");
        } else if matches!(e, Error::DatabaseBusy) {
            tracing::warn!(error = %e, "request answered unavailable");
        }
        ErrorBody::new(code, e.sentence())
    }
}

impl Error {
    /// Seconds to wait before trying again, for the errors that have one (`Retry-After`).
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Error::TooManyAttempts { retry_after_s }
            | Error::TooManyRegistrations { retry_after_s }
            | Error::Busy { retry_after_s } => Some(*retry_after_s),
            Error::DatabaseBusy => Some(2),
            Error::StorageDown(_) | Error::Stopping => Some(5),
            Error::RateLimited { retry_after_ms, .. } => {
                Some(u64::try_from(retry_after_ms.div_ceil(1000)).unwrap_or(u64::MAX))
            }
            _ => None,
        }
    }
}

impl IntoResponse for Error {
    /// `{ "error": { code, message } }` with the code's status (and `Retry-After` when known).
    fn into_response(self) -> Response {
        let retry_after = self.retry_after_s();
        let body = ErrorBody::from(self);
        let status = axum::http::StatusCode::from_u16(body.code.http_status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response =
            (status, axum::Json(serde_json::json!({ "error": body }))).into_response();
        if let Some(s) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_faults_are_hidden_and_user_errors_explained() {
        let hidden = ErrorBody::from(Error::Commit("disk on fire at /var/lib".into()));
        assert_eq!(hidden.code, ErrorCode::Internal);
        assert!(!hidden.message.contains("/var/lib"));
        let room = RoomName::parse("ops").unwrap();
        let told = ErrorBody::from(Error::NotOwner {
            room,
            action: OwnerAction::AddMembers,
        });
        assert_eq!(told.code, ErrorCode::Forbidden);
        assert_eq!(told.message, "Only the owner of #ops can add members.");
    }
}
