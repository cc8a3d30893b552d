//! The Redis pub/sub driver of the cluster adapter: `socketioxide-redis`'s own driver holds one
//! `MultiplexedConnection`, which stays broken once Redis restarts (every publish fails and
//! nothing is received until the process restarts). This one runs over redis' `ConnectionManager`,
//! which reconnects by itself and subscribes again to every channel, so fan-out resumes when
//! Redis is back. It is the adapter's `Driver` trait and nothing more.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, FromRedisValue, PushInfo, PushKind};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where the messages of each subscribed channel go.
type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// A pub/sub driver that survives Redis restarts. Clones share the connection and handlers.
#[derive(Clone)]
pub struct ReconnectingDriver {
    conn: ConnectionManager,
    handlers: Handlers,
}

/// The driver's errors are redis' own.
#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct DriverError(#[from] redis::RedisError);

impl ReconnectingDriver {
    /// Connects to `client`'s server (RESP3, for pushed messages). Fails when it is not reachable
    /// now; afterwards, each command after an outage reconnects (and subscribes again).
    pub async fn connect(client: redis::Client) -> Result<Self, redis::RedisError> {
        let handlers: Handlers = Arc::default();
        let to_handlers = handlers.clone();
        let config = ConnectionManagerConfig::new()
            .set_push_sender(move |msg: PushInfo| {
                deliver(msg, &to_handlers);
                Ok::<(), std::convert::Infallible>(())
            })
            .set_automatic_resubscription()
            // A command waits for the connection's (re)connecting: a few quick tries, then it
            // fails, so nothing a user waits for hangs on an outage. The next command (the
            // link check pings every second) tries again, so the link is back within about a
            // second of Redis.
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(300))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)));
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self { conn, handlers })
    }

    /// Ok when Redis answers a PING now.
    pub async fn ping(&self) -> Result<(), DriverError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await?;
        Ok(())
    }
}

/// Hands a pushed message to its channel's subscriber (dropped, with a warning, when it is full:
/// the adapter's channels are bounded, and a missed broadcast is caught up by seq).
fn deliver(msg: PushInfo, handlers: &Handlers) {
    if !matches!(msg.kind, PushKind::Message | PushKind::SMessage) || msg.data.len() < 2 {
        return;
    }
    let mut data = msg.data.into_iter();
    let (Some(chan), Some(payload)) = (data.next(), data.next()) else {
        return;
    };
    let (Ok(chan), Ok(payload)) = (
        String::from_redis_value(chan),
        Vec::<u8>::from_redis_value(payload),
    ) else {
        tracing::warn!("a pub/sub message from redis could not be read");
        return;
    };
    let handlers = handlers.read().unwrap_or_else(|e| e.into_inner());
    if let Some(tx) = handlers.get(&chan) {
        if let Err(e) = tx.try_send((chan, payload)) {
            tracing::warn!(error = %e, "cluster channel full: a broadcast from another node was dropped");
        }
    }
}

impl Driver for ReconnectingDriver {
    type Error = DriverError;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        self.conn
            .clone()
            .publish::<_, _, redis::Value>(chan, val)
            .await?;
        Ok(())
    }

    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        let (tx, rx) = mpsc::channel(size);
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chan.clone(), tx);
        self.conn.clone().subscribe(chan.as_str()).await?;
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&chan);
        self.conn.clone().unsubscribe(chan).await?;
        Ok(())
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let mut conn = self.conn.clone();
        let (_, count): (String, u16) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(chan)
            .query_async(&mut conn)
            .await?;
        Ok(count)
    }
}
