//! The Socket.IO side: one `on_connect` registers a named handler per event. Handlers are
//! generic over the adapter, so the same code runs on one node or many.

mod messages;
mod respond;
mod rooms;

use app::protocol::event;
use respond::Responder;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{Event, SocketRef};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;

pub use respond::REQUEST_ERROR;

/// Mounts the namespace on `io`.
pub fn mount(io: &SocketIo) {
    io.ns("/", on_connect.with(register));
}

/// Runs after the client was told it is connected.
pub async fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    tracing::debug!(sid = %socket.id, "socket connected");
}

/// Registers every handler on a new socket. A connect middleware, because socketioxide awaits
/// those before it answers the client's CONNECT, while it spawns the connect handler: handlers
/// registered there could miss the client's first events.
pub async fn register<A: Adapter>(socket: SocketRef<A>) -> Result<(), std::convert::Infallible> {
    socket.on(event::JOIN, rooms::join::<A>);
    socket.on(event::LEAVE, rooms::leave::<A>);
    socket.on(event::ROOMS, rooms::list::<A>);
    socket.on(event::CREATE_ROOM, rooms::create::<A>);
    socket.on(event::SEND, messages::send::<A>);
    socket.on(event::HISTORY, messages::history::<A>);
    socket.on_fallback(unknown_event::<A>);
    Ok(())
}

/// Any other event gets an `unknown_event` error.
async fn unknown_event<A: Adapter>(Event(name): Event, respond: Responder<A>) {
    let error = app::protocol::ErrorBody::new(
        app::protocol::ErrorCode::UnknownEvent,
        format!("\"{name}\" is not an event of this server; see docs/protocol.md."),
    );
    respond.send::<()>(&name, Err(error));
}
