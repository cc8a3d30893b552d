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

/// An operation with its own limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Send,
    Change,
    CreateRoom,
    ChangeMembers,
    OpenDirect,
    SetTopic,
    MarkRead,
    Typing,
    SetNotifications,
    Activity,
    Presence,
}

impl Action {
    /// What the user was doing, for the error's sentence: "you may {verb} …".
    fn verb(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Change => "make",
            Action::CreateRoom => "create",
            Action::ChangeMembers => "make",
            Action::OpenDirect => "open",
            Action::SetTopic => "make",
            Action::MarkRead => "move",
            Action::Typing => "send",
            Action::SetNotifications => "make",
            Action::Activity => "send",
            Action::Presence => "make",
        }
    }

    fn things(self) -> &'static str {
        match self {
            Action::Send => "messages",
            Action::Change => "edits, deletions and reactions",
            Action::CreateRoom => "rooms",
            Action::ChangeMembers => "membership changes",
            Action::OpenDirect => "direct conversations",
            Action::SetTopic => "topic changes",
            Action::MarkRead => "read positions",
            Action::Typing => "typing notices",
            Action::SetNotifications => "notification changes",
            Action::Activity => "activity notices",
            Action::Presence => "presence lookups",
        }
    }
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

/// Every action's rate.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub send: Rate,
    pub change: Rate,
    pub create_room: Rate,
    pub change_members: Rate,
    pub open_direct: Rate,
    pub set_topic: Rate,
    pub mark_read: Rate,
    pub typing: Rate,
    pub set_notifications: Rate,
    pub activity: Rate,
    pub presence: Rate,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            send: Rate {
                per_second: 10.0,
                burst: 30,
            },
            // Edits, deletions and reactions: a burst of reactions, then one every half second.
            change: Rate {
                per_second: 2.0,
                burst: 20,
            },
            create_room: Rate::per_hour(10, 5),
            change_members: Rate::per_minute(60, 30),
            open_direct: Rate::per_minute(30, 10),
            set_topic: Rate::per_minute(12, 5),
            // A client moves it as messages come into view: about one per message read.
            mark_read: Rate {
                per_second: 10.0,
                burst: 30,
            },
            // A client sends one every 3 s while typing, per tab.
            typing: Rate::per_minute(60, 10),
            set_notifications: Rate::per_minute(30, 10),
            // A tab sends one when it is shown or hidden, or its user goes idle or comes back.
            activity: Rate::per_minute(60, 20),
            // A page asks on each connection and for each private room it opens.
            presence: Rate::per_minute(60, 20),
        }
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

/// The buckets, one per action, keyed by user.
pub struct Limits {
    buckets: [(Action, Bucket); 11],
}

impl Limits {
    pub fn new(rates: Rates) -> Self {
        Self {
            buckets: [
                (Action::Send, Bucket::new(rates.send)),
                (Action::Change, Bucket::new(rates.change)),
                (Action::CreateRoom, Bucket::new(rates.create_room)),
                (Action::ChangeMembers, Bucket::new(rates.change_members)),
                (Action::OpenDirect, Bucket::new(rates.open_direct)),
                (Action::SetTopic, Bucket::new(rates.set_topic)),
                (Action::MarkRead, Bucket::new(rates.mark_read)),
                (Action::Typing, Bucket::new(rates.typing)),
                (
                    Action::SetNotifications,
                    Bucket::new(rates.set_notifications),
                ),
                (Action::Activity, Bucket::new(rates.activity)),
                (Action::Presence, Bucket::new(rates.presence)),
            ],
        }
    }

    /// Takes one `action` from `user`'s bucket, or says how long until one is there.
    pub fn take(&self, action: Action, user: &User) -> Result<(), Error> {
        let Some((_, bucket)) = self.buckets.iter().find(|(a, _)| *a == action) else {
            return Ok(());
        };
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
