//! Integration tests: the real server binary on port 0 with a fresh database, driven by
//! `rust_socketio` clients and plain HTTP, as users' programs would.

mod delivery;
mod heartbeat;
mod helpers;
mod messaging;
mod pages;
mod restart;
mod rooms;
mod validation;
