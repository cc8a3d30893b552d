//! The address a request comes from, for per-address limits (logins, registrations): the peer's,
//! or, when the peer is a trusted proxy (`--trusted-proxies`), the address its
//! `X-Forwarded-For` names. Without trusted proxies the header is ignored: anyone can send it.

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted; then, reading
    /// `X-Forwarded-For` from the right (each proxy appends the address it was reached from),
    /// the first address that is not a trusted proxy. A malformed entry, or a chain of trusted
    /// proxies only, ends at the rightmost trusted entry (or the peer), so a client cannot pick
    /// the address it is limited as.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // When every entry is a trusted proxy, the one the nearest proxy wrote (the rightmost)
        // stands: entries further left may be the client's own invention.
        let mut nearest = None;
        for value in headers.get_all("x-forwarded-for").iter().rev() {
            let Ok(value) = value.to_str() else {
                return nearest.unwrap_or(peer);
            };
            for entry in value.rsplit(',') {
                match entry.trim().parse::<IpAddr>() {
                    Ok(addr) => {
                        let addr = addr.to_canonical();
                        if !self.trusts(addr) {
                            return addr;
                        }
                        nearest.get_or_insert(addr);
                    }
                    Err(_) => return nearest.unwrap_or(peer),
                }
            }
        }
        nearest.unwrap_or(peer)
    }
}

/// The requesting client's address (see the module's doc).
pub struct ClientAddr(pub IpAddr);

/// From any state that holds the trusted proxies.
impl<S> FromRequestParts<S> for ClientAddr
where
    S: Send + Sync,
    Arc<TrustedProxies>: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let proxies = Arc::<TrustedProxies>::from_ref(state);
        Ok(ClientAddr(proxies.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let forged = headers(&["203.0.113.9"]);
        assert_eq!(none.client(ip("198.51.100.1"), &forged), ip("198.51.100.1"));
        let local = TrustedProxies::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            local.client(ip("198.51.100.1"), &forged),
            ip("198.51.100.1")
        );
        assert_eq!(local.client(ip("127.0.0.1"), &forged), ip("203.0.113.9"));
        assert_eq!(
            local.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        // The client claims 1.1.1.1; the edge proxy saw 203.0.113.9; an inner proxy 10.0.0.2.
        let chain = headers(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &chain), ip("203.0.113.9"));
        // Garbage stops the walk at the nearest proxy's entry.
        let garbage = headers(&["1.1.1.1, nonsense, 10.0.0.3"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &garbage), ip("10.0.0.3"));
        // Only trusted entries: the rightmost, not the leftmost a client could have written.
        let inside = headers(&["10.9.9.9, 10.0.0.4"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &inside), ip("10.0.0.4"));
        let mapped = headers(&["::ffff:203.0.113.9"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &mapped), ip("203.0.113.9"));
    }
}
