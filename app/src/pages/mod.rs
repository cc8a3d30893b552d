//! The pages the router shows.

mod admin;
mod auth;
mod browse;
mod home;
mod layout;
mod lazy;
mod not_found;
mod room;

pub use admin::Admin;
pub use auth::{Login, Register};
pub use browse::Browse;
pub use home::Home;
pub use layout::{next_query, Layout};
pub use lazy::{AdminRoute, BrowseRoute, LoginRoute, RegisterRoute};
pub use not_found::NotFound;
pub use room::RoomPage;
