//! The chat service: the one owner of every operation. Each takes the caller and the protocol
//! request, parses it into validated types, authorizes, stores, publishes what changed as one
//! [`Event`] (it does not know who listens: `crate::events`), and returns the protocol reply or a
//! typed [`Error`].
//!
//! Transports are thin adapters over [`Operations`], the table of operations by event name:
//! the socket adapter (`crate::socket`) registers every entry as an event, and server functions
//! reach the same entries through [`app::api::Backend`] (`backend.rs`). Adding an operation is a
//! protocol request type, a function here, and one line in [`Operations::new`].

mod activity;
mod backend;
mod changes;
#[cfg(test)]
mod decode_proptests;
pub mod limits;
mod members;
mod messages;
mod ops;
mod presence;
mod rooms;

pub use messages::render_old_messages;

use crate::auth::Auth;
use crate::error::Error;
use crate::events::{Event, Events};
use crate::store::{Store, User};
use app::protocol::decode::Undecodable;
use app::protocol::Request;
use futures_util::future::BoxFuture;
use limits::{Limits, Rates};
use serde_json::Value;
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide::extract::SocketRef;
use socketioxide::SocketIo;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The service, cheap to clone.
pub struct ChatService<A: Adapter = LocalAdapter>(Arc<Inner<A>>);

struct Inner<A: Adapter> {
    store: Arc<dyn Store>,
    auth: Auth,
    io: SocketIo<A>,
    events: Events,
    limits: Limits,
    caps: Caps,
    operations: Operations<A>,
    /// Every node's recent measurements (the ops dashboard).
    ops: Arc<crate::ops::Hub>,
    /// Requests being served, and whether new ones are refused (the server is stopping).
    calls: Calls,
}

/// The requests being served, server-wide (the per-socket cap is `socket::adapter`'s `InFlight`).
#[derive(Default)]
struct Calls {
    count: std::sync::atomic::AtomicUsize,
    stopping: std::sync::atomic::AtomicBool,
    idle: tokio::sync::Notify,
}

/// One request being served; dropped when it is answered.
pub struct Serving<'a>(&'a Calls);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// What a server lets each user have, decided by its operator.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub rates: Rates,
    pub caps: Caps,
}

/// Sizes beyond which creating refuses (`limit_reached`).
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Rooms one user may own (public and private; direct conversations do not count).
    pub rooms_per_user: u32,
    /// Members of one private room.
    pub members_per_room: u32,
}

impl Settings {
    /// The chat service's limits, from the flags (the rest are fixed; docs/security.md).
    pub fn from_config(config: &crate::config::Config) -> Self {
        use limits::Rate;
        let defaults = Rates::default();
        Settings {
            rates: Rates {
                send: Rate {
                    per_second: config.send_rate,
                    burst: config.send_burst,
                },
                change: Rate {
                    per_second: config.change_rate,
                    burst: defaults.change.burst,
                },
                create_room: Rate::per_hour(config.rooms_per_hour, defaults.create_room.burst),
                ..defaults
            },
            caps: Caps {
                rooms_per_user: config.rooms_per_user,
                members_per_room: config.members_per_room,
            },
        }
    }
}

impl<A: Adapter> Clone for ChatService<A> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<A: Adapter> ChatService<A> {
    pub fn new(
        store: Arc<dyn Store>,
        auth: Auth,
        io: SocketIo<A>,
        settings: Settings,
        ops: Arc<crate::ops::Hub>,
    ) -> Self {
        Self(Arc::new(Inner {
            store,
            auth,
            events: Events::start(io.clone()),
            io,
            ops,
            limits: Limits::new(settings.rates),
            caps: settings.caps,
            operations: Operations::new(),
            calls: Calls::default(),
        }))
    }

    pub fn store(&self) -> &dyn Store {
        &*self.0.store
    }

    pub fn auth(&self) -> &Auth {
        &self.0.auth
    }

    pub fn io(&self) -> &SocketIo<A> {
        &self.0.io
    }

    /// Tells every consumer of events that `event` happened (after its commit).
    fn publish(&self, event: Event) {
        self.0.events.publish(event);
    }

    /// Resolves once every consumer has handled what was published before (shutdown: the
    /// events of answered requests reach sockets before they are closed).
    pub async fn flush_events(&self) {
        self.0.events.flush().await;
    }

    pub fn ops(&self) -> &crate::ops::Hub {
        &self.0.ops
    }

    /// Takes one `action` from the caller's rate limit, or refuses with `rate_limited`.
    fn limit(&self, action: limits::Action, caller: &Caller<A>) -> Result<(), Error> {
        self.0.limits.take(action, &caller.user)
    }

    fn caps(&self) -> Caps {
        self.0.caps
    }

    pub fn operations(&self) -> &Operations<A> {
        &self.0.operations
    }

    /// A request starts being served: held by the transport until it has answered, so a stop
    /// waits for it. Once the server is stopping, new requests get `unavailable`.
    pub fn serving(&self) -> Result<Serving<'_>, Error> {
        let calls = &self.0.calls;
        calls.count.fetch_add(1, Ordering::AcqRel);
        let serving = Serving(calls);
        if calls.stopping.load(Ordering::Acquire) {
            return Err(Error::Stopping);
        }
        Ok(serving)
    }

    /// Runs operation `event` for `caller` with a JSON payload, as every transport does
    /// (inside [`ChatService::serving`]).
    pub async fn call(
        &self,
        event: &str,
        caller: Caller<A>,
        payload: Value,
    ) -> Result<Value, Error> {
        match self.0.operations.get(event) {
            Some(op) => op(self.clone(), caller, payload).await,
            None => Err(Error::UnknownEvent(event.to_owned())),
        }
    }

    /// A socket of `user` is counted among the namespace's: presence sees it (in use when
    /// `active`).
    pub async fn socket_connected(&self, socket: &SocketRef<A>, user: &User, active: bool) {
        presence::connected(self, socket, user, active).await;
    }

    /// Called synchronously as a socket closes, while it is still in its rooms.
    pub fn socket_closing(&self, socket: &SocketRef<A>, user: &User) {
        presence::departing(socket, user);
    }

    /// A socket of `user` closed: presence counts it no more.
    pub async fn socket_closed(&self, socket: &SocketRef<A>, user: &User) {
        presence::disconnected(self, socket, user).await;
    }

    /// A socket's client stopped reading: it leaves the chat's rooms now, and presence's as a
    /// closed socket does (in the background), so its user's presence follows.
    pub fn socket_cut_off(&self, socket: &SocketRef<A>, user: Option<User>) {
        presence::cut_off(self, socket, user);
    }

    /// Refuses new requests from now on, and resolves once those being served are answered.
    pub async fn finish_requests(&self) {
        let calls = &self.0.calls;
        calls.stopping.store(true, Ordering::Release);
        loop {
            let idle = calls.idle.notified();
            if calls.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Who asks: a user, and the socket they asked on (none for a server function).
pub struct Caller<A: Adapter = LocalAdapter> {
    pub user: User,
    socket: Option<SocketRef<A>>,
}

impl<A: Adapter> Caller<A> {
    pub fn on_socket(user: User, socket: SocketRef<A>) -> Self {
        Self {
            user,
            socket: Some(socket),
        }
    }

    pub fn over_http(user: User) -> Self {
        Self { user, socket: None }
    }

    /// The asking socket starts receiving `room`'s events (nothing over HTTP).
    fn subscribe(&self, room: &app::protocol::RoomName) {
        if let Some(s) = &self.socket {
            s.join(room.to_string());
        }
    }

    /// The chat rooms the asking socket hears now (`events::fanout::is_chat_room`).
    fn chat_rooms(&self) -> Vec<String> {
        self.socket.as_ref().map_or_else(Vec::new, |s| {
            s.rooms()
                .into_iter()
                .map(|r| r.to_string())
                .filter(|r| crate::events::fanout::is_chat_room(r))
                .collect()
        })
    }

    /// The asking socket hears every room of `rooms` (the user's list, read after `before` was
    /// taken with [`Caller::chat_rooms`]), and no longer those of `before` that are not in it,
    /// in case the fan-out lost a removal. A room joined since `before` is kept: its join may
    /// have entered it after the list was read.
    fn subscribe_exactly(&self, before: Vec<String>, rooms: Vec<String>) {
        if let Some(s) = &self.socket {
            let stale: Vec<String> = before.into_iter().filter(|r| !rooms.contains(r)).collect();
            if !stale.is_empty() {
                s.leave(stale);
            }
            s.join(rooms);
        }
    }

    /// The asking socket stops receiving `room`'s events.
    fn unsubscribe(&self, room: &app::protocol::RoomName) {
        if let Some(s) = &self.socket {
            s.leave(room.to_string());
        }
    }
}

/// One operation, with its payload and reply as JSON: what transports call.
pub type Operation<A> = Arc<
    dyn Fn(ChatService<A>, Caller<A>, Value) -> BoxFuture<'static, Result<Value, Error>>
        + Send
        + Sync,
>;

/// Every operation by its event name.
pub struct Operations<A: Adapter>(BTreeMap<&'static str, Operation<A>>);

impl<A: Adapter> Operations<A> {
    /// The table: one line per operation.
    fn new() -> Self {
        let mut ops = Self(BTreeMap::new());
        ops.add(rooms::join);
        ops.add(rooms::leave);
        ops.add(rooms::list);
        ops.add(rooms::browse);
        ops.add(rooms::create);
        ops.add(rooms::set_topic);
        ops.add(members::open_direct);
        ops.add(members::list);
        ops.add(members::add);
        ops.add(members::remove);
        ops.add(messages::send);
        ops.add(messages::history);
        ops.add(changes::edit);
        ops.add(changes::delete);
        ops.add(changes::react);
        ops.add(changes::pin);
        ops.add(changes::changes);
        ops.add(activity::mark_read);
        ops.add(activity::typing);
        ops.add(activity::set_notifications);
        ops.add(presence::activity);
        ops.add(presence::lookup);
        ops.add(ops::watch);
        ops.add(ops::unwatch);
        ops
    }

    /// Registers `handler` for request type `R`, under `R::EVENT`. The payload must be one
    /// JSON object that deserializes into `R`; anything else is `bad_payload`.
    fn add<R, F, Fut>(&mut self, handler: F)
    where
        R: Request,
        F: Fn(ChatService<A>, Caller<A>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Reply, Error>> + Send + 'static,
    {
        let op: Operation<A> = Arc::new(move |chat, caller, payload| {
            let request = decode::<R>(payload);
            let reply = request.map(|r| handler(chat, caller, r));
            Box::pin(async move {
                let reply = reply?.await?;
                Ok(serde_json::to_value(reply)?)
            })
        });
        self.0.insert(R::EVENT, op);
    }

    pub fn get(&self, event: &str) -> Option<&Operation<A>> {
        self.0.get(event)
    }

    /// The event names.
    pub fn events(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }
}

/// A request from its JSON payload: one object, of `R`'s shape, whose fields keep their types'
/// rules (a field that breaks one is refused with that type's code, as `parse` would).
fn decode<R: Request>(payload: Value) -> Result<R, Error> {
    let shape = || match app::protocol::decode::fields::<R>() {
        [] => "{}".to_owned(),
        fields => format!("{{ {} }}", fields.join(", ")),
    };
    if !payload.is_object() {
        let got = match payload {
            Value::Array(_) => "an array (send one object, not several arguments)",
            Value::Null => "nothing",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Object(_) => "an object",
        };
        return Err(Error::BadPayload {
            shape: shape(),
            why: format!("got {got}"),
        });
    }
    app::protocol::decode::decode(payload).map_err(|e| match e {
        Undecodable::Invalid(refusal) => refusal.into(),
        Undecodable::Malformed(why) => Error::BadPayload {
            shape: shape(),
            why,
        },
    })
}
