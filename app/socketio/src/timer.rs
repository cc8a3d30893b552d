//! One-shot timers on the browser's event loop, cleared by their handle.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A pending timer; [`Timeout::clear`] stops it (dropping it does not).
#[derive(Debug, Clone, Copy)]
pub struct Timeout(i32);

impl Timeout {
    /// Runs `f` once after `ms` milliseconds; `None` where there is no window.
    pub fn start(ms: u32, f: impl FnOnce() + 'static) -> Option<Self> {
        let window = web_sys::window()?;
        let callback = Closure::once_into_js(f);
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.unchecked_ref(),
                i32::try_from(ms).unwrap_or(i32::MAX),
            )
            .ok()
            .map(Self)
    }

    pub fn clear(self) {
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(self.0);
        }
    }
}
