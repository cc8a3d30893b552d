//! What one source can make the server do is bounded, and other users do not notice: a login
//! flood, a connection that never reads, a burst of requests on one connection.

use crate::helpers::{error_code, Options, TestApp, PASSWORD};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;

#[tokio::test]
async fn the_owner_logs_in_while_strangers_flood_the_login_form() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    // 120 logins at once for names nobody has, from three addresses.
    let flood: Vec<_> = (0..120)
        .map(|i| {
            let from = IpAddr::from([127, 0, 0, 10 + (i % 3) as u8]);
            let server = &server;
            async move {
                let res = server
                    .login_from(from, &format!("nobody{i}"), "guess-guess")
                    .await;
                (
                    res.status().as_u16(),
                    res.headers().contains_key("retry-after"),
                )
            }
        })
        .collect();
    let owner = async {
        // Ada, from her own address, while the flood runs.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let res = server
            .login_from(IpAddr::from([127, 0, 0, 2]), "ada", PASSWORD)
            .await;
        (res.status().as_u16(), started.elapsed())
    };
    let (answers, (owner_status, owner_took)) =
        tokio::join!(futures_util::future::join_all(flood), owner);
    assert_eq!(owner_status, 200, "the owner got in (after {owner_took:?})");
    let refused_at_once = answers.iter().filter(|(s, _)| *s == 503).count();
    assert!(
        refused_at_once > 60,
        "most of the flood is refused before any hashing: {answers:?}"
    );
    for (status, retry_after) in &answers {
        assert!([401, 429, 503].contains(status), "{status}");
        if *status != 401 {
            assert!(retry_after, "a refusal says when to retry");
        }
    }
}

#[tokio::test]
async fn a_burst_of_requests_on_one_connection_is_answered_or_refused_never_dropped() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let mut ws = RawSocket::open(&server, &ada.cookie).await;
    // 300 requests in a row, without waiting for answers.
    for id in 0..300 {
        ws.send(&format!(r#"42{id}["history",{{"room":"general"}}]"#))
            .await;
    }
    let acks = ws.acks(300, Duration::from_secs(20)).await;
    assert_eq!(acks.len(), 300, "every request is answered");
    let refused: Vec<&Value> = acks.iter().filter(|a| a.get("error").is_some()).collect();
    for r in &refused {
        assert_eq!(error_code(r), "rate_limited", "{r}");
        assert!(r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requests waiting for answers"));
    }
    assert!(
        acks.len() - refused.len() >= 32,
        "the first ones are served"
    );
}

#[tokio::test]
async fn a_connection_that_stops_reading_is_cut_off_and_others_chat_on() {
    let flags = [
        "--send-rate",
        "0",
        "--ping-interval-ms",
        "1000",
        "--ping-timeout-ms",
        "1000",
    ];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let bob = server.client().await;
    // A room whose newest page is as large as a reply gets (64 KiB of text).
    let long = "x".repeat(3000);
    for _ in 0..40 {
        bob.send("general", &long).await;
    }
    let eve = server.register("eve").await;
    let mut stalled = RawSocket::open(&server, &eve.cookie).await;
    // Eve asks for 64 KiB 4,000 times and never reads an answer. A little at a time, so most
    // requests are served (not refused for being too many at once) and their answers fill
    // her outgoing queue however fast the machine is.
    for id in 0..4000 {
        stalled
            .send(&format!(r#"42{id}["history",{{"room":"general"}}]"#))
            .await;
        if id % 16 == 15 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // Meanwhile Bob's messages are stored and acknowledged as always.
    for i in 0..20 {
        bob.send("general", &format!("still here {i}")).await;
    }
    // Eve's connection is closed by the server: once she reads again, it ends.
    let ended = tokio::time::timeout(Duration::from_secs(30), stalled.until_closed()).await;
    let answered = ended.expect("the server closed the connection that stopped reading");
    assert!(
        answered < 4000,
        "she was cut off, not served everything ({answered})"
    );
}

/// Engine.IO v4 / Socket.IO v5 over a raw WebSocket: enough to misbehave on purpose.
pub struct RawSocket {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl RawSocket {
    pub async fn open(server: &TestApp, cookie: &str) -> Self {
        let url = format!(
            "{}/socket.io/?EIO=4&transport=websocket",
            server.url.replacen("http://", "ws://", 1)
        );
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Cookie", cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut socket = Self { ws };
        let open = socket.next_text().await;
        assert!(open.starts_with('0'), "{open}");
        socket.send("40").await;
        let connected = socket.next_text().await;
        assert!(connected.starts_with("40"), "{connected}");
        socket
    }

    async fn send(&mut self, text: &str) {
        self.ws.send(Ws::text(text)).await.unwrap();
    }

    async fn next_text(&mut self) -> String {
        loop {
            match self.ws.next().await {
                Some(Ok(Ws::Text(t))) if t.as_str() == "2" => self.send("3").await,
                Some(Ok(Ws::Text(t))) => return t.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("connection ended: {other:?}"),
            }
        }
    }

    /// The first argument of the next `n` acks, within `within`.
    async fn acks(&mut self, n: usize, within: Duration) -> Vec<Value> {
        let mut acks = Vec::with_capacity(n);
        tokio::time::timeout(within, async {
            while acks.len() < n {
                let text = self.next_text().await;
                if let Some(rest) = text.strip_prefix("43") {
                    let args = &rest[rest.find('[').unwrap()..];
                    let mut args: Vec<Value> = serde_json::from_str(args).unwrap();
                    acks.push(args.remove(0));
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("only {} of {n} acks in time", acks.len()));
        acks
    }

    /// Reads until the server ends the connection or disconnects the socket (`41`); the acks
    /// read on the way.
    pub async fn until_closed(&mut self) -> usize {
        let mut acks = 0;
        while let Some(Ok(frame)) = self.ws.next().await {
            match frame {
                Ws::Text(t) if t.as_str().starts_with("43") => acks += 1,
                Ws::Text(t) if t.as_str() == "41" => break,
                Ws::Text(t) if t.as_str() == "2" => {
                    let _ = self.ws.send(Ws::text("3")).await;
                }
                Ws::Close(_) => break,
                _ => {}
            }
        }
        acks
    }
}
