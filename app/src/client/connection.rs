//! Natter's events on top of the socket (browser only): joining the open room, catching up
//! after a loss, sending the outbox in order, and handing everything that arrives to the
//! [`ChatClient`], which writes it into the store.

use super::{ChatClient, OpsUpdate};
use crate::protocol::{
    event, in_use_now, read_through_text, ActivityRequest, Change, ChangesReply, ChangesRequest,
    ClientKey, ConnectAuth, ErrorBody, ErrorCode, JoinReply, JoinRequest, MarkReadRequest,
    MembersReply, MembersRequest, Message, MessageBody, NotificationsReply, OpsUnwatchRequest,
    OpsWatchReply, OpsWatchRequest, OpsWindow, PresenceReply, PresenceRequest, ReadReply, Reply,
    Request, RoomName, RoomReply, RoomsReply, RoomsRequest, SendReply, SendRequest, TypingEvent,
    TypingRequest, UserPresence, Username, MAX_PRESENCE_USERS, TYPING_SHOWN_MS,
};
use crate::state::{Applied, ChatStoreFields, ConnStatus, History, PendingState, Transport};
use leptos::prelude::*;
use serde::Serialize;
use serde_json::Value;
use socketio_browser::{AckError, Socket, SocketEvent};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// How long a request waits for its ack before it counts as lost.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// Read positions are sent at most this often (the newest one of each room): a busy room
/// scrolling by would otherwise send one per message.
const MARK_READ_EVERY: Duration = Duration::from_secs(1);
/// How often the tab checks whether its user went idle.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(30);

/// Why a request got no reply.
enum Failure {
    /// The server answered with an error, or with something this client does not understand.
    Refused(ErrorBody),
    /// No answer in time: the server may or may not have done it.
    Timeout,
    /// The connection was not there, or went before the answer.
    Lost,
}

/// The page's one connection, with what it is doing for the chat.
#[derive(Clone)]
pub struct Connection {
    socket: Socket,
    client: ChatClient,
    /// The logged-in user's name.
    me: Rc<str>,
    inner: Rc<RefCell<Inner>>,
}

#[derive(Default)]
struct Inner {
    /// The room on screen.
    room: Option<String>,
    /// True once the current connection has joined `room`.
    joined: bool,
    /// The outbox entry whose ack is awaited (one at a time keeps the typed order).
    in_flight: Option<String>,
    /// A `join` is awaiting its ack.
    joining: bool,
    /// True after the first connection: a later one may have missed room-list changes.
    connected_before: bool,
    /// The ops dashboard is on screen: each connection asks for its windows.
    watching_ops: bool,
    /// When each typing notice shown (room, user) expires, by the browser's clock.
    typing_until: std::collections::HashMap<(String, String), f64>,
    /// Read positions waiting to be sent, by room (the newest seq seen).
    unsent_reads: std::collections::HashMap<String, i64>,
    /// A read position went less than [`MARK_READ_EVERY`] ago: more wait for the timer.
    reads_timer: bool,
    /// Whether this tab is in use, as last told to the server.
    active: bool,
    /// When the user last touched the page (key, pointer, touch, scroll), by the browser's clock.
    last_input_ms: f64,
    /// The newest change number heard of, by room: catch-up goes on until it is taken in.
    changes_heard: std::collections::HashMap<String, i64>,
    /// Rooms whose missed changes are being asked for (one request at a time per room).
    catching_up: std::collections::HashSet<String>,
}

impl Connection {
    /// A connection for `client`'s page of user `me`; [`Connection::connect`] starts it.
    pub fn new(client: ChatClient, me: &str) -> Self {
        let socket = Socket::new(move |e| {
            if let Some(conn) = client.connection() {
                conn.on_socket_event(e);
            }
        });
        Self {
            socket,
            client,
            me: me.into(),
            inner: Rc::default(),
        }
    }

    pub fn connect(&self) {
        watch_online(self.socket.clone());
        let this = self.clone();
        crate::browser::on_page_hide(move || this.leaving());
        self.watch_activity();
        self.socket.connect();
    }

    /// Follows whether this tab is in use (shown, and touched within `AWAY_AFTER_MS`) and tells
    /// the server when that changes; every connection says it in its CONNECT payload.
    fn watch_activity(&self) {
        let now = crate::browser::now_ms();
        let active = crate::browser::page_visible();
        {
            let mut inner = self.inner.borrow_mut();
            inner.last_input_ms = now;
            inner.active = active;
        }
        self.socket.set_auth(to_value(&ConnectAuth { active }));
        let this = self.clone();
        crate::browser::on_input(move || {
            let idle = {
                let mut inner = this.inner.borrow_mut();
                inner.last_input_ms = crate::browser::now_ms();
                !inner.active
            };
            if idle {
                this.check_activity();
            }
        });
        let this = self.clone();
        leptos::prelude::set_interval(move || this.check_activity(), IDLE_CHECK_EVERY);
    }

    /// Works out whether the tab is in use now; tells the server if that changed.
    pub fn check_activity(&self) {
        let visible = crate::browser::page_visible();
        let now = crate::browser::now_ms();
        let active = {
            let mut inner = self.inner.borrow_mut();
            let active = in_use_now(visible, inner.last_input_ms, now);
            if active == inner.active {
                return;
            }
            inner.active = active;
            active
        };
        self.socket.set_auth(to_value(&ConnectAuth { active }));
        if self.socket.is_connected() {
            // No ack asked: a refused notice changes nothing here (the next connection says it
            // again in its CONNECT payload).
            self.socket.emit(
                ActivityRequest::EVENT,
                to_value(&ActivityRequest { active }),
            );
        }
    }

    /// The tab was shown (counts as input) or hidden.
    pub fn visibility_changed(&self, visible: bool) {
        if visible {
            self.inner.borrow_mut().last_input_ms = crate::browser::now_ms();
        }
        self.check_activity();
    }

    /// Asks the server about `users`' presence, [`MAX_PRESENCE_USERS`] at a time (nothing while
    /// disconnected: every connection asks about all of them).
    pub fn ask_presence(&self, users: Vec<String>) {
        if users.is_empty() || !self.socket.is_connected() {
            return;
        }
        for chunk in users.chunks(MAX_PRESENCE_USERS) {
            let request = PresenceRequest {
                users: chunk
                    .iter()
                    .filter_map(|u| Username::exact(u).ok())
                    .collect(),
            };
            let this = self.clone();
            self.request(
                &request,
                move |reply: Result<PresenceReply, _>| match reply {
                    Ok(reply) => reply
                        .users
                        .into_iter()
                        .for_each(|p| this.client.presence_changed(p)),
                    Err(Failure::Refused(e)) => {
                        leptos::logging::warn!("natter: presence refused: {}", e.message)
                    }
                    Err(Failure::Timeout | Failure::Lost) => {}
                },
            );
        }
    }

    /// The page now shows `room`. (The room shown before is not left: the socket hears every
    /// room of the user's list, for unread counts.)
    pub fn enter_room(&self, room: &str) {
        {
            let mut inner = self.inner.borrow_mut();
            let previous = inner.room.replace(room.to_owned());
            if previous.as_deref() == Some(room) && inner.joined {
                return;
            }
            inner.joined = false;
        }
        self.join();
    }

    /// Tells the server the user has seen `room` up to `seq`; false when not connected. (A
    /// request lost with the connection is not sent again, but the next message seen or the
    /// next visit moves the position on; it never moves back.)
    pub fn mark_read(&self, room: &str, seq: i64) -> bool {
        if !self.socket.is_connected() {
            return false;
        }
        self.queue_read(room.to_owned(), seq);
        true
    }

    /// Keeps `seq` as `room`'s position to send. The first goes at once (a reader who opens a
    /// room and leaves loses nothing); more within the next second wait for its end and go as
    /// one per room.
    fn queue_read(&self, room: String, seq: i64) {
        let waiting = {
            let mut inner = self.inner.borrow_mut();
            let held = inner.unsent_reads.entry(room).or_default();
            *held = (*held).max(seq);
            inner.reads_timer
        };
        if !waiting {
            self.send_reads();
        }
    }

    /// Sends the read positions waiting (kept for the next connection while there is none),
    /// then holds further ones for [`MARK_READ_EVERY`].
    fn send_reads(&self) {
        let unsent = {
            let mut inner = self.inner.borrow_mut();
            if !self.socket.is_connected() || inner.unsent_reads.is_empty() {
                inner.reads_timer = false;
                return;
            }
            inner.reads_timer = true;
            std::mem::take(&mut inner.unsent_reads)
        };
        for (room, seq) in unsent {
            let Some(name) = room_name(&room) else {
                continue;
            };
            let request = MarkReadRequest { room: name, seq };
            let this = self.clone();
            self.request(&request, move |reply: Result<ReadReply, _>| match reply {
                Ok(r) => this.client.advance_read(r.into()),
                Err(Failure::Refused(e)) => {
                    leptos::logging::warn!("natter: mark_read refused: {}", e.message)
                }
                // The page shows it read already and will not ask again: send it again (with
                // the next ones, or on the next connection).
                Err(Failure::Timeout | Failure::Lost) => this.queue_read(room, seq),
            });
        }
        let this = self.clone();
        leptos::prelude::set_timeout(move || this.send_reads(), MARK_READ_EVERY);
    }

    /// The page is going away: what waits goes now.
    pub fn leaving(&self) {
        self.inner.borrow_mut().reads_timer = false;
        self.send_reads();
    }

    /// The members of `room` whose names start with `prefix`, for `then` (empty when not
    /// connected or refused).
    pub fn members(&self, room: &str, prefix: &str, then: impl FnOnce(Vec<String>) + 'static) {
        let Some(room) = room_name(room) else {
            return then(Vec::new());
        };
        let request = MembersRequest {
            room,
            prefix: prefix.to_owned(),
        };
        self.request(&request, move |reply: Result<MembersReply, _>| {
            then(reply.map(|r| r.members).unwrap_or_default())
        });
    }

    /// Tells the room's other readers that the user is typing.
    pub fn typing(&self, room: &str) {
        if !self.socket.is_connected() {
            return;
        }
        let Some(room) = room_name(room) else { return };
        let request = TypingRequest { room };
        // No ack asked: a refused notice is simply not shown (the server may answer with
        // `request_error`, which this client ignores).
        self.socket.emit(TypingRequest::EVENT, to_value(&request));
    }

    /// Someone is typing: shown for [`TYPING_SHOWN_MS`] after their latest notice.
    fn someone_typing(&self, notice: TypingEvent) {
        let until = crate::browser::now_ms() + TYPING_SHOWN_MS as f64;
        let key = (notice.room.clone(), notice.user.clone());
        self.inner
            .borrow_mut()
            .typing_until
            .insert(key.clone(), until);
        self.client.started_typing(notice);
        let this = self.clone();
        leptos::prelude::set_timeout(
            move || {
                let expired = {
                    let mut inner = this.inner.borrow_mut();
                    let expired = inner
                        .typing_until
                        .get(&key)
                        .is_some_and(|&t| t <= crate::browser::now_ms() + 1.0);
                    if expired {
                        inner.typing_until.remove(&key);
                    }
                    expired
                };
                if expired {
                    this.client.stopped_typing(&key.0, &key.1);
                }
            },
            Duration::from_millis(TYPING_SHOWN_MS),
        );
    }

    fn on_socket_event(&self, e: SocketEvent) {
        let state = self.client.state();
        match e {
            SocketEvent::Upgraded => state.transport().set(Some(Transport::Websocket)),
            SocketEvent::Connected { transport } => {
                state.status().set(ConnStatus::Connected);
                state.transport().set(Some(transport));
                let again = {
                    let mut inner = self.inner.borrow_mut();
                    inner.joined = false;
                    std::mem::replace(&mut inner.connected_before, true)
                };
                self.join();
                if again {
                    self.refresh_rooms();
                }
                self.send_reads();
                self.ask_presence(self.client.presence_wanted());
                // Whether the tab is in use may have changed after the CONNECT said it.
                let active = self.inner.borrow().active;
                self.socket.emit(
                    ActivityRequest::EVENT,
                    to_value(&ActivityRequest { active }),
                );
                if self.inner.borrow().watching_ops {
                    self.send_ops_watch();
                }
            }
            SocketEvent::Disconnected { retry_in_ms } => {
                {
                    let mut inner = self.inner.borrow_mut();
                    inner.joined = false;
                    inner.joining = false;
                    inner.in_flight = None;
                    inner.catching_up.clear();
                }
                state.status().set(ConnStatus::Disconnected { retry_in_ms });
            }
            SocketEvent::Reconnecting { attempt } => {
                state.status().set(ConnStatus::Reconnecting { attempt });
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
            event::MESSAGE => match read_through_text::<Message>(data) {
                Ok(m) => {
                    let (room, seq) = (m.room.clone(), m.seq);
                    self.inner
                        .borrow_mut()
                        .typing_until
                        .remove(&(room.clone(), m.author.clone()));
                    self.client.arrived(m, &self.me);
                    // A seq beyond the held ones means some were missed: fetch them.
                    let current = self.inner.borrow().room.as_deref() == Some(room.as_str());
                    if current && self.held(&room, |h| seq > h.contiguous_upto()) {
                        self.join();
                    }
                }
                Err(e) => leptos::logging::warn!("natter: bad message event: {e}"),
            },
            event::CHANGE => match read_through_text::<Change>(data) {
                Ok(c) => self.change_arrived(c),
                Err(e) => leptos::logging::warn!("natter: bad change event: {e}"),
            },
            // This server was cut off from the other nodes for a while: catch up on the open
            // room by seq, on the room list, and on who is around.
            event::RESYNC => {
                self.join();
                self.refresh_rooms();
                // Presence changes told meanwhile were not sent to this node's sockets.
                self.ask_presence(self.client.presence_wanted());
            }
            event::READ_POSITION => match read_through_text::<ReadReply>(data) {
                Ok(r) => self.client.advance_read(r.into()),
                Err(e) => leptos::logging::warn!("natter: bad read_position event: {e}"),
            },
            event::TYPING => match read_through_text::<TypingEvent>(data) {
                Ok(t) if *t.user != *self.me => self.someone_typing(t),
                Ok(_) => {}
                Err(e) => leptos::logging::warn!("natter: bad typing event: {e}"),
            },
            event::PRESENCE => match read_through_text::<UserPresence>(data) {
                Ok(p) => self.client.presence_changed(p),
                Err(e) => leptos::logging::warn!("natter: bad presence event: {e}"),
            },
            event::NOTIFICATIONS => match read_through_text::<NotificationsReply>(data) {
                Ok(n) => self.client.set_notify_level(n),
                Err(e) => leptos::logging::warn!("natter: bad notifications event: {e}"),
            },
            event::OPS_WINDOW => match read_through_text::<OpsWindow>(data) {
                Ok(w) => self.client.ops_arrived(OpsUpdate::Window(w)),
                Err(e) => leptos::logging::warn!("natter: bad ops_window event: {e}"),
            },
            event::ROOM_ADDED | event::ROOM_UPDATED | event::ROOM_REMOVED => {
                match read_through_text::<RoomReply>(data) {
                    Ok(r) if name == event::ROOM_REMOVED => self.client.remove_room(&r.room.name),
                    Ok(r) if name == event::ROOM_ADDED => self.client.put_room(r.room),
                    // A change to a room read but not listed (a public room being browsed)
                    // must not add it to the list.
                    Ok(r) => self.client.update_room(r.room),
                    Err(e) => leptos::logging::warn!("natter: bad {name} event: {e}"),
                }
            }
            _ => {}
        }
    }

    /// A change of a room the page holds messages of: the next one is applied at once; one
    /// further on shows that some were missed, and those are asked for first.
    fn change_arrived(&self, c: Change) {
        let room = c.room.clone();
        if self.client.changes_upto(&room).is_none() {
            return;
        }
        {
            let mut inner = self.inner.borrow_mut();
            let heard = inner.changes_heard.entry(room.clone()).or_default();
            *heard = (*heard).max(c.change);
        }
        if self.client.apply_changes(&room, std::slice::from_ref(&c)) == Applied::Gap {
            self.catch_up_changes(&room);
        }
    }

    /// Asks for `room`'s changes after the held position, page by page, until the newest one
    /// heard of is taken in. A request lost with the connection is not repeated: the next
    /// join asks for the same changes.
    fn catch_up_changes(&self, room: &str) {
        let Some(after) = self.client.changes_upto(room) else {
            return;
        };
        if !self.socket.is_connected() || !self.inner.borrow_mut().catching_up.insert(room.into()) {
            return;
        }
        let Some(name) = room_name(room) else { return };
        let request = ChangesRequest { room: name, after };
        let this = self.clone();
        let room = room.to_owned();
        self.request(&request, move |reply: Result<ChangesReply, _>| {
            this.inner.borrow_mut().catching_up.remove(&room);
            match reply {
                Ok(reply) => {
                    this.client.apply_changes(&room, &reply.changes);
                    let progressed = this.client.changes_upto(&room) > Some(after);
                    if reply.truncated && progressed {
                        this.catch_up_changes(&room);
                    } else if progressed {
                        this.changes_caught_up(&room);
                    }
                }
                Err(Failure::Refused(e)) => {
                    leptos::logging::warn!("natter: changes refused: {}", e.message)
                }
                Err(Failure::Timeout | Failure::Lost) => {}
            }
        });
    }

    /// After a run of changes: a change heard of meanwhile that is still ahead asks for more.
    fn changes_caught_up(&self, room: &str) {
        let heard = self
            .inner
            .borrow()
            .changes_heard
            .get(room)
            .copied()
            .unwrap_or(0);
        if self
            .client
            .changes_upto(room)
            .is_some_and(|upto| upto < heard)
        {
            self.catch_up_changes(room);
        }
    }

    /// `f` of what the page holds of `room`; false when it holds nothing.
    fn held(&self, room: &str, f: impl FnOnce(&History) -> bool) -> bool {
        self.client
            .state()
            .histories()
            .with_untracked(|h| h.get(room).is_some_and(f))
    }

    /// Sends `request` as `event` and settles its ack, whatever becomes of it: the reply, the
    /// server's error, an answer not understood, no answer in time, or the connection lost.
    fn request<R: Request>(
        &self,
        request: &R,
        then: impl FnOnce(Result<R::Reply, Failure>) + 'static,
    ) {
        let settle = move |answer: Result<Value, Failure>| {
            then(answer.and_then(|value| {
                match Reply::<R::Reply>::from_json(value, read_through_text) {
                    Ok(reply) => Result::from(reply).map_err(Failure::Refused),
                    Err(e) => Err(Failure::Refused(ErrorBody::new(
                        ErrorCode::Internal,
                        format!("The server's answer was not understood: {e}"),
                    ))),
                }
            }))
        };
        self.emit(R::EVENT, to_value(request), Box::new(settle));
    }

    /// The part of `request` that does not depend on the request's type (one copy in the
    /// WASM, not one per request): emits the event and hands its ack, or why there is none, on.
    fn emit(&self, event: &str, payload: Value, then: Box<dyn FnOnce(Result<Value, Failure>)>) {
        let settle = move |answer: Result<Value, AckError>| {
            then(answer.map_err(|e| match e {
                AckError::Timeout => Failure::Timeout,
                AckError::NotConnected | AckError::Disconnected => Failure::Lost,
            }))
        };
        self.socket
            .emit_with_ack(event, payload, ACK_TIMEOUT, Box::new(settle));
    }

    /// Sends `request` and gives `then` its reply, or why there is none as a sentence for the
    /// user (the server's own, when it refused).
    pub fn ask<R: Request>(
        &self,
        request: &R,
        then: impl FnOnce(Result<R::Reply, ErrorBody>) + 'static,
    ) {
        self.request(request, move |reply| {
            then(reply.map_err(|f| match f {
                Failure::Refused(e) => e,
                Failure::Timeout => ErrorBody::new(
                    ErrorCode::Unavailable,
                    "The server did not answer in time. Please try again.",
                ),
                Failure::Lost => super::changes::not_connected(),
            }))
        });
    }

    /// The ops dashboard came on screen (`on`) or went.
    pub fn watch_ops(&self, on: bool) {
        let was = std::mem::replace(&mut self.inner.borrow_mut().watching_ops, on);
        if !self.socket.is_connected() || was == on {
            return;
        }
        if on {
            self.send_ops_watch();
        } else {
            self.request(&OpsUnwatchRequest {}, |_| {});
        }
    }

    fn send_ops_watch(&self) {
        let this = self.clone();
        self.request(
            &OpsWatchRequest {},
            move |reply: Result<OpsWatchReply, _>| match reply {
                Ok(reply) => this.client.ops_arrived(OpsUpdate::History(reply.nodes)),
                Err(Failure::Refused(e)) => {
                    leptos::logging::warn!("natter: ops_watch refused: {}", e.message)
                }
                Err(Failure::Timeout | Failure::Lost) => {}
            },
        );
    }

    /// Asks for the user's room list again and takes it as it is now (after a reconnection or a
    /// `resync`, room events may have been missed).
    fn refresh_rooms(&self) {
        let this = self.clone();
        self.request(&RoomsRequest {}, move |reply: Result<RoomsReply, _>| {
            if let Ok(reply) = reply {
                this.client.replace_rooms(reply.rooms);
                this.client.replace_reads(reply.reads);
            }
        });
    }

    /// Joins the current room, asking for everything after the seq up to which the page holds
    /// every message, and for the changes after the one its messages are current to; called on
    /// each connection and whenever a gap shows.
    fn join(&self) {
        let Some(room) = self.inner.borrow().room.clone() else {
            return;
        };
        if !self.socket.is_connected() || self.inner.borrow().joining {
            return;
        }
        self.inner.borrow_mut().joining = true;
        let (after, changes_after) = self.client.state().histories().with_untracked(|h| {
            h.get(&room)
                .map(|h| (h.contiguous_upto(), h.changes_upto))
                .unzip()
        });
        let Some(name) = room_name(&room) else {
            self.inner.borrow_mut().joining = false;
            return;
        };
        let request = JoinRequest {
            room: name,
            after,
            changes_after,
        };
        let this = self.clone();
        self.request(&request, move |reply: Result<JoinReply, _>| {
            this.inner.borrow_mut().joining = false;
            if this.inner.borrow().room.as_deref() != Some(room.as_str()) {
                return;
            }
            match reply {
                Ok(reply) => {
                    this.client.advance_read(reply.read);
                    this.client.add_messages(&room, reply.messages);
                    this.client.set_pins(&room, reply.pins);
                    let changes = match changes_after {
                        Some(_) => this.client.apply_changes(&room, &reply.changes),
                        // The messages came as they stand now.
                        None => {
                            this.client.start_changes(&room, reply.room.last_change);
                            Applied::Done
                        }
                    };
                    if reply.changes_truncated || changes == Applied::Gap {
                        this.catch_up_changes(&room);
                    } else {
                        this.changes_caught_up(&room);
                    }
                    this.inner.borrow_mut().joined = true;
                    this.flush();
                    // More to fetch, or a gap opened while this join was under way.
                    if reply.truncated || this.held(&room, History::has_gap) {
                        this.join();
                    }
                }
                Err(Failure::Refused(e)) => {
                    leptos::logging::warn!("natter: join refused: {}", e.message)
                }
                // Lost with the connection: the next connection joins again.
                Err(Failure::Timeout | Failure::Lost) => {}
            }
        });
    }

    /// Sends the oldest unsent outbox message of the current room, if none is in flight.
    pub fn flush(&self) {
        let (room, joined, busy) = {
            let inner = self.inner.borrow();
            (inner.room.clone(), inner.joined, inner.in_flight.is_some())
        };
        let Some(room) = room else { return };
        if !joined || busy || !self.socket.is_connected() {
            return;
        }
        let next = self.client.state().outbox().with_untracked(|p| {
            p.iter()
                .find(|p| p.room == room && p.state == PendingState::Sending)
                .cloned()
        });
        let Some(p) = next else { return };
        let fields = (
            RoomName::parse(&p.room),
            MessageBody::parse(&p.body),
            ClientKey::parse(&p.key),
        );
        let request = match fields {
            (Ok(room), Ok(body), Ok(key)) => SendRequest {
                room,
                body,
                key: Some(key),
                reply_to: p.reply_to.as_ref().map(|q| q.seq),
            },
            // Checked when it was written: only a page older than a rule gets here.
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                self.client
                    .set_pending_state(&p.key, PendingState::Failed(e.message));
                // The next one waits for no answer to this one.
                return self.flush();
            }
        };
        self.inner.borrow_mut().in_flight = Some(p.key.clone());
        let this = self.clone();
        self.request(&request, move |reply: Result<SendReply, _>| {
            let mine = this.inner.borrow().in_flight.as_deref() == Some(p.key.as_str());
            if mine {
                this.inner.borrow_mut().in_flight = None;
            }
            match reply {
                Ok(reply) => this.client.add_messages(&p.room, vec![reply.message]),
                Err(Failure::Refused(e)) => this
                    .client
                    .set_pending_state(&p.key, PendingState::Failed(e.message)),
                // Stays in the outbox; sent again (same key) when the connection is back.
                Err(Failure::Timeout) => {}
                Err(Failure::Lost) => return,
            }
            if mine {
                this.flush();
            }
        });
    }
}

/// A room's name as a request field. The page's names are the server's, so none is refused;
/// one that were would be logged and its request not sent.
fn room_name(room: &str) -> Option<RoomName> {
    RoomName::parse(room)
        .inspect_err(|e| leptos::logging::warn!("natter: {room}: {}", e.message))
        .ok()
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Reconnects at once when the browser says it is back online.
fn watch_online(socket: Socket) {
    crate::browser::on_online(move || socket.connect_now_if_waiting());
}
