//! What happens to messages after they are sent, on the [`ChatClient`]: editing, deleting and
//! reacting (each acknowledged with the message as it stands now), the room's change log taken
//! in order, and older pages of a room's history.

use super::ChatClient;
use crate::protocol::read_through_text;
use crate::protocol::{
    Change, ChangeReply, DeleteRequest, EditRequest, Emoji, ErrorBody, ErrorCode, HistoryLimit,
    HistoryRequest, Message, MessageBody, PinRequest, ReactRequest, Request, RoomName,
};
use crate::state::{Applied, ChatStoreFields, History};
use leptos::prelude::*;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

impl ChatClient {
    /// `f` of what the page holds of `room`, if it holds any.
    pub(super) fn history<T>(&self, room: &str, f: impl FnOnce(&History) -> T) -> Option<T> {
        self.state()
            .histories()
            .try_with_untracked(|h| h.get(room).map(f))
            .flatten()
    }

    /// The change number up to which the page's messages of `room` are current; `None` when it
    /// holds none of them.
    pub fn changes_upto(&self, room: &str) -> Option<i64> {
        self.history(room, |h| h.changes_upto)
    }

    /// Takes in changes of `room` in log order (a live one, or a run from `join` or
    /// `changes`). A room the page holds no messages of is left alone.
    pub fn apply_changes(&self, room: &str, changes: &[Change]) -> Applied {
        let Some(upto) = self.changes_upto(room) else {
            return Applied::Done;
        };
        // Nothing new: no write, so no view looks again.
        if changes.iter().all(|c| c.change <= upto) {
            return Applied::Done;
        }
        let mut applied = Applied::Done;
        self.update_history(room, |h| applied = h.apply(changes));
        applied
    }

    /// The page had no messages of `room` when it joined: those the join brought are current
    /// up to change `last_change`.
    pub fn start_changes(&self, room: &str, last_change: i64) {
        if self
            .changes_upto(room)
            .is_none_or(|upto| upto < last_change)
        {
            self.update_history(room, |h| h.changes_upto = h.changes_upto.max(last_change));
        }
    }

    /// A message as it stands now (an ack's): replaces the held one and refreshes the quotes
    /// of replies to it. The change log's position stays: the change itself arrives in order.
    pub fn put_message(&self, m: &Message) {
        let differs = self.history(&m.room, |h| {
            h.messages.get(&m.seq).is_some_and(|held| held != m)
                || h.messages
                    .values()
                    .any(|r| r.reply_to.as_ref().is_some_and(|q| q.seq == m.seq))
                || match h.pins.iter().find(|p| p.seq == m.seq) {
                    Some(pin) => pin != m,
                    None => m.pinned.is_some(),
                }
        });
        if differs == Some(true) {
            self.update_history(&m.room, |h| h.put(m));
        }
    }

    /// Replaces the body of the user's message `seq` of `room`: bad input is refused at once,
    /// the server's refusal comes in its words.
    pub fn edit(self, room: &str, seq: i64, body: &str) -> Changing {
        match MessageBody::parse(body) {
            Ok(body) => self.change(room, |room| EditRequest { room, seq, body }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// Deletes message `seq` of `room` (the user's own; any, for a private room's owner or an
    /// administrator).
    pub fn delete(self, room: &str, seq: i64) -> Changing {
        self.change(room, |room| DeleteRequest { room, seq })
    }

    /// Adds the user's reaction `emoji` to message `seq` of `room` (`on`), or takes it back.
    pub fn react(self, room: &str, seq: i64, emoji: &str, on: bool) -> Changing {
        match Emoji::parse(emoji) {
            Ok(emoji) => self.change(room, |room| ReactRequest {
                room,
                seq,
                emoji,
                on,
            }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// Pins message `seq` of `room` to the room (`on`), or unpins it.
    pub fn pin(self, room: &str, seq: i64, on: bool) -> Changing {
        self.change(room, |room| PinRequest { room, seq, on })
    }

    /// Sends an edit, a deletion, a reaction or a pin of a message of `room`; its ack's message
    /// goes into the store at once. (One future for the four: only the payload is per type.)
    fn change<R>(self, room: &str, request: impl FnOnce(RoomName) -> R) -> Changing
    where
        R: Request<Reply = ChangeReply>,
    {
        let payload = RoomName::parse(room).map(|room| payload(&request(room)));
        Box::pin(async move {
            let sent = self.send_value(R::EVENT, payload?).await?;
            let reply: ChangeReply = decode(sent)?;
            self.put_message(&reply.message);
            Ok(())
        })
    }

    /// Loads the page of `room`'s history before the oldest message held: whether older ones
    /// remain, or why none came.
    pub async fn load_older(self, room: &str) -> Result<bool, ErrorBody> {
        let Some(Some(before)) = self.history(room, History::oldest) else {
            return Ok(false);
        };
        if before <= 1 {
            return Ok(false);
        }
        let request = HistoryRequest {
            room: RoomName::parse(room)?,
            before: Some(before),
            limit: HistoryLimit::default(),
        };
        let reply = self.request(request).await?;
        self.add_messages(room, reply.messages);
        Ok(self.history(room, History::has_older).unwrap_or(false))
    }

    /// Sends `request` over the connection: its reply, or a sentence for the user saying why
    /// there is none.
    pub async fn request<R: Request>(self, request: R) -> Result<R::Reply, ErrorBody> {
        decode(self.send_value(R::EVENT, payload(&request)).await?)
    }

    /// Sends `event` with `payload`: the reply's payload, or why there is none as a sentence for
    /// the user (the server's own, when it refused). Not generic, and boxed: every request's
    /// future awaits this one, so the WASM holds the sending once, not once per request type.
    pub fn send_value(self, event: &'static str, payload: Value) -> Answer {
        #[cfg(feature = "hydrate")]
        {
            let sent = self.send_event(event, payload);
            Box::pin(async move { sent.await.map_err(super::connection::Failure::into_error) })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (event, payload);
            Box::pin(std::future::ready(Err(not_connected())))
        }
    }
}

/// A request on its way (see [`ChatClient::send_value`]).
pub type Answer = Pin<Box<dyn Future<Output = Result<Value, ErrorBody>>>>;

/// An edit, deletion, reaction or pin on its way: done, or why not.
pub type Changing = Pin<Box<dyn Future<Output = Result<(), ErrorBody>>>>;

/// A request's (or a CONNECT's) payload.
pub fn payload<T: serde::Serialize>(request: &T) -> Value {
    serde_json::to_value(request).unwrap_or(Value::Null)
}

/// A reply's payload as its type; one not understood is refused with a sentence.
pub fn decode<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, ErrorBody> {
    read_through_text(payload).map_err(not_understood)
}

/// Why an answer that is not what the protocol says is refused.
pub(super) fn not_understood(e: serde_json::Error) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::Internal,
        format!("The server's answer was not understood: {e}"),
    )
}

/// A change of one message, as its actions ask for it.
#[derive(Debug, Clone)]
pub enum MessageChange {
    Edit(String),
    Delete,
    React { emoji: String, on: bool },
    Pin(bool),
}

/// Sends `change` of message `seq` of `room` ([`ChatClient::edit`], `delete`, `react`, `pin`).
/// Its code (the four requests, their reply, the store's update) is not part of the room
/// page's WASM: `#[lazy]` puts it in a chunk of its own in split builds, which
/// [`preload_message_changes`] fetches in the background once the page runs, so a click does
/// not wait for it (and a tab open across a deploy has it already).
#[leptos::lazy]
pub async fn change_message(
    client: ChatClient,
    room: String,
    seq: i64,
    change: MessageChange,
) -> Result<(), ErrorBody> {
    match change {
        MessageChange::Edit(body) => client.edit(&room, seq, &body).await,
        MessageChange::Delete => client.delete(&room, seq).await,
        MessageChange::React { emoji, on } => client.react(&room, seq, &emoji, on).await,
        MessageChange::Pin(on) => client.pin(&room, seq, on).await,
    }
}

/// The page of `room`'s history before the oldest message held ([`ChatClient::load_older`]),
/// asked for when the reader scrolls up: lazy, as [`change_message`].
#[leptos::lazy]
pub async fn load_older_page(client: ChatClient, room: String) -> Result<bool, ErrorBody> {
    client.load_older(&room).await
}

/// The members of `room` whose names start with `prefix` ([`ChatClient::members`]), asked for
/// when the user types `@`: lazy, as [`change_message`].
#[leptos::lazy]
pub async fn find_members(client: ChatClient, room: String, prefix: String) -> Vec<String> {
    client.members(&room, &prefix).await
}

/// Fetches the code of what the user does to the page ([`change_message`], [`load_older_page`],
/// [`find_members`]) now, in the background (browser only).
pub fn preload_message_changes() {
    let _loaded = leptos::lazy_preload!(change_message);
    let _loaded = leptos::lazy_preload!(load_older_page);
    let _loaded = leptos::lazy_preload!(find_members);
    let _loaded = leptos::lazy_preload!(crate::components::socket_form::form_payload);
}

/// Why a request has no answer when the page has no connection (or lost it before the answer).
pub(super) fn not_connected() -> ErrorBody {
    ErrorBody::new(
        ErrorCode::Unavailable,
        "Not connected to the server. Please try again once the connection is back.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::RoomPage;
    use crate::protocol::{ChangeKind, Quote, ReadState, Room};
    use crate::state::tests::msg;

    fn change(n: i64, message: Message) -> Change {
        Change {
            room: "general".into(),
            change: n,
            kind: ChangeKind::Edit,
            seq: message.seq,
            actor: "a".into(),
            emoji: None,
            ts: 0,
            message,
        }
    }

    #[test]
    fn a_page_seeds_the_change_position_once() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            let page = |last_change| RoomPage {
                room: Room {
                    name: "general".into(),
                    last_change,
                    ..Room::default()
                },
                messages: vec![msg("general", 1), msg("general", 2)],
                pins: Vec::new(),
                read: ReadState::default(),
            };
            assert_eq!(client.changes_upto("general"), None);
            client.seed_room(&page(7));
            assert_eq!(client.changes_upto("general"), Some(7));
            // Seeding again (the page loaded again) keeps the held position: catch-up
            // replays what came after it.
            client.seed_room(&page(9));
            assert_eq!(client.changes_upto("general"), Some(7));

            let mut two = msg("general", 2);
            two.body = "edited".into();
            two.edited = Some(5);
            assert_eq!(
                client.apply_changes("general", &[change(9, two.clone())]),
                Applied::Gap
            );
            assert_eq!(
                client.apply_changes("general", &[change(8, msg("general", 1)), change(9, two)]),
                Applied::Done
            );
            assert_eq!(client.changes_upto("general"), Some(9));
            let body = client
                .state()
                .histories()
                .with_untracked(|h| h["general"].messages[&2].body.clone());
            assert_eq!(body, "edited");
            // Another room's changes leave it alone.
            assert_eq!(
                client.apply_changes("other", &[change(3, msg("other", 1))]),
                Applied::Done
            );
            assert_eq!(client.changes_upto("other"), None);
        });
    }

    #[test]
    fn an_ack_refreshes_the_message_and_its_replies() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            let mut reply = msg("general", 2);
            reply.reply_to = Some(Quote {
                seq: 1,
                author: "a".into(),
                snippet: "m1".into(),
                deleted: false,
            });
            client.add_messages("general", vec![msg("general", 1), reply]);
            let mut gone = msg("general", 1);
            gone.deleted = true;
            gone.body = String::new();
            client.put_message(&gone);
            let (one, quote) = client.state().histories().with_untracked(|h| {
                let h = &h["general"];
                (
                    h.messages[&1].clone(),
                    h.messages[&2].reply_to.clone().unwrap(),
                )
            });
            assert!(one.deleted);
            assert!(quote.deleted && quote.snippet.is_empty());
        });
    }

    /// A future that settles without waiting (no connection: nothing to wait for).
    fn settled<T>(f: impl std::future::Future<Output = T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(f).poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the request waited"),
        }
    }

    #[test]
    fn bad_input_is_refused_before_sending() {
        Owner::new().with(|| {
            let client = ChatClient::new("ada");
            let code = |r: Result<(), ErrorBody>| r.unwrap_err().code;
            let got = [
                code(settled(client.edit("general", 1, "  "))),
                code(settled(client.react("general", 1, ":+1:", true))),
                // Without a connection (as on the server) a good request says so.
                code(settled(client.delete("general", 1))),
            ];
            assert_eq!(
                got,
                [
                    ErrorCode::EmptyMessage,
                    ErrorCode::InvalidEmoji,
                    ErrorCode::Unavailable
                ]
            );
        });
    }
}
