//! Plain HTTP endpoints beside the pages: accounts, and the origin guard in front of
//! everything.

pub mod auth;
pub mod origin;
