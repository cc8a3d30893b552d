//! The server's one error type, and how each kind reaches a client.

use app::protocol::{ErrorBody, ErrorCode, RoomName};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("there is no room named {0}")]
    UnknownRoom(RoomName),
    #[error("a room named {0} exists already")]
    RoomExists(RoomName),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<Error> for ErrorBody {
    /// What a client may learn: user errors in full, server faults logged and hidden.
    fn from(e: Error) -> Self {
        match e {
            Error::UnknownRoom(room) => ErrorBody::unknown_room(&room),
            Error::RoomExists(room) => ErrorBody::new(
                ErrorCode::RoomExists,
                format!("A room named \"{room}\" exists already."),
            ),
            other => {
                tracing::error!(error = %other, "request failed");
                ErrorBody::internal()
            }
        }
    }
}
