//! Answers to client events: the ack when the client asked for one, else a `request_error`
//! event for failures, so no bad request goes unanswered.

use app::protocol::{ErrorBody, ErrorCode, Reply};
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
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
            self.socket.emit(
                REQUEST_ERROR,
                &RequestError {
                    event,
                    error: error,
                },
            )
        } else {
            Ok(())
        };
        if let Err(e) = sent {
            tracing::debug!(sid = %self.socket.id, event, error = %e, "could not answer (socket gone?)");
        }
    }
}

/// Turns a payload that did not parse into a `bad_payload` error.
pub fn payload<T>(parsed: Result<T, ParserError>, shape: &str) -> Result<T, ErrorBody> {
    parsed.map_err(|e| ErrorBody::new(ErrorCode::BadPayload, format!("Expected {shape}: {e}.")))
}
