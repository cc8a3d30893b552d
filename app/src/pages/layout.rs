use crate::components::{sidebar::Sidebar, status::StatusLine};
use leptos::prelude::*;
use leptos_router::components::Outlet;

/// The frame of every page: the room sidebar and the pane the routes fill.
#[component]
pub fn Layout() -> impl IntoView {
    view! {
        <div class="app">
            <a class="skip-link" href="#main">"Skip to the conversation"</a>
            <Sidebar/>
            <main id="main" class="pane">
                <StatusLine/>
                <Outlet/>
            </main>
        </div>
    }
}
