//! The browser's connection to the server.
//!
//! `packet` and `backoff` are plain code, tested natively. The socket and the chat logic use
//! browser APIs and exist only with the `hydrate` feature; on the server the same functions do
//! nothing, because the server never runs effects or event handlers, which are their only callers.

pub mod backoff;
pub mod packet;

#[cfg(feature = "hydrate")]
mod chat;
#[cfg(feature = "hydrate")]
mod socket;
#[cfg(feature = "hydrate")]
mod transport;

#[cfg(feature = "hydrate")]
pub use chat::{discard, enter_room, retry, send, start};

#[cfg(not(feature = "hydrate"))]
mod server_side {
    use crate::protocol::ErrorBody;
    use crate::state::ChatState;

    pub fn start(_state: ChatState) {}
    pub fn enter_room(_room: String, _rendered_seq: Option<i64>) {}
    pub fn send(_room: &str, _author: &str, _body: &str) -> Result<(), ErrorBody> {
        Ok(())
    }
    pub fn retry(_key: &str) {}
    pub fn discard(_key: &str) {}
}
#[cfg(not(feature = "hydrate"))]
pub use server_side::{discard, enter_room, retry, send, start};
