//! Form fields that the server's HTML fills in and that follow the page's state once it runs.
//!
//! A `prop:` binding is written when the page hydrates, so on a slow line it would wipe what
//! the user typed, picked or opened before the page's code arrived. Such a field carries its
//! first value as an attribute (in the server's HTML, and all a browser without JavaScript
//! sees) and gets later values through [`on_change`].

use leptos::prelude::*;

/// Calls `write` with each value of `value` that differs from the one before, starting from
/// its value now: the one the field's attribute was given (and the server's HTML shows).
pub fn on_change<T: PartialEq + 'static>(
    value: impl Fn() -> T + 'static,
    write: impl Fn(&T) + 'static,
) {
    let mut shown = Some(untrack(&value));
    Effect::new(move |seen: Option<T>| {
        let now = value();
        if seen
            .or_else(|| shown.take())
            .is_some_and(|before| before != now)
        {
            write(&now);
        }
        now
    });
}
