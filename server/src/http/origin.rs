//! Where requests may come from. Two guards in one middleware:
//! - the Socket.IO handshake (polling and the WebSocket upgrade) from a browser page of a
//!   foreign origin is refused (cross-site WebSocket hijacking);
//! - a request that changes state (any method but GET, HEAD, OPTIONS) must name its origin
//!   (`Origin`, else `Referer`) and it must be allowed (cross-site request forgery).
//!
//! Allowed: the server's own origin (the request's `Host`), plus the configured list.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Extra origins allowed besides the server's own, as `scheme://host[:port]`.
#[derive(Debug, Default)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    pub fn new(list: &[String]) -> Self {
        Self(
            list.iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| !o.is_empty())
                .collect(),
        )
    }

    /// True when `origin` (`scheme://host[:port]`) is the request's own or a listed one.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.0.contains(&origin) {
            return true;
        }
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        matches!((authority, host), (Some(a), Some(h)) if a == h.to_ascii_lowercase())
    }
}

/// The origin part (`scheme://host[:port]`) of a URL such as a `Referer`.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

pub async fn guard(
    State(allowed): State<Arc<AllowedOrigins>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let is_socket = request.uri().path().starts_with("/socket.io");
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if is_socket {
        // Browsers always send Origin on WebSocket handshakes and cross-origin requests;
        // programs (bots, the CLI) send none and are judged by their session alone.
        if let Some(origin) = origin.filter(|o| !allowed.allows(o, host)) {
            return refuse(format!(
                "Refused: Socket.IO connections from {origin} are not allowed on this server."
            ));
        }
    } else if changes_state {
        let claimed = origin.or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
        match claimed {
            None => {
                return refuse(
                    "Refused: a request that changes something must carry an Origin header.".into(),
                )
            }
            Some(o) if !allowed.allows(o, host) => {
                return refuse(format!(
                    "Refused: requests from {o} may not change anything on this server."
                ))
            }
            Some(_) => {}
        }
    }
    next.run(request).await
}

fn refuse(sentence: String) -> Response {
    tracing::info!("{sentence}");
    (StatusCode::FORBIDDEN, sentence).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_origin_and_listed_ones_only() {
        let allowed = AllowedOrigins::new(&["https://chat.example.com/".into()]);
        let host = Some("127.0.0.1:3000");
        assert!(allowed.allows("http://127.0.0.1:3000", host));
        assert!(allowed.allows("https://chat.example.com", host));
        assert!(!allowed.allows("http://127.0.0.1:3001", host));
        assert!(!allowed.allows("http://evil.example", host));
        assert!(!allowed.allows("null", host));
        assert!(!allowed.allows("http://127.0.0.1:3000", None));
    }

    #[test]
    fn origin_of_a_referer() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/r/general?x=1"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("https://a.example"), Some("https://a.example"));
        assert_eq!(origin_of("nonsense"), None);
    }
}
