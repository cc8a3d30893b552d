//! The pages a room's first view does not need: logging in and registering, browsing rooms and
//! the ops dashboard. Their code is split out of the main WASM (`cargo leptos build --split`)
//! and fetched the first time one of them is shown. On the server they are ordinary routes; a
//! front end built without `--split` does not load in the browser.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A route whose whole page loads lazily: it has no data of its own to start loading first
/// (each page loads its own through its resources).
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(
    /// `/login`.
    LoginRoute => super::Login
);
lazy_page!(
    /// `/register`.
    RegisterRoute => super::Register
);
lazy_page!(
    /// `/rooms`: the public rooms to join.
    BrowseRoute => super::Browse
);
lazy_page!(
    /// `/admin`: the ops dashboard.
    AdminRoute => super::Admin
);
