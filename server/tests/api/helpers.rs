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
pub const PASSWORD: &str = "correct horse battery";

/// A registered user and their session cookie (`natter_session=…`).
#[derive(Debug, Clone)]
pub struct TestUser {
    pub name: String,
    pub cookie: String,
}

/// The PostgreSQL server the tests run against, when `NATTER_TEST_POSTGRES` names one
/// (`postgres://postgres@127.0.0.1`); otherwise they use SQLite in each data folder.
pub fn postgres_server() -> Option<String> {
    std::env::var("NATTER_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// The database a server with data folder `dir` uses: on PostgreSQL, one database per folder
/// (`natter_t_…`, created on first use, so a restart in the same folder finds its data); `None`
/// for SQLite, whose file lives in the folder.
pub async fn postgres_database(dir: &Path) -> Option<String> {
    use sqlx::Connection;
    use std::hash::{Hash, Hasher};
    let server = postgres_server()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut hasher);
    let name = format!("natter_t_{:016x}", hasher.finish());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    match sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
    {
        Ok(_) => {}
        // 42P04: it exists already (a restart in the same folder).
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
        Err(e) => panic!("create database {name}: {e}"),
    }
    let _ = admin.close().await;
    Some(format!("{server}/{name}"))
}

/// The `natter` binary, running on a free port with its own data folder. As a [`Site`] (its
/// URL), it registers users and posts forms.
pub struct TestServer {
    site: Site,
    child: Child,
}

impl std::ops::Deref for TestServer {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

/// Where a test reaches Natter: a server, or a proxy in front of several.
#[derive(Debug, Clone)]
pub struct Site {
    pub url: String,
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

    /// Starts a server on the database in `dir`, listening on `addr`, with extra flags.
    pub async fn start_at_with(dir: &Path, addr: &str, flags: &[&str]) -> TestServer {
        Self::spawn(dir, addr, flags).await
    }

    /// Starts a server on a free port with extra flags.
    pub async fn start_with(dir: &Path, flags: &[&str]) -> TestServer {
        Self::spawn(dir, "127.0.0.1:0", flags).await
    }

    async fn spawn(dir: &Path, addr: &str, flags: &[&str]) -> TestServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_natter"));
        if let Some(url) = postgres_database(dir).await {
            command.args(["--database-url", &url]);
        }
        let mut child = command
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
        let port = url.rsplit(':').next().unwrap_or_default().to_owned();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if show {
                    eprintln!("[natter :{port}] {line}");
                }
            }
        });
        TestServer {
            site: Site { url },
            child,
        }
    }

    /// Sends SIGTERM, as a service manager stopping it would.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("natter is running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
    }

    /// Waits up to `within` for the process to exit on its own; its status if it did.
    pub async fn exited(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()
            .map(|s| s.expect("wait for natter"))
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill natter");
    }
}

impl Site {
    /// A socket for a fresh user of its own.
    pub async fn client(&self) -> TestClient {
        let n = NEXT_USER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let user = self.register(&format!("user{n}")).await;
        TestClient::connect(&self.url, &user).await
    }

    /// Registers `name` (password [`PASSWORD`]) and returns their session.
    pub async fn register(&self, name: &str) -> TestUser {
        let res = self
            .post_form(
                "/auth/register",
                &[("username", name), ("password", PASSWORD)],
                None,
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "register {name}: {}",
            res.text().await.unwrap_or_default()
        );
        TestUser {
            name: name.to_owned(),
            cookie: session_cookie(&res).expect("a session cookie"),
        }
    }

    /// Logs `name` in; the response as it came (status, JSON body, cookie).
    pub async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/auth/login",
            &[("username", name), ("password", password)],
            None,
        )
        .await
    }

    /// Posts a form the way a page of this server does (JSON answer, own Origin).
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        user: Option<&TestUser>,
    ) -> reqwest::Response {
        let mut req = http()
            .post(format!("{}{path}", self.url))
            .header("Accept", "application/json")
            .header("Origin", &self.url)
            .form(form);
        if let Some(u) = user {
            req = req.header("Cookie", &u.cookie);
        }
        req.send().await.expect("POST")
    }

    /// Logs in from network address `from` (a 127.0.0.x address on this machine).
    pub async fn login_from(
        &self,
        from: std::net::IpAddr,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(from)
            .build()
            .expect("HTTP client")
            .post(format!("{}/auth/login", self.url))
            .header("Accept", "application/json")
            .header("Origin", &self.url)
            .form(&[("username", name), ("password", password)])
            .send()
            .await
            .expect("POST /auth/login")
    }

    /// GETs `path` as a browser would (asking for HTML), with `user`'s cookie (or none).
    pub async fn get(&self, path: &str, user: Option<&TestUser>) -> reqwest::Response {
        let mut req = http()
            .get(format!("{}{path}", self.url))
            .header("Accept", "text/html,application/xhtml+xml");
        if let Some(u) = user {
            req = req.header("Cookie", &u.cookie);
        }
        req.send().await.expect("GET")
    }
}

static NEXT_USER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// An HTTP client that does not follow redirects, so tests see them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// The `natter_session=…` pair a response sets, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("natter_session=") && !c.starts_with("natter_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

/// A Socket.IO client that records every event the server pushes.
pub struct TestClient {
    /// The user it is logged in as (empty when connected without one).
    pub name: String,
    client: Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

impl TestClient {
    pub async fn connect(url: &str, user: &TestUser) -> TestClient {
        Self::connect_with(url, TransportType::Websocket, user).await
    }

    pub async fn connect_with(url: &str, transport: TransportType, user: &TestUser) -> TestClient {
        let mut c = Self::try_connect_with(url, transport, Some(&user.cookie))
            .await
            .expect("connect to natter");
        c.name = user.name.clone();
        c
    }

    /// Connects with `auth` as the CONNECT payload (`{ "active": false }`: a tab not in use).
    pub async fn connect_with_auth(url: &str, user: &TestUser, auth: Value) -> TestClient {
        let mut c = Self::open(
            url,
            TransportType::Websocket,
            Some(&user.cookie),
            Some(auth),
        )
        .await
        .expect("connect to natter");
        c.name = user.name.clone();
        c
    }

    /// Connects, or `None` when the server is not there or refuses (within [`WAIT`]).
    pub async fn try_connect_with(
        url: &str,
        transport: TransportType,
        cookie: Option<&str>,
    ) -> Option<TestClient> {
        Self::open(url, transport, cookie, None).await
    }

    async fn open(
        url: &str,
        transport: TransportType,
        cookie: Option<&str>,
        auth: Option<Value>,
    ) -> Option<TestClient> {
        let (tx, events) = mpsc::unbounded_channel();
        let (connected_tx, connected) = oneshot::channel();
        let connected_tx = std::sync::Mutex::new(Some(connected_tx));
        let mut builder = ClientBuilder::new(url);
        if let Some(cookie) = cookie {
            builder = builder.opening_header("Cookie", cookie);
        }
        if let Some(auth) = auth {
            builder = builder.auth(auth);
        }
        let client = builder
            .transport_type(transport)
            .reconnect(false)
            .on(Event::Connect, move |_p: Payload, _c: Client| {
                if let Some(tx) = connected_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
                async {}.boxed()
            })
            .on(Event::Close, {
                let tx = tx.clone();
                move |_p: Payload, _c: Client| {
                    let _ = tx.send(("close".to_owned(), Value::Null));
                    async {}.boxed()
                }
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
            .connect();
        // A handshake through a proxy to a node that is being killed may never be answered.
        let client = tokio::time::timeout(WAIT, client).await.ok()?.ok()?;
        // Events emitted before the namespace is joined would be dropped.
        tokio::time::timeout(WAIT, connected).await.ok()?.ok()?;
        Some(TestClient {
            name: String::new(),
            client,
            events,
        })
    }

    /// Sends protocol request `request` (its event from its type) and reads the ack as its
    /// reply type, or as the refusal it is: a renamed field or event fails to compile.
    pub async fn call<R: app::protocol::Request>(
        &self,
        request: &R,
    ) -> Result<R::Reply, app::protocol::ErrorBody> {
        let ack = self
            .request(R::EVENT, serde_json::to_value(request).expect("a request"))
            .await;
        match serde_json::from_value::<app::protocol::Reply<R::Reply>>(ack.clone()) {
            Ok(app::protocol::Reply::Ok(reply)) => Ok(reply),
            Ok(app::protocol::Reply::Err { error }) => Err(error),
            Err(e) => panic!(
                "{} answered what is neither its reply nor a refusal: {e}: {ack}",
                R::EVENT
            ),
        }
    }

    /// [`TestClient::call`], for a request that must succeed.
    pub async fn ok<R: app::protocol::Request>(&self, request: &R) -> R::Reply {
        self.call(request)
            .await
            .unwrap_or_else(|e| panic!("{} refused: {e:?}", R::EVENT))
    }

    /// The next pushed `event`, read as its protocol type.
    pub async fn next_as<T: serde::de::DeserializeOwned>(&mut self, event: &str) -> T {
        let data = self.next(event).await;
        serde_json::from_value(data.clone())
            .unwrap_or_else(|e| panic!("{event} is not of its protocol type: {e}: {data}"))
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

    /// Waits until the server closes this socket (rust_socketio reports it as `close`).
    pub async fn closed(&mut self) {
        self.next("close").await;
    }

    /// Takes every event received so far, without waiting.
    pub fn drain(&mut self) -> Vec<(String, Value)> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }

    /// Disconnects, giving up after 2 s (a transport stuck on a dead node may never finish).
    pub async fn disconnect(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.disconnect()).await;
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

    /// Every message of `room`, in seq order: `join` with `after`, page by page.
    pub async fn read_all(&self, room: &str) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let after = all.last().map_or(0, |m| m["seq"].as_i64().unwrap());
            let reply = self
                .request("join", json!({ "room": room, "after": after }))
                .await;
            all.extend(reply["messages"].as_array().unwrap().iter().cloned());
            if reply["truncated"] != json!(true) {
                return all;
            }
        }
    }

    pub async fn send(&self, room: &str, body: &str) -> Value {
        self.request("send", json!({ "room": room, "body": body }))
            .await
    }

    /// The next pushed event named `name` (others are skipped), within [`WAIT`].
    pub async fn next(&mut self, name: &str) -> Value {
        self.next_within(name, WAIT).await
    }

    /// The next pushed event named `name` (others are skipped), within `wait`.
    pub async fn next_within(&mut self, name: &str, wait: Duration) -> Value {
        tokio::time::timeout(wait, async {
            loop {
                let (event, data) = self.events.recv().await.expect("client closed");
                if event == name {
                    return data;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {name} event within {wait:?}"))
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

/// Connects with `cookie` (or none) and returns the `connect_error` message the server
/// answered with; panics if the connection was accepted.
pub async fn connect_refusal(url: &str, cookie: Option<&str>) -> String {
    let (tx, rx) = oneshot::channel::<String>();
    let tx = std::sync::Mutex::new(Some(tx));
    let mut builder = ClientBuilder::new(url);
    if let Some(cookie) = cookie {
        builder = builder.opening_header("Cookie", cookie);
    }
    let client = builder
        .transport_type(TransportType::Websocket)
        .reconnect(false)
        .on(Event::Connect, |_p: Payload, _c: Client| {
            async { panic!("the server accepted a socket it should have refused") }.boxed()
        })
        .on(Event::Error, move |p: Payload, _c: Client| {
            if let (Some(tx), Payload::Text(args)) = (tx.lock().unwrap().take(), p) {
                let _ = tx.send(args.first().map(|a| a.to_string()).unwrap_or_default());
            }
            async {}.boxed()
        })
        .connect()
        .await
        .expect("engine connection");
    let message = tokio::time::timeout(WAIT, rx)
        .await
        .expect("no connect_error in time")
        .expect("error channel");
    let _ = client.disconnect().await;
    message
}

/// The error code of an error ack, or a panic naming the reply.
pub fn error_code(reply: &Value) -> &str {
    reply["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error ack, got {reply}"))
}

/// The room names in a `rooms` reply, in its order.
pub fn room_names(reply: &Value) -> Vec<String> {
    reply["rooms"]
        .as_array()
        .expect("a rooms reply")
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A loopback port nothing listens on now (for a process the test starts next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A Redis server of one test's own, on a free loopback port: nodes of a test cluster share it,
/// and the test can stop and restart it (an outage).
pub struct TestRedis {
    pub port: u16,
    child: Option<Child>,
}

impl TestRedis {
    pub async fn start() -> TestRedis {
        let port = free_port();
        let mut redis = TestRedis { port, child: None };
        redis.restart().await;
        redis
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL): every node loses its link at once.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill redis");
        }
    }

    /// Starts it (again) on the same port, keeping nothing on disk, and waits until it answers.
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start redis-server (Debian's redis-server package)");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not listen on port {}", self.port);
    }
}

/// Two nodes, `a` and `b` (`--node-name`), on one database (the data folder names it) and
/// `redis`.
pub async fn two_nodes(dir: &Path, redis: &TestRedis) -> [TestServer; 2] {
    let url = redis.url();
    let named = |name: &'static str| ["--redis-url", url.as_str(), "--node-name", name];
    [
        TestServer::start_with(dir, &named("a")).await,
        TestServer::start_with(dir, &named("b")).await,
    ]
}
