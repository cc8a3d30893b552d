//! The browser's connection to the server, behind one handle.
//!
//! [`ChatClient`] is what views use, in both builds: it owns the chat store's writes and, in
//! the browser, the connection. The connection (`connection`, on top of the Socket.IO client
//! crate `socketio-browser`, `app/socketio/`) uses browser APIs and exists only with the
//! `hydrate` feature; it is opened from an effect, which the server never runs.

mod changes;
mod events;
mod handle;
mod typing;

#[cfg(feature = "hydrate")]
mod connection;
#[cfg(feature = "hydrate")]
mod sync;

pub use changes::{
    change_message, decode, find_members, load_older_page, payload, Answer, Changing, MessageChange,
};
pub use events::{Next, ServerEvent};
pub use handle::{use_client, ChatClient, OpsUpdate};
