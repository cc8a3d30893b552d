//! The page's one connection (browser only): Natter's requests and events over the Socket.IO
//! client crate (`socketio-browser`, app/socketio/). It knows nothing of the store or of the
//! chat: its owner, the [`super::ChatClient`], gives it one function for what arrives
//! ([`Incoming`]) and awaits its requests.

use super::changes::payload;
use super::events::ServerEvent;
use crate::protocol::{ErrorBody, ErrorCode, Reply, Request};
use serde::Serialize;
use serde_json::Value;
use socketio_browser::{AckError, Socket, SocketEvent};
use std::time::Duration;

/// How long a request waits for its ack before it counts as lost.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a request got no reply.
pub enum Failure {
    /// The server answered with an error, or with something this client does not understand.
    Refused(ErrorBody),
    /// No answer in time: the server may or may not have done it.
    Timeout,
    /// The connection was not there, or went before the answer.
    Lost,
}

impl Failure {
    /// Why, as a sentence for the user (the server's own, when it refused).
    pub fn into_error(self) -> ErrorBody {
        match self {
            Failure::Refused(e) => e,
            Failure::Timeout => ErrorBody::new(
                ErrorCode::Unavailable,
                "The server did not answer in time. Please try again.",
            ),
            Failure::Lost => super::changes::not_connected(),
        }
    }
}

/// What the connection tells its owner: the socket's own news (never its `Event`: those come
/// typed, as [`Incoming::Event`]).
pub enum Incoming {
    Socket(SocketEvent),
    Event(ServerEvent),
}

/// The page's one connection: a cheap handle.
#[derive(Clone)]
pub struct Connection {
    socket: Socket,
}

impl Connection {
    /// A connection that hands everything that arrives to `on`; [`Connection::connect`] starts
    /// it. It reconnects at once when the browser says it is back online.
    pub fn open(on: impl Fn(Incoming) + 'static) -> Self {
        let socket = Socket::new(move |e| match e {
            SocketEvent::Event { name, data } => match ServerEvent::decode(&name, data) {
                Ok(Some(e)) => on(Incoming::Event(e)),
                Ok(None) => {}
                Err(e) => leptos::logging::warn!("natter: bad {name} event: {e}"),
            },
            other => on(Incoming::Socket(other)),
        });
        let waiting = socket.clone();
        crate::browser::on_online(move || waiting.connect_now_if_waiting());
        Self { socket }
    }

    pub fn connect(&self) {
        self.socket.connect();
    }

    pub fn is_connected(&self) -> bool {
        self.socket.is_connected()
    }

    /// What every connection from now on says in its CONNECT payload.
    pub fn set_auth(&self, auth: &impl Serialize) {
        self.socket.set_auth(payload(auth));
    }

    /// Sends `request` without asking for an ack (a notice: typing, activity); nothing while
    /// disconnected.
    pub fn notice<R: Request>(&self, request: &R) {
        if self.socket.is_connected() {
            self.socket.emit(R::EVENT, payload(request));
        }
    }

    /// Sends `event` with `payload`: the reply's payload, or why there is none (the server's
    /// refusal, no answer in time, or the connection lost). Boxed and not generic: every
    /// request's future awaits this one, so the WASM holds the socket's part once, not once
    /// per request type.
    pub fn send(&self, event: &'static str, payload: Value) -> Sent {
        let socket = self.socket.clone();
        Box::pin(async move {
            let ack = socket
                .request(event, payload, ACK_TIMEOUT)
                .await
                .map_err(|e| match e {
                    AckError::Timeout => Failure::Timeout,
                    AckError::NotConnected | AckError::Disconnected => Failure::Lost,
                })?;
            // The reply's payload, or its refusal (an answer that is neither counts as one).
            match Reply::<Value>::from_json(ack, Ok) {
                Ok(reply) => Result::from(reply).map_err(Failure::Refused),
                Err(e) => Err(Failure::Refused(super::changes::not_understood(e))),
            }
        })
    }
}

/// A request on its way: the reply's payload, or why there is none.
pub type Sent = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, Failure>>>>;
