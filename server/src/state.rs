//! Shared state: what HTTP routes, server functions and socket handlers reach.

use crate::auth::Auth;
use crate::socket::send_limit::SendLimit;
use crate::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use socketioxide::SocketIo;
use std::sync::Arc;

/// What socket handlers extract with `State<SocketState>`.
#[derive(Clone)]
pub struct SocketState {
    pub store: Arc<dyn Store>,
    pub auth: Auth,
    pub send_limit: Arc<SendLimit>,
}

/// The axum state, also given to server functions as their [`app::api::Backend`].
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
    pub auth: Auth,
    pub io: SocketIo,
    pub origins: Arc<crate::http::origin::AllowedOrigins>,
}
