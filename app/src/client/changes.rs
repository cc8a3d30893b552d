//! What happens to messages after they are sent, on the [`ChatClient`]: editing, deleting and
//! reacting (each acknowledged with the message as it stands now), the room's change log taken
//! in order, and older pages of a room's history.

use super::ChatClient;
use crate::protocol::{
    Change, ChangeReply, DeleteRequest, EditRequest, Emoji, ErrorBody, ErrorCode, HistoryLimit,
    HistoryReply, HistoryRequest, Message, MessageBody, PinRequest, ReactRequest, Request,
    RoomName,
};
use crate::state::{Applied, ChatStoreFields, History};
use leptos::prelude::*;

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

    /// Replaces the body of the user's message `seq` of `room`; `then` gets the outcome (bad
    /// input at once, the server's refusal in its words).
    pub fn edit(
        &self,
        room: &str,
        seq: i64,
        body: &str,
        then: impl FnOnce(Result<(), ErrorBody>) + 'static,
    ) {
        match MessageBody::parse(body) {
            Ok(body) => self.change(room, |room| EditRequest { room, seq, body }, then),
            Err(e) => then(Err(e)),
        }
    }

    /// Deletes message `seq` of `room` (the user's own; any, for a private room's owner or an
    /// administrator).
    pub fn delete(&self, room: &str, seq: i64, then: impl FnOnce(Result<(), ErrorBody>) + 'static) {
        self.change(room, |room| DeleteRequest { room, seq }, then);
    }

    /// Adds the user's reaction `emoji` to message `seq` of `room` (`on`), or takes it back.
    pub fn react(
        &self,
        room: &str,
        seq: i64,
        emoji: &str,
        on: bool,
        then: impl FnOnce(Result<(), ErrorBody>) + 'static,
    ) {
        match Emoji::parse(emoji) {
            Ok(emoji) => self.change(
                room,
                |room| ReactRequest {
                    room,
                    seq,
                    emoji,
                    on,
                },
                then,
            ),
            Err(e) => then(Err(e)),
        }
    }

    /// Pins message `seq` of `room` to the room (`on`), or unpins it.
    pub fn pin(
        &self,
        room: &str,
        seq: i64,
        on: bool,
        then: impl FnOnce(Result<(), ErrorBody>) + 'static,
    ) {
        self.change(room, |room| PinRequest { room, seq, on }, then);
    }

    /// Sends an edit, a deletion, a reaction or a pin of a message of `room`; its ack's message
    /// goes into the store at once.
    fn change<R>(
        &self,
        room: &str,
        request: impl FnOnce(RoomName) -> R,
        then: impl FnOnce(Result<(), ErrorBody>) + 'static,
    ) where
        R: Request<Reply = ChangeReply> + 'static,
    {
        let room = match RoomName::parse(room) {
            Ok(room) => room,
            Err(e) => return then(Err(e)),
        };
        let client = *self;
        self.ask(request(room), move |reply| {
            then(reply.map(|r| client.put_message(&r.message)))
        });
    }

    /// Loads the page of `room`'s history before the oldest message held; `then` gets whether
    /// older ones remain, or why none came.
    pub fn load_older(&self, room: &str, then: impl FnOnce(Result<bool, ErrorBody>) + 'static) {
        let Some(Some(before)) = self.history(room, History::oldest) else {
            return then(Ok(false));
        };
        if before <= 1 {
            return then(Ok(false));
        }
        let request = match RoomName::parse(room) {
            Ok(room) => HistoryRequest {
                room,
                before: Some(before),
                limit: HistoryLimit::default(),
            },
            Err(e) => return then(Err(e)),
        };
        let client = *self;
        let room = room.to_owned();
        self.ask(request, move |reply: Result<HistoryReply, _>| {
            then(reply.map(|r| {
                client.add_messages(&room, r.messages);
                client.history(&room, History::has_older).unwrap_or(false)
            }))
        });
    }

    /// Sends `request` over the connection; `then` gets the reply, or a sentence for the user
    /// saying why there is none.
    fn ask<R: Request + 'static>(
        &self,
        request: R,
        then: impl FnOnce(Result<R::Reply, ErrorBody>) + 'static,
    ) {
        #[cfg(feature = "hydrate")]
        if let Some(conn) = self.connection() {
            return conn.ask(&request, then);
        }
        let _ = request;
        then(Err(not_connected()));
    }
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
            let client = ChatClient::new();
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
            let client = ChatClient::new();
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

    #[test]
    fn bad_input_is_refused_before_sending() {
        Owner::new().with(|| {
            let client = ChatClient::new();
            let got = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            let g = got.clone();
            client.edit("general", 1, "  ", move |r| {
                g.borrow_mut().push(r.unwrap_err().code)
            });
            let g = got.clone();
            client.react("general", 1, ":+1:", true, move |r| {
                g.borrow_mut().push(r.unwrap_err().code)
            });
            let g = got.clone();
            // Without a connection (as on the server) a good request says so.
            client.delete("general", 1, move |r| {
                g.borrow_mut().push(r.unwrap_err().code)
            });
            assert_eq!(
                *got.borrow(),
                [
                    ErrorCode::EmptyMessage,
                    ErrorCode::InvalidEmoji,
                    ErrorCode::Unavailable
                ]
            );
        });
    }
}
