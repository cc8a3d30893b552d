//! Shared state: what HTTP routes and server functions reach.

use crate::auth::Auth;
use crate::chat::ChatService;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// The axum state. Server functions get its `chat` as their [`app::api::Backend`].
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub chat: ChatService,
    pub auth: Auth,
    pub origins: Arc<crate::http::origin::AllowedOrigins>,
}
