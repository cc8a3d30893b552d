//! Slows down password guessing: after a number of failed logins for one key (an address and
//! username, an address, a username), each further attempt for it must wait, twice as long
//! after every failure (up to five minutes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits start, unless told otherwise.
const FREE_FAILURES: u32 = 5;
/// The longest wait.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

pub struct LoginThrottle {
    free_failures: u32,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(FREE_FAILURES)
    }
}

impl LoginThrottle {
    /// A throttle whose waits start after `free_failures` failures of one key.
    pub fn new(free_failures: u32) -> Self {
        Self {
            free_failures,
            failures: Mutex::default(),
        }
    }

    /// `Err(wait)` while `username` must wait before the next attempt.
    pub fn check(&self, username: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(username) {
            Some(&(count, last)) if count >= self.free_failures => {
                let wait = wait_after(count - self.free_failures);
                let ready = last + wait;
                if now < ready {
                    Err(ready - now)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, username: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 10_000 {
            failures.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
        }
        let entry = failures.entry(username.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = now;
    }

    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

/// The wait after `beyond` failures past the free ones.
fn wait_after(beyond: u32) -> Duration {
    let doublings = beyond.min(16);
    (Duration::from_secs(1) * 2u32.pow(doublings)).min(MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_the_free_failures_and_grow() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed("ada", now);
        }
        assert!(t.check("ada", now).is_ok());
        t.failed("ada", now);
        assert_eq!(t.check("ada", now), Err(Duration::from_secs(1)));
        assert!(t.check("ada", now + Duration::from_secs(1)).is_ok());
        t.failed("ada", now);
        assert_eq!(t.check("ada", now), Err(Duration::from_secs(2)));
        // Others are not affected; success forgets.
        assert!(t.check("bob", now).is_ok());
        t.succeeded("ada");
        assert!(t.check("ada", now).is_ok());
        assert_eq!(wait_after(100), MAX_WAIT);
        let lenient = LoginThrottle::new(50);
        for _ in 0..49 {
            lenient.failed("ada", now);
        }
        assert!(lenient.check("ada", now).is_ok());
        lenient.failed("ada", now);
        assert_eq!(lenient.check("ada", now), Err(Duration::from_secs(1)));
    }
}
