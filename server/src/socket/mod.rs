//! The Socket.IO side: a connect middleware authenticates the socket from its session cookie,
//! then every operation of the chat service is registered as an event through the one generic
//! adapter (`adapter.rs`). Generic over the adapter, so the same code runs on one node or many.

mod adapter;

pub use adapter::{RUNNING, WAITING};

/// Packets queued for one socket, at most (socketioxide's `max_buffer_size`).
pub const SOCKET_QUEUE: usize = 512;

use crate::auth::Session;
use crate::chat::ChatService;
use crate::events::fanout::{session_room, user_room};
use crate::http::session::MaybeSession;
use app::protocol::ConnectAuth;
use socketioxide::adapter::Adapter;
// `SocketIo::ns` is for adapters that name themselves so (socketioxide's and socketioxide-redis').
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use socketioxide_core::adapter::DefinedAdapter;

/// Mounts the namespace on `io`, serving `chat`'s operations, with any adapter. The answer is
/// the adapter's start: nothing for one node; for Redis, a future that resolves once this node
/// listens to the others.
pub fn mount<A: Adapter + DefinedAdapter>(io: &SocketIo<A>, chat: ChatService<A>) -> A::InitRes {
    // Runs once socketioxide counts the socket among the namespace's: presence sees it.
    let on_connect = {
        let chat = chat.clone();
        move |socket: SocketRef<A>| {
            let chat = chat.clone();
            async move {
                tracing::debug!(sid = %socket.id, "socket connected");
                let Some(session) = socket.extensions.get::<Session>() else {
                    return;
                };
                let active = socket.extensions.get::<InUse>().is_none_or(|u| u.0);
                chat.socket_connected(&socket, &session.user, active).await;
            }
        }
    };
    io.ns(
        "/",
        on_connect.with(
            move |socket: SocketRef<A>, TryData(auth): TryData<ConnectAuth>| {
                let chat = chat.clone();
                // No payload, or not one of ours: the connection is in use.
                let active = auth.map_or(true, |a| a.active);
                async move { authenticate(socket, chat, active).await }
            },
        ),
    )
}

/// Whether a socket's connection was in use when it connected (its CONNECT payload).
#[derive(Clone, Copy)]
struct InUse(bool);

/// Why a socket was refused at its handshake; the client gets `connect_error` with
/// `{ "message": "<code>: <sentence>" }`.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("not_authenticated: Log in first; this connection carries no live session cookie.")]
    NotAuthenticated,
    #[error("internal: The server could not check the session just now. Please try again.")]
    Internal,
}

/// Authenticates a new socket from its session cookie, then registers every event and, for
/// presence, its disconnection. A connect middleware, because socketioxide awaits those before
/// it answers the client's CONNECT, while it spawns the connect handler: events registered there
/// could miss the client's first ones. `active`: the connection is in use (its CONNECT payload).
async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    chat: ChatService<A>,
    active: bool,
) -> Result<(), Refused> {
    let session = match MaybeSession::from_parts(socket.req_parts(), chat.auth()).await {
        Ok(MaybeSession(Some(session))) => session,
        Ok(MaybeSession(None)) => return Err(Refused::NotAuthenticated),
        Err(e) => {
            tracing::error!(error = %e, "could not check a socket's session");
            return Err(Refused::Internal);
        }
    };
    socket.join([
        user_room(session.user.name.as_str()),
        session_room(&session),
    ]);
    // Without its list the socket still works: it hears the rooms it joins, and its next
    // connection tries again. Refusing it would make a client retry against a busy database.
    if let Err(e) = subscribe_to_rooms(&socket, chat.store(), &session.user).await {
        tracing::warn!(error = %e, "could not load a socket's rooms; it hears only those it joins");
    }
    tracing::debug!(sid = %socket.id, user = %session.user.name, "socket authenticated");
    socket.extensions.insert(InUse(active));
    let user = session.user.clone();
    socket.extensions.insert(session);
    adapter::register(&socket, &chat);
    socket.on_disconnect(move |socket: SocketRef<A>| {
        // Now, before its rooms can be emptied by a second close.
        chat.socket_closing(&socket, &user);
        async move { chat.socket_closed(&socket, &user).await }
    });
    Ok(())
}

/// A new socket of `user` starts receiving every room of their list: messages (for unread
/// counts and notifications) and typing notices, whichever room is on screen.
async fn subscribe_to_rooms<A: Adapter>(
    socket: &SocketRef<A>,
    store: &dyn crate::store::Store,
    user: &crate::store::User,
) -> Result<(), crate::error::Error> {
    let names = |rooms: Vec<app::protocol::Room>| {
        rooms
            .into_iter()
            .map(|r| r.name)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let first = names(store.rooms(user).await?);
    socket.join(first.iter().cloned().collect::<Vec<_>>());
    // A room that left the list between the read and the join (the user was removed from a
    // private room) would stay heard: read again, and leave what is gone.
    let now = names(store.rooms(user).await?);
    let gone: Vec<String> = first.difference(&now).cloned().collect();
    if !gone.is_empty() {
        socket.leave(gone);
    }
    Ok(())
}
