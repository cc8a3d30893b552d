//! Security headers on every response (`tower-http`'s `SetResponseHeaderLayer`):
//! - `Content-Security-Policy`: pages set their own, with the nonce of their inline scripts
//!   (`app::security`); anything else (static files, JSON, errors) gets [`NOT_A_PAGE`], which
//!   allows nothing to run and nothing to frame it;
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`
//!   (for browsers older than `frame-ancestors`);
//! - `Cache-Control: no-store` on HTML and JSON (pages and server functions show a user's data),
//!   unless the handler chose otherwise; static files keep theirs.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Response};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of responses that are not pages.
pub const NOT_A_PAGE: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `router` with the headers above on every response.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            no_store_for_data,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NOT_A_PAGE),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

fn no_store_for_data<B>(response: &Response<B>) -> Option<HeaderValue> {
    let kind = response.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    (kind.starts_with("text/html") || kind.starts_with("application/json"))
        .then(|| HeaderValue::from_static("no-store"))
}
