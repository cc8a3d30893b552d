//! The one road from a socket event to the chat service and back. For every event it: takes a
//! place among the socket's requests in flight, checks the payload's size, decodes it (one JSON
//! object), re-checks the session, calls the operation, and answers with the ack, or with a
//! `request_error` event when the client asked for no ack, so no bad request goes unanswered.
//!
//! Work per socket is bounded: [`RUNNING`] requests run at once and [`WAITING`] more wait; a
//! request beyond those is answered `rate_limited` at once. What the server queues for a socket
//! is bounded by the outgoing queue (`SOCKET_QUEUE` packets, each reply at most
//! `MAX_REPLY_BYTES` of messages): a client that stops reading fills it, and is then cut off
//! (`stalled`).

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
use socketioxide::{SendError, SocketError};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Requests of one socket that run at once.
pub const RUNNING: usize = 4;
/// Requests of one socket that may wait for those; more are refused.
pub const WAITING: usize = 28;

/// One socket's places for requests, and whether it was cut off for not reading.
#[derive(Clone)]
struct InFlight(Arc<InFlightInner>);

struct InFlightInner {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    stalled: AtomicBool,
}

impl InFlight {
    fn new() -> Self {
        Self(Arc::new(InFlightInner {
            running: Arc::new(Semaphore::new(RUNNING)),
            admitted: Arc::new(Semaphore::new(RUNNING + WAITING)),
            stalled: AtomicBool::new(false),
        }))
    }
}

/// Registers every operation of `chat` on `socket`, and `unknown_event` for anything else.
pub fn register<A: Adapter>(socket: &SocketRef<A>, chat: &ChatService<A>) {
    let in_flight = InFlight::new();
    for name in chat.operations().events() {
        let chat = chat.clone();
        let in_flight = in_flight.clone();
        socket.on(
            name,
            move |socket: SocketRef<A>, payload: Payload, ack: Ack<A>| async move {
                let received = std::time::Instant::now();
                let Ok(_admitted) = in_flight.0.admitted.clone().try_acquire_owned() else {
                    let refused = ErrorBody::from(Error::TooManyInFlight(RUNNING + WAITING));
                    crate::ops::record::answered(name, received.elapsed(), Some(refused.code));
                    return answer::<A, ()>(&chat, &socket, &in_flight, ack, name, Err(refused));
                };
                let Ok(_running) = in_flight.0.running.clone().acquire_owned().await else {
                    return;
                };
                if in_flight.0.stalled.load(Ordering::Relaxed) {
                    return;
                }
                // Held until answered, so a stopping server waits for this answer.
                let serving = chat.serving();
                let result = async {
                    serving.as_ref().map_err(|_| Error::Stopping)?;
                    // A payload that cannot be read is refused before the session is looked at.
                    let payload = payload.0?;
                    chat.call(name, caller(&socket)?, payload).await
                }
                .await;
                let result = result.map_err(ErrorBody::from);
                let failed = result.as_ref().err().map(|e| e.code);
                answer(&chat, &socket, &in_flight, ack, name, result);
                crate::ops::record::answered(name, received.elapsed(), failed);
                drop(serving);
            },
        );
    }
    let chat = chat.clone();
    socket.on_fallback(
        move |socket: SocketRef<A>, Event(name): Event, ack: Ack<A>| async move {
            let error = ErrorBody::from(Error::UnknownEvent(name.clone()));
            crate::ops::record::answered("unknown", std::time::Duration::ZERO, Some(error.code));
            answer::<A, ()>(&chat, &socket, &in_flight, ack, &name, Err(error));
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
    chat: &ChatService<A>,
    socket: &SocketRef<A>,
    in_flight: &InFlight,
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
    match sent {
        Ok(()) => {}
        Err(SendError::Socket(SocketError::InternalChannelFull)) => {
            stalled(chat, socket, in_flight)
        }
        Err(e) => {
            tracing::debug!(sid = %socket.id, event, error = %e, "could not answer (socket gone?)")
        }
    }
}

/// The socket's outgoing queue is full: its client stopped reading. It leaves every room, so it
/// is sent nothing more (a client that comes back catches up by seq), its requests are dropped,
/// and the heartbeat, which cannot be queued either, closes it.
fn stalled<A: Adapter>(chat: &ChatService<A>, socket: &SocketRef<A>, in_flight: &InFlight) {
    if !in_flight.0.stalled.swap(true, Ordering::Relaxed) {
        let user = socket
            .extensions
            .get::<Session>()
            .map(|s| s.user.name.to_string());
        tracing::warn!(
            sid = %socket.id,
            user = user.as_deref().unwrap_or("?"),
            "client stopped reading: its outgoing queue is full; cutting it off until the \
             heartbeat closes it"
        );
        // It leaves every room: the chat's now, presence's as a closed socket does.
        let user = socket.extensions.get::<Session>().map(|s| s.user);
        chat.socket_cut_off(socket, user);
        // A disconnect needs one free place in the queue: try until the client reads one
        // packet (then it reconnects at once and catches up), or the heartbeat closes it.
        let socket = socket.clone();
        tokio::spawn(async move {
            for _ in 0..600 {
                if !socket.connected() || socket.clone().disconnect().is_ok() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        });
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
