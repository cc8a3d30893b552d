//! Accounts: usernames, passwords, the session cookie and who is logged in.

use super::errors::{ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The fewest and most characters a username may hold.
pub const MIN_USERNAME_CHARS: usize = 2;
pub const MAX_USERNAME_CHARS: usize = 24;
/// The fewest and most characters a password may hold.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "natter_session";

/// A username: 2 to 24 of `a-z`, `0-9`, `-`, `_`, starting with a letter. Input is trimmed and
/// lowercased, so `Ada` and `ada` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// A username as typed: trimmed and lowercased, then [`Username::exact`].
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        Self::exact(&raw.trim().to_lowercase())
    }

    /// A username exactly as given, as the server stores and hands it out (the owner part of a
    /// private room's name, the names a page holds): no trimming, no lowercasing, so the
    /// browser carries no Unicode case tables.
    pub fn exact(name: &str) -> Result<Self, ErrorBody> {
        let len = name.chars().count();
        let ok = (MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&len)
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err(ErrorBody::new(
                ErrorCode::InvalidUsername,
                format!(
                    "Usernames are {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters of \
                     letters, digits, \"-\" and \"_\", starting with a letter."
                ),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::decode::text_field!(Username);

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 8 to 128 characters, kept as typed (spaces count).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let len = raw.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len) {
            return Err(ErrorBody::new(
                ErrorCode::InvalidPassword,
                format!("Passwords are {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// The logged-in user, as `GET /auth/me`, the auth endpoints and the pages know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    /// May open the ops dashboard (`/admin`).
    #[serde(default)]
    pub admin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(Username::parse(" Ada ").unwrap().as_str(), "ada");
        for bad in ["", "a", "1ab", "-ab", "a b", "ad@", "é_x", &"x".repeat(25)] {
            assert_eq!(
                Username::parse(bad).unwrap_err().code,
                ErrorCode::InvalidUsername,
                "{bad}"
            );
        }
        assert!(Password::parse("correct horse").is_ok());
        assert_eq!(
            Password::parse("short").unwrap_err().code,
            ErrorCode::InvalidPassword
        );
        assert!(!format!("{:?}", Password::parse("secret-words").unwrap()).contains("secret"));
    }
}
