//! The session cookie, read the same way by the server's pages, HTTP endpoints and socket
//! handshake.

use crate::protocol::SESSION_COOKIE;

/// The session token in a `Cookie` request header, if there is one.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_among_other_cookies() {
        assert_eq!(token_from_cookies("natter_session=abc"), Some("abc"));
        assert_eq!(
            token_from_cookies("theme=dark; natter_session=t0k; x=y"),
            Some("t0k")
        );
        assert_eq!(token_from_cookies("natter_session_old=abc"), None);
        assert_eq!(token_from_cookies("natter_session="), None);
        assert_eq!(token_from_cookies(""), None);
    }
}
