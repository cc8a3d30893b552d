//! Plain HTTP beside the pages: the account endpoints, the session extractors, page redirects,
//! and the origin guard in front of everything.

pub mod assets;
pub mod auth;
pub mod client_addr;
pub mod compression;
pub mod headers;
pub mod health;
pub mod origin;
pub mod redirect;
pub mod session;
pub mod state;
