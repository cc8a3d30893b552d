//! Small line icons for the message actions (drawn, so they look the same on every system and
//! need no emoji font). Each is decorative: the button around it carries the name.

use leptos::prelude::*;

fn icon(d: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
            <path d=d fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

#[component]
pub fn ReplyIcon() -> impl IntoView {
    icon("M6.5 3.5 2.5 7.5l4 4M2.5 7.5h6.5a4.5 4.5 0 0 1 4.5 4.5v1")
}

#[component]
pub fn ReactIcon() -> impl IntoView {
    icon("M13.5 8a5.5 5.5 0 1 1-5.5-5.5M5.8 9.6a2.6 2.6 0 0 0 4.4 0M6 6.2v.1M10 6.2v.1M12.5 1v4M10.5 3h4")
}

#[component]
pub fn EditIcon() -> impl IntoView {
    icon("M10.5 2.5l3 3-8 8h-3v-3zM9 4l3 3")
}

#[component]
pub fn DeleteIcon() -> impl IntoView {
    icon("M2.5 4.5h11M6.5 4.5v-2h3v2M4 4.5l.8 9h6.4l.8-9M6.8 7v4M9.2 7v4")
}

#[component]
pub fn PinIcon() -> impl IntoView {
    icon("M9.5 1.8l4.7 4.7M10.6 2.9 7.4 6.1l-3.2.4 5.3 5.3.4-3.2 3.2-3.2M6.8 9.2l-4.3 4.3")
}
