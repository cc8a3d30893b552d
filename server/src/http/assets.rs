//! The built front end: the WASM, JS and CSS that cargo-leptos writes to `<site-root>/pkg`.
//!
//! - **Names carry their content's hash** (`hash-files` in the workspace's Leptos metadata:
//!   `natter.<hash>.wasm`), so a browser keeps such a file a year without asking again
//!   (`Cache-Control: public, max-age=31536000, immutable`): a new build has new names. A file
//!   without a hash in its name (a build without `hash-files`) is revalidated on each use
//!   (`no-cache`, answered `304` while unchanged).
//! - **Precompressed**: a release build made with `--precompress` leaves `.br` and `.gz` beside
//!   each file; `ServeDir` sends the one the browser accepts (`Accept-Encoding`, with `Vary`).
//!   Without them the compression layer (`crate::http::compression`) compresses on the way out.
//! - Errors (a missing file) are never cached.

use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, Response};
use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;

/// What a hashed file may be cached for: a year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `/<pkg_dir>/*` from `<site_root>/<pkg_dir>`.
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &str, pkg_dir: &str) -> Router<S> {
    let files = ServeDir::new(Path::new(site_root).join(pkg_dir))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), files)
        .layer(axum::middleware::map_response(caching))
}

/// Sets `Cache-Control` (and `Vary`) on a static file's answer by its name.
async fn caching(
    uri: axum::http::Uri,
    mut response: Response<axum::body::Body>,
) -> Response<axum::body::Body> {
    let status = response.status();
    let headers = response.headers_mut();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let policy = if is_hashed(uri.path()) {
            IMMUTABLE
        } else {
            "no-cache"
        };
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same address answers in brotli, gzip or plain, by the request's Accept-Encoding.
        if !headers.contains_key(VARY) {
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
    } else {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// True for a name cargo-leptos hashed: `<name>.<hash>.<ext>`, the hash 22 characters of
/// unpadded base64url (an MD5).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[parts.len() - 2].len() == 22
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn hashed_names_are_told_apart() {
        assert!(is_hashed("/pkg/natter.Ab3_-defghijklmnopqrst.wasm"));
        assert!(is_hashed("natter.Ab3_-defghijklmnopqrst.css"));
        assert!(!is_hashed("/pkg/natter.wasm"));
        assert!(!is_hashed("/pkg/natter.short.wasm"));
        assert!(!is_hashed("/pkg/natter.Ab3+-defghijklmnopqrst.wasm"));
    }
}
