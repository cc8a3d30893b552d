//! The ops dashboard's operations (administrators only: anyone else gets `not_found`).

use super::{Caller, ChatService};
use crate::error::Error;
use crate::ops::hub::WATCHERS;
use app::protocol::{OpsUnwatchReply, OpsUnwatchRequest, OpsWatchReply, OpsWatchRequest};
use socketioxide::adapter::Adapter;

/// Every node's last five minutes; the asking socket then hears each node's `ops_window`.
/// Over HTTP (the page's first render): the history only.
pub async fn watch<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    _req: OpsWatchRequest,
) -> Result<OpsWatchReply, Error> {
    admin_only(&chat, &caller).await?;
    if let Some(socket) = &caller.socket {
        socket.join(WATCHERS);
        // It may have gone while the check ran: a room never forgets a socket on its own.
        if !socket.connected() {
            socket.leave(WATCHERS);
        }
    }
    Ok(OpsWatchReply {
        nodes: chat.ops().history(),
    })
}

/// The asking socket stops hearing `ops_window`: at once, before the check, so a user whose
/// administrator rights were revoked meanwhile stops too.
pub async fn unwatch<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    _req: OpsUnwatchRequest,
) -> Result<OpsUnwatchReply, Error> {
    if let Some(socket) = &caller.socket {
        socket.leave(WATCHERS);
    }
    admin_only(&chat, &caller).await?;
    Ok(OpsUnwatchReply {})
}

async fn admin_only<A: Adapter>(chat: &ChatService<A>, caller: &Caller<A>) -> Result<(), Error> {
    if chat.auth().is_admin(&caller.user).await? {
        Ok(())
    } else {
        Err(Error::NotAdmin)
    }
}
