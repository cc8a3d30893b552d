//! Pieces of the chat screen.

pub mod composer;
pub mod conversation;
pub mod icons;
pub mod live_field;
pub mod message;
pub mod message_list;
pub mod presence;
pub mod reactions;
pub mod sidebar;
pub mod socket_form;
pub mod status;
