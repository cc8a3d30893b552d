//! [`ChatClient`]: the one handle views use to chat, in both builds, and the one writer of the
//! chat store ([`Chat`]).
//!
//! It seeds the store from the server-rendered data and keeps the outbox; what arrives from the
//! server reaches the store through it too. Only the connection is browser-only: it is opened
//! from an effect, and the few methods that use it do nothing before (or without) it.

use crate::api::RoomPage;
use crate::protocol::{
    ErrorBody, Message, MessageBody, NodeHistory, NotificationsReply, OpsWindow, Quote, ReadState,
    Room, RoomKind, UserPresence,
};
use crate::state::{Chat, ChatStoreFields, History, Pending, PendingState};
use leptos::prelude::*;
use reactive_stores::Store;

/// A cheap (`Copy`) handle to the page's chat: the store and, in the browser, the connection.
#[derive(Clone, Copy)]
pub struct ChatClient {
    state: Store<Chat>,
    /// What arrived for the ops dashboard and the page has not taken yet (kept out of the
    /// store: only the dashboard reads it, in the browser).
    ops: RwSignal<Vec<RawOps>>,
    /// Users whose presence the views show: asked about on every connection, and followed.
    presence_wanted: StoredValue<std::collections::HashSet<String>>,
    /// The logged-in user's name.
    pub(super) me: StoredValue<String>,
    /// When each typing notice shown (room, user) expires, by the browser's clock.
    pub(super) typing_until: StoredValue<std::collections::HashMap<(String, String), f64>>,
    /// The connection and what the chat does over it (opened from an effect, in the browser).
    #[cfg(feature = "hydrate")]
    pub(super) link: StoredValue<Option<std::rc::Rc<super::sync::Link>>, LocalStorage>,
}

/// For the ops dashboard: every node's history (on each `ops_watch` reply), then windows.
#[derive(Debug, Clone, PartialEq)]
pub enum OpsUpdate {
    History(Vec<NodeHistory>),
    Window(OpsWindow),
}

/// An [`OpsUpdate`] as it arrived, not yet read: only the dashboard reads it, and its code is
/// split out of the room page's WASM, so the room page carries no reader of the ops types.
#[derive(Debug, Clone, PartialEq)]
pub enum RawOps {
    /// An `ops_watch` reply.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    History(serde_json::Value),
    /// An `ops_window` event.
    Window(serde_json::Value),
}

/// The most characters of a message a notification shows.
const NOTIFICATION_CHARS: usize = 200;

/// The chat client of this page (provided by the layout of every page behind the login).
pub fn use_client() -> ChatClient {
    expect_context::<ChatClient>()
}

impl ChatClient {
    /// Creates the store and the client for logged-in `user` and provides both as context. In
    /// the browser an effect then loads the user's saved outbox and the local time zone, and
    /// connects; another saves the outbox on every change, so a reload does not lose it.
    pub fn provide(user: &str) -> Self {
        let client = Self::new(user);
        provide_context(client.state);
        provide_context(client);
        let who = user.to_owned();
        Effect::new(move |_| client.start(&who));
        let who = user.to_owned();
        let outbox = client.state.outbox();
        Effect::new(move |first_run: Option<()>| {
            outbox.with(|p| {
                // The first run would save the empty outbox before the saved one is loaded.
                if first_run.is_some() {
                    crate::browser::save_outbox(&who, p)
                }
            })
        });
        client
    }

    pub(super) fn new(me: &str) -> Self {
        Self {
            state: Store::new(Chat::default()),
            ops: RwSignal::new(Vec::new()),
            presence_wanted: StoredValue::new(Default::default()),
            me: StoredValue::new(me.to_owned()),
            typing_until: StoredValue::new(Default::default()),
            #[cfg(feature = "hydrate")]
            link: StoredValue::new_local(None),
        }
    }

    /// The store the views read.
    pub fn state(&self) -> Store<Chat> {
        self.state
    }

    /// Browser only (called from an effect): the saved outbox, the time zone, the connection.
    fn start(self, user: &str) {
        let offset = crate::browser::utc_offset_min();
        if self.state.utc_offset_min().get_untracked() != Some(offset) {
            self.state.utc_offset_min().set(Some(offset));
        }
        crate::browser::remember_utc_offset(offset);
        self.state.outbox().set(crate::browser::load_outbox(user));
        self.set_visible(crate::browser::page_visible());
        crate::browser::on_visibility_change(move |visible| {
            self.set_visible(visible);
            #[cfg(feature = "hydrate")]
            self.visibility_changed(visible);
        });
        #[cfg(feature = "hydrate")]
        self.open_connection();
        super::changes::preload_message_changes();
    }

    /// The time zone the server rendered times in (the reader's, when their browser told it
    /// before), so hydration draws the same; the browser then sets its own.
    pub fn seed_utc_offset(&self, offset_min: Option<i32>) {
        if offset_min.is_some() && self.state.utc_offset_min().try_get_untracked() == Some(None) {
            self.state.utc_offset_min().set(offset_min);
        }
    }

    /// Takes in the sidebar's server-rendered room list, once: after that, live events and
    /// server-function results keep the list current.
    ///
    /// The seeding calls run while rendering, on the server and again while hydrating, before
    /// the views that read what they write are built; so both sides render the same.
    pub fn seed_rooms(&self, rooms: Vec<Room>, reads: Vec<ReadState>) {
        // Seeded already, or the page's state is gone (its response was dropped).
        if self.state.rooms_seeded().try_get_untracked() != Some(false) {
            return;
        }
        self.state.rooms_seeded().set(true);
        for r in reads {
            self.advance_read(r);
        }
        let missing: Vec<Room> = self.state.rooms().with_untracked(|held| {
            rooms
                .into_iter()
                .filter(|r| !held.contains_key(&r.name))
                .collect()
        });
        if !missing.is_empty() {
            self.state
                .rooms()
                .write()
                .extend(missing.into_iter().map(|r| (r.name.clone(), r)));
        }
    }

    /// Takes in a room page's server-rendered data: the room if it is not held yet, its
    /// messages by seq (keeping those held), and how far the page goes.
    pub fn seed_room(&self, page: &RoomPage) {
        let name = &page.room.name;
        if !self.state.rooms().with_untracked(|r| r.contains_key(name)) {
            self.state
                .rooms()
                .write()
                .insert(name.clone(), page.room.clone());
        }
        self.advance_read(page.read.clone());
        let newest = page.messages.last().map_or(0, |m| m.seq);
        // The page's messages are current up to the room's newest change; a history held
        // already keeps its own position (catch-up replays the changes after it).
        let held = self
            .state
            .histories()
            .with_untracked(|h| h.contains_key(name));
        self.update_history(name, |h| {
            h.loaded_upto = h.loaded_upto.max(newest);
            if !held {
                h.changes_upto = page.room.last_change;
            }
            h.insert(page.messages.iter().cloned());
            if !held {
                h.pins = page.pins.clone();
            }
        });
    }

    /// The pins a join brought: the room's as they stand now.
    pub fn set_pins(&self, room: &str, pins: Vec<Message>) {
        if self.history(room, |h| h.pins != pins) == Some(true) {
            self.update_history(room, |h| h.pins = pins);
        }
    }

    /// Messages of `room` the server confirmed (events, ack replies); confirms the outbox
    /// entries they answer.
    pub fn add_messages(&self, room: &str, messages: Vec<Message>) {
        if messages.is_empty() {
            return;
        }
        let confirmed: Vec<String> = messages.iter().filter_map(|m| m.key.clone()).collect();
        self.update_history(room, |h| h.insert(messages));
        if !confirmed.is_empty() {
            self.state
                .outbox()
                .write()
                .retain(|p| !confirmed.contains(&p.key));
        }
    }

    /// A message arrived live, in any room of the user's list: the room's newest seq, the
    /// user's unread mentions (and their read position, for their own message), who is typing.
    /// The page keeps its text only for rooms it holds a history of (it was opened here).
    pub fn arrived(&self, m: Message) {
        let me = self.me.get_value();
        let me = me.as_str();
        let name = m.room.clone();
        if let Some(room) = self.state.rooms().at_key(name.clone()).try_get_untracked() {
            if room.last_seq < m.seq {
                self.state.rooms().at_key(name.clone()).write().last_seq = m.seq;
            }
        }
        if m.author == me {
            self.advance_read(ReadState {
                room: name.clone(),
                read: m.seq,
                ..ReadState::default()
            });
        } else if m.mentions.iter().any(|u| u == me) {
            self.update_read(&name, |r| {
                if m.seq > r.read && !r.mentions.contains(&m.seq) {
                    r.mentions.push(m.seq);
                    r.mentions.sort_unstable();
                }
            });
        }
        self.stopped_typing(&name, &m.author);
        if m.author != me {
            self.notify(&m, me);
        }
        if self
            .state
            .histories()
            .with_untracked(|h| h.contains_key(&name))
        {
            self.add_messages(&name, vec![m]);
        }
    }

    /// Shows a browser notification for someone else's message `m` when the tab is hidden and
    /// the room's level asks for it (a mention of `me`, a direct message, or everything).
    fn notify(&self, m: &Message, me: &str) {
        if self.state.visible().get_untracked() {
            return;
        }
        let Some(room) = self
            .state
            .rooms()
            .with_untracked(|r| r.get(&m.room).cloned())
        else {
            return;
        };
        let level = self
            .state
            .reads()
            .with_untracked(|r| r.get(&m.room).map(|r| r.notify))
            .unwrap_or_default();
        let mentioned = m.mentions.iter().any(|u| u == me);
        let direct = room.kind == RoomKind::Direct;
        if !level.notifies(mentioned, direct) {
            return;
        }
        let title = if direct {
            m.author.clone()
        } else {
            format!("{} in {}", m.author, room.title(me))
        };
        let body: String = m.body.chars().take(NOTIFICATION_CHARS).collect();
        // One tag per message: the user's other hidden tabs show the same one, not another.
        let tag = format!("natter:{}:{}", m.room, m.seq);
        crate::browser::notify(&title, &body, &tag, &room.href());
    }

    /// A room's notification level changed (here, on another tab, or on another device).
    pub fn set_notify_level(&self, changed: NotificationsReply) {
        let held = self
            .state
            .reads()
            .with_untracked(|r| r.get(&changed.room).map(|r| r.notify));
        if held.is_some_and(|l| l != changed.level) {
            self.state
                .reads()
                .at_key(changed.room.clone())
                .write()
                .notify = changed.level;
        }
    }

    /// Someone's presence, as the server told.
    pub fn presence_changed(&self, p: UserPresence) {
        let held = self
            .state
            .presence()
            .with_untracked(|h| h.get(&p.user).copied());
        if held != Some(p.status) {
            self.state.presence().write().insert(p.user, p.status);
        }
    }

    /// The views show these users' presence: the connection asks the server about them (now
    /// and after every reconnection) and follows their changes.
    pub fn want_presence(&self, users: Vec<String>) {
        let new: Vec<String> = self
            .presence_wanted
            .try_update_value(|wanted| {
                users
                    .into_iter()
                    .filter(|u| wanted.insert(u.clone()))
                    .collect()
            })
            .unwrap_or_default();
        #[cfg(feature = "hydrate")]
        self.ask_presence(new);
        #[cfg(not(feature = "hydrate"))]
        let _ = new;
    }

    /// Every user whose presence the views show, by name.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn presence_wanted(&self) -> Vec<String> {
        let mut users: Vec<String> = self
            .presence_wanted
            .try_with_value(|w| w.iter().cloned().collect())
            .unwrap_or_default();
        users.sort_unstable();
        users
    }

    /// A read position from the server (or the page's data): taken if it is further on (the
    /// notification level held stays: it changes with [`ChatClient::set_notify_level`]).
    pub fn advance_read(&self, read: ReadState) {
        let held = self
            .state
            .reads()
            .with_untracked(|r| r.get(&read.room).cloned());
        match held {
            None => {
                self.state.reads().write().insert(read.room.clone(), read);
            }
            Some(h) if h.read < read.read => {
                let mut next = read.clone();
                // The level changes by its own event, not with a position.
                next.notify = h.notify;
                // Mentions seen live after the position the server sent stay.
                next.keep_mentions(&h.mentions);
                self.state.reads().write().insert(read.room.clone(), next);
            }
            Some(_) => {}
        }
    }

    /// Every read state, as the server has them now (after a reconnection): rooms no longer
    /// listed go; a position held here that is further on (a `mark_read` still under way)
    /// stays, with every mention after it; the levels are the server's.
    pub fn replace_reads(&self, reads: Vec<ReadState>) {
        let held = self.state.reads().get_untracked();
        let fresh: std::collections::HashMap<String, ReadState> = reads
            .into_iter()
            .map(|fresh| {
                let merged = match held.get(&fresh.room) {
                    Some(h) if h.read > fresh.read => {
                        let mut m = h.clone();
                        m.notify = fresh.notify;
                        m.keep_mentions(&fresh.mentions);
                        m
                    }
                    _ => fresh,
                };
                (merged.room.clone(), merged)
            })
            .collect();
        if held != fresh {
            self.state.reads().set(fresh);
        }
    }

    fn update_read(&self, room: &str, f: impl FnOnce(&mut ReadState)) {
        if self.state.reads().with_untracked(|r| r.contains_key(room)) {
            f(&mut self.state.reads().at_key(room.to_owned()).write());
        }
    }

    /// The user has seen `room` up to `seq`: tells the server (which tells the user's other
    /// tabs) and moves the position here at once, unless it is there already. Nothing happens
    /// while disconnected: the view asks again once the connection is back.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn mark_read(&self, room: &str, seq: i64) {
        let behind = self
            .state
            .reads()
            .with_untracked(|r| r.get(room).is_some_and(|r| r.read < seq));
        if !behind {
            return;
        }
        #[cfg(feature = "hydrate")]
        if self.queue_read(room.to_owned(), seq) {
            self.update_read(room, |r| r.advance(seq));
        }
    }

    /// The members of `room` whose names start with `prefix` (for `@` mentions); none when the
    /// server could not answer.
    pub async fn members(self, room: &str, prefix: &str) -> Vec<String> {
        let Ok(room) = crate::protocol::RoomName::parse(room) else {
            return Vec::new();
        };
        let request = crate::protocol::MembersRequest {
            room,
            prefix: prefix.to_owned(),
        };
        self.request(request)
            .await
            .map(|r| r.members)
            .unwrap_or_default()
    }

    /// The page's tab became visible or hidden (a browser listener tells).
    pub fn set_visible(&self, visible: bool) {
        if self.state.visible().get_untracked() != visible {
            self.state.visible().set(visible);
        }
    }

    /// A room entered the user's list or changed (members): the newest version wins. A room new
    /// to the list starts read up to its newest message, as the server starts it.
    pub fn put_room(&self, room: Room) {
        let unread_known = self
            .state
            .reads()
            .with_untracked(|r| r.contains_key(&room.name));
        if !unread_known {
            self.state.reads().write().insert(
                room.name.clone(),
                ReadState {
                    room: room.name.clone(),
                    read: room.last_seq,
                    ..ReadState::default()
                },
            );
        }
        self.state.rooms().write().insert(room.name.clone(), room);
    }

    /// The user's whole room list, as the server has it now: rooms that left it go, new ones
    /// come, changed ones change (nothing is written when nothing changed).
    pub fn replace_rooms(&self, rooms: Vec<Room>) {
        let fresh: std::collections::HashMap<String, Room> =
            rooms.into_iter().map(|r| (r.name.clone(), r)).collect();
        if self.state.rooms().with_untracked(|held| *held != fresh) {
            self.state.rooms().set(fresh);
        }
    }

    /// A room in the user's list changed; a room not in it stays out.
    pub fn update_room(&self, room: Room) {
        if self
            .state
            .rooms()
            .with_untracked(|r| r.contains_key(&room.name))
        {
            self.put_room(room);
        }
    }

    /// A room left the user's list. Its history stays for the page that shows it.
    pub fn remove_room(&self, name: &str) {
        if self.state.rooms().with_untracked(|r| r.contains_key(name)) {
            self.state.rooms().write().remove(name);
        }
        if self.state.reads().with_untracked(|r| r.contains_key(name)) {
            self.state.reads().write().remove(name);
        }
    }

    /// Writes one room's history, creating it if the page holds none yet.
    pub(super) fn update_history(&self, room: &str, f: impl FnOnce(&mut History)) {
        let histories = self.state.histories();
        if histories.with_untracked(|h| h.contains_key(room)) {
            f(&mut histories.at_key(room.to_owned()).write());
        } else {
            let mut history = History::default();
            f(&mut history);
            histories.write().insert(room.to_owned(), history);
        }
    }

    /// The ops dashboard is on screen (`true`) or not: asks the server for every node's
    /// windows (again after each reconnection), or to stop.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn watch_ops(&self, on: bool) {
        #[cfg(feature = "hydrate")]
        self.watch_ops_now(on);
    }

    /// Takes what arrived for the dashboard since the last call (tracked: an effect calling it
    /// runs again when more arrives).
    pub fn take_ops_updates(&self) -> Vec<OpsUpdate> {
        if self.ops.with(Vec::is_empty) {
            return Vec::new();
        }
        let raw = std::mem::take(&mut *self.ops.write());
        raw.into_iter()
            .filter_map(|update| {
                let read = match update {
                    RawOps::History(v) => super::decode::<crate::protocol::OpsWatchReply>(v)
                        .map(|r| OpsUpdate::History(r.nodes)),
                    RawOps::Window(v) => super::decode(v).map(OpsUpdate::Window),
                };
                read.inspect_err(|e| leptos::logging::warn!("natter: ops: {}", e.message))
                    .ok()
            })
            .collect()
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn ops_arrived(&self, update: RawOps) {
        self.ops.update(|u| u.push(update));
    }

    /// The page now shows `room`: join it (catching up from what the page holds), and leave
    /// the one shown before.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn enter_room(&self, room: &str) {
        #[cfg(feature = "hydrate")]
        self.enter(room);
    }

    /// Puts a message in the outbox and sends it when it can. Bad input is refused at once.
    /// `author` is the logged-in user, shown on the pending message; the server sets the real one.
    /// `reply_to` quotes the message of the same room it answers.
    pub fn send(
        &self,
        room: &str,
        author: &str,
        body: &str,
        reply_to: Option<Quote>,
    ) -> Result<(), ErrorBody> {
        let body = MessageBody::parse(body)?;
        self.state.outbox().write().push(Pending {
            key: crate::browser::new_key(),
            room: room.to_owned(),
            author: author.to_owned(),
            body: body.as_str().to_owned(),
            reply_to,
            state: PendingState::Sending,
        });
        self.flush();
        Ok(())
    }

    /// Sends a failed message again, with its original key.
    pub fn retry(&self, key: &str) {
        self.set_pending_state(key, PendingState::Sending);
        self.flush();
    }

    /// Drops a failed message from the outbox.
    pub fn discard(&self, key: &str) {
        self.state.outbox().write().retain(|p| p.key != key);
    }

    pub(crate) fn set_pending_state(&self, key: &str, state: PendingState) {
        if let Some(p) = self
            .state
            .outbox()
            .write()
            .iter_mut()
            .find(|p| p.key == key)
        {
            p.state = state;
        }
    }

    /// Lets the connection send the next outbox message, if it can now.
    fn flush(&self) {
        #[cfg(feature = "hydrate")]
        self.flush_outbox();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RoomKind;
    use crate::state::tests::msg;

    fn room(name: &str, members: &[&str]) -> Room {
        Room {
            name: name.into(),
            kind: RoomKind::Private,
            owner: None,
            members: members.iter().map(|m| m.to_string()).collect(),
            ..Room::default()
        }
    }

    fn names(client: &ChatClient) -> Vec<String> {
        client.state().rooms().with_untracked(|r| {
            let mut names: Vec<String> = r.keys().cloned().collect();
            names.sort_unstable();
            names
        })
    }

    fn seqs(client: &ChatClient, room: &str) -> Vec<i64> {
        client.state().histories().with_untracked(|h| {
            h.get(room)
                .map(|h| h.messages.keys().copied().collect())
                .unwrap_or_default()
        })
    }

    #[test]
    fn rooms_are_seeded_once_then_patched_live() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            client.seed_rooms(vec![room("b", &[]), room("a", &["x"])], vec![]);
            client.put_room(room("a", &["x", "y"]));
            client.put_room(room("c", &[]));
            client.remove_room("b");
            // A second seeding (a re-rendered sidebar) changes nothing.
            client.seed_rooms(vec![room("a", &["x"]), room("b", &[])], vec![]);
            assert_eq!(names(&client), ["a", "c"]);
            let members = client
                .state()
                .rooms()
                .with_untracked(|r| r["a"].members.clone());
            assert_eq!(members, ["x", "y"]);
        });
    }

    #[test]
    fn a_room_page_keeps_what_is_held_and_lists_its_room() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            client.add_messages("general", vec![msg("general", 4)]);
            let page = RoomPage {
                room: room("general", &[]),
                messages: vec![msg("general", 2), msg("general", 3)],
                read: ReadState::default(),
                pins: Vec::new(),
            };
            client.seed_room(&page);
            client.seed_room(&page);
            assert_eq!(seqs(&client, "general"), [2, 3, 4]);
            assert_eq!(names(&client), ["general"]);
            let upto = client
                .state()
                .histories()
                .with_untracked(|h| h["general"].contiguous_upto());
            assert_eq!(upto, 4);
        });
    }

    #[test]
    fn the_outbox_keeps_the_typed_order_until_confirmed() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            assert!(client.send("general", "ada", "   ", None).is_err());
            client.send("general", "ada", "one", None).unwrap();
            client.send("general", "ada", "two", None).unwrap();
            let outbox = || client.state().outbox().get_untracked();
            let keys: Vec<String> = outbox().into_iter().map(|p| p.key).collect();
            assert_eq!(outbox().len(), 2);
            assert_ne!(keys[0], keys[1]);
            assert_eq!(outbox()[0].body, "one");

            client.set_pending_state(&keys[1], PendingState::Failed("no".into()));
            client.retry(&keys[1]);
            assert_eq!(outbox()[1].state, PendingState::Sending);

            let mut echo = msg("general", 1);
            echo.key = Some(keys[0].clone());
            client.add_messages("general", vec![echo]);
            assert_eq!(outbox().len(), 1);
            assert_eq!(outbox()[0].body, "two");
            client.discard(&keys[1]);
            assert!(outbox().is_empty());
            assert_eq!(seqs(&client, "general"), [1]);
        });
    }
}
