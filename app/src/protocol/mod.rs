//! The wire format shared by the server, the browser client and every test: the one place it is
//! defined. `docs/protocol.md` describes the same thing in prose; when one changes, so does the
//! other.
//!
//! - [`events`]: event names, the [`Request`] trait that ties each request to its event and
//!   reply, and the size limit of one event.
//! - [`errors`]: error codes, the error body of every ack and HTTP answer, [`Reply`].
//! - [`decode`]: requests validated while they are decoded.
//! - [`activity`]: read positions, mentions, typing.
//! - [`changes`]: edits, deletions, reactions, replies' quotes, and the change log.
//! - [`presence`]: who is online, away or offline.
//! - [`notifications`]: how each room notifies its reader.
//! - [`ops`]: the ops dashboard's windows (administrators only).
//! - [`rooms`], [`messages`], [`accounts`]: payloads and the validated newtypes (`RoomName`,
//!   `Topic`, `MessageBody`, `ClientKey`, `Username`, `Password`), built at the edge with
//!   `parse`, so the inside of the program never checks them again.

pub mod accounts;
pub mod activity;
pub mod changes;
pub mod decode;
pub mod errors;
pub mod events;
pub mod messages;
pub mod notifications;
pub mod ops;
pub mod presence;
pub mod rooms;

#[cfg(test)]
pub(crate) mod proptests;

pub use accounts::*;
pub use activity::*;
pub use changes::*;
pub use errors::*;
pub use events::*;
pub use messages::*;
pub use notifications::*;
pub use ops::*;
pub use presence::*;
pub use rooms::*;
