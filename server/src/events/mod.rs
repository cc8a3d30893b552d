//! The one stream of what changed. Every operation of the chat service that changes something
//! publishes one typed [`Event`] after its commit, and does not know who listens. Whatever
//! reacts to a change is a consumer of this stream, registered in one place ([`Events::start`]):
//! the socket fan-out ([`fanout`]), the ops counters ([`counters`]), and next the search index,
//! webhooks and push.
//!
//! Each consumer has a bounded queue and a task of its own, so a slow consumer delays neither
//! the operation (publishing never waits: an ack goes out as soon as the commit is done) nor
//! another consumer. A consumer whose queue is full loses the events that do not fit; it is
//! told how many ([`Consumer::lost`]) once it has room again, and catches up its own way
//! (the fan-out tells every client to catch up by seq and change number; docs/architecture.md).
//! Events of one node reach each consumer in the order they were published.

pub mod counters;
pub mod fanout;

use app::protocol::{
    Change, Message, NotificationsReply, ReadReply, Room, TypingEvent, UserPresence,
};
use socketioxide::adapter::Adapter;
use socketioxide::SocketIo;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Something that happened, after it was stored: what consumers hear.
#[derive(Debug, Clone)]
pub enum Event {
    /// A new message was stored (a retried key is not new). Without its author's key: the room
    /// hears it as is.
    MessagePosted(Message),
    /// The next entry of a room's change log: a message edited, deleted, reacted to, pinned or
    /// unpinned; it carries the message as it stands, without its author's key.
    MessageChanged(Change),
    /// A room entered the lists of `users`: created, a direct conversation opened, a public
    /// room joined.
    RoomListed { room: Room, users: Vec<String> },
    /// A room's details changed (its topic). `listed_by`: who lists it, for a public room (a
    /// private room's and a conversation's are its members).
    RoomUpdated { room: Room, listed_by: Vec<String> },
    /// `user` was added to a private room (`room` as it stands after).
    MemberAdded { room: Room, user: String },
    /// `user` left a room, or was removed from a private one (`room` as it stands after).
    MemberRemoved { room: Room, user: String },
    /// `user`'s read position in a room moved.
    ReadMoved { user: String, read: ReadReply },
    /// `user` set what a room of their list notifies them of.
    NotificationsSet {
        user: String,
        notifications: NotificationsReply,
    },
    /// Someone is typing in a room (nothing is stored).
    Typing(TypingEvent),
    /// A user's presence changed; `rooms`: the rooms of their list, whose readers hear it.
    PresenceChanged {
        presence: UserPresence,
        rooms: Vec<String>,
    },
}

impl Event {
    /// A short name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::MessagePosted(_) => "message_posted",
            Event::MessageChanged(_) => "message_changed",
            Event::RoomListed { .. } => "room_listed",
            Event::RoomUpdated { .. } => "room_updated",
            Event::MemberAdded { .. } => "member_added",
            Event::MemberRemoved { .. } => "member_removed",
            Event::ReadMoved { .. } => "read_moved",
            Event::NotificationsSet { .. } => "notifications_set",
            Event::Typing(_) => "typing",
            Event::PresenceChanged { .. } => "presence_changed",
        }
    }
}

/// Something that reacts to events, in its own task.
pub trait Consumer: Send + 'static {
    /// Its name, in logs and metrics.
    const NAME: &'static str;
    /// Events held for it at most; beyond, they are lost to it (and counted).
    const QUEUE: usize;

    /// One event, in publishing order.
    fn handle(&mut self, event: Arc<Event>) -> impl Future<Output = ()> + Send;

    /// `n` events did not fit in the queue since the last call: catch up.
    fn lost(&mut self, n: u64) -> impl Future<Output = ()> + Send;
}

/// Events lost by consumers whose queue was full (label `consumer`).
pub const EVENTS_LOST: &str = "natter_events_lost_total";

/// What a consumer's queue carries: events, and marks that resolve once it reached them.
enum Item {
    Event(Arc<Event>),
    Flushed(tokio::sync::oneshot::Sender<()>),
}

/// One registered consumer: its queue, and what did not fit.
struct Queue {
    name: &'static str,
    sender: mpsc::Sender<Item>,
    lost: Arc<AtomicU64>,
}

/// Where operations publish; cheap to clone.
#[derive(Clone, Default)]
pub struct Events(Arc<Vec<Queue>>);

impl Events {
    /// The stream with every consumer Natter has, each started in its task: the one place
    /// consumers are registered.
    pub fn start<A: Adapter>(io: SocketIo<A>) -> Self {
        let mut queues = Vec::new();
        queues.push(spawn(fanout::Fanout::new(io)));
        queues.push(spawn(counters::Counters));
        Self(Arc::new(queues))
    }

    /// Hands `event` to every consumer, without waiting for any.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        for queue in self.0.iter() {
            match queue.sender.try_send(Item::Event(event.clone())) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    if queue.lost.fetch_add(1, Ordering::AcqRel) == 0 {
                        tracing::warn!(
                            consumer = queue.name,
                            event = event.kind(),
                            "a consumer of events is behind: it loses events and will catch up"
                        );
                    }
                    metrics::counter!(EVENTS_LOST, "consumer" => queue.name).increment(1);
                }
                // Its task ended: the runtime is stopping, or the consumer panicked.
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    if queue.lost.fetch_add(1, Ordering::AcqRel) == 0 {
                        tracing::error!(consumer = queue.name, "a consumer of events has stopped");
                    }
                }
            }
        }
    }

    /// Resolves once every consumer has handled everything published before the call.
    pub async fn flush(&self) {
        let mut waits = Vec::new();
        for queue in self.0.iter() {
            let (done, flushed) = tokio::sync::oneshot::channel();
            if queue.sender.send(Item::Flushed(done)).await.is_ok() {
                waits.push(flushed);
            }
        }
        for flushed in waits {
            let _ = flushed.await;
        }
    }

    /// A stream with only `consumer`, for tests of consumers.
    #[cfg(test)]
    pub fn only<C: Consumer>(consumer: C) -> Self {
        Self(Arc::new(vec![spawn(consumer)]))
    }
}

/// Starts `consumer`'s task; it ends once every [`Events`] is dropped.
fn spawn<C: Consumer>(mut consumer: C) -> Queue {
    let (sender, mut receiver) = mpsc::channel::<Item>(C::QUEUE);
    let lost = Arc::new(AtomicU64::new(0));
    let missed = lost.clone();
    tokio::spawn(async move {
        while let Some(item) = receiver.recv().await {
            match item {
                Item::Event(event) => consumer.handle(event).await,
                Item::Flushed(done) => {
                    let _ = done.send(());
                }
            }
            let n = missed.swap(0, Ordering::AcqRel);
            if n > 0 {
                consumer.lost(n).await;
            }
        }
    });
    Queue {
        name: C::NAME,
        sender,
        lost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::Notify;

    fn typing(n: usize) -> Event {
        Event::Typing(TypingEvent {
            room: "general".into(),
            user: format!("u{n}"),
        })
    }

    /// Counts what it hears and what it lost; waits for `gate` before each event when it has one.
    struct Probe {
        heard: Arc<std::sync::Mutex<Vec<String>>>,
        lost: Arc<AtomicU64>,
        gate: Option<Arc<Notify>>,
    }

    impl Consumer for Probe {
        const NAME: &'static str = "probe";
        const QUEUE: usize = 8;

        async fn handle(&mut self, event: Arc<Event>) {
            if let Some(gate) = &self.gate {
                gate.notified().await;
            }
            if let Event::Typing(t) = &*event {
                self.heard.lock().unwrap().push(t.user.clone());
            }
        }

        async fn lost(&mut self, n: u64) {
            self.lost.fetch_add(n, Ordering::AcqRel);
        }
    }

    fn probe(
        gate: Option<Arc<Notify>>,
    ) -> (Probe, Arc<std::sync::Mutex<Vec<String>>>, Arc<AtomicU64>) {
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let lost = Arc::new(AtomicU64::new(0));
        let p = Probe {
            heard: heard.clone(),
            lost: lost.clone(),
            gate,
        };
        (p, heard, lost)
    }

    #[tokio::test]
    async fn a_stuck_consumer_delays_neither_publishing_nor_the_others_and_is_told_what_it_lost() {
        let gate = Arc::new(Notify::new());
        let (stuck, stuck_heard, stuck_lost) = probe(Some(gate.clone()));
        let (quick, quick_heard, quick_lost) = probe(None);
        let events = Events(Arc::new(vec![spawn(stuck), spawn(quick)]));
        let started = std::time::Instant::now();
        for n in 0..100 {
            events.publish(typing(n));
            // The quick one keeps up (its queue holds 8).
            if n % 4 == 3 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "publishing never waits"
        );
        tokio::time::timeout(Duration::from_secs(5), async {
            while quick_heard.lock().unwrap().len() < 100 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the quick consumer hears everything");
        let want: Vec<String> = (0..100).map(|n| format!("u{n}")).collect();
        assert_eq!(*quick_heard.lock().unwrap(), want, "in publishing order");
        assert_eq!(quick_lost.load(Ordering::Acquire), 0);

        // The stuck one held what fits (one being handled, 8 queued) and lost the rest; once it
        // moves again it hears what it held, then is told how many it lost.
        for _ in 0..20 {
            gate.notify_one();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let heard = stuck_heard.lock().unwrap().clone();
        assert_eq!(heard.len(), 9, "{heard:?}");
        assert_eq!(heard[0], "u0");
        assert_eq!(stuck_lost.load(Ordering::Acquire), 91);
    }

    #[tokio::test]
    async fn a_flush_resolves_once_every_consumer_handled_what_came_before() {
        let (quick, heard, _) = probe(None);
        let events = Events(Arc::new(vec![spawn(quick)]));
        for n in 0..5 {
            events.publish(typing(n));
        }
        events.flush().await;
        assert_eq!(heard.lock().unwrap().len(), 5);
    }
}
