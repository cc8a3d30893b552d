//! One Socket.IO client connection over a raw WebSocket: the handshake and acknowledged
//! requests, answering the server's pings on the way.

use crate::frames::{self, Incoming};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `ws://…/socket.io/?EIO=4&transport=websocket` for a server's base URL.
pub fn ws_url(base: &str) -> String {
    format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        base.replacen("http://", "ws://", 1)
            .replacen("https://", "wss://", 1)
    )
}

/// Opens the WebSocket (with `cookie`, if any) and connects to the namespace, within `timeout`.
pub async fn connect(url: &str, cookie: Option<&str>, timeout: Duration) -> Option<Ws> {
    let mut request = url.into_client_request().ok()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert("Cookie", cookie.parse().ok()?);
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let (mut ws, _) = tokio::time::timeout_at(deadline, tokio_tungstenite::connect_async(request))
        .await
        .ok()?
        .ok()?;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let WsMessage::Text(text) = msg else { continue };
        match frames::parse(&text) {
            Incoming::Open => ws.send(WsMessage::text(frames::CONNECT)).await.ok()?,
            Incoming::Ping => ws.send(WsMessage::text(frames::PONG)).await.ok()?,
            Incoming::Connected => return Some(ws),
            _ => {}
        }
    }
    None
}

/// Sends `frame` (which asks for ack `id`) and returns the ack's frame text; every other text
/// frame that arrives meanwhile goes to `other`.
pub async fn request(
    ws: &mut Ws,
    frame: String,
    id: u64,
    timeout: Duration,
    mut other: impl FnMut(&str),
) -> Option<String> {
    ws.send(WsMessage::text(frame)).await.ok()?;
    let deadline = tokio::time::Instant::now() + timeout;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let WsMessage::Text(text) = msg else { continue };
        match frames::parse(&text) {
            Incoming::Ack(n) if n == id => return Some(text.to_string()),
            Incoming::Ping => ws.send(WsMessage::text(frames::PONG)).await.ok()?,
            _ => other(&text),
        }
    }
    None
}

/// The JSON argument of an ack frame (`43<id>[<arg>]`).
pub fn ack_argument(frame: &str) -> Option<serde_json::Value> {
    let start = frame.find('[')?;
    let mut args: serde_json::Value = serde_json::from_str(&frame[start..]).ok()?;
    Some(args.get_mut(0)?.take())
}

/// A small, seedable random source (xorshift), enough for jitter.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
