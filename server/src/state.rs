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
    pub origins: Arc<crate::http::origin::AllowedOrigins>,
}

/// Accounts and sessions are the chat service's: extractors reach them through it.
impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.chat.auth().clone()
    }
}
