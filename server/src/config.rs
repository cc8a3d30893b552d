//! Configuration: one struct, from flags or the environment. No flags at all run the app.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "natter",
    version,
    about = "Natter: self-hostable real-time team chat"
)]
pub struct Config {
    /// A command instead of serving (`natter admin grant <user>`); none runs the server.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address and port to listen on (HTTP pages, server functions and Socket.IO).
    #[arg(long, env = "NATTER_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder for the embedded database; created if absent.
    #[arg(long, env = "NATTER_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://…` or `postgres://user@host/db`; default: the SQLite file
    /// `natter.db` in the data folder.
    #[arg(long, env = "NATTER_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Redis URL (`redis://127.0.0.1:6379`) for several nodes: broadcasts, room changes and
    /// disconnects reach the sockets on every node sharing it (and one PostgreSQL database).
    /// Default: one node, in memory.
    #[arg(long, env = "NATTER_REDIS_URL")]
    pub redis_url: Option<String>,

    /// This node's name, in `/healthz` and on the ops dashboard; give each node of
    /// a cluster its own. Default: the host's name and the port.
    #[arg(long, env = "NATTER_NODE_NAME")]
    pub node_name: Option<String>,

    /// Proxies in front of Natter (addresses or CIDR ranges, comma-separated, e.g.
    /// `127.0.0.1,10.0.0.0/8`). A request from one of them is taken to come from the address
    /// its `X-Forwarded-For` names (the rightmost one that is not itself a trusted proxy), so
    /// per-address limits see users, not the proxy. Default: none; the header is ignored.
    #[arg(long, env = "NATTER_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Address for `GET /metrics` (Prometheus text format), e.g. `127.0.0.1:9100`: a port of
    /// its own, so the metrics are never served on the public one by accident. Default: none.
    #[arg(long, env = "NATTER_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Log filter, in `tracing` syntax (e.g. `info`, `natter=debug,tower_http=info`).
    #[arg(long, env = "NATTER_LOG", default_value = "info")]
    pub log: String,

    /// Engine.IO transports to accept, comma-separated: `websocket`, `polling` or both. With
    /// `polling` alone, clients work as behind a proxy that refuses WebSockets.
    #[arg(
        long,
        env = "NATTER_TRANSPORTS",
        value_delimiter = ',',
        default_value = "polling,websocket"
    )]
    pub transports: Vec<Transport>,

    /// Milliseconds between the server's heartbeat pings.
    #[arg(long, env = "NATTER_PING_INTERVAL_MS", default_value_t = 25_000)]
    pub ping_interval_ms: u64,

    /// Milliseconds the server waits for a pong before it drops a client; clients likewise
    /// give up on a server silent for interval + timeout.
    #[arg(long, env = "NATTER_PING_TIMEOUT_MS", default_value_t = 20_000)]
    pub ping_timeout_ms: u64,

    /// Origins besides the server's own (`scheme://host[:port]`, comma-separated) whose pages
    /// may open Socket.IO connections and send forms, e.g. behind a proxy with another name.
    #[arg(long, env = "NATTER_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Messages per second each user may send (sustained); 0 turns the limit off.
    #[arg(long, env = "NATTER_SEND_RATE", default_value_t = 10.0)]
    pub send_rate: f64,

    /// Messages a user may send at once before the rate applies.
    #[arg(long, env = "NATTER_SEND_BURST", default_value_t = 30)]
    pub send_burst: u32,

    /// Edits, deletions and reactions per second each user may make (sustained, 20 at once);
    /// 0 turns the limit off.
    #[arg(long, env = "NATTER_CHANGE_RATE", default_value_t = 2.0)]
    pub change_rate: f64,

    /// Rooms one user may create per hour (5 at once); 0 turns the limit off.
    #[arg(long, env = "NATTER_ROOMS_PER_HOUR", default_value_t = 10)]
    pub rooms_per_hour: u32,

    /// Rooms one user may own in all.
    #[arg(long, env = "NATTER_ROOMS_PER_USER", default_value_t = 100)]
    pub rooms_per_user: u32,

    /// Members one private room may have.
    #[arg(long, env = "NATTER_MEMBERS_PER_ROOM", default_value_t = 1000)]
    pub members_per_room: u32,

    /// Who may create an account: `open` (anyone who reaches the server) or `closed` (only the
    /// first account of an empty database, so a new server can still be set up).
    #[arg(long, env = "NATTER_REGISTRATION", value_enum, default_value = "open")]
    pub registration: Registration,

    /// Accounts one network address may register per hour; 0 turns the limit off. Behind a
    /// proxy every user shares the proxy's address, so raise it there.
    #[arg(long, env = "NATTER_REGISTRATIONS_PER_HOUR", default_value_t = 30)]
    pub registrations_per_hour: u32,

    /// The address users reach Natter at, e.g. `https://chat.example.com`: the one origin pages
    /// and sockets must come from (scheme, host and port compared; plus `--allowed-origins`).
    /// An `https` URL also makes the session cookie `Secure` with the `__Host-` prefix.
    /// Without it, any origin naming the request's own host is accepted.
    #[arg(long, env = "NATTER_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// Mark the session cookie `Secure` (implied by an `https` `--public-url`).
    #[arg(long, env = "NATTER_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// The most messages stored in one transaction (one fsync) when many arrive at once. 1
    /// commits each message alone (slower under load; the benchmarks compare the two).
    #[arg(long, env = "NATTER_COMMIT_BATCH", default_value_t = 512)]
    pub commit_batch: usize,

    /// Folder with the built front end (`pkg/`, static files), as cargo-leptos writes it.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
}

impl Config {
    /// The public URL, checked: `http` or `https`, with nothing after the host and port.
    pub fn public_url(&self) -> Result<Option<&url::Url>, String> {
        let Some(url) = &self.public_url else {
            return Ok(None);
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("--public-url {url}: give http(s)://host[:port]"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "--public-url {url}: Natter is served at the root of its host; give no path"
            ));
        }
        Ok(Some(url))
    }

    /// True when users reach Natter over HTTPS (an `https` public URL).
    pub fn https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// This node's name: `--node-name`, or the host's name and the port listened on.
    pub fn node_name(&self, port: u16) -> String {
        self.node_name.clone().unwrap_or_else(|| {
            let host = gethostname::gethostname();
            format!("{}:{port}", host.to_string_lossy())
        })
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("natter.db").display()))
    }
}

/// What `natter <command>` does instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Administrators: who may open the ops dashboard (`/admin`). The first account of an
    /// empty database is one.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminAction {
    /// Makes `user` an administrator.
    Grant { user: String },
    /// Makes `user` an ordinary user again.
    Revoke { user: String },
    /// Lists the administrators.
    List,
}

/// An address (`10.0.0.7`) or a range (`10.0.0.0/8`).
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is neither an address nor a CIDR range"))
}

/// An Engine.IO transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Polling,
    Websocket,
}

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Registration {
    Open,
    Closed,
}
