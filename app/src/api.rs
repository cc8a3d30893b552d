//! Server functions: what pages load over HTTP (and during server-side rendering).
//!
//! On the server they reach storage through [`Backend`], which the server crate implements and
//! provides as context; `app` never depends on `server`.

use crate::protocol::{ErrorBody, Message, Room};
use leptos::prelude::*;

/// What the server functions need from the server. Provided as `Arc<dyn Backend>` context.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// All rooms, by name.
    async fn rooms(&self) -> Result<Vec<Room>, ErrorBody>;
    /// One room, or `unknown_room`.
    async fn room(&self, name: &crate::protocol::RoomName) -> Result<Room, ErrorBody>;
    /// The newest `limit` messages before `before` (all when `None`), in ascending seq order.
    async fn history(
        &self,
        room: &crate::protocol::RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, ErrorBody>;
    /// Creates a room and tells every connected client.
    async fn create_room(&self, name: &crate::protocol::RoomName) -> Result<Room, ErrorBody>;
}

#[cfg(feature = "ssr")]
fn backend() -> Result<std::sync::Arc<dyn Backend>, ErrorBody> {
    use_context::<std::sync::Arc<dyn Backend>>().ok_or_else(|| {
        leptos::logging::error!("no Backend in context: the server must provide one");
        ErrorBody::internal()
    })
}

/// The rooms for the sidebar.
#[server(prefix = "/api", endpoint = "rooms")]
pub async fn list_rooms() -> Result<Vec<Room>, ErrorBody> {
    backend()?.rooms().await
}

/// A room's page: the room and its newest messages.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoomPage {
    pub room: Room,
    pub messages: Vec<Message>,
}

/// Loads a room and its newest [`crate::protocol::HISTORY_PAGE`] messages for its page.
#[server(prefix = "/api", endpoint = "room")]
pub async fn load_room(room: String) -> Result<RoomPage, ErrorBody> {
    use crate::protocol::{ErrorCode, RoomName, HISTORY_PAGE};
    let name = RoomName::parse(&room)
        .map_err(|_| {
            ErrorBody::new(
                ErrorCode::UnknownRoom,
                format!("There is no room named \"{room}\"."),
            )
        })
        .inspect_err(set_status)?;
    let backend = backend()?;
    let room = backend.room(&name).await.inspect_err(set_status)?;
    let messages = backend.history(&name, None, HISTORY_PAGE).await?;
    Ok(RoomPage { room, messages })
}

/// Creates a room; the form on the sidebar posts here.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(name: String) -> Result<Room, ErrorBody> {
    let name = crate::protocol::RoomName::parse(name.trim()).inspect_err(set_status)?;
    backend()?.create_room(&name).await.inspect_err(set_status)
}

/// Gives the HTTP response the status that fits the error (404 for an unknown room, …).
#[cfg(feature = "ssr")]
fn set_status(e: &ErrorBody) {
    use crate::protocol::ErrorCode as C;
    use http::StatusCode;
    let status = match e.code {
        C::UnknownRoom => StatusCode::NOT_FOUND,
        C::RoomExists => StatusCode::CONFLICT,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(status);
    }
}
