//! Natter's shared crate: the wire protocol, the pages and components, the reactive chat state,
//! the browser's socket client (behind `hydrate`) and the server functions (their server half
//! behind `ssr`).

pub mod api;
pub mod browser;
pub mod client;
pub mod components;
pub mod hydration;
pub mod pages;
pub mod protocol;
pub mod security;
pub mod state;
pub mod time_fmt;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The HTML document around the app, rendered by the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    security::declare();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                // The keyboard shrinks the page, so the composer stays above it on phones.
                <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                // The stylesheet by its hashed name (a build without `hash-files`: natter.css).
                <HashedStylesheet options=options.clone() id="leptos"/>
                // The WASM starts after the first paint (hydration.rs).
                <hydration::HydrationScript options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Natter".to_owned() } else { format!("{text} · Natter") }/>
        <Meta name="description" content="Natter: real-time team chat"/>
        <Router>
            // The pages a room's first view does not need load lazily (pages/lazy.rs).
            <Routes fallback=|| view! { <pages::NotFound/> }>
                <Route path=path!("login") view={Lazy::<pages::LoginRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("register") view={Lazy::<pages::RegisterRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=pages::Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::Home ssr=SsrMode::Async/>
                    <Route path=path!("rooms") view={Lazy::<pages::BrowseRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin") view={Lazy::<pages::AdminRoute>::new()} ssr=SsrMode::Async/>
                    // `/r/general`, and a private room's `/r/<owner>/<name>`.
                    <Route path=path!("r/*room") view=pages::RoomPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
