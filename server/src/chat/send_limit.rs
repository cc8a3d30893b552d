//! The per-user limit on sends: a token bucket of `burst` messages refilled at `rate` per
//! second, shared by all of a user's sockets on this server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SendLimit {
    /// Messages per second; 0 turns the limit off.
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl SendLimit {
    pub fn new(rate: f64, burst: u32) -> Self {
        Self {
            rate,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// Takes one message from `user`'s bucket, or says how long until one is there.
    pub fn take(&self, user: i64, now: Instant) -> Result<(), crate::error::Error> {
        self.wait(user, now)
            .map_err(|wait| crate::error::Error::RateLimited {
                rate: self.rate,
                burst: self.burst as u32,
                retry_after_ms: wait.as_millis().max(1),
            })
    }

    fn wait(&self, user: i64, now: Instant) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            // Full buckets carry no information: forget them.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(user).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_user() {
        let limit = SendLimit::new(10.0, 3);
        let now = Instant::now();
        for _ in 0..3 {
            assert!(limit.wait(1, now).is_ok());
        }
        let wait = limit.wait(1, now).unwrap_err();
        assert!(wait <= Duration::from_millis(100) && wait > Duration::ZERO);
        assert!(
            limit.wait(2, now).is_ok(),
            "another user has their own bucket"
        );
        assert!(limit.wait(1, now + Duration::from_millis(100)).is_ok());
        assert!(SendLimit::new(0.0, 1).wait(1, now).is_ok());
    }
}
