use crate::api::{load_frame, Frame};
use crate::client::ChatClient;
use crate::components::{sidebar::Sidebar, status::StatusLine};
use crate::protocol::{Me, ReadState, Room};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;

/// The frame of every page behind the login: the room sidebar and the pane the routes fill.
/// Nobody logged in: off to the login page, which comes back here afterwards.
#[component]
pub fn Layout() -> impl IntoView {
    // Who is logged in and their rooms, in one request.
    let frame = Resource::new(|| (), |_| load_frame());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match frame.await {
                    Ok(Some(Frame { me, rooms, reads, utc_offset_min })) => {
                        view! { <Shell me rooms reads utc_offset_min/> }.into_any()
                    }
                    Ok(None) => {
                        let here = format!(
                            "{}{}",
                            location.pathname.get_untracked(),
                            location.search.get_untracked()
                        );
                        let login = format!("/login?{}", next_query(&here));
                        // The server answers with a redirect. In the browser (a client-side
                        // navigation into this frame after the session ended), a page load: the
                        // login page is split out (pages/lazy.rs), and the router would fetch its
                        // code by this page's names, which a deploy since may have replaced.
                        if cfg!(feature = "hydrate") {
                            crate::browser::go_to(&login);
                            ().into_any()
                        } else {
                            view! { <Redirect path=login/> }.into_any()
                        }
                    }
                    Err(e) => could_not_load(e.message),
                }
            })}
        </Suspense>
    }
}

fn could_not_load(why: String) -> AnyView {
    view! {
        <section class="welcome">
            <h1>"Natter could not load"</h1>
            <p role="alert">{why}</p>
        </section>
    }
    .into_any()
}

/// `next=<path>`, percent-encoded.
pub fn next_query(path: &str) -> String {
    let mut out = String::from("next=");
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[component]
fn Shell(
    me: Me,
    rooms: Vec<Room>,
    reads: Vec<ReadState>,
    utc_offset_min: Option<i32>,
) -> impl IntoView {
    // Who is logged in, for every view below (a context, not a signal: it never changes on a
    // page, and setting a signal while rendering would upset hydration).
    provide_context(me.clone());
    // The chat store and the client that writes it (it connects once in the browser).
    let client = ChatClient::provide(&me.username);
    // Seeded here, before any pane renders: on the server the pages render on several threads,
    // and a store write while another thread reads it makes that read fail.
    client.seed_rooms(rooms.clone(), reads.clone());
    client.seed_utc_offset(utc_offset_min);
    // On a phone the room list (the start page) and every other page are separate screens.
    let location = use_location();
    let view_kind = move || {
        if location.pathname.get() == "/" {
            "list"
        } else {
            "pane"
        }
    };
    view! {
        <div class="app" data-view=view_kind>
            <a class="skip-link" href="#main">"Skip to the conversation"</a>
            <Sidebar me rooms reads/>
            <main id="main" class="pane">
                <a class="back-link" href="/">
                    <span aria-hidden="true">"‹ "</span>"All rooms"
                </a>
                <StatusLine/>
                <Outlet/>
            </main>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_percent_encoded() {
        assert_eq!(
            super::next_query("/r/a b?x=1&y"),
            "next=/r/a%20b%3Fx%3D1%26y"
        );
    }
}
