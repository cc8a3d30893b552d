use crate::state::{use_chat_state, ChatStoreFields, ConnStatus, Transport};
use leptos::prelude::*;

/// The connection line: status and transport, as Socket.IO's own guide shows them.
#[component]
pub fn StatusLine() -> impl IntoView {
    let chat = use_chat_state();
    // `try_get`: on the server another pane may be writing the store on another thread (its
    // read would fail); the server always renders the first state, `connecting`.
    let status = move || chat.status().try_get().unwrap_or_default();
    let word = move || status().word();
    let detail = move || match status() {
        ConnStatus::Connecting => "connecting…".to_owned(),
        ConnStatus::Connected => "connected".to_owned(),
        ConnStatus::Disconnected { retry_in_ms } => {
            format!("disconnected, retrying in {}s", retry_in_ms.div_ceil(1000))
        }
        ConnStatus::Reconnecting { attempt } => format!("reconnecting (attempt {attempt})…"),
    };
    let transport = move || {
        chat.transport()
            .try_get()
            .flatten()
            .map_or("none", Transport::name)
    };
    view! {
        // With scripts off the page never connects: the CSS (`@media (scripting: none)`) shows
        // the last span instead of the others, so the same HTML hydrates either way.
        <p class="status" role="status" data-status=word data-transport=transport>
            <span class="dot" aria-hidden="true"></span>
            <span class="live">"Status: "<span class="status-word">{detail}</span></span>
            <span class="sep live" aria-hidden="true">" · "</span>
            <span class="live">"Transport: "<span class="transport">{transport}</span></span>
            <span class="no-script">
                "Live updates need JavaScript: reload the page to see new messages."
            </span>
        </p>
    }
}
