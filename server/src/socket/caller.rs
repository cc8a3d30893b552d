//! Who sent an event. Checked on every event, not only at the handshake: a session that has
//! expired since gets `not_authenticated`, and its socket is closed.

use crate::auth::Session;
use app::protocol::ErrorBody;
use socketioxide::adapter::Adapter;
use socketioxide::handler::{FromMessageParts, Value};
use socketioxide::socket::Socket;
use std::convert::Infallible;
use std::sync::Arc;

pub struct Caller(pub Result<Session, ErrorBody>);

impl<A: Adapter> FromMessageParts<A> for Caller {
    type Error = Infallible;
    fn from_message_parts(
        s: &Arc<Socket<A>>,
        _: &mut Value,
        _: &Option<i64>,
    ) -> Result<Self, Infallible> {
        match s.extensions.get::<Session>() {
            Some(session) if session.is_live() => Ok(Self(Ok(session))),
            other => {
                if other.is_some() {
                    // Answer first, then close: the client learns why.
                    let s = s.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        let _ = s.disconnect();
                    });
                }
                Ok(Self(Err(ErrorBody::not_authenticated())))
            }
        }
    }
}
