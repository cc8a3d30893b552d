//! The chat over the connection (browser only): joining the room on screen and catching up
//! after a loss, sending the outbox in order, read positions, whether the tab is in use, the
//! presence the views show, the ops dashboard's windows.
//!
//! [`ChatClient`] owns the [`Connection`] and this session's state ([`Link`]); the connection
//! hands what arrives to [`ChatClient::on_incoming`], which gives server events to
//! [`ChatClient::apply`] (the store's one entry for them) and acts on what it returns.

use super::connection::{Connection, Failure, Incoming, Sent};
use super::events::Next;
use super::handle::RawOps;
use super::ChatClient;
use crate::protocol::{
    in_use_now, ActivityRequest, ChangesRequest, ClientKey, ConnectAuth, JoinRequest,
    MarkReadRequest, MessageBody, OpsUnwatchRequest, OpsWatchRequest, PresenceRequest, Request,
    RoomName, RoomsRequest, SendRequest, Username, MAX_PRESENCE_USERS,
};
use crate::state::{Applied, ChatStoreFields, ConnStatus, History, PendingState, Transport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use socketio_browser::SocketEvent;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

/// Read positions are sent at most this often (the newest one of each room): a busy room
/// scrolling by would otherwise send one per message.
const MARK_READ_EVERY: Duration = Duration::from_secs(1);
/// How often the tab checks whether its user went idle.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(30);

/// The connection and what the chat is doing over it.
pub struct Link {
    pub conn: Connection,
    session: RefCell<Session>,
}

#[derive(Default)]
struct Session {
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
    /// Read positions waiting to be sent, by room (the newest seq seen).
    unsent_reads: HashMap<String, i64>,
    /// A read position went less than [`MARK_READ_EVERY`] ago: more wait for the timer.
    reads_timer: bool,
    /// Whether this tab is in use, as last told to the server.
    active: bool,
    /// When the user last touched the page (key, pointer, touch, scroll), by the browser's clock.
    last_input_ms: f64,
    /// The newest change number heard of, by room: catch-up goes on until it is taken in.
    changes_heard: HashMap<String, i64>,
    /// Rooms whose missed changes are being asked for (one request at a time per room).
    catching_up: HashSet<String>,
}

impl ChatClient {
    /// The connection, once opened.
    pub(super) fn link(&self) -> Option<Rc<Link>> {
        self.link.try_with_value(Clone::clone).flatten()
    }

    /// `f` of the session, when there is a connection.
    fn session<T>(&self, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        self.link().map(|l| f(&mut l.session.borrow_mut()))
    }

    fn connected(&self) -> bool {
        self.link().is_some_and(|l| l.conn.is_connected())
    }

    /// Sends `request` over the connection: its reply, or why there is none. (Only the
    /// payload and the reply are per request type; the sending is one boxed future.)
    fn call<R: Request>(
        self,
        request: R,
    ) -> impl std::future::Future<Output = Result<R::Reply, Failure>> {
        let sent = self.send_event(R::EVENT, super::changes::payload(&request));
        async move { super::changes::decode(sent.await?).map_err(Failure::Refused) }
    }

    /// Sends `event` with `payload` over the connection: the reply's payload, or why there is
    /// none (`Lost` when there is no connection yet).
    pub(super) fn send_event(self, event: &'static str, payload: serde_json::Value) -> Sent {
        match self.link() {
            Some(link) => link.conn.send(event, payload),
            None => Box::pin(std::future::ready(Err(Failure::Lost))),
        }
    }

    /// Opens the page's connection (once), following whether the tab is in use.
    pub(super) fn open_connection(self) {
        if self.link().is_some() {
            return;
        }
        let conn = Connection::open(move |incoming| self.on_incoming(incoming));
        self.link.set_value(Some(Rc::new(Link {
            conn: conn.clone(),
            session: RefCell::default(),
        })));
        crate::browser::on_page_hide(move || self.leaving());
        self.watch_activity();
        conn.connect();
    }

    /// Everything the connection reports.
    fn on_incoming(self, incoming: Incoming) {
        let state = self.state();
        match incoming {
            Incoming::Event(e) => match self.apply(e) {
                Next::Nothing => {}
                Next::Rejoin(room) => {
                    if self.session(|s| s.room.as_deref() == Some(room.as_str())) == Some(true) {
                        self.join();
                    }
                }
                Next::Changed { room, change, gap } => {
                    self.session(|s| {
                        let heard = s.changes_heard.entry(room.clone()).or_default();
                        *heard = (*heard).max(change);
                    });
                    if gap {
                        self.catch_up_changes(&room);
                    }
                }
                Next::Resync => {
                    self.join();
                    self.refresh_rooms();
                    // Presence changes told meanwhile were not sent to this node's sockets.
                    self.ask_presence(self.presence_wanted());
                }
            },
            Incoming::Socket(SocketEvent::Upgraded) => {
                state.transport().set(Some(Transport::Websocket))
            }
            Incoming::Socket(SocketEvent::Connected { transport }) => {
                state.status().set(ConnStatus::Connected);
                state.transport().set(Some(transport));
                let (again, active) = self
                    .session(|s| {
                        s.joined = false;
                        let again = std::mem::replace(&mut s.connected_before, true);
                        (again, s.active)
                    })
                    .unwrap_or_default();
                self.join();
                if again {
                    self.refresh_rooms();
                }
                self.send_reads();
                self.ask_presence(self.presence_wanted());
                // Whether the tab is in use may have changed after the CONNECT said it.
                if let Some(link) = self.link() {
                    link.conn.notice(&ActivityRequest { active });
                }
            }
            Incoming::Socket(SocketEvent::Disconnected { retry_in_ms }) => {
                self.session(|s| {
                    s.joined = false;
                    s.joining = false;
                    s.in_flight = None;
                    s.catching_up.clear();
                });
                state.status().set(ConnStatus::Disconnected { retry_in_ms });
            }
            Incoming::Socket(SocketEvent::Reconnecting { attempt }) => {
                state.status().set(ConnStatus::Reconnecting { attempt });
            }
            Incoming::Socket(SocketEvent::Refused { message }) => {
                // The session ended (logged out elsewhere, expired): log in again, then
                // come back here.
                if message.starts_with("not_authenticated") {
                    let here = crate::browser::current_path();
                    crate::browser::go_to(&format!("/login?{}", crate::pages::next_query(&here)));
                }
            }
            // The connection hands events over typed.
            Incoming::Socket(SocketEvent::Event { .. }) => {}
        }
    }

    /// Follows whether this tab is in use (shown, and touched within `AWAY_AFTER_MS`) and tells
    /// the server when that changes; every connection says it in its CONNECT payload.
    fn watch_activity(self) {
        let active = crate::browser::page_visible();
        let Some(link) = self.link() else { return };
        {
            let mut s = link.session.borrow_mut();
            s.last_input_ms = crate::browser::now_ms();
            s.active = active;
        }
        link.conn.set_auth(&ConnectAuth { active });
        crate::browser::on_input(move || {
            let idle = self
                .session(|s| {
                    s.last_input_ms = crate::browser::now_ms();
                    !s.active
                })
                .unwrap_or(false);
            if idle {
                self.check_activity();
            }
        });
        set_interval(move || self.check_activity(), IDLE_CHECK_EVERY);
    }

    /// Works out whether the tab is in use now; tells the server if that changed.
    fn check_activity(self) {
        let visible = crate::browser::page_visible();
        let now = crate::browser::now_ms();
        let Some(link) = self.link() else { return };
        let active = {
            let mut s = link.session.borrow_mut();
            let active = in_use_now(visible, s.last_input_ms, now);
            if active == s.active {
                return;
            }
            s.active = active;
            active
        };
        link.conn.set_auth(&ConnectAuth { active });
        // No ack asked: a refused notice changes nothing here (the next connection says it
        // again in its CONNECT payload).
        link.conn.notice(&ActivityRequest { active });
    }

    /// The tab was shown (counts as input) or hidden.
    pub(super) fn visibility_changed(self, visible: bool) {
        if visible {
            self.session(|s| s.last_input_ms = crate::browser::now_ms());
        }
        self.check_activity();
    }

    /// Asks the server about `users`' presence, [`MAX_PRESENCE_USERS`] at a time (nothing while
    /// disconnected: every connection asks about all of them).
    pub(super) fn ask_presence(self, users: Vec<String>) {
        if users.is_empty() || !self.connected() {
            return;
        }
        for chunk in users.chunks(MAX_PRESENCE_USERS) {
            let request = PresenceRequest {
                users: chunk
                    .iter()
                    .filter_map(|u| Username::exact(u).ok())
                    .collect(),
            };
            spawn_local(async move {
                match self.call(request).await {
                    Ok(reply) => reply
                        .users
                        .into_iter()
                        .for_each(|p| self.presence_changed(p)),
                    Err(Failure::Refused(e)) => {
                        leptos::logging::warn!("natter: presence refused: {}", e.message)
                    }
                    Err(Failure::Timeout | Failure::Lost) => {}
                }
            });
        }
    }

    /// The page now shows `room`. (The room shown before is not left: the socket hears every
    /// room of the user's list, for unread counts.)
    pub(super) fn enter(self, room: &str) {
        let again = self.session(|s| {
            let previous = s.room.replace(room.to_owned());
            let again = previous.as_deref() == Some(room) && s.joined;
            if !again {
                s.joined = false;
            }
            again
        });
        if again == Some(false) {
            self.join();
        }
    }

    /// Keeps `seq` as `room`'s position to send; false when not connected. The first goes at
    /// once (a reader who opens a room and leaves loses nothing); more within the next second
    /// wait for its end and go as one per room. (A request lost with the connection is sent
    /// again with the next ones; a position never moves back.)
    pub(super) fn queue_read(self, room: String, seq: i64) -> bool {
        if !self.connected() {
            return false;
        }
        self.hold_read(room, seq);
        true
    }

    /// Keeps `seq` as `room`'s position to send, and sends now unless a timer is running.
    fn hold_read(self, room: String, seq: i64) {
        let waiting = self.session(|s| {
            let held = s.unsent_reads.entry(room).or_default();
            *held = (*held).max(seq);
            s.reads_timer
        });
        if waiting == Some(false) {
            self.send_reads();
        }
    }

    /// Sends the read positions waiting (kept for the next connection while there is none),
    /// then holds further ones for [`MARK_READ_EVERY`].
    fn send_reads(self) {
        let connected = self.connected();
        let unsent = self.session(|s| {
            if !connected || s.unsent_reads.is_empty() {
                s.reads_timer = false;
                return HashMap::new();
            }
            s.reads_timer = true;
            std::mem::take(&mut s.unsent_reads)
        });
        let Some(unsent) = unsent.filter(|u| !u.is_empty()) else {
            return;
        };
        for (room, seq) in unsent {
            let Some(name) = room_name(&room) else {
                continue;
            };
            spawn_local(async move {
                match self.call(MarkReadRequest { room: name, seq }).await {
                    Ok(r) => self.advance_read(r.into()),
                    Err(Failure::Refused(e)) => {
                        leptos::logging::warn!("natter: mark_read refused: {}", e.message)
                    }
                    // The page shows it read already and will not ask again: send it again
                    // (with the next ones, or on the next connection).
                    Err(Failure::Timeout | Failure::Lost) => self.hold_read(room, seq),
                }
            });
        }
        set_timeout(move || self.send_reads(), MARK_READ_EVERY);
    }

    /// The page is going away: what waits goes now.
    fn leaving(self) {
        self.session(|s| s.reads_timer = false);
        self.send_reads();
    }

    /// The ops dashboard asks for every node's windows (`on`: on screen, on every connection)
    /// or stops. Only the dashboard calls this, so its code is split out with the dashboard's.
    pub(super) fn watch_ops_now(self, on: bool) {
        if !self.connected() {
            return;
        }
        if on {
            self.send_ops_watch();
        } else {
            spawn_local(async move {
                let _ = self.call(OpsUnwatchRequest {}).await;
            });
        }
    }

    /// Asks for every node's history; the reply goes to the dashboard as it came (RawOps).
    fn send_ops_watch(self) {
        let sent = self.send_event(
            OpsWatchRequest::EVENT,
            super::changes::payload(&OpsWatchRequest {}),
        );
        spawn_local(async move {
            match sent.await {
                Ok(reply) => self.ops_arrived(RawOps::History(reply)),
                Err(Failure::Refused(e)) => {
                    leptos::logging::warn!("natter: ops_watch refused: {}", e.message)
                }
                Err(Failure::Timeout | Failure::Lost) => {}
            }
        });
    }

    /// Asks for the user's room list again and takes it as it is now (after a reconnection or a
    /// `resync`, room events may have been missed).
    fn refresh_rooms(self) {
        spawn_local(async move {
            if let Ok(reply) = self.call(RoomsRequest {}).await {
                self.replace_rooms(reply.rooms);
                self.replace_reads(reply.reads);
            }
        });
    }

    /// Joins the current room, asking for everything after the seq up to which the page holds
    /// every message, and for the changes after the one its messages are current to; called on
    /// each connection and whenever a gap shows.
    fn join(self) {
        let connected = self.connected();
        let Some(Some(room)) = self.session(|s| {
            if !connected || s.joining {
                return None;
            }
            let room = s.room.clone()?;
            s.joining = true;
            Some(room)
        }) else {
            return;
        };
        let (after, changes_after) = self
            .history(&room, |h| (h.contiguous_upto(), h.changes_upto))
            .unzip();
        let Some(name) = room_name(&room) else {
            self.session(|s| s.joining = false);
            return;
        };
        let request = JoinRequest {
            room: name,
            after,
            changes_after,
        };
        spawn_local(async move {
            let reply = self.call(request).await;
            let current = self.session(|s| {
                s.joining = false;
                s.room.as_deref() == Some(room.as_str())
            });
            if current != Some(true) {
                return;
            }
            match reply {
                Ok(reply) => {
                    self.advance_read(reply.read);
                    self.add_messages(&room, reply.messages);
                    self.set_pins(&room, reply.pins);
                    let changes = match changes_after {
                        Some(_) => self.apply_changes(&room, &reply.changes),
                        // The messages came as they stand now.
                        None => {
                            self.start_changes(&room, reply.room.last_change);
                            Applied::Done
                        }
                    };
                    if reply.changes_truncated || changes == Applied::Gap {
                        self.catch_up_changes(&room);
                    } else {
                        self.changes_caught_up(&room);
                    }
                    self.session(|s| s.joined = true);
                    self.flush_outbox();
                    // More to fetch, or a gap opened while this join was under way.
                    if reply.truncated || self.history(&room, History::has_gap) == Some(true) {
                        self.join();
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

    /// Asks for `room`'s changes after the held position, page by page, until the newest one
    /// heard of is taken in. A request lost with the connection is not repeated: the next
    /// join asks for the same changes.
    fn catch_up_changes(self, room: &str) {
        let Some(after) = self.changes_upto(room) else {
            return;
        };
        if !self.connected() || self.session(|s| s.catching_up.insert(room.into())) != Some(true) {
            return;
        }
        let Some(name) = room_name(room) else { return };
        let room = room.to_owned();
        spawn_local(async move {
            let reply = self.call(ChangesRequest { room: name, after }).await;
            self.session(|s| s.catching_up.remove(&room));
            match reply {
                Ok(reply) => {
                    self.apply_changes(&room, &reply.changes);
                    let progressed = self.changes_upto(&room) > Some(after);
                    if reply.truncated && progressed {
                        self.catch_up_changes(&room);
                    } else if progressed {
                        self.changes_caught_up(&room);
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
    fn changes_caught_up(self, room: &str) {
        let heard = self
            .session(|s| s.changes_heard.get(room).copied())
            .flatten()
            .unwrap_or(0);
        if self.changes_upto(room).is_some_and(|upto| upto < heard) {
            self.catch_up_changes(room);
        }
    }

    /// Sends the oldest unsent outbox message of the current room, if none is in flight.
    pub(super) fn flush_outbox(self) {
        let connected = self.connected();
        let Some(Some(room)) = self.session(|s| {
            s.room
                .clone()
                .filter(|_| connected && s.joined && s.in_flight.is_none())
        }) else {
            return;
        };
        let next = self.state().outbox().with_untracked(|p| {
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
                self.set_pending_state(&p.key, PendingState::Failed(e.message));
                // The next one waits for no answer to this one.
                return self.flush_outbox();
            }
        };
        self.session(|s| s.in_flight = Some(p.key.clone()));
        spawn_local(async move {
            let reply = self.call(request).await;
            let mine = self
                .session(|s| {
                    let mine = s.in_flight.as_deref() == Some(p.key.as_str());
                    if mine {
                        s.in_flight = None;
                    }
                    mine
                })
                .unwrap_or(false);
            match reply {
                Ok(reply) => self.add_messages(&p.room, vec![reply.message]),
                Err(Failure::Refused(e)) => {
                    self.set_pending_state(&p.key, PendingState::Failed(e.message))
                }
                // Stays in the outbox; sent again (same key) when the connection is back.
                Err(Failure::Timeout) => {}
                Err(Failure::Lost) => return,
            }
            if mine {
                self.flush_outbox();
            }
        });
    }
}

/// A room's name as a request field. The page's names are the server's, so none is refused;
/// one that were would be logged and its request not sent.
pub(super) fn room_name(room: &str) -> Option<RoomName> {
    RoomName::parse(room)
        .inspect_err(|e| leptos::logging::warn!("natter: {room}: {}", e.message))
        .ok()
}
