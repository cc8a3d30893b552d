//! The server's half of the heartbeat: a client that stops answering pings is dropped within
//! ping interval + ping timeout.

use crate::helpers::{Options, TestApp};
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_client_that_never_pongs_is_dropped_within_interval_plus_timeout() {
    let server = TestApp::spawn(Options::new().flags(&[
        "--ping-interval-ms",
        "300",
        "--ping-timeout-ms",
        "300",
    ]))
    .await;
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        server.url.replacen("http://", "ws://", 1)
    );
    let ada = server.register("ada").await;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Cookie", ada.cookie.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket");
    let open = ws.next().await.unwrap().unwrap();
    assert!(
        open.to_text().unwrap().starts_with('0'),
        "open packet: {open}"
    );
    ws.send(Message::text("40")).await.unwrap();
    let started = Instant::now();
    // Read everything, answer nothing: the server must close the connection.
    let seen = tokio::time::timeout(Duration::from_secs(5), async {
        let mut seen = Vec::new();
        while let Some(Ok(msg)) = ws.next().await {
            if msg.is_close() {
                break;
            }
            seen.push(msg.to_text().unwrap_or_default().to_owned());
        }
        seen
    })
    .await
    .expect("still open after 5 s");
    assert!(
        seen.iter().any(|m| m == "2"),
        "the server pinged before giving up: {seen:?}"
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2000),
        "dropped after {took:?}, expected about 600 ms"
    );
}
