//! Password hashing with argon2id on a bounded pool. Each hash takes tens of milliseconds of CPU
//! and about 19 MiB of memory on purpose, so the work is bounded three ways: it runs on one
//! thread per core (dedicated threads, not the runtime's blocking pool: each thread's allocator
//! keeps the memory it used, so few threads means little memory held), a short queue waits
//! behind them, and one network address holds at most [`PER_ADDRESS`] places of the two.
//! Anything beyond is refused at once (`unavailable`, with a `Retry-After`), before any memory
//! is spent.

use crate::error::Error;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

/// Hashes waiting for a core, at most, per core.
const QUEUE_PER_CORE: usize = 4;
/// Places (running or waiting) one address may hold.
pub const PER_ADDRESS: usize = 2;
/// What a refused client is told to wait, in seconds.
const RETRY_AFTER_S: u64 = 1;

/// The pool, cheap to clone.
#[derive(Clone)]
pub struct Hasher(Arc<Pool>);

/// Work for a hashing thread.
type Work = Box<dyn FnOnce() + Send>;

struct Pool {
    /// The hashing threads' queue (they share its receiving end).
    work: std::sync::mpsc::Sender<Work>,
    /// Places (running or waiting) in all; refused when all are held.
    places: usize,
    /// Places held, per address (their sum is the number held in all).
    by_address: Mutex<HashMap<IpAddr, usize>>,
}

/// A place in the pool, given back when dropped.
struct Place<'a> {
    pool: &'a Pool,
    from: IpAddr,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut held = self
            .pool
            .by_address
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.from) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.from);
            }
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, cores * QUEUE_PER_CORE)
    }
}

impl Hasher {
    /// A pool running `workers` hashes at once with `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let (work, jobs) = std::sync::mpsc::channel::<Work>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..workers.max(1) {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("natter-hash-{n}"))
                .spawn(move || loop {
                    let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        // The pool is gone.
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self(Arc::new(Pool {
            work,
            places: workers.max(1) + queue,
            by_address: Mutex::default(),
        }))
    }

    /// An argon2id PHC string for `password`, with a fresh salt; for a client at `from`.
    pub async fn hash(&self, password: String, from: IpAddr) -> Result<String, Error> {
        self.run(from, move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::Hashing(e.to_string()))
        })
        .await
    }

    /// True when `password` matches `phc`. With `None` (no such user) it checks against a fixed
    /// hash and answers false, so both failures take the same time.
    pub async fn verify(
        &self,
        password: String,
        phc: Option<String>,
        from: IpAddr,
    ) -> Result<bool, Error> {
        self.run(from, move || {
            let known = phc.is_some();
            let phc = phc.unwrap_or_else(|| dummy_hash().to_owned());
            let parsed = PasswordHash::new(&phc).map_err(|e| Error::Hashing(e.to_string()))?;
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
    }

    /// Takes a place (or refuses at once), then runs `f` on a hashing thread.
    async fn run<T: Send + 'static>(
        &self,
        from: IpAddr,
        f: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let _place = self.place(from)?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Work = Box::new(move || {
            let _ = done.send(f());
        });
        self.0
            .work
            .send(job)
            .map_err(|_| Error::Hashing("no hashing thread is running".into()))?;
        result
            .await
            .map_err(|_| Error::Hashing("a hashing thread stopped".into()))?
    }

    fn place(&self, from: IpAddr) -> Result<Place<'_>, Error> {
        let busy = Error::Busy {
            retry_after_s: RETRY_AFTER_S,
        };
        let mut held = self.0.by_address.lock().unwrap_or_else(|e| e.into_inner());
        // At most `places` entries, each holding one or more: a short sum.
        let in_all: usize = held.values().sum();
        if in_all >= self.0.places || held.get(&from).is_some_and(|&n| n >= PER_ADDRESS) {
            return Err(busy);
        }
        *held.entry(from).or_default() += 1;
        Ok(Place {
            pool: &self.0,
            from,
        })
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"no user has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, n])
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pool = Hasher::default();
        let phc = pool.hash("correct horse".into(), addr(1)).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(pool
            .verify("correct horse".into(), Some(phc.clone()), addr(1))
            .await
            .unwrap());
        assert!(!pool
            .verify("wrong horse".into(), Some(phc), addr(1))
            .await
            .unwrap());
        assert!(!pool.verify("anything".into(), None, addr(1)).await.unwrap());
    }

    #[tokio::test]
    async fn work_beyond_the_queue_or_an_address_share_is_refused_at_once() {
        let pool = Hasher::new(1, 2);
        // One address: two places, the third refused.
        let a = pool.place(addr(1)).unwrap();
        let _b = pool.place(addr(1)).unwrap();
        assert!(matches!(pool.place(addr(1)), Err(Error::Busy { .. })));
        // Another address takes the last place; then the pool is full for everyone.
        let _c = pool.place(addr(2)).unwrap();
        assert!(matches!(pool.place(addr(3)), Err(Error::Busy { .. })));
        drop(a);
        assert!(
            pool.place(addr(3)).is_ok(),
            "a place given back is free again"
        );
    }
}
