use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

pub const WAIT: Duration = Duration::from_secs(5);

/// The `natter` binary, running on a free port with its own data folder.
pub struct TestServer {
    pub url: String,
    child: Child,
}

impl TestServer {
    /// Starts a server on a fresh, empty database.
    pub async fn start() -> (TestServer, TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        (Self::start_in(dir.path()).await, dir)
    }

    /// Starts a server on the database in `dir` (new or left by an earlier server).
    pub async fn start_in(dir: &Path) -> TestServer {
        Self::start_at(dir, "127.0.0.1:0").await
    }

    /// Starts a server on the database in `dir`, listening on `addr`.
    pub async fn start_at(dir: &Path, addr: &str) -> TestServer {
        Self::spawn(dir, addr, &[]).await
    }

    /// Starts a server on a free port with extra flags.
    pub async fn start_with(dir: &Path, flags: &[&str]) -> TestServer {
        Self::spawn(dir, "127.0.0.1:0", flags).await
    }

    async fn spawn(dir: &Path, addr: &str, flags: &[&str]) -> TestServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args(["--addr", addr, "--log", "info,server=debug"])
            .args(flags)
            .arg("--data-dir")
            .arg(dir)
            .arg("--site-root")
            .arg(dir.join("site"))
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start natter");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(i) = line.find("listening on http://") {
                    let url = line[i + "listening on ".len()..].trim().to_owned();
                    return url;
                }
            }
            panic!("natter exited before listening");
        })
        .await
        .expect("natter did not start within 30 s");
        // Keep draining the log so the server never blocks on a full pipe.
        // NATTER_TEST_LOG=1 shows it.
        let show = std::env::var_os("NATTER_TEST_LOG").is_some();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if show {
                    eprintln!("[natter] {line}");
                }
            }
        });
        TestServer { url, child }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill natter");
    }

    pub async fn client(&self) -> TestClient {
        TestClient::connect(&self.url).await
    }
}

/// A Socket.IO client that records every event the server pushes.
pub struct TestClient {
    client: Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

impl TestClient {
    pub async fn connect(url: &str) -> TestClient {
        Self::connect_with(url, TransportType::Websocket).await
    }

    pub async fn connect_with(url: &str, transport: TransportType) -> TestClient {
        Self::try_connect_with(url, transport)
            .await
            .expect("connect to natter")
    }

    /// Connects, or `None` when the server is not there (within [`WAIT`]).
    pub async fn try_connect_with(url: &str, transport: TransportType) -> Option<TestClient> {
        let (tx, events) = mpsc::unbounded_channel();
        let (connected_tx, connected) = oneshot::channel();
        let connected_tx = std::sync::Mutex::new(Some(connected_tx));
        let client = ClientBuilder::new(url)
            .transport_type(transport)
            .reconnect(false)
            .on(Event::Connect, move |_p: Payload, _c: Client| {
                if let Some(tx) = connected_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
                async {}.boxed()
            })
            .on_any(move |event: Event, payload: Payload, _c: Client| {
                let tx = tx.clone();
                async move {
                    if let Payload::Text(mut args) = payload {
                        let data = if args.is_empty() {
                            Value::Null
                        } else {
                            args.remove(0)
                        };
                        let _ = tx.send((event.as_str().to_owned(), data));
                    }
                }
                .boxed()
            })
            .connect()
            .await
            .ok()?;
        // Events emitted before the namespace is joined would be dropped.
        tokio::time::timeout(WAIT, connected).await.ok()?.ok()?;
        Some(TestClient { client, events })
    }

    /// Emits `event` with `data` as its one argument and returns the ack's first argument.
    pub async fn request(&self, event: &str, data: Value) -> Value {
        self.request_payload(event, Payload::Text(vec![data])).await
    }

    pub async fn request_payload(&self, event: &str, payload: Payload) -> Value {
        self.try_request_payload(event, payload)
            .await
            .expect("no ack in time")
    }

    /// Emits and waits for the ack; `None` when the connection fails or no ack comes in time.
    pub async fn try_request(&self, event: &str, data: Value) -> Option<Value> {
        self.try_request_payload(event, Payload::Text(vec![data]))
            .await
    }

    pub async fn try_request_payload(&self, event: &str, payload: Payload) -> Option<Value> {
        let (tx, rx) = oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        self.client
            .emit_with_ack(event, payload, WAIT, move |p: Payload, _c: Client| {
                if let (Some(tx), Payload::Text(mut args)) = (tx.lock().unwrap().take(), p) {
                    // rust_socketio hands over the ack's argument array as one value.
                    let first = match args.pop() {
                        Some(Value::Array(mut inner)) if !inner.is_empty() => inner.remove(0),
                        Some(other) => other,
                        None => Value::Null,
                    };
                    let _ = tx.send(first);
                }
                async {}.boxed()
            })
            .await
            .ok()?;
        tokio::time::timeout(WAIT, rx).await.ok()?.ok()
    }

    /// Takes every event received so far, without waiting.
    pub fn drain(&mut self) -> Vec<(String, Value)> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }

    pub async fn disconnect(&self) {
        let _ = self.client.disconnect().await;
    }

    /// Emits without asking for an ack.
    pub async fn emit(&self, event: &str, data: Value) {
        self.client.emit(event, data).await.expect("emit");
    }

    pub async fn join(&self, room: &str) -> Value {
        let reply = self.request("join", json!({ "room": room })).await;
        assert!(reply.get("error").is_none(), "join {room} failed: {reply}");
        reply
    }

    pub async fn send(&self, room: &str, body: &str) -> Value {
        self.request(
            "send",
            json!({ "room": room, "author": "tester", "body": body }),
        )
        .await
    }

    /// The next pushed event named `name` (others are skipped), within [`WAIT`].
    pub async fn next(&mut self, name: &str) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                let (event, data) = self.events.recv().await.expect("client closed");
                if event == name {
                    return data;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {name} event within {WAIT:?}"))
    }

    /// Asserts that no `name` event arrives within `wait`.
    pub async fn none(&mut self, name: &str, wait: Duration) {
        let got = tokio::time::timeout(wait, async {
            loop {
                match self.events.recv().await {
                    Some((event, data)) if event == name => return data,
                    Some(_) => continue,
                    None => std::future::pending::<()>().await,
                }
            }
        })
        .await;
        if let Ok(data) = got {
            panic!("unexpected {name} event: {data}");
        }
    }
}

/// The error code of an error ack, or a panic naming the reply.
pub fn error_code(reply: &Value) -> &str {
    reply["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error ack, got {reply}"))
}
