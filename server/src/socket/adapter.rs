//! The one road from a socket event to the chat service and back. For every event it: checks
//! the payload's size, decodes it (one JSON object), re-checks the session, calls the
//! operation, and answers with the ack, or with a `request_error` event when the client asked
//! for no ack, so no bad request goes unanswered.

use crate::auth::Session;
use crate::chat::{Caller, ChatService};
use crate::error::Error;
use app::protocol::{event, ErrorBody, Reply, MAX_EVENT_BYTES};
use serde::Serialize;
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event, SocketRef};
use socketioxide::handler::{FromMessageParts, Value as Packet};
use socketioxide::socket::Socket;
use std::convert::Infallible;
use std::sync::Arc;

/// Registers every operation of `chat` on `socket`, and `unknown_event` for anything else.
pub fn register<A: Adapter>(socket: &SocketRef<A>, chat: &ChatService<A>) {
    for name in chat.operations().events() {
        let chat = chat.clone();
        socket.on(
            name,
            move |socket: SocketRef<A>, payload: Payload, ack: Ack<A>| async move {
                let result = async {
                    // A payload that cannot be read is refused before the session is looked at.
                    let payload = payload.0?;
                    chat.call(name, caller(&socket)?, payload).await
                }
                .await;
                answer(&socket, ack, name, result.map_err(ErrorBody::from));
            },
        );
    }
    socket.on_fallback(
        |socket: SocketRef<A>, Event(name): Event, ack: Ack<A>| async move {
            let error = ErrorBody::from(Error::UnknownEvent(name.clone()));
            answer::<A, ()>(&socket, ack, &name, Err(error));
        },
    );
}

/// The user behind this socket's session, if it is still live. An expired session gets
/// `not_authenticated` and its socket is closed (after the answer, so the client learns why).
fn caller<A: Adapter>(socket: &SocketRef<A>) -> Result<Caller<A>, Error> {
    match socket.extensions.get::<Session>() {
        Some(session) if session.is_live() => Ok(Caller::on_socket(session.user, socket.clone())),
        Some(_) => {
            let s = socket.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let _ = s.disconnect();
            });
            Err(Error::NotAuthenticated)
        }
        None => Err(Error::NotAuthenticated),
    }
}

#[derive(Serialize)]
struct RequestError<'a> {
    event: &'a str,
    error: &'a ErrorBody,
}

/// The ack when the client asked for one; else a `request_error` event for a failure.
fn answer<A: Adapter, T: Serialize>(
    socket: &SocketRef<A>,
    ack: Ack<A>,
    event: &str,
    result: Result<T, ErrorBody>,
) {
    if let Err(e) = &result {
        tracing::debug!(sid = %socket.id, event, code = %e.code, "request refused");
    }
    let sent = match (ack.wanted, &result) {
        (true, _) => ack.sender.send(&Reply::from(result)),
        (false, Err(error)) => socket.emit(event::REQUEST_ERROR, &RequestError { event, error }),
        (false, Ok(_)) => Ok(()),
    };
    if let Err(e) = sent {
        tracing::debug!(sid = %socket.id, event, error = %e, "could not answer (socket gone?)");
    }
}

/// The ack of an event, and whether the client asked for one.
struct Ack<A: Adapter> {
    sender: AckSender<A>,
    wanted: bool,
}

impl<A: Adapter> FromMessageParts<A> for Ack<A> {
    type Error = Infallible;
    fn from_message_parts(
        s: &Arc<Socket<A>>,
        v: &mut Packet,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        Ok(Self {
            sender: AckSender::from_message_parts(s, v, ack_id)?,
            wanted: ack_id.is_some(),
        })
    }
}

/// An event's payload as JSON, or why not (too large, or binary). Its shape is checked by the
/// operation's decoder: one argument is that argument; none is `null`; several are an array.
struct Payload(Result<Value, Error>);

impl<A: Adapter> FromMessageParts<A> for Payload {
    type Error = Infallible;
    fn from_message_parts(
        _: &Arc<Socket<A>>,
        v: &mut Packet,
        _: &Option<i64>,
    ) -> Result<Self, Infallible> {
        // The packet text holds the event name too: a few bytes of slack.
        if v.len() > MAX_EVENT_BYTES + 64 {
            return Ok(Self(Err(Error::PayloadTooLarge(v.len()))));
        }
        let Some(text) = v.as_str() else {
            return Ok(Self(Ok(Value::Null)));
        };
        // `["event", arg, …]`: socketioxide would hand over only the first argument.
        let mut parts: Vec<Value> = serde_json::from_str(text).unwrap_or_default();
        let payload = match parts.len() {
            0 | 1 => Value::Null,
            2 => parts.remove(1),
            _ => Value::Array(parts.split_off(1)),
        };
        Ok(Self(Ok(payload)))
    }
}
