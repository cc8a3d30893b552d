//! Answers to client events: the ack when the client asked for one, else a `request_error`
//! event for failures, so no bad request goes unanswered.

use app::protocol::{ErrorBody, ErrorCode, Reply, MAX_EVENT_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::handler::{FromMessageParts, Value};
use socketioxide::socket::Socket;
use socketioxide::ParserError;
use std::convert::Infallible;
use std::sync::Arc;

/// Server -> client: the answer to a failed request that carried no ack id.
pub const REQUEST_ERROR: &str = "request_error";

#[derive(Serialize)]
struct RequestError<'a> {
    event: &'a str,
    error: &'a ErrorBody,
}

/// Extracted by every handler; consumed by [`Responder::send`].
pub struct Responder<A: Adapter> {
    socket: SocketRef<A>,
    ack: AckSender<A>,
    wants_ack: bool,
}

impl<A: Adapter> FromMessageParts<A> for Responder<A> {
    type Error = Infallible;
    fn from_message_parts(
        s: &Arc<Socket<A>>,
        v: &mut Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        Ok(Self {
            socket: SocketRef::from(s.clone()),
            ack: AckSender::from_message_parts(s, v, ack_id)?,
            wants_ack: ack_id.is_some(),
        })
    }
}

impl<A: Adapter> Responder<A> {
    pub fn send<T: Serialize>(self, event: &str, result: Result<T, ErrorBody>) {
        if let Err(e) = &result {
            tracing::debug!(sid = %self.socket.id, event, code = e.code.as_str(), "request refused");
        }
        let sent = if self.wants_ack {
            self.ack.send(&Reply::from(result))
        } else if let Err(error) = &result {
            self.socket
                .emit(REQUEST_ERROR, &RequestError { event, error })
        } else {
            Ok(())
        };
        if let Err(e) = sent {
            tracing::debug!(sid = %self.socket.id, event, error = %e, "could not answer (socket gone?)");
        }
    }
}

/// An event's payload: parsed, or why not (too large, or not the expected shape).
pub struct Payload<T>(Result<T, PayloadError>);

enum PayloadError {
    TooLarge(usize),
    Parse(ParserError),
}

impl<A: Adapter, T: DeserializeOwned> FromMessageParts<A> for Payload<T> {
    type Error = Infallible;
    fn from_message_parts(
        s: &Arc<Socket<A>>,
        v: &mut Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        // The packet text holds the event name too: a few bytes of slack.
        if v.len() > MAX_EVENT_BYTES + 64 {
            return Ok(Self(Err(PayloadError::TooLarge(v.len()))));
        }
        let TryData(parsed) = TryData::<T>::from_message_parts(s, v, ack_id)?;
        Ok(Self(parsed.map_err(PayloadError::Parse)))
    }
}

impl<T> Payload<T> {
    /// The payload, or the error to answer with; `shape` describes what was expected.
    pub fn parse(self, shape: &str) -> Result<T, ErrorBody> {
        self.0.map_err(|e| match e {
            PayloadError::TooLarge(n) => ErrorBody::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "This event carries {n} bytes; the most the server reads is {MAX_EVENT_BYTES}."
                ),
            ),
            PayloadError::Parse(e) => {
                ErrorBody::new(ErrorCode::BadPayload, format!("Expected {shape}: {e}."))
            }
        })
    }
}
