//! Where requests may come from. Two guards in one middleware:
//! - the Socket.IO handshake (polling and the WebSocket upgrade) from a browser page of a
//!   foreign origin is refused (cross-site WebSocket hijacking);
//! - a request that changes state (any method but GET, HEAD, OPTIONS) must name its origin
//!   (`Origin`, else `Referer`) and it must be allowed (cross-site request forgery).
//!
//! Allowed: the server's one origin when `--public-url` names it (scheme, host and port), else
//! any origin naming the request's `Host`; plus `--allowed-origins`.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use url::{Origin, Url};

/// The origins pages and sockets may come from.
#[derive(Debug, Default)]
pub struct AllowedOrigins {
    /// `--public-url`: when set, the one origin of the server (scheme, host and port compared).
    public: Option<Origin>,
    /// `--allowed-origins`.
    listed: Vec<Origin>,
}

impl AllowedOrigins {
    /// From `--public-url` and `--allowed-origins`; an entry that is not a URL is an error.
    pub fn new(public: Option<&Url>, list: &[String]) -> Result<Self, String> {
        let listed = list
            .iter()
            .map(|o| o.trim())
            .filter(|o| !o.is_empty())
            .map(|o| {
                Url::parse(o)
                    .map(|u| u.origin())
                    .map_err(|e| format!("--allowed-origins: {o} is not a URL ({e})"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            public: public.map(Url::origin),
            listed,
        })
    }

    /// True when `origin` (`scheme://host[:port]`) may send requests: the public URL's origin or
    /// a listed one; without a public URL, also any origin whose `host[:port]` is the request's
    /// `Host` (whatever the scheme: the server cannot tell behind a proxy).
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let Ok(url) = Url::parse(origin) else {
            return false;
        };
        let origin = url.origin();
        if !origin.is_tuple() {
            return false;
        }
        if self.public.as_ref() == Some(&origin) || self.listed.contains(&origin) {
            return true;
        }
        if self.public.is_some() {
            return false;
        }
        let authority = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => return false,
        };
        matches!(host, Some(h) if h.eq_ignore_ascii_case(&authority))
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
        let allowed = AllowedOrigins::new(None, &["https://chat.example.com/".into()]).unwrap();
        let host = Some("127.0.0.1:3000");
        assert!(allowed.allows("http://127.0.0.1:3000", host));
        assert!(allowed.allows("https://chat.example.com", host));
        assert!(!allowed.allows("http://127.0.0.1:3001", host));
        assert!(!allowed.allows("http://evil.example", host));
        assert!(!allowed.allows("null", host));
        assert!(!allowed.allows("http://127.0.0.1:3000", None));
        assert!(
            !allowed.allows("http://chat.example.com", host),
            "listed with https only"
        );
    }

    #[test]
    fn a_public_url_is_the_one_origin() {
        let public = Url::parse("https://chat.example.com").unwrap();
        let allowed = AllowedOrigins::new(Some(&public), &[]).unwrap();
        let host = Some("chat.example.com");
        assert!(allowed.allows("https://chat.example.com", host));
        assert!(
            allowed.allows("https://chat.example.com:443", host),
            "default port"
        );
        assert!(
            !allowed.allows("http://chat.example.com", host),
            "scheme compared"
        );
        assert!(
            !allowed.allows("https://chat.example.com:8443", host),
            "port compared"
        );
        assert!(
            !allowed.allows("http://127.0.0.1:3000", Some("127.0.0.1:3000")),
            "the Host rule is off"
        );
        assert!(AllowedOrigins::new(None, &["not a url".into()]).is_err());
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
