//! The ops counters: what the dashboard and `/metrics` count of the stream (messages stored,
//! per room for the deliveries each node counts). A lost event is one message fewer counted.

use super::{Consumer, Event};
use std::sync::Arc;

pub struct Counters;

impl Consumer for Counters {
    const NAME: &'static str = "counters";
    const QUEUE: usize = 65_536;

    async fn handle(&mut self, event: Arc<Event>) {
        if let Event::MessagePosted(message) = &*event {
            crate::ops::record::message_stored(&message.room);
        }
    }

    async fn lost(&mut self, n: u64) {
        tracing::warn!(
            lost = n,
            "the ops counters fell behind: some messages were not counted"
        );
    }
}
