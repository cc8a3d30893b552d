//! A Socket.IO v5 client over Engine.IO v4 for Rust in the browser (`wasm32`): a WebSocket, or
//! HTTP long-polling upgraded to a WebSocket when it can be. It keeps one connection to the
//! default namespace alive (heartbeats, a watchdog for a silent server, reconnection with
//! exponential backoff and jitter), sends events with or without acks (acks time out), and hands
//! what happens to the callback it was built with. It knows nothing of the application: Natter's
//! chat client is one user of it (`app/src/client/connection.rs`).
//!
//! - [`packet`]: Engine.IO and Socket.IO text packets; plain code, tested natively.
//! - [`backoff`]: the reconnection delays; plain code.
//! - `Socket` and its transports: browser APIs, built for `wasm32` only.
//!
//! Binary attachments (Socket.IO types 5 and 6) are not supported: they are reported as errors.

pub mod backoff;
pub mod packet;

#[cfg(target_arch = "wasm32")]
mod socket;
#[cfg(target_arch = "wasm32")]
mod timer;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use socket::{AckError, Socket, SocketEvent};

/// How Engine.IO carries the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Websocket,
    /// HTTP long-polling, where WebSockets fail (upgraded when they work again).
    Polling,
}

impl Transport {
    /// Engine.IO's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Websocket => "websocket",
            Transport::Polling => "polling",
        }
    }
}

/// Logs a note in the browser's console (what the client ignored, and why).
#[cfg(target_arch = "wasm32")]
fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
