use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use app::protocol::{JoinReply, Message, Room, RoomsReply, RoomsRequest};

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

/// How [`TestApp::spawn`] starts the `natter` binary: its data folder, its address, and extra
/// command-line flags.
#[derive(Debug, Clone, Default)]
pub struct Options {
    dir: Option<PathBuf>,
    addr: Option<String>,
    flags: Vec<String>,
}

impl Options {
    /// A fresh data folder of its own (removed with the [`TestApp`]), on a free port.
    pub fn new() -> Options {
        Options::default()
    }

    /// The data folder `dir` (new, or left by an earlier server: a restart finds its data);
    /// the test keeps it.
    pub fn dir(mut self, dir: &Path) -> Options {
        self.dir = Some(dir.to_owned());
        self
    }

    /// Listen on `addr` (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: &str) -> Options {
        self.addr = Some(addr.to_owned());
        self
    }

    /// Extra command-line flags, after the ones given so far.
    pub fn flags(mut self, flags: &[&str]) -> Options {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }
}

/// The `natter` binary, running with its own data folder (see [`Options`]). As a [`Site`] (its
/// URL), it registers users and posts forms.
pub struct TestApp {
    site: Site,
    child: Child,
    dir: PathBuf,
    /// The data folder when [`Options`] named none: removed when the app is dropped.
    _owned: Option<TempDir>,
}

impl std::ops::Deref for TestApp {
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

impl TestApp {
    /// Starts a server as `options` say, and waits until it listens.
    pub async fn spawn(options: Options) -> TestApp {
        let (dir, owned) = match options.dir {
            Some(dir) => (dir, None),
            None => {
                let temp = tempfile::tempdir().expect("temp dir");
                (temp.path().to_owned(), Some(temp))
            }
        };
        let addr = options.addr.as_deref().unwrap_or("127.0.0.1:0");
        let mut command = Command::new(env!("CARGO_BIN_EXE_natter"));
        if let Some(url) = postgres_database(&dir).await {
            command.args(["--database-url", &url]);
        }
        let mut child = command
            .args(["--addr", addr, "--log", "info,server=debug"])
            .args(&options.flags)
            .arg("--data-dir")
            .arg(&dir)
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
        TestApp {
            site: Site { url },
            child,
            dir,
            _owned: owned,
        }
    }

    /// Its data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The address it listens on (`127.0.0.1:<port>`), to start another on the same one.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
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

    /// Connects with `auth` as the CONNECT payload (`active: false`: a tab not in use).
    pub async fn connect_with_auth(
        url: &str,
        user: &TestUser,
        auth: &app::protocol::ConnectAuth,
    ) -> TestClient {
        let auth = serde_json::to_value(auth).expect("a CONNECT payload");
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

    /// [`TestClient::call`], or `None` when the connection fails or no ack comes in time (a
    /// server that is stopping).
    pub async fn try_call<R: app::protocol::Request>(
        &self,
        request: &R,
    ) -> Option<Result<R::Reply, app::protocol::ErrorBody>> {
        let ack = self
            .try_request(R::EVENT, serde_json::to_value(request).expect("a request"))
            .await?;
        match serde_json::from_value::<app::protocol::Reply<R::Reply>>(ack.clone()) {
            Ok(reply) => Some(reply.into()),
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

    /// Sends protocol request `request` and returns its ack as JSON, for an assertion about
    /// the wire itself (a key absent, not merely empty); [`read_as`] reads it as its type.
    pub async fn raw<R: app::protocol::Request>(&self, request: &R) -> Value {
        self.request(R::EVENT, serde_json::to_value(request).expect("a request"))
            .await
    }

    /// [`TestClient::raw`], or `None` when the connection fails or no ack comes in time.
    pub async fn try_raw<R: app::protocol::Request>(&self, request: &R) -> Option<Value> {
        self.try_request(R::EVENT, serde_json::to_value(request).expect("a request"))
            .await
    }

    /// [`TestClient::call`], for a request that must be refused: the refusal.
    pub async fn refused<R: app::protocol::Request + std::fmt::Debug>(
        &self,
        request: &R,
    ) -> app::protocol::ErrorBody {
        match self.call(request).await {
            Ok(_) => panic!("{} was accepted: {request:?}", R::EVENT),
            Err(e) => e,
        }
    }

    /// Joins `room` (its newest messages), which must succeed.
    pub async fn join(&self, room: &str) -> JoinReply {
        self.ok(&req::join(room)).await
    }

    /// Every message of `room`, in seq order: `join` with `after`, page by page.
    pub async fn read_all(&self, room: &str) -> Vec<Message> {
        let mut all: Vec<Message> = Vec::new();
        loop {
            let after = all.last().map_or(0, |m| m.seq);
            let reply = self.ok(&req::join_after(room, after)).await;
            all.extend(reply.messages);
            if !reply.truncated {
                return all;
            }
        }
    }

    /// Sends `body` to `room`, which must be stored: the stored message.
    pub async fn send(&self, room: &str, body: &str) -> Message {
        self.ok(&req::send(room, body)).await.message
    }

    /// The `history` of `room`: its newest messages (a default page).
    pub async fn history(&self, room: &str) -> Vec<Message> {
        self.ok(&req::history(room)).await.messages
    }

    /// The user's rooms (`rooms`).
    pub async fn rooms(&self) -> RoomsReply {
        self.ok(&RoomsRequest {}).await
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

/// A reply or event read as JSON (to look at the wire itself), read as its protocol type too.
pub fn read_as<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not of its protocol type: {e}: {value}"))
}

/// The names of `rooms`, in their order.
pub fn room_names(rooms: &[Room]) -> Vec<String> {
    rooms.iter().map(|r| r.name.clone()).collect()
}

/// The seqs of `messages`, in their order.
pub fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.seq).collect()
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

/// How [`TwoNodes::start`] starts its nodes.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    redis: Option<String>,
    names: Option<[&'static str; 2]>,
    flags: Vec<String>,
}

impl NodeOptions {
    /// No Redis, default node names (host and port), no extra flags.
    pub fn new() -> NodeOptions {
        NodeOptions::default()
    }

    /// Joined through `redis` (`--redis-url`).
    pub fn redis(mut self, redis: &TestRedis) -> NodeOptions {
        self.redis = Some(redis.url());
        self
    }

    /// Named `names[0]` and `names[1]` (`--node-name`).
    pub fn named(mut self, names: [&'static str; 2]) -> NodeOptions {
        self.names = Some(names);
        self
    }

    /// Extra flags for both nodes.
    pub fn flags(mut self, flags: &[&str]) -> NodeOptions {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }
}

/// Two nodes on one data folder of their own, so on one database (on PostgreSQL the folder
/// names it), started one after the other on free ports. A node killed is restarted on the
/// address it had (a proxy in front keeps sending there).
pub struct TwoNodes {
    options: NodeOptions,
    nodes: [Option<TestApp>; 2],
    addrs: [String; 2],
    dir: TempDir,
}

impl TwoNodes {
    pub async fn start(options: NodeOptions) -> TwoNodes {
        let mut two = TwoNodes {
            options,
            nodes: [None, None],
            addrs: [String::new(), String::new()],
            dir: tempfile::tempdir().expect("temp dir"),
        };
        for i in 0..2 {
            let node = TestApp::spawn(two.options_of(i, "127.0.0.1:0")).await;
            two.addrs[i] = node.addr().to_owned();
            two.nodes[i] = Some(node);
        }
        two
    }

    fn options_of(&self, i: usize, addr: &str) -> Options {
        let mut options = Options::new().dir(self.dir.path()).addr(addr);
        if let Some(url) = &self.options.redis {
            options = options.flags(&["--redis-url", url]);
        }
        if let Some(names) = self.options.names {
            options = options.flags(&["--node-name", names[i]]);
        }
        let flags: Vec<&str> = self.options.flags.iter().map(String::as_str).collect();
        options.flags(&flags)
    }

    /// Node `i` (0 or 1), which must be running.
    pub fn node(&self, i: usize) -> &TestApp {
        self.nodes[i].as_ref().expect("the node runs")
    }

    /// Both nodes, which must be running.
    pub fn both(&self) -> [&TestApp; 2] {
        [self.node(0), self.node(1)]
    }

    /// The addresses the nodes listen on (`127.0.0.1:<port>`), kept across restarts.
    pub fn addrs(&self) -> [&str; 2] {
        [&self.addrs[0], &self.addrs[1]]
    }

    /// Kills node `i` at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self, i: usize) {
        self.nodes[i].take().expect("the node runs").kill().await;
    }

    /// Starts node `i` again, on the address it had.
    pub async fn restart(&mut self, i: usize) {
        let node = TestApp::spawn(self.options_of(i, &self.addrs[i])).await;
        self.nodes[i] = Some(node);
    }
}

/// Protocol requests from plain strings, for tests that know their input is valid: each
/// validated field built with its type's `parse` (a test of invalid input sends JSON instead).
pub mod req {
    use app::protocol::*;

    pub fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap_or_else(|e| panic!("room name {name:?}: {e}"))
    }

    pub fn body(text: &str) -> MessageBody {
        MessageBody::parse(text).unwrap_or_else(|e| panic!("body {text:?}: {e}"))
    }

    pub fn username(name: &str) -> Username {
        Username::parse(name).unwrap_or_else(|e| panic!("username {name:?}: {e}"))
    }

    pub fn topic(text: &str) -> Topic {
        Topic::parse(text).unwrap_or_else(|e| panic!("topic {text:?}: {e}"))
    }

    pub fn emoji(e: &str) -> Emoji {
        Emoji::parse(e).unwrap_or_else(|err| panic!("emoji {e:?}: {err}"))
    }

    pub fn join(room_name: &str) -> JoinRequest {
        JoinRequest {
            room: room(room_name),
            after: None,
            changes_after: None,
        }
    }

    pub fn join_after(room_name: &str, after: i64) -> JoinRequest {
        JoinRequest {
            after: Some(after),
            ..join(room_name)
        }
    }

    pub fn leave(room_name: &str) -> LeaveRequest {
        LeaveRequest {
            room: room(room_name),
        }
    }

    pub fn send(room_name: &str, text: &str) -> SendRequest {
        SendRequest {
            room: room(room_name),
            body: body(text),
            key: None,
            reply_to: None,
        }
    }

    /// A send with idempotency key `key`.
    pub fn send_keyed(room_name: &str, text: &str, key: &str) -> SendRequest {
        SendRequest {
            key: Some(ClientKey::parse(key).unwrap()),
            ..send(room_name, text)
        }
    }

    /// A send that answers message `seq` of the room.
    pub fn reply(room_name: &str, text: &str, seq: i64) -> SendRequest {
        SendRequest {
            reply_to: Some(seq),
            ..send(room_name, text)
        }
    }

    pub fn history(room_name: &str) -> HistoryRequest {
        HistoryRequest {
            room: room(room_name),
            before: None,
            limit: HistoryLimit::default(),
        }
    }

    pub fn create(name: &str) -> CreateRoomRequest {
        CreateRoomRequest {
            name: RoomName::parse_new(name).unwrap_or_else(|e| panic!("room name {name:?}: {e}")),
            private: false,
        }
    }

    pub fn create_private(name: &str) -> CreateRoomRequest {
        CreateRoomRequest {
            private: true,
            ..create(name)
        }
    }

    fn member(room_name: &str, user: &str) -> MemberRequest {
        MemberRequest {
            room: room(room_name),
            username: username(user),
        }
    }

    pub fn add_member(room_name: &str, user: &str) -> AddMemberRequest {
        AddMemberRequest(member(room_name, user))
    }

    pub fn remove_member(room_name: &str, user: &str) -> RemoveMemberRequest {
        RemoveMemberRequest(member(room_name, user))
    }

    pub fn set_topic(room_name: &str, text: &str) -> SetTopicRequest {
        SetTopicRequest {
            room: room(room_name),
            topic: topic(text),
        }
    }

    pub fn open_direct(user: &str) -> OpenDirectRequest {
        OpenDirectRequest {
            username: username(user),
        }
    }

    pub fn browse(query: &str) -> BrowseRequest {
        BrowseRequest {
            query: query.to_owned(),
            ..BrowseRequest::default()
        }
    }

    pub fn edit(room_name: &str, seq: i64, text: &str) -> EditRequest {
        EditRequest {
            room: room(room_name),
            seq,
            body: body(text),
        }
    }

    pub fn delete(room_name: &str, seq: i64) -> DeleteRequest {
        DeleteRequest {
            room: room(room_name),
            seq,
        }
    }

    pub fn react(room_name: &str, seq: i64, e: &str) -> ReactRequest {
        ReactRequest {
            room: room(room_name),
            seq,
            emoji: emoji(e),
            on: true,
        }
    }

    /// Takes a reaction back.
    pub fn unreact(room_name: &str, seq: i64, e: &str) -> ReactRequest {
        ReactRequest {
            on: false,
            ..react(room_name, seq, e)
        }
    }

    /// Pins (`on`) or unpins message `seq`.
    pub fn pin(room_name: &str, seq: i64, on: bool) -> PinRequest {
        PinRequest {
            room: room(room_name),
            seq,
            on,
        }
    }

    pub fn changes(room_name: &str, after: i64) -> ChangesRequest {
        ChangesRequest {
            room: room(room_name),
            after,
        }
    }

    pub fn mark_read(room_name: &str, seq: i64) -> MarkReadRequest {
        MarkReadRequest {
            room: room(room_name),
            seq,
        }
    }

    pub fn typing(room_name: &str) -> TypingRequest {
        TypingRequest {
            room: room(room_name),
        }
    }

    pub fn members(room_name: &str, prefix: &str) -> MembersRequest {
        MembersRequest {
            room: room(room_name),
            prefix: prefix.to_owned(),
        }
    }

    pub fn presence(users: &[&str]) -> PresenceRequest {
        PresenceRequest {
            users: users.iter().map(|u| username(u)).collect(),
        }
    }

    pub fn activity(active: bool) -> ActivityRequest {
        ActivityRequest { active }
    }

    pub fn notifications(room_name: &str, level: NotifyLevel) -> SetNotificationsRequest {
        SetNotificationsRequest {
            room: room(room_name),
            level,
        }
    }
}
