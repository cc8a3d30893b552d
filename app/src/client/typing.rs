//! Who is typing, in one place: the user's own notices go out from here, and others' are shown
//! from their `typing` event until their message comes or [`TYPING_SHOWN_MS`] pass without
//! another notice.

use super::ChatClient;
use crate::protocol::{TypingEvent, TYPING_SHOWN_MS};
use crate::state::ChatStoreFields;
use leptos::prelude::*;

impl ChatClient {
    /// The user is typing in `room` (the composer calls this at most every few seconds): the
    /// room's other readers are told. No ack is asked: a refused notice is simply not shown.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn typing(&self, room: &str) {
        #[cfg(feature = "hydrate")]
        if let (Some(link), Some(room)) = (self.link(), super::sync::room_name(room)) {
            link.conn.notice(&crate::protocol::TypingRequest { room });
        }
    }

    /// Someone else is typing (a `typing` event): shown for [`TYPING_SHOWN_MS`] after their
    /// latest notice, or until [`ChatClient::stopped_typing`].
    pub(super) fn started_typing(&self, notice: TypingEvent) {
        let until = crate::browser::now_ms() + TYPING_SHOWN_MS as f64;
        let key = (notice.room.clone(), notice.user.clone());
        self.typing_until.update_value(|t| {
            t.insert(key.clone(), until);
        });
        let listed = self.state().typing().with_untracked(|t| {
            t.get(&notice.room)
                .is_some_and(|users| users.contains(&notice.user))
        });
        if !listed {
            let typing = self.state().typing();
            let mut typing = typing.write();
            let users = typing.entry(notice.room).or_default();
            users.push(notice.user);
            users.sort_unstable();
        }
        #[cfg(feature = "hydrate")]
        {
            let client = *self;
            set_timeout(
                move || client.typing_expired(&key.0, &key.1),
                std::time::Duration::from_millis(TYPING_SHOWN_MS),
            );
        }
    }

    /// A notice's time is up: hidden, unless a later notice came meanwhile.
    #[cfg(feature = "hydrate")]
    fn typing_expired(&self, room: &str, user: &str) {
        let now = crate::browser::now_ms();
        let expired = self
            .typing_until
            .try_with_value(|t| {
                t.get(&(room.to_owned(), user.to_owned()))
                    .is_some_and(|&until| until <= now + 1.0)
            })
            .unwrap_or(false);
        if expired {
            self.stopped_typing(room, user);
        }
    }

    /// `user` stopped typing in `room` (their message came, or their notice expired).
    pub(super) fn stopped_typing(&self, room: &str, user: &str) {
        self.typing_until.update_value(|t| {
            t.remove(&(room.to_owned(), user.to_owned()));
        });
        let listed = self.state().typing().with_untracked(|t| {
            t.get(room)
                .is_some_and(|users| users.iter().any(|u| u == user))
        });
        if listed {
            let typing = self.state().typing();
            let mut typing = typing.write();
            if let Some(users) = typing.get_mut(room) {
                users.retain(|u| u != user);
                if users.is_empty() {
                    typing.remove(room);
                }
            }
        }
    }
}
