//! Natter's events on top of the socket: joining the open room, catching up after a loss,
//! sending the outbox in order, and writing everything that arrives into [`ChatState`].

use super::socket::{AckError, Socket, SocketEvent};
use crate::protocol::{
    event, ErrorBody, JoinReply, JoinRequest, LeaveRequest, Message, MessageBody, Reply, RoomReply,
    SendReply, SendRequest,
};
use crate::state::{ChatState, ConnStatus, Pending, PendingState};
use leptos::prelude::{Set, Update, WithUntracked};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

/// How long a request waits for its ack before it counts as lost.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

thread_local! {
    static CHAT: RefCell<Option<Chat>> = const { RefCell::new(None) };
}

#[derive(Clone)]
struct Chat {
    socket: Socket,
    state: ChatState,
    inner: Rc<RefCell<Inner>>,
}

#[derive(Default)]
struct Inner {
    /// The room on screen.
    room: Option<String>,
    /// True once the current connection has joined `room`.
    joined: bool,
    /// The newest seq the page was rendered with, per room.
    rendered_seq: HashMap<String, i64>,
    /// The outbox entry whose ack is awaited (one at a time keeps the typed order).
    in_flight: Option<String>,
    /// A `join` is awaiting its ack.
    joining: bool,
}

fn with_chat(f: impl FnOnce(&Chat)) {
    let chat = CHAT.with(|c| c.borrow().clone());
    if let Some(chat) = chat {
        f(&chat);
    }
}

/// Starts the one connection of this page. Later calls do nothing.
pub fn start(state: ChatState) {
    if CHAT.with(|c| c.borrow().is_some()) {
        return;
    }
    let socket = Socket::new(move |e| with_chat(|chat| chat.on_socket_event(e)));
    let chat = Chat {
        socket: socket.clone(),
        state,
        inner: Rc::default(),
    };
    CHAT.with(|c| *c.borrow_mut() = Some(chat));
    watch_online(socket.clone());
    socket.connect();
}

/// The page now shows `room`, rendered with messages up to `rendered_seq`.
pub fn enter_room(room: String, rendered_seq: Option<i64>) {
    with_chat(|chat| {
        let previous = {
            let mut inner = chat.inner.borrow_mut();
            if let Some(seq) = rendered_seq {
                let e = inner.rendered_seq.entry(room.clone()).or_insert(seq);
                *e = (*e).max(seq);
            }
            let previous = inner.room.replace(room.clone());
            if previous.as_deref() == Some(room.as_str()) && inner.joined {
                return;
            }
            inner.joined = false;
            previous
        };
        if let Some(prev) = previous.filter(|p| *p != room) {
            chat.socket
                .emit(event::LEAVE, to_value(&LeaveRequest { room: prev }));
        }
        chat.join();
    });
}

/// Puts a message in the outbox and sends it when it can. Bad input is refused at once.
/// `author` is the logged-in user, shown on the pending message; the server sets the real one.
pub fn send(room: &str, author: &str, body: &str) -> Result<(), ErrorBody> {
    let body = MessageBody::parse(body)?;
    with_chat(|chat| {
        chat.state.pending.update(|p| {
            p.push(Pending {
                key: new_key(),
                room: room.to_owned(),
                author: author.to_owned(),
                body: body.as_str().to_owned(),
                state: PendingState::Sending,
            })
        });
        chat.flush();
    });
    Ok(())
}

/// Sends a failed message again, with its original key.
pub fn retry(key: &str) {
    with_chat(|chat| {
        chat.state.set_pending_state(key, PendingState::Sending);
        chat.flush();
    });
}

/// Drops a failed message from the outbox.
pub fn discard(key: &str) {
    with_chat(|chat| chat.state.pending.update(|p| p.retain(|p| p.key != key)));
}

impl Chat {
    fn on_socket_event(&self, e: SocketEvent) {
        match e {
            SocketEvent::Upgraded => self.state.transport.set(Some("websocket")),
            SocketEvent::Connected { transport } => {
                self.state.status.set(ConnStatus::Connected);
                self.state.transport.set(Some(transport));
                self.inner.borrow_mut().joined = false;
                self.join();
            }
            SocketEvent::Disconnected { retry_in_ms } => {
                {
                    let mut inner = self.inner.borrow_mut();
                    inner.joined = false;
                    inner.joining = false;
                    inner.in_flight = None;
                }
                self.state
                    .status
                    .set(ConnStatus::Disconnected { retry_in_ms });
            }
            SocketEvent::Reconnecting { attempt } => {
                self.state.status.set(ConnStatus::Reconnecting { attempt });
            }
            SocketEvent::Event { name, data } => self.on_server_event(&name, data),
            SocketEvent::Refused { message } => {
                // The session ended (logged out elsewhere, expired): log in again, then
                // come back here.
                if message.starts_with("not_authenticated") {
                    let here = crate::browser::current_path();
                    crate::browser::go_to(&format!("/login?{}", crate::pages::next_query(&here)));
                }
            }
        }
    }

    fn on_server_event(&self, name: &str, data: Value) {
        match name {
            event::MESSAGE => match serde_json::from_value::<Message>(data) {
                Ok(m) => {
                    let room = m.room.clone();
                    let seq = m.seq;
                    self.state.add_messages(&room, [m]);
                    // A seq beyond the held ones means some were missed: fetch them.
                    let current = self.inner.borrow().room.as_deref() == Some(room.as_str());
                    if current && self.contiguous_seq(&room).is_some_and(|c| seq > c) {
                        self.join();
                    }
                }
                Err(e) => leptos::logging::warn!("natter: bad message event: {e}"),
            },
            event::ROOM_ADDED | event::ROOM_UPDATED | event::ROOM_REMOVED => {
                match serde_json::from_value::<RoomReply>(data) {
                    Ok(r) if name == event::ROOM_REMOVED => self.state.remove_room(&r.room.name),
                    Ok(r) => self.state.add_room(r.room),
                    Err(e) => leptos::logging::warn!("natter: bad {name} event: {e}"),
                }
            }
            _ => {}
        }
    }

    /// The newest seq up to which the current page holds every message of `room`.
    fn contiguous_seq(&self, room: &str) -> Option<i64> {
        let rendered = self.inner.borrow().rendered_seq.get(room).copied();
        self.state.live.with_untracked(|live| {
            let mut held = live
                .get(room)
                .map(|m| m.keys().copied())
                .into_iter()
                .flatten();
            let mut upto = match rendered {
                Some(seq) => seq,
                None => held.next()?,
            };
            for seq in held {
                if seq == upto + 1 {
                    upto = seq;
                } else if seq > upto + 1 {
                    break;
                }
            }
            Some(upto)
        })
    }

    /// True when the room holds a message beyond the contiguous ones.
    fn has_gap(&self, room: &str) -> bool {
        let newest = self
            .state
            .live
            .with_untracked(|l| l.get(room).and_then(|m| m.keys().next_back().copied()));
        matches!((newest, self.contiguous_seq(room)), (Some(n), Some(c)) if n > c)
    }

    /// Joins the current room, asking for everything after the seq up to which the page holds
    /// every message; called on each connection and whenever a gap shows.
    fn join(&self) {
        let Some(room) = self.inner.borrow().room.clone() else {
            return;
        };
        if !self.socket.is_connected() || self.inner.borrow().joining {
            return;
        }
        self.inner.borrow_mut().joining = true;
        let after = self.contiguous_seq(&room);
        let this = self.clone();
        let request = to_value(&JoinRequest {
            room: room.clone(),
            after,
        });
        self.socket
            .emit_with_ack(event::JOIN, request, ACK_TIMEOUT, move |r| {
                this.inner.borrow_mut().joining = false;
                if this.inner.borrow().room.as_deref() != Some(room.as_str()) {
                    return;
                }
                match decode::<JoinReply>(r) {
                    Ok(reply) => {
                        let truncated = reply.truncated;
                        this.state.add_messages(&room, reply.messages);
                        this.inner.borrow_mut().joined = true;
                        this.flush();
                        // More to fetch, or a gap opened while this join was under way.
                        if truncated || this.has_gap(&room) {
                            this.join();
                        }
                    }
                    Err(Failure::Refused(e)) => {
                        leptos::logging::warn!("natter: join refused: {}", e.message)
                    }
                    // Lost with the connection: the next connection joins again.
                    Err(Failure::Lost(_)) => {}
                }
            });
    }

    /// Sends the oldest unsent outbox message of the current room, if none is in flight.
    fn flush(&self) {
        let (room, joined, busy) = {
            let inner = self.inner.borrow();
            (inner.room.clone(), inner.joined, inner.in_flight.is_some())
        };
        let Some(room) = room else { return };
        if !joined || busy || !self.socket.is_connected() {
            return;
        }
        let next = self.state.pending.with_untracked(|p| {
            p.iter()
                .find(|p| p.room == room && p.state == PendingState::Sending)
                .cloned()
        });
        let Some(p) = next else { return };
        self.inner.borrow_mut().in_flight = Some(p.key.clone());
        let request = SendRequest {
            room: p.room.clone(),
            body: p.body,
            key: Some(p.key.clone()),
        };
        let this = self.clone();
        self.socket
            .emit_with_ack(event::SEND, to_value(&request), ACK_TIMEOUT, move |r| {
                let mine = this.inner.borrow().in_flight.as_deref() == Some(p.key.as_str());
                if mine {
                    this.inner.borrow_mut().in_flight = None;
                }
                match decode::<SendReply>(r) {
                    Ok(reply) => this.state.add_messages(&p.room, [reply.message]),
                    Err(Failure::Refused(e)) => this
                        .state
                        .set_pending_state(&p.key, PendingState::Failed(e.message)),
                    // Stays in the outbox; sent again (same key) when the connection is back.
                    Err(Failure::Lost(AckError::Timeout)) => {}
                    Err(Failure::Lost(_)) => return,
                }
                if mine {
                    this.flush();
                }
            });
    }
}

enum Failure {
    Refused(ErrorBody),
    Lost(AckError),
}

fn decode<T: DeserializeOwned>(r: Result<Value, AckError>) -> Result<T, Failure> {
    let value = r.map_err(Failure::Lost)?;
    match serde_json::from_value::<Reply<T>>(value) {
        Ok(reply) => Result::from(reply).map_err(Failure::Refused),
        Err(e) => Err(Failure::Refused(ErrorBody::new(
            crate::protocol::ErrorCode::Internal,
            format!("The server's answer was not understood: {e}"),
        ))),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A fresh idempotency key: time and randomness, unique enough for one sender.
fn new_key() -> String {
    let now = js_sys::Date::now() as u64;
    let a = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let b = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    format!("{now:x}-{a:x}{b:x}")
}

/// Reconnects at once when the browser says it is back online.
fn watch_online(socket: Socket) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn FnMut()>::new(move || socket.connect_now_if_waiting());
    let _ = window.add_event_listener_with_callback("online", cb.as_ref().unchecked_ref());
    // Lives as long as the page.
    cb.forget();
}
