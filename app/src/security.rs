//! The Content-Security-Policy of every page, with the per-response nonce Leptos puts on its
//! inline scripts (the hydration bootstrap and streamed data). The server adds the other
//! security headers, and a stricter policy for anything that is not a page
//! (`server/src/http/headers.rs`).
//!
//! What a page may do: run this server's scripts and the nonce'd inline ones, compile WebAssembly
//! (`wasm-unsafe-eval`), load styles, images and fonts from this server, connect back to it
//! (Socket.IO over WebSocket or polling, server functions), post forms to it. Nothing may frame it.

/// The policy for a response whose inline scripts carry `nonce`.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the policy on the page being rendered (server side only; nothing in the browser).
pub fn declare() {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&policy(&nonce)) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
