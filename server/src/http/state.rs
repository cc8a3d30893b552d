//! Shared state: what HTTP routes and server functions reach.

use crate::auth::{Auth, Session};
use crate::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// The axum state. Server functions get its `chat` as their [`app::api::Backend`].
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub chat: Arc<dyn Service>,
    pub origins: Arc<crate::http::origin::AllowedOrigins>,
    /// Whose `X-Forwarded-For` names the client (per-address limits behind a proxy).
    pub proxies: Arc<crate::http::client_addr::TrustedProxies>,
    /// This node's name (`--node-name`).
    pub node: Arc<str>,
}

/// What HTTP routes need of the chat service, whichever adapter carries its sockets (one node's
/// memory, or Redis between nodes): the operations (as [`app::api::Backend`]), storage, accounts,
/// and closing a logged-out session's sockets.
#[async_trait::async_trait]
pub trait Service: app::api::Backend {
    fn store(&self) -> &dyn Store;
    fn auth(&self) -> &Auth;
    /// Closes the sockets of `session` (of every session of its user, `everywhere`), on every
    /// node.
    async fn close_sockets(&self, session: &Session, everywhere: bool);
}

/// Accounts and sessions are the chat service's: extractors reach them through it.
impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.chat.auth().clone()
    }
}
