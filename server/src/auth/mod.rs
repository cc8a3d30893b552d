//! Accounts and sessions: registering, logging in and out, and finding the user behind a
//! session cookie. HTTP endpoints (`crate::http::auth`), pages and the socket handshake all
//! come here.

mod password;
mod throttle;
mod token;

pub use token::hash_token;

use crate::config::Registration;
use crate::error::Error;
use crate::store::{now_ms, Accounts, User};
use app::protocol::{Password, Username, SESSION_COOKIE};
use cookie::{Cookie, SameSite};
use governor::clock::Clock;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use throttle::LoginThrottle;

/// Failed logins allowed before waits start: for one username from one address (the guesser's
/// own budget), from one address for any usernames, and for one username from anywhere. The
/// last is far above the first, so a stranger cannot keep the owner (at another address) out.
const FREE_PER_ADDRESS_AND_USER: u32 = 5;
const FREE_PER_ADDRESS: u32 = 50;
const FREE_PER_USER: u32 = 100;

/// The three login throttles; an attempt waits for the longest.
struct Throttles {
    pair: LoginThrottle,
    address: LoginThrottle,
    user: LoginThrottle,
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            pair: LoginThrottle::new(FREE_PER_ADDRESS_AND_USER),
            address: LoginThrottle::new(FREE_PER_ADDRESS),
            user: LoginThrottle::new(FREE_PER_USER),
        }
    }
}

impl Throttles {
    fn keys(from: IpAddr, name: &Username) -> [String; 3] {
        [format!("{from} {name}"), from.to_string(), name.to_string()]
    }

    fn each(&self) -> [&LoginThrottle; 3] {
        [&self.pair, &self.address, &self.user]
    }

    fn check(&self, from: IpAddr, name: &Username, now: Instant) -> Result<(), Duration> {
        let waits = self
            .each()
            .into_iter()
            .zip(Self::keys(from, name))
            .filter_map(|(t, k)| t.check(&k, now).err());
        waits.max().map_or(Ok(()), Err)
    }

    fn failed(&self, from: IpAddr, name: &Username, now: Instant) {
        for (t, k) in self.each().into_iter().zip(Self::keys(from, name)) {
            t.failed(&k, now);
        }
    }

    /// The owner got in from here: this address's budget for the name starts again.
    fn succeeded(&self, from: IpAddr, name: &Username) {
        self.pair.succeeded(&Self::keys(from, name)[0]);
    }
}

/// The session cookie's name over HTTPS with a public URL.
const HOST_SESSION_COOKIE: &str = "__Host-natter_session";

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 30;

/// A logged-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The stored form of the cookie's token; names the session's sockets' room.
    pub token_hash: Arc<str>,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

impl Session {
    pub fn is_live(&self) -> bool {
        self.expires_at > now_ms()
    }
}

/// A new session: the token for the cookie, and the session.
pub struct Started {
    pub token: String,
    pub session: Session,
}

/// What the operator decided about accounts.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// Name it `__Host-natter_session` (HTTPS only): browsers then refuse it unless it is
    /// `Secure`, for the whole host (`Path=/`) and set by this host, not a sibling domain.
    pub host_only_cookie: bool,
    pub registration: Registration,
    /// Per network address; 0: no limit.
    pub registrations_per_hour: u32,
}

type AddressLimiter = governor::DefaultKeyedRateLimiter<IpAddr>;

#[derive(Clone)]
pub struct Auth {
    accounts: Arc<dyn Accounts>,
    throttle: Arc<Throttles>,
    policy: Policy,
    /// Registrations per address (none when unlimited).
    registrations: Option<Arc<AddressLimiter>>,
    hasher: password::Hasher,
}

impl Auth {
    pub fn new(accounts: Arc<dyn Accounts>, policy: Policy) -> Self {
        let registrations = NonZeroU32::new(policy.registrations_per_hour)
            .map(|n| Arc::new(governor::RateLimiter::keyed(governor::Quota::per_hour(n))));
        Self {
            accounts,
            throttle: Arc::new(Throttles::default()),
            policy,
            registrations,
            hasher: password::Hasher::default(),
        }
    }

    /// Whether `user` is an administrator.
    pub async fn is_admin(&self, user: &crate::store::User) -> Result<bool, Error> {
        self.accounts.is_admin(user).await
    }

    /// Creates an account for someone at network address `from`, and logs it in. With
    /// registration closed only the first account of an empty database is created.
    pub async fn register(
        &self,
        username: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<Started, Error> {
        let name = Username::parse(username)?;
        let password = Password::parse(password)?;
        let closed = self.policy.registration == Registration::Closed;
        // Refused before the (deliberately slow) hashing.
        if closed && self.accounts.has_users().await? {
            return Err(Error::RegistrationClosed);
        }
        if let Some(limiter) = &self.registrations {
            if let Err(not_until) = limiter.check_key(&from) {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                return Err(Error::TooManyRegistrations {
                    retry_after_s: wait.as_secs().max(1),
                });
            }
            // Addresses whose budget is full again carry no information: forget them now and
            // then, not on every registration.
            if limiter.len() > 10_000 {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let phc = self.hasher.hash(password.as_str().to_owned(), from).await?;
        let user = if closed {
            // The check above raced with another first registration: one of them wins.
            self.accounts
                .create_first_user(&name, &phc)
                .await?
                .ok_or(Error::RegistrationClosed)?
        } else {
            self.accounts.create_user(&name, &phc).await?
        };
        tracing::info!(user = %user.name, %from, "account created");
        self.start(user).await
    }

    /// Logs in. An unknown username and a wrong password give the same error, after the same
    /// work; a username with many recent failures must wait.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<Started, Error> {
        let Ok(name) = Username::parse(username) else {
            return Err(Error::BadCredentials);
        };
        if let Err(wait) = self.throttle.check(from, &name, Instant::now()) {
            return Err(Error::TooManyAttempts {
                retry_after_s: wait.as_secs().max(1),
            });
        }
        let found = self.accounts.credentials(&name).await?;
        let (user, phc) = match found {
            Some(c) => (Some(c.user), Some(c.password_hash)),
            None => (None, None),
        };
        let ok = self.hasher.verify(password.to_owned(), phc, from).await?;
        match user {
            Some(user) if ok => {
                self.throttle.succeeded(from, &name);
                self.start(user).await
            }
            _ => {
                self.throttle.failed(from, &name, Instant::now());
                tracing::info!(user = %name, %from, "failed login");
                Err(Error::BadCredentials)
            }
        }
    }

    /// The live session behind a cookie token, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, Error> {
        let token_hash = hash_token(token);
        Ok(self
            .accounts
            .session(&token_hash)
            .await?
            .map(|stored| Session {
                user: stored.user,
                token_hash: token_hash.into(),
                expires_at: stored.expires_at,
            }))
    }

    /// Ends one session, or (with `everywhere`) all of its user's sessions.
    pub async fn logout(&self, session: &Session, everywhere: bool) -> Result<(), Error> {
        if everywhere {
            self.accounts.delete_sessions_of(&session.user).await?;
        } else {
            self.accounts.delete_session(&session.token_hash).await?;
        }
        tracing::info!(user = %session.user.name, everywhere, "logged out");
        Ok(())
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.policy.host_only_cookie {
            HOST_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// The cookie that hands `token` to the browser.
    pub fn cookie(&self, token: &str) -> Cookie<'static> {
        Cookie::build((self.cookie_name(), token.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.policy.secure_cookies || self.policy.host_only_cookie)
            .max_age(cookie::time::Duration::days(SESSION_DAYS))
            .build()
    }

    /// The cookie that removes the session cookie.
    pub fn cleared_cookie(&self) -> Cookie<'static> {
        let mut cookie = self.cookie("");
        cookie.make_removal();
        cookie
    }

    async fn start(&self, user: User) -> Result<Started, Error> {
        let token = token::new_token();
        let token_hash = hash_token(&token);
        let expires_at = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.accounts
            .create_session(&user, &token_hash, expires_at)
            .await?;
        Ok(Started {
            token,
            session: Session {
                user,
                token_hash: token_hash.into(),
                expires_at,
            },
        })
    }
}
