//! The benchmark ceiling: a minimal tokio WebSocket server that relays each `send` to the other
//! members of its room, nothing more (no Socket.IO library, no storage, no JSON parser). It
//! answers just enough of the Engine.IO / Socket.IO handshake for the load generator to drive it
//! like Natter. Each frame is encoded once and shared by every recipient.

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Members = HashMap<u64, mpsc::UnboundedSender<Utf8Bytes>>;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3300".into());
    let listener = TcpListener::bind(&addr).await.expect("bind");
    println!(
        "raw websocket reference listening on http://{}",
        listener.local_addr().unwrap()
    );
    let rooms: Arc<Mutex<HashMap<String, Members>>> = Arc::default();
    let mut next_id = 0u64;
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        next_id += 1;
        let (id, rooms) = (next_id, rooms.clone());
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            let (mut sink, mut stream) = ws.split();
            let (tx, mut rx) = mpsc::unbounded_channel::<Utf8Bytes>();
            let writer = tokio::spawn(async move {
                while let Some(text) = rx.recv().await {
                    if sink.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
            });
            let _ = tx.send(r#"0{"sid":"raw","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}"#.into());
            let mut room: Option<String> = None;
            while let Some(Ok(Message::Text(text))) = stream.next().await {
                let t = text.as_str();
                if t == "40" {
                    let _ = tx.send(r#"40{"sid":"raw"}"#.into());
                } else if let Some(rest) = t.strip_prefix("42[\"send\",") {
                    let Some(r) = room.as_ref() else { continue };
                    // {"room":…,"author":…,"body":…}] -> 42["message",{…}]
                    let frame: Utf8Bytes = format!("42[\"message\",{rest}").into();
                    let members = rooms.lock().unwrap();
                    for (other, member) in members.get(r).into_iter().flatten() {
                        if *other != id {
                            let _ = member.send(frame.clone());
                        }
                    }
                } else if let Some(rest) = t.strip_prefix("42") {
                    // A join with an ack id: 42<id>["join",{"room":"…"}]
                    let digits = rest.find('[').unwrap_or(0);
                    let (ack, body) = rest.split_at(digits);
                    if let Some(name) = body
                        .strip_prefix("[\"join\",{\"room\":\"")
                        .and_then(|b| b.split('"').next())
                    {
                        rooms
                            .lock()
                            .unwrap()
                            .entry(name.to_owned())
                            .or_default()
                            .insert(id, tx.clone());
                        room = Some(name.to_owned());
                        let _ = tx.send(format!("43{ack}[{{}}]").into());
                    }
                }
            }
            if let Some(r) = room {
                if let Some(m) = rooms.lock().unwrap().get_mut(&r) {
                    m.remove(&id);
                }
            }
            writer.abort();
        });
    }
}
