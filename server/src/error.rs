//! The server's one error type, and how each kind reaches a client.

use app::protocol::{ErrorBody, ErrorCode, RoomName, Username};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, already phrased for the client.
    #[error("{0}")]
    Invalid(ErrorBody),
    #[error("there is no room named {0} (or it is not visible to this user)")]
    UnknownRoom(RoomName),
    #[error("a room named {0} exists already")]
    RoomExists(RoomName),
    #[error("room names starting with dm- are reserved: {0}")]
    ReservedRoomName(RoomName),
    #[error("there is no user named {0}")]
    UnknownUser(Username),
    #[error("{0} is not a member of {1}")]
    NotMember(Username, RoomName),
    #[error("the username {0} is taken")]
    UsernameTaken(Username),
    #[error("{0}")]
    Forbidden(String),
    #[error("not authenticated")]
    NotAuthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins; retry in {retry_after_s} s")]
    TooManyAttempts { retry_after_s: u64 },
    #[error("database commit: {0}")]
    Commit(String),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<ErrorBody> for Error {
    fn from(e: ErrorBody) -> Self {
        Error::Invalid(e)
    }
}

impl From<Error> for ErrorBody {
    /// What a client may learn: user errors in full, server faults logged and hidden.
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(body) => body,
            Error::UnknownRoom(room) => ErrorBody::unknown_room(&room),
            Error::RoomExists(room) => ErrorBody::new(
                ErrorCode::RoomExists,
                format!("A room named \"{room}\" exists already."),
            ),
            Error::ReservedRoomName(_) => ErrorBody::new(
                ErrorCode::InvalidRoomName,
                "Room names starting with \"dm-\" are kept for direct conversations.",
            ),
            Error::UnknownUser(name) => ErrorBody::new(
                ErrorCode::UnknownUser,
                format!("There is no user named \"{name}\"."),
            ),
            Error::NotMember(name, room) => ErrorBody::new(
                ErrorCode::UnknownUser,
                format!("\"{name}\" is not a member of #{room}."),
            ),
            Error::UsernameTaken(name) => ErrorBody::new(
                ErrorCode::UsernameTaken,
                format!("The username \"{name}\" is taken. Please choose another."),
            ),
            Error::Forbidden(why) => ErrorBody::new(ErrorCode::Forbidden, why),
            Error::NotAuthenticated => ErrorBody::not_authenticated(),
            Error::BadCredentials => ErrorBody::bad_credentials(),
            Error::TooManyAttempts { retry_after_s } => ErrorBody::new(
                ErrorCode::TooManyAttempts,
                format!(
                    "Too many failed logins for this username. Try again in {retry_after_s} s."
                ),
            ),
            other => {
                tracing::error!(error = %other, "request failed");
                ErrorBody::internal()
            }
        }
    }
}
