//! Whether someone is online, away or offline, next to their name, live.

use crate::protocol::Presence;
use crate::state::{use_chat_state, ChatStoreFields};
use leptos::prelude::*;

/// A dot in the colour of `user`'s presence, with its word for screen readers (on screen too,
/// with `label`). Nothing is known until the connection is up, so the server and the hydrating
/// page draw a plain dot.
#[component]
pub fn PresenceDot(user: String, #[prop(optional)] label: bool) -> impl IntoView {
    let presence = use_chat_state().presence();
    let who = StoredValue::new(user.clone());
    let status = move || {
        // `try_`: a change as the view goes away may ask once more, after `who` is gone.
        presence
            .try_with(|p| who.try_with_value(|u| p.get(u).copied()))
            .flatten()
            .flatten()
    };
    let word = move || status().map(Presence::as_str);
    let class = if label {
        "presence-word"
    } else {
        "visually-hidden"
    };
    view! {
        <span class="presence" data-presence=word data-testid="presence" data-user=user>
            <span class="dot" aria-hidden="true"></span>
            <span class=class>{move || word().map(|w| if label { w.to_owned() } else { format!(" ({w})") })}</span>
        </span>
    }
}
