//! The browser's connection to the server, behind one handle.
//!
//! [`ChatClient`] is what views use, in both builds: it owns the chat store's writes and, in
//! the browser, the connection. `packet` and `backoff` are plain code, tested natively. The
//! connection (`connection`, on top of `socket` and `transport`) uses browser APIs and exists
//! only with the `hydrate` feature; it is opened from an effect, which the server never runs.

pub mod backoff;
mod changes;
mod handle;
pub mod packet;

#[cfg(feature = "hydrate")]
mod connection;
#[cfg(feature = "hydrate")]
mod socket;
#[cfg(feature = "hydrate")]
mod transport;

pub use handle::{use_client, ChatClient, OpsUpdate};
