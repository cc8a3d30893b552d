//! A form that posts to a server function. Without JavaScript the browser posts it (the server
//! function answers a page with a redirect back); with it, the fields are read here and the
//! server action is dispatched, so the page stays and shows the result.
//!
//! leptos' `ActionForm` does the same, but reads the fields through `serde_qs`'s deserializer,
//! generated once per server function: with a B-tree and a stable sort of its own, that was
//! about 17 KiB of the room page's brotli-compressed WASM (docs/performance.md, session 12). Every
//! argument of these server functions is a string, so each reads its fields by name instead
//! ([`FormArgs`], implemented next to the server functions in `api.rs`).

use leptos::ev::SubmitEvent;
use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::{Http, ServerFn};

/// A server function's arguments, read from a submitted form's fields by name: `field(name)`
/// is the field's value, `None` when the form has no such field. `None` when a required field
/// is missing: then the browser posts the form itself, and the server function answers it.
pub trait FormArgs: Sized {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self>;
}

/// `<form method="post" action=…>` for `action`'s server function, dispatching `action` when
/// scripts run.
#[component]
pub fn PostForm<S, P>(
    action: ServerAction<S>,
    /// Receives the `<form>` element.
    #[prop(optional)]
    node_ref: NodeRef<Form>,
    children: Children,
) -> impl IntoView
where
    // URL-encoded arguments: what a browser posts without scripts.
    S: ServerFn<Protocol = Http<PostUrl, P>> + FormArgs + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        // Without its fields (no form, a required one missing), the browser posts it itself.
        if let Some(args) = crate::browser::submitted_fields(&ev).and_then(|f| S::from_fields(&f)) {
            ev.prevent_default();
            action.dispatch(args);
        }
    };
    view! {
        <form method="post" action=S::url() node_ref=node_ref on:submit=on_submit>
            {children()}
        </form>
    }
}
