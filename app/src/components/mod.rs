//! Pieces of the chat screen.

pub mod composer;
pub mod message_list;
pub mod presence;
pub mod sidebar;
pub mod status;
