//! Sending messages and paging through history.

use super::limits::Action;
use super::{Caller, ChatService};
use crate::error::Error;
use crate::events::Event;
use crate::store::NewMessage;
use app::protocol::{HistoryReply, HistoryRequest, Message, SendReply, SendRequest};
use socketioxide::adapter::Adapter;

/// Stores the message, then broadcasts it to the room (the sender included), then answers.
pub async fn send<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: SendRequest,
) -> Result<SendReply, Error> {
    let room = req.room;
    let body = req.body;
    let key = req.key;
    chat.limit(Action::Send, &caller)?;
    let mentions = app::protocol::mentioned_names(body.as_str());
    // Rendered here, in the sender's task, not by the writer every append waits for.
    let rendered = crate::markdown::rendered(body.as_str());
    let appended = chat
        .store()
        .append(NewMessage {
            room: &room,
            author: &caller.user,
            body: &body,
            rendered: &rendered,
            key: key.as_ref(),
            mentions: &mentions,
            reply_to: req.reply_to,
        })
        .await?;
    if !appended.duplicate {
        // The key is the author's: the room hears the message without it (the sender matches
        // its pending message by the ack).
        chat.publish(Event::MessagePosted(Message {
            key: None,
            ..appended.message.clone()
        }));
    }
    Ok(SendReply {
        message: appended.message,
    })
}

pub async fn history<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: HistoryRequest,
) -> Result<HistoryReply, Error> {
    let room = req.room;
    let limit = req.limit;
    let mut messages = chat
        .store()
        .history(&caller.user, &room, req.before, limit.get())
        .await?;
    // Trimmed from the oldest end: the client pages on from the first seq it got.
    keep_within_reply(&mut messages, Keep::Newest);
    Ok(HistoryReply { messages })
}

/// Renders the messages stored before bodies were kept rendered, a batch at a time, before the
/// server serves: reads never render. Answers how many there were.
pub async fn render_old_messages(store: &dyn crate::store::Store) -> Result<u64, Error> {
    let mut done = 0u64;
    loop {
        let batch = store.unrendered(500).await?;
        if batch.is_empty() {
            if done > 0 {
                tracing::info!(
                    messages = done,
                    "rendered the messages stored before bodies were kept rendered"
                );
            }
            return Ok(done);
        }
        let rendered: Vec<_> = batch
            .into_iter()
            .map(|m| (m.id, crate::markdown::rendered(&m.body)))
            .collect();
        store.save_rendered(&rendered).await?;
        done += rendered.len() as u64;
    }
}

/// The most message text one reply carries (plus its fields), so that what a server queues
/// for a client that does not read stays small; a page cut short says so, or pages on.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Which end of a page to keep when it is cut.
pub enum Keep {
    Oldest,
    Newest,
}

/// What one item of a reply counts against [`MAX_REPLY_BYTES`]: its message text, and an
/// allowance for its other fields.
pub trait ReplySize {
    fn reply_bytes(&self) -> usize;
}

impl ReplySize for Message {
    fn reply_bytes(&self) -> usize {
        self.body.len() + 128
    }
}

impl ReplySize for app::protocol::Change {
    fn reply_bytes(&self) -> usize {
        self.message.body.len() + 256
    }
}

/// Cuts `messages` (messages ascending by seq, or changes in log order) to at most
/// [`MAX_REPLY_BYTES`], always keeping one; true when it cut any.
pub fn keep_within_reply<T: ReplySize>(messages: &mut Vec<T>, keep: Keep) -> bool {
    let mut total = 0;
    let mut fits = |m: &&T| {
        total += m.reply_bytes();
        total <= MAX_REPLY_BYTES
    };
    let kept = match keep {
        Keep::Oldest => messages.iter().take_while(&mut fits).count(),
        Keep::Newest => messages.iter().rev().take_while(&mut fits).count(),
    }
    .max(1);
    let cut = messages.len().saturating_sub(kept);
    match keep {
        Keep::Oldest => messages.truncate(kept),
        Keep::Newest => {
            messages.drain(..cut);
        }
    }
    cut > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: i64, body_len: usize) -> Vec<Message> {
        (1..=n)
            .map(|seq| Message {
                id: seq.to_string(),
                room: "general".into(),
                seq,
                author: "ada".into(),
                body: "x".repeat(body_len),
                ts: 0,
                ..Message::default()
            })
            .collect()
    }

    #[test]
    fn a_reply_keeps_the_end_it_pages_from() {
        let mut small = page(50, 100);
        assert!(!keep_within_reply(&mut small, Keep::Newest));
        assert_eq!(small.len(), 50);

        let mut newest = page(50, 4000);
        assert!(keep_within_reply(&mut newest, Keep::Newest));
        assert_eq!(newest.last().unwrap().seq, 50);
        assert!(newest.len() < 50 && newest.len() > 10);

        let mut oldest = page(50, 4000);
        assert!(keep_within_reply(&mut oldest, Keep::Oldest));
        assert_eq!(oldest[0].seq, 1);
        assert_eq!(oldest.len(), newest.len());

        let mut huge = page(2, MAX_REPLY_BYTES * 2);
        keep_within_reply(&mut huge, Keep::Oldest);
        assert_eq!(huge.len(), 1, "one message always fits");
    }
}
