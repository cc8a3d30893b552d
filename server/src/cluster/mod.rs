//! Several nodes: with `--redis-url`, socketioxide's Redis adapter (`socketioxide-redis`) carries
//! every broadcast, room change and disconnect to the sockets on the other nodes; storage is the
//! shared PostgreSQL database. Without it, one node and the in-memory adapter.
//!
//! A Redis outage loses nothing: messages are stored and acknowledged first, and what cannot
//! reach the other nodes is still sent on this one ([`emit`]). Each node pings
//! Redis every second; when the link comes back after a loss, the node sends its own sockets
//! `resync`, and their clients catch up by seq what the other nodes said meanwhile.

mod driver;

pub use driver::ReconnectingDriver;

use crate::error::Error;
use app::protocol::event;
use serde::Serialize;
use socketioxide::adapter::{Adapter, Emitter};
use socketioxide::operators::BroadcastOperators;
use socketioxide::{BroadcastError, SocketIo};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The adapter of a node in a cluster.
pub type RedisCluster = CustomRedisAdapter<Emitter, ReconnectingDriver>;

/// How often a node checks its link to Redis.
const PING_EVERY: Duration = Duration::from_secs(1);

/// The prefix of Natter's pub/sub channels, so other programs on the same Redis are not mixed in.
const CHANNEL_PREFIX: &str = "natter";

/// Connects to Redis at `url`: the adapter's state, and the driver for [`watch_link`].
pub async fn connect(
    url: &str,
) -> Result<(RedisAdapterCtr<ReconnectingDriver>, ReconnectingDriver), Error> {
    // The adapter needs RESP3: pushed pub/sub messages share the connection with commands.
    let url = if url.contains("protocol=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&protocol=resp3")
    } else {
        format!("{url}?protocol=resp3")
    };
    let unreachable = |e: redis::RedisError| Error::Config(format!("Redis at {url}: {e}"));
    let client = redis::Client::open(url.as_str()).map_err(unreachable)?;
    let driver = ReconnectingDriver::connect(client)
        .await
        .map_err(unreachable)?;
    let config = RedisAdapterConfig::new()
        .with_prefix(CHANNEL_PREFIX)
        // Requests that wait for every node's answer (fetching sockets): a node that does not
        // answer within this is counted out.
        .with_request_timeout(Duration::from_secs(2));
    Ok((
        RedisAdapterCtr::new_with_driver(driver.clone(), config),
        driver,
    ))
}

/// Whether this node reaches the others (always, for one node). While it does not, broadcasts go
/// to this node's sockets only, at once, instead of first waiting for Redis to fail.
static LINKED: AtomicBool = AtomicBool::new(true);

pub fn linked() -> bool {
    LINKED.load(Ordering::Acquire)
}

/// A broadcast could not reach the other nodes: the link is down until [`watch_link`] finds it
/// back.
pub fn unlinked() {
    if LINKED.swap(false, Ordering::AcqRel) {
        tracing::error!("lost the link to Redis: messages are stored and sent on this node only until it is back");
    }
}

/// Watches the link to Redis for as long as the server runs: logs when it is lost and back, and
/// when it is back tells this node's sockets to catch up (`resync`).
pub async fn watch_link<A: Adapter>(driver: ReconnectingDriver, io: SocketIo<A>) {
    let mut every = tokio::time::interval(PING_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match (driver.ping().await, linked()) {
            (Ok(()), false) => {
                LINKED.store(true, Ordering::Release);
                tracing::info!("the link to Redis is back: clients catch up");
                let Some(all) = sockets(&io) else {
                    return;
                };
                if let Err(e) = all
                    .local()
                    .emit(event::RESYNC, &serde_json::json!({}))
                    .await
                {
                    tracing::warn!(error = %e, "could not tell every client to catch up");
                }
            }
            (Err(e), true) => {
                tracing::warn!(error = %e, "Redis does not answer");
                unlinked();
            }
            _ => {}
        }
        if sockets(&io).is_none() {
            return;
        }
    }
}

/// The sockets of the namespace, or none once the server has closed them (it is stopping):
/// then nothing is sent, and clients catch up when they reconnect. (`SocketIo::to` would panic
/// then.)
pub fn sockets<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    io.of("/")
}

/// The sockets a broadcast can reach now: every node's while the link is up, this node's alone
/// while it is down (at once, rather than after waiting for Redis to fail).
pub fn reachable<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    let all = sockets(io)?;
    Some(if linked() { all } else { all.local() })
}

/// Sends `event` with `data` to the sockets `pick` chooses, on every node: the one way anything
/// is broadcast. When the other nodes cannot be reached (Redis is down), this node's sockets
/// still get it: the others catch up by seq once the link is back ([`watch_link`] tells their
/// clients to, with `resync`).
pub async fn emit<A: Adapter, T: Serialize + ?Sized>(
    io: &SocketIo<A>,
    pick: impl Fn(BroadcastOperators<A>) -> BroadcastOperators<A>,
    event: &'static str,
    data: &T,
) {
    let Some(all) = reachable(io) else { return };
    // Only a broadcast to other nodes fails as the adapter's.
    let sent = match pick(all).emit(event, data).await {
        Err(BroadcastError::Adapter(e)) => {
            tracing::warn!(error = %e, event, "other nodes unreachable: sent on this node only");
            unlinked();
            let Some(all) = sockets(io) else { return };
            pick(all.local()).emit(event, data).await
        }
        sent => sent,
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, event, "could not send to every socket");
    }
}
