//! What went wrong, in a form a program can act on: the code, a sentence for people, and the
//! HTTP status the code gets over HTTP.

use serde::{Deserialize, Serialize};

/// Declares every error code once: the enum, and [`ErrorCode::ALL`]. Adding a code is one entry.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $code:ident, )*) => {
        /// An error's code. Its wire name is its serde name (`bad_payload`, …), nowhere else.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            /// Every code, for tests and documentation checks.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),*];
        }
    };
}

/// Read by its wire name, looked up in [`ErrorCode::ALL`]: serde's derived reader matches every
/// name in code of its own, and the browser's WASM carried two of them (one per JSON reader).
impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown error code `{name}`")))
    }
}

error_codes! {
    /// The payload is not the JSON object the event expects.
    BadPayload,
    /// The event name is not part of the protocol.
    UnknownEvent,
    /// The message body is empty or only white space.
    EmptyMessage,
    /// The message body is longer than [`crate::protocol::MAX_BODY_CHARS`].
    MessageTooLong,
    /// The message body holds control characters other than newline and tab.
    InvalidCharacters,
    /// The request needs a logged-in user and the session is missing, expired or ended.
    NotAuthenticated,
    /// Login failed: unknown username or wrong password (the same answer for both).
    BadCredentials,
    /// Too many failed logins for this username; wait before trying again.
    TooManyAttempts,
    /// The username breaks the naming rules.
    InvalidUsername,
    /// The password is too short or too long.
    InvalidPassword,
    /// Someone has that username already.
    UsernameTaken,
    /// No user has that username.
    UnknownUser,
    /// The user may not do that (e.g. only a room's owner adds members).
    Forbidden,
    /// Too many messages too fast; the message says when to try again.
    RateLimited,
    /// The event's payload is larger than [`crate::protocol::MAX_EVENT_BYTES`].
    PayloadTooLarge,
    /// The room name breaks the naming rules.
    InvalidRoomName,
    /// The topic is longer than [`crate::protocol::MAX_TOPIC_CHARS`] or spans lines.
    InvalidTopic,
    /// The idempotency key is empty or longer than [`crate::protocol::MAX_KEY_CHARS`].
    InvalidKey,
    /// No room has that name, or it is private and you are not a member (the same answer, so
    /// private rooms cannot be found by guessing).
    UnknownRoom,
    /// A room with that name exists already.
    RoomExists,
    /// The room has no message with that seq.
    UnknownMessage,
    /// The message was deleted: it cannot be edited, reacted to or answered.
    MessageDeleted,
    /// A reaction is not one emoji.
    InvalidEmoji,
    /// There is nothing here for this user (the ops dashboard, for anyone but administrators).
    NotFound,
    /// A size limit of the server: rooms one user may own, members of one room.
    LimitReached,
    /// The server failed; the message says nothing private. Retrying may help.
    Internal,
    /// The server cannot do this now (too busy, storing is down, or it is stopping); the
    /// message says when to retry. Nothing was changed.
    Unavailable,
}

impl ErrorCode {
    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        serde_variant::to_variant_name(&self).unwrap_or("internal")
    }

    /// The HTTP status an error gets over HTTP (pages, server functions, `/auth/*`).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::UnknownRoom
            | ErrorCode::UnknownUser
            | ErrorCode::NotFound
            | ErrorCode::UnknownMessage => 404,
            ErrorCode::MessageDeleted => 410,
            ErrorCode::RoomExists | ErrorCode::UsernameTaken => 409,
            ErrorCode::NotAuthenticated | ErrorCode::BadCredentials => 401,
            ErrorCode::Forbidden | ErrorCode::LimitReached => 403,
            ErrorCode::TooManyAttempts | ErrorCode::RateLimited => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::BadPayload
            | ErrorCode::UnknownEvent
            | ErrorCode::EmptyMessage
            | ErrorCode::MessageTooLong
            | ErrorCode::InvalidCharacters
            | ErrorCode::InvalidUsername
            | ErrorCode::InvalidPassword
            | ErrorCode::InvalidRoomName
            | ErrorCode::InvalidTopic
            | ErrorCode::InvalidKey
            | ErrorCode::InvalidEmoji => 400,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error half of every ack, and the error type of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "The server could not do that just now. Please try again.",
        )
    }

    pub fn not_authenticated() -> Self {
        Self::new(
            ErrorCode::NotAuthenticated,
            "You are not logged in (or your session ended). Log in and try again.",
        )
    }
}

impl leptos::server_fn::error::FromServerFnError for ErrorBody {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(m) | E::MissingArg(m) => Self::new(ErrorCode::BadPayload, m),
            E::Request(_) => Self::new(
                ErrorCode::Internal,
                "The server could not be reached. Please try again.",
            ),
            _ => Self::internal(),
        }
    }
}

/// Every ack is either `{ "error": { code, message } }` or the event's success payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply<T> {
    Err { error: ErrorBody },
    Ok(T),
}

impl<T: serde::de::DeserializeOwned> Reply<T> {
    /// Reads an ack's JSON: an object with an `error` member is a refusal, anything else the
    /// success payload (what `#[serde(untagged)]` decides too, without buffering the payload for
    /// a second try: that costs the browser's WASM a copy of every reply's reader). `read` reads
    /// each part (`serde_json::from_value`, or the browser's reader).
    pub fn from_json(
        mut value: serde_json::Value,
        read: impl Fn(serde_json::Value) -> Result<T, serde_json::Error>,
    ) -> Result<Self, serde_json::Error> {
        match value.as_object_mut().and_then(|o| o.remove("error")) {
            Some(error) => Ok(Reply::Err {
                error: read_through_text(error)?,
            }),
            None => Ok(Reply::Ok(read(value)?)),
        }
    }
}

/// Reads a payload as `T` through its text, with the one `serde_json` reader the browser's
/// resources use too. Reading the `Value` itself (`serde_json::from_value`) would put a second
/// reader of every protocol type into the WASM (20 KB of the optimised module), and core's float
/// formatting with it; the payloads are small.
pub fn read_through_text<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, serde_json::Error> {
    serde_json::from_str(&value.to_string())
}

impl<T> From<Result<T, ErrorBody>> for Reply<T> {
    fn from(r: Result<T, ErrorBody>) -> Self {
        match r {
            Ok(v) => Reply::Ok(v),
            Err(error) => Reply::Err { error },
        }
    }
}

impl<T> From<Reply<T>> for Result<T, ErrorBody> {
    fn from(r: Reply<T>) -> Self {
        match r {
            Reply::Ok(v) => Ok(v),
            Reply::Err { error } => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_serde_name_a_status_and_a_line_in_the_protocol_document() {
        let doc = include_str!("../../../docs/protocol.md");
        for &code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?}");
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), code);
            assert!((400..=503).contains(&code.http_status()));
            assert!(
                doc.contains(&format!("| `{code}` |")),
                "docs/protocol.md lists `{code}`"
            );
        }
    }

    #[test]
    fn replies_are_error_or_payload() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Ok1 {
            room: String,
        }
        let ok: Reply<Ok1> = serde_json::from_str(r#"{"room":"general"}"#).unwrap();
        assert_eq!(
            ok,
            Reply::Ok(Ok1 {
                room: "general".into()
            })
        );
        let err: Reply<Ok1> =
            serde_json::from_str(r#"{"error":{"code":"unknown_room","message":"no"}}"#).unwrap();
        assert!(matches!(err, Reply::Err { error } if error.code == ErrorCode::UnknownRoom));
        let json = serde_json::to_string(&Reply::<Ok1>::Err {
            error: ErrorBody::internal(),
        })
        .unwrap();
        assert!(json.starts_with(r#"{"error":{"code":"internal""#), "{json}");
        // The browser's reader decides the same.
        for text in [
            r#"{"room":"general"}"#,
            r#"{"error":{"code":"unknown_room","message":"no"}}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                Reply::<Ok1>::from_json(value, serde_json::from_value).unwrap(),
                serde_json::from_str::<Reply<Ok1>>(text).unwrap()
            );
        }
        let bad = serde_json::json!({ "error": { "code": "no_such_code" } });
        assert!(Reply::<Ok1>::from_json(bad, serde_json::from_value).is_err());
        assert!(
            Reply::<Ok1>::from_json(serde_json::json!({ "rooom": 1 }), serde_json::from_value)
                .is_err()
        );
    }
}
