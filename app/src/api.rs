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

/// What a server function needs from its request, taken before its first `.await`: Leptos
/// contexts are not reliably reachable after one.
#[cfg(feature = "ssr")]
struct Request {
    backend: std::sync::Arc<dyn Backend>,
    cookies: Option<String>,
    response: Option<leptos_axum::ResponseOptions>,
}

#[cfg(feature = "ssr")]
impl Request {
    fn take() -> Result<Self, ErrorBody> {
        let backend = use_context::<std::sync::Arc<dyn Backend>>().ok_or_else(|| {
            leptos::logging::error!("no Backend in context: the server must provide one");
            ErrorBody::internal()
        })?;
        let cookies = use_context::<http::request::Parts>().and_then(|p| {
            p.headers
                .get(http::header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        Ok(Self {
            backend,
            cookies,
            response: use_context::<leptos_axum::ResponseOptions>(),
        })
    }

    /// The user behind this request, if logged in.
    async fn maybe_viewer(&self) -> Result<Option<Viewer>, ErrorBody> {
        self.backend.viewer(self.cookies.as_deref()).await
    }

    /// The user behind this request, or `not_authenticated` (HTTP 401).
    async fn viewer(&self) -> Result<Viewer, ErrorBody> {
        let viewer = self.maybe_viewer().await?;
        viewer.ok_or_else(|| self.fail(ErrorBody::not_authenticated()))
    }

    /// Gives the HTTP response the status that fits `e` (404 for an unknown room, …).
    fn fail(&self, e: ErrorBody) -> ErrorBody {
        if let Some(r) = &self.response {
            r.set_status(
                http::StatusCode::from_u16(e.code.http_status())
                    .unwrap_or(http::StatusCode::BAD_REQUEST),
            );
        }
        e
    }

    /// `result`, with its error's status set on the response.
    fn check<T>(&self, result: Result<T, ErrorBody>) -> Result<T, ErrorBody> {
        result.map_err(|e| self.fail(e))
    }
}

/// Who is logged in (`None`: nobody).
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.maybe_viewer().await;
    Ok(req.check(viewer)?.map(|v| Me {
        username: v.name.to_string(),
    }))
}

/// The rooms for the sidebar.
#[server(prefix = "/api", endpoint = "rooms")]
pub async fn list_rooms() -> Result<Vec<Room>, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let rooms = req.backend.rooms(&viewer).await;
    req.check(rooms)
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
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let name = req.check(RoomName::parse(&room).map_err(|_| {
        ErrorBody::new(
            ErrorCode::UnknownRoom,
            format!("There is no room named \"{room}\"."),
        )
    }))?;
    let room = req.check(req.backend.room(&viewer, &name).await)?;
    let messages = req.check(
        req.backend
            .history(&viewer, &name, None, HISTORY_PAGE)
            .await,
    )?;
    Ok(RoomPage { room, messages })
}

/// Creates a room; the form on the sidebar posts here. `private` is a checkbox: present
/// (any value) means invite-only.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(name: String, private: Option<String>) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let name = req.check(crate::protocol::RoomName::parse(name.trim()))?;
    let room = req
        .backend
        .create_room(&viewer, &name, private.is_some())
        .await;
    req.check(room)
}

/// Opens (or finds) the direct conversation with `username`.
#[server(prefix = "/api", endpoint = "open_direct")]
pub async fn open_direct(username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let other = req.check(crate::protocol::Username::parse(&username))?;
    let room = req.backend.open_direct(&viewer, &other).await;
    req.check(room)
}

/// The owner of private room `room` adds `username`.
#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let room = req.check(crate::protocol::RoomName::parse(&room))?;
    let who = req.check(crate::protocol::Username::parse(&username))?;
    let changed = req.backend.add_member(&viewer, &room, &who).await;
    req.check(changed)
}

/// The owner removes `username` from `room`, or a member removes themselves (leaves).
#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.viewer().await?;
    let room = req.check(crate::protocol::RoomName::parse(&room))?;
    let who = req.check(crate::protocol::Username::parse(&username))?;
    let changed = req.backend.remove_member(&viewer, &room, &who).await;
    req.check(changed)
}
