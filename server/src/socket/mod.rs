//! The Socket.IO side: a connect middleware authenticates the socket from its session cookie
//! and registers a named handler per event. Handlers are generic over the adapter, so the same
//! code runs on one node or many.

pub mod announce;
mod caller;
mod members;
mod messages;
mod respond;
mod rooms;
pub mod send_limit;

pub use announce::user_room;
pub use respond::REQUEST_ERROR;

use crate::auth::Session;
use crate::state::SocketState;
use app::protocol::event;
use respond::Responder;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{Event, SocketRef, State};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;

/// Mounts the namespace on `io`.
pub fn mount(io: &SocketIo) {
    io.ns("/", on_connect.with(authenticate));
}

/// Runs after the client was told it is connected.
pub async fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    tracing::debug!(sid = %socket.id, "socket connected");
}

/// Why a socket was refused at its handshake; the client gets `connect_error` with
/// `{ "message": "<code>: <sentence>" }`.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("not_authenticated: Log in first; this connection carries no live session cookie.")]
    NotAuthenticated,
    #[error("internal: The server could not check the session just now. Please try again.")]
    Internal,
}

/// Authenticates a new socket from its session cookie, then registers every handler. A
/// connect middleware, because socketioxide awaits those before it answers the client's
/// CONNECT, while it spawns the connect handler: handlers registered there could miss the
/// client's first events.
pub async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    State(state): State<SocketState>,
) -> Result<(), Refused> {
    let cookies = socket
        .req_parts()
        .headers
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok());
    let session = match state.auth.session_from_cookies(cookies).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(Refused::NotAuthenticated),
        Err(e) => {
            tracing::error!(error = %e, "could not check a socket's session");
            return Err(Refused::Internal);
        }
    };
    socket.join([
        user_room(session.user.name.as_str()),
        session_room(&session),
    ]);
    tracing::debug!(sid = %socket.id, user = %session.user.name, "socket authenticated");
    socket.extensions.insert(session);
    socket.on(event::JOIN, rooms::join::<A>);
    socket.on(event::LEAVE, rooms::leave::<A>);
    socket.on(event::ROOMS, rooms::list::<A>);
    socket.on(event::CREATE_ROOM, rooms::create::<A>);
    socket.on(event::OPEN_DIRECT, members::open_direct::<A>);
    socket.on(event::ADD_MEMBER, members::add::<A>);
    socket.on(event::REMOVE_MEMBER, members::remove::<A>);
    socket.on(event::SEND, messages::send::<A>);
    socket.on(event::HISTORY, messages::history::<A>);
    socket.on_fallback(unknown_event::<A>);
    Ok(())
}

/// The Socket.IO room every socket opened with one session joins: logging out closes it.
pub fn session_room(session: &Session) -> String {
    format!("session:{}", session.token_hash)
}

/// Closes the sockets of one session, or of every session of its user.
pub async fn close_sockets<A: Adapter>(io: &SocketIo<A>, session: &Session, everywhere: bool) {
    let room = if everywhere {
        user_room(session.user.name.as_str())
    } else {
        session_room(session)
    };
    if let Err(e) = io.to(room).disconnect().await {
        tracing::warn!(error = %e, "could not close a logged-out session's sockets");
    }
}

/// Any other event gets an `unknown_event` error.
async fn unknown_event<A: Adapter>(Event(name): Event, respond: Responder<A>) {
    let error = app::protocol::ErrorBody::new(
        app::protocol::ErrorCode::UnknownEvent,
        format!("\"{name}\" is not an event of this server; see docs/protocol.md."),
    );
    respond.send::<()>(&name, Err(error));
}
