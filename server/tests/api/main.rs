//! Integration tests: the real server binary on port 0 with a fresh database, driven by
//! `rust_socketio` clients and plain HTTP, as users' programs would.

mod abuse;
mod accounts;
mod activity;
mod admins;
mod agreement;
mod assets;
mod changes;
mod checker;
mod cluster;
mod delivery;
mod heartbeat;
mod helpers;
mod lifecycle;
mod limits;
mod messaging;
mod nodes;
mod ops;
mod pages;
mod pins;
mod presence;
mod privacy;
mod proxy;
mod restart;
mod rooms;
mod security;
mod topics;
mod validation;
