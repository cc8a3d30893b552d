//! Server functions: what pages load over HTTP (and during server-side rendering), and what
//! their forms post.
//!
//! On the server they reach the chat service through [`Backend`], which the server crate
//! implements and provides as context; `app` never depends on `server`. Each one names a
//! protocol request, and [`Request::run`] hands it to the same operation the socket event of
//! that name reaches, as the user behind the request's session cookie. Errors get their HTTP
//! status in one place ([`Request::checked`]).

#[cfg(feature = "ssr")]
use crate::protocol::{
    AddMemberRequest, BrowseRequest, CreateRoomRequest, ErrorCode, JoinRequest, MemberRequest,
    OpenDirectRequest, OpsWatchRequest, RemoveMemberRequest, RoomsRequest, SendRequest,
    SetNotificationsRequest, SetTopicRequest,
};
use crate::protocol::{ErrorBody, Me, Message, NodeHistory, ReadState, Room};
#[cfg(feature = "ssr")]
use crate::protocol::{MessageBody, RoomName, Topic, Username};
use leptos::prelude::*;

/// The user a request is made by, as the server resolved their session cookie.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: i64,
    pub name: crate::protocol::Username,
    /// May open the ops dashboard.
    pub admin: bool,
}

#[cfg(feature = "ssr")]
impl Viewer {
    /// The viewer as the pages know them.
    fn me(&self) -> Me {
        Me {
            username: self.name.to_string(),
            admin: self.admin,
        }
    }
}

/// What the server functions need from the server. Provided as `Arc<dyn Backend>` context.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The user of the live session the request's cookie names, if any.
    async fn viewer(&self, request: &http::request::Parts) -> Result<Option<Viewer>, ErrorBody>;
    /// Runs the operation of `event` for `viewer` with a JSON request, answering its JSON
    /// reply: exactly what the socket event of that name does.
    async fn call(
        &self,
        viewer: &Viewer,
        event: &'static str,
        request: serde_json::Value,
    ) -> Result<serde_json::Value, ErrorBody>;
}

/// What a server function needs from its request, taken before its first `.await`: Leptos
/// contexts are not reliably reachable after one.
#[cfg(feature = "ssr")]
struct Request {
    backend: std::sync::Arc<dyn Backend>,
    parts: http::request::Parts,
    response: Option<leptos_axum::ResponseOptions>,
}

#[cfg(feature = "ssr")]
impl Request {
    fn take() -> Result<Self, ErrorBody> {
        let backend = use_context::<std::sync::Arc<dyn Backend>>().ok_or_else(|| {
            leptos::logging::error!("no Backend in context: the server must provide one");
            ErrorBody::internal()
        })?;
        let parts = use_context::<http::request::Parts>().ok_or_else(|| {
            leptos::logging::error!("no request parts in context");
            ErrorBody::internal()
        })?;
        Ok(Self {
            backend,
            parts,
            response: use_context::<leptos_axum::ResponseOptions>(),
        })
    }

    /// True for a browser's plain form post (it accepts HTML): server_fn answers it with a
    /// redirect back to the page.
    fn from_a_page(&self) -> bool {
        self.parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    }

    /// The user behind this request, if logged in.
    async fn maybe_viewer(&self) -> Result<Option<Viewer>, ErrorBody> {
        let viewer = self.backend.viewer(&self.parts).await;
        self.checked(viewer)
    }

    /// Runs `request` as the logged-in user (`not_authenticated`, 401, when nobody is).
    async fn run<R: crate::protocol::Request>(&self, request: R) -> Result<R::Reply, ErrorBody> {
        self.decode_and_run(|| Ok(request)).await
    }

    /// Runs the request `decode` makes of the function's arguments (validating them, as the
    /// socket's requests are validated while they are decoded), once the user is known.
    async fn decode_and_run<R: crate::protocol::Request>(
        &self,
        decode: impl FnOnce() -> Result<R, ErrorBody>,
    ) -> Result<R::Reply, ErrorBody> {
        let result = async {
            let viewer = self
                .backend
                .viewer(&self.parts)
                .await?
                .ok_or_else(ErrorBody::not_authenticated)?;
            let request = serde_json::to_value(decode()?).map_err(|_| ErrorBody::internal())?;
            let reply = self.backend.call(&viewer, R::EVENT, request).await?;
            serde_json::from_value(reply).map_err(|_| ErrorBody::internal())
        }
        .await;
        self.checked(result)
    }

    /// `result`, with its error's status set on the HTTP response (404 for an unknown room, …).
    fn checked<T>(&self, result: Result<T, ErrorBody>) -> Result<T, ErrorBody> {
        result.inspect_err(|e| {
            if let Some(r) = &self.response {
                r.set_status(
                    http::StatusCode::from_u16(e.code.http_status())
                        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        })
    }
}

/// Who is logged in (`None`: nobody).
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, ErrorBody> {
    let req = Request::take()?;
    let viewer = req.maybe_viewer().await?;
    Ok(viewer.as_ref().map(Viewer::me))
}

/// What every page behind the login starts from: who is logged in and their rooms; `None`
/// (and no error status, so the page's redirect to the login stands) when nobody is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    pub me: Me,
    pub rooms: Vec<Room>,
    /// How far the user has read each of them.
    pub reads: Vec<ReadState>,
    /// The reader's time zone offset from UTC in minutes, as their browser last told it (the
    /// `natter_tz` cookie), so the server's HTML shows their times; `None` on a first visit.
    pub utc_offset_min: Option<i32>,
}

#[server(prefix = "/api", endpoint = "frame")]
pub async fn load_frame() -> Result<Option<Frame>, ErrorBody> {
    let req = Request::take()?;
    let Some(viewer) = req.maybe_viewer().await? else {
        return Ok(None);
    };
    let list = req.run(RoomsRequest {}).await?;
    Ok(Some(Frame {
        me: viewer.me(),
        rooms: list.rooms,
        reads: list.reads,
        utc_offset_min: crate::browser::utc_offset_from_cookies(&req.parts.headers),
    }))
}

/// The rooms for the sidebar.
#[server(prefix = "/api", endpoint = "rooms")]
pub async fn list_rooms() -> Result<Vec<Room>, ErrorBody> {
    let req = Request::take()?;
    Ok(req.run(RoomsRequest {}).await?.rooms)
}

/// Every node's last five minutes, for the ops dashboard: administrators only (anyone else gets
/// `not_found`, 404).
#[server(prefix = "/api", endpoint = "ops")]
pub async fn ops_overview() -> Result<Vec<NodeHistory>, ErrorBody> {
    let req = Request::take()?;
    Ok(req.run(OpsWatchRequest {}).await?.nodes)
}

/// One page of the public rooms, as the browse page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BrowsePage {
    pub rooms: Vec<Room>,
    /// The `after` of the next page; `None` on the last one.
    pub next: Option<String>,
}

/// Public rooms whose name contains `query`, a page at a time from after `after`.
#[server(prefix = "/api", endpoint = "browse")]
pub async fn browse_rooms(query: String, after: Option<String>) -> Result<BrowsePage, ErrorBody> {
    let req = Request::take()?;
    let reply = req
        .run(BrowseRequest {
            query,
            after,
            limit: None,
        })
        .await?;
    Ok(BrowsePage {
        rooms: reply.rooms,
        next: reply.next,
    })
}

/// A room's page: the room and its newest messages.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoomPage {
    pub room: Room,
    pub messages: Vec<Message>,
    /// How far the user had read the room when the page loaded (where "New messages" goes).
    pub read: ReadState,
    /// The room's pinned messages, the newest pin first.
    pub pins: Vec<Message>,
}

/// Loads a room and its newest [`crate::protocol::HISTORY_PAGE`] messages for its page: the
/// `join` operation without a socket.
#[server(prefix = "/api", endpoint = "room")]
pub async fn load_room(room: String) -> Result<RoomPage, ErrorBody> {
    let req = Request::take()?;
    let joined = req
        .decode_and_run(|| {
            Ok(JoinRequest {
                room: RoomName::parse(&room)?,
                after: None,
                changes_after: None,
            })
        })
        .await;
    match joined {
        Ok(j) => Ok(RoomPage {
            room: j.room,
            messages: j.messages,
            read: j.read,
            pins: j.pins,
        }),
        // No room can have that name: as for any other page that is not there.
        Err(e) if e.code == ErrorCode::InvalidRoomName => req.checked(Err(ErrorBody::new(
            ErrorCode::UnknownRoom,
            "There is no room with that name.",
        ))),
        Err(e) => Err(e),
    }
}

/// Creates a room; the form on the sidebar posts here. `private` is a checkbox: present
/// (any value) means invite-only.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(name: String, private: Option<String>) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let private = private.is_some();
    let create = || {
        Ok(CreateRoomRequest {
            name: RoomName::parse_new(name.trim())?,
            private,
        })
    };
    Ok(req.decode_and_run(create).await?.room)
}

/// Opens (or finds) the direct conversation with `username`.
#[server(prefix = "/api", endpoint = "open_direct")]
pub async fn open_direct(username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let open = || {
        Ok(OpenDirectRequest {
            username: Username::parse(&username)?,
        })
    };
    Ok(req.decode_and_run(open).await?.room)
}

/// The owner of private room `room` adds `username`.
#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let add = || Ok(AddMemberRequest(member(&room, &username)?));
    Ok(req.decode_and_run(add).await?.room)
}

/// The owner removes `username` from `room`, or a member removes themselves (leaves).
#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(room: String, username: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let remove = || Ok(RemoveMemberRequest(member(&room, &username)?));
    Ok(req.decode_and_run(remove).await?.room)
}

/// A membership change's fields, validated.
#[cfg(feature = "ssr")]
fn member(room: &str, username: &str) -> Result<MemberRequest, ErrorBody> {
    Ok(MemberRequest {
        room: RoomName::parse(room)?,
        username: Username::parse(username)?,
    })
}

/// Sends a message: the composer's plain form post, on a page without JavaScript (with it, the
/// page sends over its socket and never posts this). The browser is sent back to the room; a
/// refusal comes back in the address (`__err`), and the composer shows its sentence.
#[server(prefix = "/api", endpoint = "post_message")]
pub async fn post_message(room: String, body: String) -> Result<(), ErrorBody> {
    let req = Request::take()?;
    let send = || {
        Ok(SendRequest {
            room: RoomName::parse(&room)?,
            body: MessageBody::parse(&body)?,
            key: None,
            reply_to: None,
        })
    };
    let sent = req.decode_and_run(send).await;
    if sent.is_err() && req.from_a_page() {
        // Back to the room with the reason (server_fn sets the address); an error status
        // would leave the browser on a page of JSON instead.
        if let Some(r) = &req.response {
            r.set_status(http::StatusCode::SEE_OTHER);
        }
    }
    sent.map(|_| ())
}

/// Sets the topic of `room` (an empty one clears it).
#[server(prefix = "/api", endpoint = "set_topic")]
pub async fn set_topic(room: String, topic: String) -> Result<Room, ErrorBody> {
    let req = Request::take()?;
    let set = || {
        Ok(SetTopicRequest {
            room: RoomName::parse(&room)?,
            topic: Topic::parse(&topic)?,
        })
    };
    Ok(req.decode_and_run(set).await?.room)
}

/// Sets what a room notifies the user of (`level`: `all`, `mentions` or `muted`; a plain form
/// works without JavaScript too).
#[server(prefix = "/api", endpoint = "set_notifications")]
pub async fn set_notifications(
    room: String,
    level: String,
) -> Result<crate::protocol::NotificationsReply, ErrorBody> {
    let req = Request::take()?;
    let Some(level) = crate::protocol::NotifyLevel::parse(&level) else {
        return req.checked(Err(ErrorBody::new(
            crate::protocol::ErrorCode::BadPayload,
            "level must be one of all, mentions and muted.",
        )));
    };
    let set = || {
        Ok(SetNotificationsRequest {
            room: RoomName::parse(&room)?,
            level,
        })
    };
    req.decode_and_run(set).await
}
