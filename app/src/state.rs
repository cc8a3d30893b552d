//! The reactive state of the chat in the browser: one keyed store, [`Chat`].
//!
//! Views read it; only the client handle ([`crate::client::ChatClient`]) writes it: it seeds it
//! from the server-rendered data and patches it with socket events and ack results. Its starting
//! values and its seeding are the same on the server and in the browser, so the server's HTML
//! and the hydrated page match.

use crate::protocol::{Change, Message, NotifyLevel, Presence, Quote, ReadState, Room};
use leptos::prelude::*;
use reactive_stores::Store;
use std::collections::{BTreeMap, HashMap};

/// The socket's state, as the status line shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnStatus {
    /// The first connection attempt is under way (also what the server renders).
    #[default]
    Connecting,
    Connected,
    /// Lost; the next attempt starts after `retry_in_ms`.
    Disconnected {
        retry_in_ms: u32,
    },
    /// Attempt number `attempt` (1, 2, …) after a loss is under way.
    Reconnecting {
        attempt: u32,
    },
}

impl ConnStatus {
    /// A short word for the status line and for tests (`data-status`).
    pub fn word(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "connecting",
            ConnStatus::Connected => "connected",
            ConnStatus::Disconnected { .. } => "disconnected",
            ConnStatus::Reconnecting { .. } => "reconnecting",
        }
    }
}

/// How Engine.IO carries the connection.
pub use socketio_browser::Transport;

/// Where a message the user sent stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PendingState {
    /// Sent or waiting for the connection; no ack yet.
    Sending,
    /// The server refused it; the sentence says why.
    Failed(String),
}

/// A message the user sent that the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The idempotency key: the same key on every retry.
    pub key: String,
    pub room: String,
    pub author: String,
    pub body: String,
    /// The message this one answers, as the composer showed it (saved outboxes from before
    /// replies have none).
    #[serde(default)]
    pub reply_to: Option<Quote>,
    pub state: PendingState,
}

/// Everything the chat views read.
#[derive(Debug, Store)]
pub struct Chat {
    /// True once the sidebar's server-rendered room list was taken in (it is taken in once:
    /// after that, live events keep the list current).
    pub rooms_seeded: bool,
    /// The rooms in the user's list, by name (the sidebar sorts them by name).
    #[store(key: String = |(name, _)| name.clone())]
    pub rooms: HashMap<String, Room>,
    /// The messages the page holds, per room name. A room that leaves the list keeps its
    /// history here, so its page still shows what was said.
    #[store(key: String = |(name, _)| name.clone())]
    pub histories: HashMap<String, History>,
    /// How far the user has read each room of their list, by room name.
    #[store(key: String = |(name, _)| name.clone())]
    pub reads: HashMap<String, ReadState>,
    /// Who is typing, per room name: usernames in name order (never the user themselves).
    pub typing: HashMap<String, Vec<String>>,
    /// Who is online, away or offline, by username, as far as the server told (nothing is
    /// known before the connection is up: the server renders none).
    pub presence: HashMap<String, Presence>,
    /// True while the page's tab is visible (the browser says so; the server renders `true`).
    pub visible: bool,
    /// The outbox: messages sent but not confirmed, in the order they were typed.
    pub outbox: Vec<Pending>,
    pub status: ConnStatus,
    /// `None` before the first connection.
    pub transport: Option<Transport>,
    /// The local time zone's offset from UTC in minutes, once the browser told it. Until then,
    /// times show in UTC, as on the server, so hydration matches.
    pub utc_offset_min: Option<i32>,
}

impl Default for Chat {
    fn default() -> Self {
        Self {
            rooms_seeded: false,
            rooms: HashMap::new(),
            histories: HashMap::new(),
            reads: HashMap::new(),
            typing: HashMap::new(),
            presence: HashMap::new(),
            visible: true,
            outbox: Vec::new(),
            status: ConnStatus::default(),
            transport: None,
            utc_offset_min: None,
        }
    }
}

/// Unread messages and unread mentions, of one room or of all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    pub messages: i64,
    pub mentions: usize,
}

impl Unread {
    /// Of `room`, read as far as `read` says (nothing unread when no position is known).
    pub fn of(room: &Room, read: Option<&ReadState>) -> Self {
        read.map_or_else(Self::default, |r| Self {
            messages: r.unread(room.last_seq),
            mentions: r.unread_mentions(),
        })
    }

    /// Of every room in `rooms` but the muted ones.
    pub fn total(rooms: &HashMap<String, Room>, reads: &HashMap<String, ReadState>) -> Self {
        rooms
            .values()
            .filter(|r| {
                reads
                    .get(&r.name)
                    .is_none_or(|s| s.notify != NotifyLevel::Muted)
            })
            .map(|r| Self::of(r, reads.get(&r.name)))
            .fold(Self::default(), |a, b| Self {
                messages: a.messages + b.messages,
                mentions: a.mentions + b.mentions,
            })
    }
}

/// What the page holds of one room.
#[derive(Debug, Default, Store)]
pub struct History {
    /// The newest seq the room's page was loaded with (0: the room was empty). The page holds
    /// every message up to it; catch-up asks for what came after.
    pub loaded_upto: i64,
    /// The room's change number up to which the held messages are current: every edit,
    /// deletion and reaction numbered up to it is in them. Catch-up asks for the changes after
    /// it; a live change further on than the next shows that some were missed.
    pub changes_upto: i64,
    /// By seq: one entry per seq, in seq order.
    #[store(key: i64 = |(seq, _)| *seq)]
    pub messages: BTreeMap<i64, Message>,
    /// The room's pinned messages, the newest pin first: from the join, then kept by the
    /// changes (each carries its message as it stands, pinned or not).
    pub pins: Vec<Message>,
}

/// What taking in a run of changes came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Every change was taken in, or was held already.
    Done,
    /// A change came further on than the next one: those between were missed.
    Gap,
}

impl History {
    /// Takes in messages; a seq already held is kept as it is (only changes alter a held
    /// message, in the order of the room's change log).
    pub fn insert(&mut self, messages: impl IntoIterator<Item = Message>) {
        for m in messages {
            self.messages.entry(m.seq).or_insert(m);
        }
    }

    /// The newest seq up to which every message is held.
    pub fn contiguous_upto(&self) -> i64 {
        let mut upto = self.loaded_upto;
        for &seq in self.messages.range(upto + 1..).map(|(seq, _)| seq) {
            if seq != upto + 1 {
                break;
            }
            upto = seq;
        }
        upto
    }

    /// The oldest seq held, if any.
    pub fn oldest(&self) -> Option<i64> {
        self.messages.keys().next().copied()
    }

    /// True when the room has messages older than those held (seqs start at 1).
    pub fn has_older(&self) -> bool {
        self.oldest().is_some_and(|seq| seq > 1)
    }

    /// Takes in a message as it stands now (from a change or an ack): it replaces the held
    /// one, and the replies held that quote it show its new start (or that it was deleted).
    /// A message not held (older than the page) only refreshes those quotes.
    pub fn put(&mut self, message: &Message) {
        if let Some(held) = self.messages.get_mut(&message.seq) {
            if held != message {
                *held = message.clone();
            }
        }
        self.pin(message);
        let snippet = if message.deleted {
            String::new()
        } else {
            Quote::snippet_of_html(&message.html)
        };
        for m in self.messages.values_mut() {
            if let Some(q) = m.reply_to.as_mut().filter(|q| q.seq == message.seq) {
                if q.snippet != snippet || q.deleted != message.deleted {
                    q.snippet = snippet.clone();
                    q.deleted = message.deleted;
                }
            }
        }
    }

    /// Keeps [`History::pins`] for a message as it stands now: in its place (the newest pin
    /// first) while pinned, out of the list once not.
    pub fn pin(&mut self, message: &Message) {
        let held = self.pins.iter().position(|p| p.seq == message.seq);
        match (&message.pinned, held) {
            (None, None) => {}
            (None, Some(i)) => {
                self.pins.remove(i);
            }
            (Some(_), Some(i)) if self.pins[i] == *message => {}
            (Some(pin), held) => {
                if let Some(i) = held {
                    self.pins.remove(i);
                }
                let at = self
                    .pins
                    .iter()
                    .position(|p| p.pinned.as_ref().is_some_and(|q| q.at < pin.at))
                    .unwrap_or(self.pins.len());
                self.pins.insert(at, message.clone());
            }
        }
    }

    /// Takes in changes in log order: those up to [`History::changes_upto`] were taken in
    /// already, the next one is applied and moves the position on; one further on stops the
    /// run (a [`Applied::Gap`]: ask for those after the position).
    pub fn apply(&mut self, changes: &[Change]) -> Applied {
        for c in changes {
            if c.change <= self.changes_upto {
                continue;
            }
            if c.change != self.changes_upto + 1 {
                return Applied::Gap;
            }
            self.put(&c.message);
            self.changes_upto = c.change;
        }
        Applied::Done
    }

    /// True when a message beyond the contiguous ones is held: some were missed.
    pub fn has_gap(&self) -> bool {
        self.messages
            .keys()
            .next_back()
            .is_some_and(|&newest| newest > self.contiguous_upto())
    }
}

/// The chat store of this page (provided by the layout of every page behind the login).
pub fn use_chat_state() -> Store<Chat> {
    expect_context::<Store<Chat>>()
}

/// The logged-in user's name (provided by the layout of every page behind the login).
pub fn use_me() -> String {
    use_context::<crate::protocol::Me>()
        .map(|m| m.username)
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn msg(room: &str, seq: i64) -> Message {
        Message {
            id: format!("id{seq}"),
            room: room.into(),
            seq,
            author: "a".into(),
            body: format!("m{seq}"),
            ..Message::default()
        }
    }

    #[test]
    fn muted_rooms_stay_out_of_the_total() {
        let room = |name: &str| {
            (
                name.to_owned(),
                Room {
                    name: name.into(),
                    last_seq: 5,
                    ..Room::default()
                },
            )
        };
        let read = |name: &str, notify| {
            (
                name.to_owned(),
                ReadState {
                    room: name.into(),
                    read: 3,
                    mentions: vec![4],
                    notify,
                },
            )
        };
        let rooms = HashMap::from([room("a"), room("b")]);
        let reads = HashMap::from([read("a", NotifyLevel::All), read("b", NotifyLevel::Muted)]);
        assert_eq!(
            Unread::total(&rooms, &reads),
            Unread {
                messages: 2,
                mentions: 1
            }
        );
    }

    fn history(loaded_upto: i64, seqs: &[i64]) -> History {
        let mut h = History {
            loaded_upto,
            ..History::default()
        };
        h.insert(seqs.iter().map(|&s| msg("general", s)));
        h
    }

    #[test]
    fn a_held_seq_is_kept_once() {
        let mut h = history(0, &[1, 2]);
        let mut again = msg("general", 2);
        again.body = "changed".into();
        h.insert([again, msg("general", 3)]);
        assert_eq!(h.messages.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(h.messages[&2].body, "m2");
    }

    #[test]
    fn contiguous_runs_from_the_loaded_page_to_the_first_gap() {
        assert_eq!(history(0, &[]).contiguous_upto(), 0);
        assert_eq!(history(3, &[1, 2, 3]).contiguous_upto(), 3);
        assert_eq!(history(3, &[1, 2, 3, 4, 5, 7]).contiguous_upto(), 5);
        assert!(history(3, &[1, 2, 3, 4, 5, 7]).has_gap());
        assert!(!history(3, &[1, 2, 3, 4]).has_gap());
        // A room loaded empty whose first live message is not seq 1 missed some.
        assert!(history(0, &[2]).has_gap());
    }

    fn change(n: i64, message: Message) -> Change {
        Change {
            room: message.room.clone(),
            change: n,
            kind: crate::protocol::ChangeKind::Edit,
            seq: message.seq,
            actor: message.author.clone(),
            emoji: None,
            ts: 0,
            message,
        }
    }

    fn edited(seq: i64, body: &str) -> Message {
        Message {
            body: body.into(),
            html: format!("<p>{}</p>\n", body.replace('\n', "<br />\n")),
            edited: Some(1),
            ..msg("general", seq)
        }
    }

    #[test]
    fn changes_apply_once_in_order_and_stop_at_a_gap() {
        let mut h = history(3, &[1, 2, 3]);
        h.changes_upto = 4;
        // Held already: ignored, even when it says something else.
        assert_eq!(h.apply(&[change(4, edited(1, "old"))]), Applied::Done);
        assert_eq!(h.messages[&1].body, "m1");
        assert_eq!(
            h.apply(&[change(5, edited(1, "one")), change(6, edited(2, "two"))]),
            Applied::Done
        );
        assert_eq!((h.messages[&1].body.as_str(), h.changes_upto), ("one", 6));
        // 7 is missing: 8 waits for it.
        assert_eq!(h.apply(&[change(8, edited(3, "three"))]), Applied::Gap);
        assert_eq!((h.messages[&3].body.as_str(), h.changes_upto), ("m3", 6));
        // A message not held (older than the page) moves the position all the same.
        assert_eq!(h.apply(&[change(7, edited(40, "x"))]), Applied::Done);
        assert_eq!(h.changes_upto, 7);
        assert!(!h.messages.contains_key(&40));
    }

    #[test]
    fn replies_follow_what_they_quote() {
        let mut h = history(3, &[1, 2, 3]);
        let quote = |seq| {
            Some(Quote {
                seq,
                author: "a".into(),
                snippet: format!("m{seq}"),
                deleted: false,
            })
        };
        h.messages.get_mut(&2).unwrap().reply_to = quote(1);
        h.messages.get_mut(&3).unwrap().reply_to = quote(0);
        h.put(&edited(1, "new\nwords"));
        assert_eq!(
            h.messages[&2].reply_to.as_ref().unwrap().snippet,
            "new words"
        );
        // A quote of a message not held follows it too.
        h.put(&Message {
            deleted: true,
            body: String::new(),
            ..msg("general", 0)
        });
        let q = h.messages[&3].reply_to.clone().unwrap();
        assert!(q.deleted && q.snippet.is_empty());
        assert_eq!(h.oldest(), Some(1));
        assert!(!h.has_older());
    }

    #[test]
    fn pins_follow_the_changes_newest_pin_first() {
        let pinned = |seq: i64, at: i64| Message {
            pinned: Some(crate::protocol::Pinned {
                by: "ada".into(),
                at,
            }),
            ..msg("general", seq)
        };
        let seqs = |h: &History| h.pins.iter().map(|m| m.seq).collect::<Vec<_>>();
        let mut h = History::default();
        h.put(&pinned(3, 10));
        h.put(&pinned(1, 30));
        h.put(&pinned(2, 20));
        assert_eq!(seqs(&h), [1, 2, 3]);
        // Edited while pinned: in its place, as it stands.
        let mut edited = pinned(2, 20);
        edited.body = "changed".into();
        h.put(&edited);
        assert_eq!(seqs(&h), [1, 2, 3]);
        assert_eq!(h.pins[1].body, "changed");
        // Unpinned, or deleted (a deletion unpins): out.
        h.put(&msg("general", 1));
        h.put(&Message {
            deleted: true,
            ..msg("general", 3)
        });
        assert_eq!(seqs(&h), [2]);
        // Pinned again later: first.
        h.put(&pinned(3, 40));
        assert_eq!(seqs(&h), [3, 2]);
    }
}
