//! One Socket.IO client connection over a raw WebSocket: the handshake and acknowledged
//! requests, answering the server's pings on the way.

use crate::frames::{self, Incoming};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
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
    let request = upgrade_request(url, cookie)?;
    let deadline = tokio::time::Instant::now() + timeout;
    let (ws, _) = tokio::time::timeout_at(deadline, tokio_tungstenite::connect_async(request))
        .await
        .ok()?
        .ok()?;
    namespace(ws, deadline).await
}

/// Like [`connect`], over a TCP socket whose receive buffer is `recv_buffer` bytes (set before
/// connecting, so the window stays that small): what the client leaves unread then waits in
/// the server, not in this machine's kernel.
pub async fn connect_narrow(
    url: &str,
    cookie: Option<&str>,
    timeout: Duration,
    recv_buffer: u32,
) -> Option<Ws> {
    let request = upgrade_request(url, cookie)?;
    let uri = request.uri();
    let authority = format!("{}:{}", uri.host()?, uri.port_u16().unwrap_or(80));
    let addr = tokio::net::lookup_host(authority).await.ok()?.next()?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .ok()?;
    socket.set_recv_buffer_size(recv_buffer).ok()?;
    let deadline = tokio::time::Instant::now() + timeout;
    let stream = tokio::time::timeout_at(deadline, socket.connect(addr))
        .await
        .ok()?
        .ok()?;
    let upgrade = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream));
    let (ws, _) = tokio::time::timeout_at(deadline, upgrade)
        .await
        .ok()?
        .ok()?;
    namespace(ws, deadline).await
}

/// The WebSocket upgrade request for `url`, carrying `cookie` if any.
fn upgrade_request(url: &str, cookie: Option<&str>) -> Option<Request> {
    let mut request = url.into_client_request().ok()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert("Cookie", cookie.parse().ok()?);
    }
    Some(request)
}

/// The Engine.IO `open` and the namespace CONNECT on a fresh WebSocket, by `deadline`.
async fn namespace(mut ws: Ws, deadline: tokio::time::Instant) -> Option<Ws> {
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

/// How the request behind an ack frame ended: `ok`, or the `code` of its error
/// (`{"error":{"code":…}}`); `unreadable` for an ack that is neither.
pub fn ack_outcome(frame: &str) -> String {
    match ack_argument(frame) {
        Some(arg) => match arg.get("error") {
            None => "ok".to_owned(),
            Some(error) => error["code"].as_str().unwrap_or("unreadable").to_owned(),
        },
        None => "unreadable".to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::ack_outcome;

    #[test]
    fn tells_success_from_error_acks() {
        assert_eq!(ack_outcome(r#"4312[{"messages":[]}]"#), "ok");
        assert_eq!(
            ack_outcome(r#"4312[{"error":{"code":"rate_limited","message":"Slow down."}}]"#),
            "rate_limited"
        );
        assert_eq!(ack_outcome("4312"), "unreadable");
    }
}
