//! Per-user rate limits on every operation that changes state: sending, editing, deleting and
//! reacting, creating rooms,
//! changing members, opening direct conversations, setting topics, moving read positions,
//! saying one is typing, changing notification levels, telling whether a tab is in use, and
//! asking who is online. Each is a token bucket
//! (`governor`) of `burst` actions refilled at `per_second`, shared by all of a user's sockets
//! and server functions on this server. Reads are bounded per connection instead
//! (`crate::socket`), since they change nothing.

use crate::error::Error;
use crate::store::User;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

/// Declares every rate-limited action once: its `Action` variant, its field in [`Rates`] (and
/// its bucket), what the error's sentence says ("you may {verb} at most … {things} …") and its
/// default rate. Adding an action is one entry.
macro_rules! actions {
    ($( $(#[$doc:meta])* $action:ident / $field:ident: $verb:literal $things:literal = $default:expr; )*) => {
        /// An operation with its own limit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $($action),*
        }

        impl Action {
            /// What the user was doing, for the error's sentence: "you may {verb} …".
            fn verb(self) -> &'static str {
                match self {
                    $(Action::$action => $verb),*
                }
            }

            fn things(self) -> &'static str {
                match self {
                    $(Action::$action => $things),*
                }
            }
        }

        /// Every action's rate.
        #[derive(Debug, Clone, Copy)]
        pub struct Rates {
            $($(#[$doc])* pub $field: Rate),*
        }

        impl Default for Rates {
            fn default() -> Self {
                Self {
                    $($field: $default),*
                }
            }
        }

        /// The buckets, one per action, keyed by user.
        struct Buckets {
            $($field: Bucket),*
        }

        impl Buckets {
            fn new(rates: Rates) -> Self {
                Self {
                    $($field: Bucket::new(rates.$field)),*
                }
            }

            fn of(&self, action: Action) -> &Bucket {
                match action {
                    $(Action::$action => &self.$field),*
                }
            }
        }
    };
}

actions! {
    Send / send: "send" "messages" = Rate { per_second: 10.0, burst: 30 };
    /// Edits, deletions and reactions: a burst of reactions, then one every half second.
    Change / change: "make" "edits, deletions and reactions" = Rate { per_second: 2.0, burst: 20 };
    CreateRoom / create_room: "create" "rooms" = Rate::per_hour(10, 5);
    ChangeMembers / change_members: "make" "membership changes" = Rate::per_minute(60, 30);
    OpenDirect / open_direct: "open" "direct conversations" = Rate::per_minute(30, 10);
    SetTopic / set_topic: "make" "topic changes" = Rate::per_minute(12, 5);
    /// A client moves it as messages come into view: about one per message read.
    MarkRead / mark_read: "move" "read positions" = Rate { per_second: 10.0, burst: 30 };
    /// A client sends one every 3 s while typing, per tab.
    Typing / typing: "send" "typing notices" = Rate::per_minute(60, 10);
    SetNotifications / set_notifications: "make" "notification changes" = Rate::per_minute(30, 10);
    /// A tab sends one when it is shown or hidden, or its user goes idle or comes back.
    Activity / activity: "send" "activity notices" = Rate::per_minute(60, 20);
    /// A page asks on each connection and for each private room it opens.
    Presence / presence: "make" "presence lookups" = Rate::per_minute(60, 20);
}

/// A rate: `burst` at once, then `per_second` (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: u32,
}

impl Rate {
    pub const fn per_minute(n: u32, burst: u32) -> Self {
        Self {
            per_second: n as f64 / 60.0,
            burst,
        }
    }

    pub const fn per_hour(n: u32, burst: u32) -> Self {
        Self {
            per_second: n as f64 / 3600.0,
            burst,
        }
    }

    /// "10 messages per second, 30 at once", in the unit that gives a whole-ish number.
    fn describe(self, things: &str) -> String {
        let (n, unit) = if self.per_second >= 1.0 {
            (self.per_second, "second")
        } else if self.per_second * 60.0 >= 1.0 {
            (self.per_second * 60.0, "minute")
        } else {
            (self.per_second * 3600.0, "hour")
        };
        let n = (n * 10.0).round() / 10.0;
        format!("{n} {things} per {unit}, {} at once", self.burst)
    }

    fn quota(self) -> Option<Quota> {
        if self.per_second <= 0.0 || !self.per_second.is_finite() {
            return None;
        }
        let period = Duration::from_secs_f64(1.0 / self.per_second);
        let burst = NonZeroU32::new(self.burst.max(1))?;
        Quota::with_period(period).map(|q| q.allow_burst(burst))
    }
}

struct Bucket {
    rate: Rate,
    limiter: Option<DefaultKeyedRateLimiter<i64>>,
}

impl Bucket {
    fn new(rate: Rate) -> Self {
        Self {
            rate,
            limiter: rate.quota().map(governor::RateLimiter::keyed),
        }
    }
}

/// The buckets of every action, keyed by user.
pub struct Limits {
    buckets: Buckets,
}

impl Limits {
    pub fn new(rates: Rates) -> Self {
        Self {
            buckets: Buckets::new(rates),
        }
    }

    /// Takes one `action` from `user`'s bucket, or says how long until one is there.
    pub fn take(&self, action: Action, user: &User) -> Result<(), Error> {
        let bucket = self.buckets.of(action);
        let Some(limiter) = &bucket.limiter else {
            return Ok(());
        };
        if let Err(not_until) = limiter.check_key(&user.id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(Error::RateLimited {
                allowed: format!(
                    "{} at most {}",
                    action.verb(),
                    bucket.rate.describe(action.things())
                ),
                retry_after_ms: wait.as_millis().max(1),
            });
        }
        // Users whose bucket is full again carry no information: forget them now and then.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::Username;

    fn user(id: i64) -> User {
        User {
            id,
            name: Username::parse(&format!("user{id}")).unwrap(),
        }
    }

    #[test]
    fn each_action_has_its_own_bucket_per_user() {
        let limits = Limits::new(Rates {
            create_room: Rate::per_hour(10, 2),
            ..Rates::default()
        });
        let ada = user(1);
        for _ in 0..2 {
            limits.take(Action::CreateRoom, &ada).unwrap();
        }
        let refused = limits.take(Action::CreateRoom, &ada).unwrap_err();
        let body = app::protocol::ErrorBody::from(refused);
        assert_eq!(body.code, app::protocol::ErrorCode::RateLimited);
        assert!(
            body.message.contains(
                "Slow down: you may create at most 10 rooms per hour, 2 at once. Try again in "
            ),
            "{}",
            body.message
        );
        assert!(
            limits.take(Action::CreateRoom, &user(2)).is_ok(),
            "another user"
        );
        assert!(limits.take(Action::Send, &ada).is_ok(), "another action");
    }

    #[test]
    fn a_zero_rate_is_no_limit() {
        let limits = Limits::new(Rates {
            send: Rate {
                per_second: 0.0,
                burst: 1,
            },
            ..Rates::default()
        });
        for _ in 0..100 {
            limits.take(Action::Send, &user(1)).unwrap();
        }
    }
}
