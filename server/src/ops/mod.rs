//! Operations: what each node measures, and who sees it.
//!
//! - [`record`]: the measurements, made where things happen (a message stored, a request
//!   answered, a commit), through the `metrics` facade.
//! - [`recorder`]: where they land: this node's current one-second window, and with
//!   `--metrics-addr` also the Prometheus exporter (`/metrics` on that address only).
//! - [`window`]: the window closed every second (an [`app::protocol::OpsWindow`]).
//! - [`hub`]: every node's last five minutes of windows; each node publishes its window to the
//!   others over Redis (channel `natter-ops`), and sends every window to its administrators'
//!   sockets watching the dashboard (`ops_watch`).

pub mod hub;
pub mod record;
pub mod recorder;
pub mod window;

pub use hub::Hub;
