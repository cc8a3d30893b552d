//! Browse rooms: every public room, searchable by name, a page at a time. A plain GET form and
//! links, so it works the same with and without JavaScript.

use crate::api::browse_rooms;
use crate::client::use_client;
use crate::components::sidebar::LockIcon;
use crate::protocol::{Room, MAX_ROOM_CHARS};
use crate::state::ChatStoreFields;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Browse() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || query.read().get("after").filter(|a| !a.is_empty());
    let page = Resource::new(move || (search(), after()), |(q, a)| browse_rooms(q, a));
    view! {
        <Title text="Browse rooms"/>
        <section class="browse">
            <h1>"Browse rooms"</h1>
            <form method="get" action="/rooms" class="browse-search" role="search">
                <label for="browse-q" class="visually-hidden">"Search rooms by name"</label>
                <input
                    id="browse-q"
                    name="q"
                    type="search"
                    maxlength=MAX_ROOM_CHARS
                    autocapitalize="none"
                    placeholder="Search rooms by name"
                    // The attribute, not the property: hydrating sets a property, and would
                    // wipe what someone typed while the page's code was still loading.
                    value=search
                />
                <button type="submit">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p class="loading">"Loading rooms…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <Results rooms=p.rooms next=p.next search=search() paged=after().is_some()/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One page of rooms, and the links to the first and the next page.
#[component]
fn Results(rooms: Vec<Room>, next: Option<String>, search: String, paged: bool) -> impl IntoView {
    let mine = use_client().state().rooms();
    let empty = rooms.is_empty();
    let q = encode(&search);
    let first = paged.then(|| format!("/rooms?q={q}"));
    let next = next.map(|n| format!("/rooms?q={q}&after={}", encode(&n)));
    let row = move |room: Room| {
        let name = room.name.clone();
        let joined = move || mine.with(|m| m.contains_key(&name));
        view! {
            <li>
                <a href=room.href() class="browse-room">
                    <span class="name">{format!("#{}", room.name)}</span>
                    {(!room.topic.is_empty()).then(|| view! { <span class="topic">{room.topic.clone()}</span> })}
                </a>
                <Show when=joined>
                    <span class="tag">"joined"</span>
                </Show>
            </li>
        }
    };
    let none = if search.is_empty() {
        "There are no public rooms yet: create one from the sidebar.".to_owned()
    } else {
        format!("No public room has \"{search}\" in its name.")
    };
    view! {
        {empty.then(|| view! { <p class="notice-inline">{none}</p> })}
        <ul class="browse-list" aria-label="Public rooms">
            {rooms.into_iter().map(row).collect_view()}
        </ul>
        <nav class="pages" aria-label="Pages">
            {first.map(|href| view! { <a href=href>"First page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </nav>
        <p class="help">
            <LockIcon/>
            " Private rooms are not listed: their owners add members."
        </p>
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
