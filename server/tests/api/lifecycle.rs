//! Stopping and failing: SIGTERM ends the process quickly without losing an acknowledged
//! message; a writer that cannot store refuses sends clearly and the process exits non-zero.

use crate::abuse::RawSocket;
use crate::helpers::{http, postgres_database, req, Options, TestApp, TestClient};
use app::protocol::ErrorCode;
use rust_socketio::TransportType;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn health_says_whether_messages_can_be_stored() {
    let server = TestApp::spawn(Options::new()).await;
    let res = http()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let port = server.url.rsplit(':').next().unwrap();
    assert!(
        body["node"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{port}")),
        "the node is named by its host and port: {body}"
    );
}

#[tokio::test]
async fn sigterm_with_polling_clients_stops_in_time_and_keeps_every_acked_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut server =
        TestApp::spawn(Options::new().dir(dir.path()).flags(&["--send-rate", "0"])).await;
    let ada = server.register("ada").await;
    let mut watchers = Vec::new();
    for _ in 0..20 {
        let c = TestClient::connect_with(&server.url, TransportType::Polling, &ada).await;
        c.join("general").await;
        watchers.push(c);
    }
    let senders: Vec<TestClient> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(TestClient::connect_with(&server.url, TransportType::Polling, &ada).await);
        }
        v
    };
    // One WebSocket and one long poll waiting for data: both must hear that the server goes.
    // They are bob's, who has no room (a socket hears every room of its user's list), so the
    // poll waits for the stop, not for the next message.
    let bob = server.register("bob").await;
    let leaving = TestClient::connect_with(&server.url, TransportType::Websocket, &bob).await;
    leaving.ok(&req::remove_member("general", "bob")).await;
    let mut socket = RawSocket::open(&server, &bob.cookie).await;
    let poll = LongPoll::open(&server, &bob.cookie).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sending = senders.into_iter().enumerate().map(|(n, c)| {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let body = format!("s{n}-{i}");
                let send = req::send_keyed("general", &body, &body);
                match c.try_call(&send).await {
                    Some(Ok(reply)) => acked.push(reply.message.id),
                    // Refused (the server is stopping), or no answer.
                    _ => break,
                }
            }
            acked
        })
    });
    let sending: Vec<_> = sending.collect();
    tokio::time::sleep(Duration::from_millis(800)).await;

    let waiting = tokio::spawn(poll.next());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    server.terminate();
    let status = server
        .exited(Duration::from_secs(10))
        .await
        .expect("natter exited");
    let took = asked.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(status.success(), "a requested stop exits 0: {status:?}");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    drop(watchers);
    tokio::time::timeout(Duration::from_secs(1), socket.until_closed())
        .await
        .expect("the WebSocket client was told");
    // The waiting poll ended at once (a close packet, or its connection closed), so the client
    // reconnects now rather than after its heartbeat timeout.
    let told = tokio::time::timeout(Duration::from_secs(1), waiting)
        .await
        .expect("the long poll ended with the server")
        .unwrap();
    assert!(
        told.split('\x1e').any(|p| p == "1" || p == "41") || told.starts_with("error:"),
        "{told:?}"
    );
    let mut acked = BTreeSet::new();
    for s in sending {
        acked.extend(s.await.unwrap());
    }
    assert!(!acked.is_empty());

    // Everything acknowledged is there after a restart.
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let reader = TestClient::connect(&server.url, &ada).await;
    let stored: BTreeSet<String> = reader
        .read_all("general")
        .await
        .into_iter()
        .map(|m| m.id)
        .collect();
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acked but not stored: {lost:?}");
}

#[tokio::test]
async fn a_writer_that_cannot_store_refuses_sends_and_the_process_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let ada = server.client().await;
    ada.send("general", "before").await;

    // The disk "fails": from now on every insert into messages is refused by the database.
    use sqlx::Connection;
    match postgres_database(dir.path()).await {
        Some(url) => {
            let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
            for statement in [
                "CREATE FUNCTION disk_on_fire() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$",
                "CREATE TRIGGER disk_on_fire BEFORE INSERT ON messages \
                 FOR EACH ROW EXECUTE FUNCTION disk_on_fire()",
            ] {
                sqlx::query(statement).execute(&mut db).await.unwrap();
            }
            db.close().await.unwrap();
        }
        None => {
            let url = format!("sqlite://{}", dir.path().join("natter.db").display());
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(
                "CREATE TRIGGER disk_on_fire BEFORE INSERT ON messages \
                 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
            )
            .execute(&mut db)
            .await
            .unwrap();
            db.close().await.unwrap();
        }
    }

    let refused = ada.refused(&req::send("general", "after")).await;
    assert_eq!(refused.code, ErrorCode::Unavailable, "{refused:?}");
    let sentence = &refused.message;
    assert!(sentence.contains("nothing was stored"), "{sentence}");
    assert!(
        !sentence.contains("disk on fire"),
        "details stay in the log"
    );
    let status = server
        .exited(Duration::from_secs(10))
        .await
        .expect("natter exits when it cannot store");
    assert!(!status.success(), "{status:?}");
}

/// An Engine.IO long-polling session, raw: to see what a waiting poll is answered.
struct LongPoll {
    url: String,
    cookie: String,
}

impl LongPoll {
    async fn open(server: &TestApp, cookie: &str) -> Self {
        let base = format!("{}/socket.io/?EIO=4&transport=polling", server.url);
        let get = |url: String| {
            http()
                .get(url)
                .header("Cookie", cookie)
                .header("Origin", &server.url)
                .send()
        };
        let open = get(base.clone()).await.unwrap().text().await.unwrap();
        let handshake: Value = serde_json::from_str(&open[1..]).unwrap();
        let url = format!("{base}&sid={}", handshake["sid"].as_str().unwrap());
        let posted = http()
            .post(&url)
            .header("Cookie", cookie)
            .header("Origin", &server.url)
            .body("40")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        let connected = get(url.clone()).await.unwrap().text().await.unwrap();
        assert!(
            connected.split('\x1e').any(|p| p.starts_with("40")),
            "{connected:?}"
        );
        Self {
            url,
            cookie: cookie.to_owned(),
        }
    }

    /// The next poll's body (waits until the server has something, or closes).
    async fn next(self) -> String {
        let res = http()
            .get(&self.url)
            .header("Cookie", &self.cookie)
            .send()
            .await;
        match res {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(e) => format!("error: {e}"),
        }
    }
}
