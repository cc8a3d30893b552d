//! The browser entry point: hydrates the server-rendered page with the shared `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazily: the first page may be one whose code is split out (app/src/pages/lazy.rs), and
    // is fetched before it hydrates.
    leptos::mount::hydrate_lazy(app::App);
}
