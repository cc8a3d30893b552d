//! Server functions: what pages load over HTTP (and during server-side rendering).
//!
//! On the server they reach storage through [`Backend`], which the server crate implements and
//! provides as context; `app` never depends on `server`. Every one of them acts for the user
//! behind the request's session cookie and sees only what that user may see.

use crate::protocol::{ErrorBody, Me, Message, Room};
use leptos::prelude::*;

/// The user a request is made by, as the server resolved their session cookie.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: i64,
    pub name: crate::protocol::Username,
}

/// What the server functions need from the server. Provided as `Arc<dyn Backend>` context.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The user of the session named by a `Cookie` header, if it is live.
    async fn viewer(&self, cookies: Option<&str>) -> Result<Option<Viewer>, ErrorBody>;
    /// The rooms `viewer` can see, by name.
    async fn rooms(&self, viewer: &Viewer) -> Result<Vec<Room>, ErrorBody>;
    /// One room `viewer` can see, or `unknown_room`.
    async fn room(
        &self,
        viewer: &Viewer,
        name: &crate::protocol::RoomName,
    ) -> Result<Room, ErrorBody>;
    /// The newest `limit` messages before `before` (all when `None`), in ascending seq order.
    async fn history(
        &self,
        viewer: &Viewer,
        room: &crate::protocol::RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, ErrorBody>;
    /// Creates a room and tells those who can see it.
    async fn create_room(
        &self,
        viewer: &Viewer,
        name: &crate::protocol::RoomName,
        private: bool,
    ) -> Result<Room, ErrorBody>;
    /// The direct conversation of `viewer` and `other`, created on first use.
    async fn open_direct(
        &self,
        viewer: &Viewer,
        other: &crate::protocol::Username,
    ) -> Result<Room, ErrorBody>;
    /// The owner of a private room adds a member.
    async fn add_member(
        &self,
        viewer: &Viewer,
        room: &crate::protocol::RoomName,
        who: &crate::protocol::Username,
    ) -> Result<Room, ErrorBody>;
    /// The owner removes a member, or a member (`who` = `viewer`) leaves.
    async fn remove_member(
        &self,
        viewer: &Viewer,
        room: &crate::protocol::RoomName,
        who: &crate::protocol::Username,
    ) -> Result<Room, ErrorBody>;
}

#[cfg(feature = "ssr")]
fn backend() -> Result<std::sync::Arc<dyn Backend>, ErrorBody> {
    use_context::<std::sync::Arc<dyn Backend>>().ok_or_else(|| {
        leptos::logging::error!("no Backend in context: the server must provide one");
        ErrorBody::internal()
    })
}

/// The user behind this request, if logged in.
#[cfg(feature = "ssr")]
async fn maybe_viewer() -> Result<Option<Viewer>, ErrorBody> {
    let cookies = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    backend()?.viewer(cookies.as_deref()).await
}

/// The user behind this request, or `not_authenticated` (HTTP 401).
#[cfg(feature = "ssr")]
async fn viewer() -> Result<Viewer, ErrorBody> {
    maybe_viewer()
        .await?
        .ok_or_else(ErrorBody::not_authenticated)
        .inspect_err(set_status)
}

/// Who is logged in (`None`: nobody).
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, ErrorBody> {
    Ok(maybe_viewer().await?.map(|v| Me {
        username: v.name.to_string(),
    }))
}

/// The rooms for the sidebar.
#[server(prefix = "/api", endpoint = "rooms")]
pub async fn list_rooms() -> Result<Vec<Room>, ErrorBody> {
    let viewer = viewer().await?;
    backend()?.rooms(&viewer).await
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
    let viewer = viewer().await?;
    let name = RoomName::parse(&room)
        .map_err(|_| {
            ErrorBody::new(
                ErrorCode::UnknownRoom,
                format!("There is no room named \"{room}\"."),
            )
        })
        .inspect_err(set_status)?;
    let backend = backend()?;
    let room = backend.room(&viewer, &name).await.inspect_err(set_status)?;
    let messages = backend
        .history(&viewer, &name, None, HISTORY_PAGE)
        .await
        .inspect_err(set_status)?;
    Ok(RoomPage { room, messages })
}

/// Creates a room; the form on the sidebar posts here. `private` is a checkbox: present
/// (any value) means invite-only.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(name: String, private: Option<String>) -> Result<Room, ErrorBody> {
    let viewer = viewer().await?;
    let name = crate::protocol::RoomName::parse(name.trim()).inspect_err(set_status)?;
    backend()?
        .create_room(&viewer, &name, private.is_some())
        .await
        .inspect_err(set_status)
}

/// Opens (or finds) the direct conversation with `username`.
#[server(prefix = "/api", endpoint = "open_direct")]
pub async fn open_direct(username: String) -> Result<Room, ErrorBody> {
    let viewer = viewer().await?;
    let other = crate::protocol::Username::parse(&username).inspect_err(set_status)?;
    backend()?
        .open_direct(&viewer, &other)
        .await
        .inspect_err(set_status)
}

/// The owner of private room `room` adds `username`.
#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let viewer = viewer().await?;
    let room = crate::protocol::RoomName::parse(&room).inspect_err(set_status)?;
    let who = crate::protocol::Username::parse(&username).inspect_err(set_status)?;
    backend()?
        .add_member(&viewer, &room, &who)
        .await
        .inspect_err(set_status)
}

/// The owner removes `username` from `room`, or a member removes themselves (leaves).
#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let viewer = viewer().await?;
    let room = crate::protocol::RoomName::parse(&room).inspect_err(set_status)?;
    let who = crate::protocol::Username::parse(&username).inspect_err(set_status)?;
    backend()?
        .remove_member(&viewer, &room, &who)
        .await
        .inspect_err(set_status)
}

/// Gives the HTTP response the status that fits the error (404 for an unknown room, …).
#[cfg(feature = "ssr")]
fn set_status(e: &ErrorBody) {
    let status =
        http::StatusCode::from_u16(e.code.http_status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(status);
    }
}
