//! The pages the router shows.

mod home;
mod layout;
mod not_found;
mod room;

pub use home::Home;
pub use layout::Layout;
pub use not_found::NotFound;
pub use room::RoomPage;
