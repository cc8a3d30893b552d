//! Presence: whether each user is online, away or offline, worked out from their connections
//! on every node, never stored.
//!
//! Every socket of a user is in the Socket.IO room `user:<name>` (from its handshake), and while
//! it is in use (its tab shown and touched lately, as its client says with `activity` or in its
//! CONNECT payload) also in `active:<name>`. A user with a socket in `active:` is online; with
//! sockets but none in use, away; with none, offline. Counting a room's sockets is the adapter's
//! `fetch_sockets`, which asks every node through Redis; so presence holds across nodes without
//! a table of its own, and a node that dies takes its sockets' presence with it.
//!
//! Each change (a socket connects, disconnects, or comes into or out of use) is worked out on the
//! socket's node, before and after, and announced with `presence` to the rooms of the user's
//! list (and their own sockets) when the user's presence changed. One node works out one user's
//! changes one at a time, so its announcements come in the order of the changes.

use super::announce::{self, user_room};
use super::limits::Action;
use super::{Caller, ChatService};
use crate::error::Error;
use app::protocol::{
    event, ActivityReply, ActivityRequest, ErrorBody, ErrorCode, Presence, PresenceReply,
    PresenceRequest, UserPresence, Username, MAX_PRESENCE_USERS,
};
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::SocketIo;
use tokio::sync::Mutex;

/// The Socket.IO room of a user's sockets that are in use.
pub fn active_room(name: &str) -> String {
    format!("active:{name}")
}

/// A user's presence from how many of their sockets are in use and connected.
fn status(active: usize, connected: usize) -> Presence {
    match (active, connected) {
        (1.., _) => Presence::Online,
        (0, 1..) => Presence::Away,
        (0, 0) => Presence::Offline,
    }
}

/// One user's changes on this node are worked out one at a time (users are spread over these
/// by a hash of their name).
static TURNS: [Mutex<()>; 64] = [const { Mutex::const_new(()) }; 64];

fn turn_of(name: &str) -> &'static Mutex<()> {
    // FNV-1a: any spread will do.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    &TURNS[(hash % TURNS.len() as u64) as usize]
}

/// The sockets in `room`, on every node (on this one only while the others are unreachable).
async fn count<A: Adapter>(io: &SocketIo<A>, room: &str) -> usize {
    let Some(all) = announce::sockets(io) else {
        return 0;
    };
    if !crate::cluster::linked() {
        return all.local().to(room.to_owned()).sockets().len();
    }
    match all.to(room.to_owned()).fetch_sockets().await {
        Ok(sockets) => sockets.len(),
        Err(e) => {
            tracing::warn!(error = %e, "other nodes unreachable: presence from this node only");
            announce::sockets(io).map_or(0, |s| s.local().to(room.to_owned()).sockets().len())
        }
    }
}

/// How many sockets of `name` are in use and connected, on every node.
async fn counts<A: Adapter>(io: &SocketIo<A>, name: &str) -> (usize, usize) {
    let active = count(io, &active_room(name)).await;
    let connected = count(io, &user_room(name)).await;
    (active, connected.max(active))
}

/// `name`'s presence now.
pub async fn presence_of<A: Adapter>(io: &SocketIo<A>, name: &str) -> Presence {
    let (active, connected) = counts(io, name).await;
    status(active, connected)
}

/// What one socket's change was: in use before and after, connected before and after.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Connected { active: bool },
    Disconnected { was_active: bool },
    Activity { was: bool, now: bool },
}

/// Works out `name`'s presence after `change` (already applied to the socket's rooms) and, when
/// it differs from before, tells `rooms` (the user's list) and the user's own sockets.
pub async fn changed<A: Adapter>(
    io: &SocketIo<A>,
    name: &str,
    rooms: Vec<String>,
    change: Change,
) -> Presence {
    let _turn = turn_of(name).lock().await;
    let (active, connected) = counts(io, name).await;
    let after = status(active, connected);
    let (active_before, connected_before) = match change {
        Change::Connected { active: a } => (
            active.saturating_sub(usize::from(a)),
            connected.saturating_sub(1),
        ),
        Change::Disconnected { was_active } => (active + usize::from(was_active), connected + 1),
        Change::Activity { was, now } => (
            (active + usize::from(was)).saturating_sub(usize::from(now)),
            connected,
        ),
    };
    if status(active_before, connected_before) != after {
        let notice = UserPresence {
            user: name.to_owned(),
            status: after,
        };
        let mut to = rooms;
        to.push(user_room(name));
        announce::emit(io, |s| s.to(to.clone()), event::PRESENCE, &notice).await;
    }
    after
}

/// The rooms of a socket's user's list that it hears: every room it is in but its own ones.
pub fn listed_rooms<A: Adapter>(socket: &SocketRef<A>) -> Vec<String> {
    socket
        .rooms()
        .into_iter()
        .map(|r| r.to_string())
        .filter(|r| {
            !r.starts_with("user:")
                && !r.starts_with("session:")
                && !r.starts_with("active:")
                && !r.starts_with("ops:")
        })
        .collect()
}

/// A socket of `name` closed: it leaves its rooms now (so it is not counted), and the change is
/// announced.
pub async fn disconnected<A: Adapter>(io: &SocketIo<A>, socket: &SocketRef<A>, name: &str) {
    let was_active = socket
        .rooms()
        .iter()
        .any(|r| r.as_ref() == active_room(name).as_str());
    let rooms = listed_rooms(socket);
    socket.leave_all();
    changed(io, name, rooms, Change::Disconnected { was_active }).await;
}

/// The caller's connection came into use or went out of it; the answer is their presence now.
pub async fn activity<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: ActivityRequest,
) -> Result<ActivityReply, Error> {
    chat.limit(Action::Activity, &caller)?;
    let name = caller.user.name.as_str();
    let Some(socket) = caller.socket.as_ref() else {
        // Over HTTP there is no connection to be in use.
        return Ok(ActivityReply {
            status: presence_of(chat.io(), name).await,
        });
    };
    let room = active_room(name);
    let was = socket.rooms().iter().any(|r| r.as_ref() == room.as_str());
    if req.active {
        socket.join(room);
    } else {
        socket.leave(room);
    }
    let status = if was == req.active {
        presence_of(chat.io(), name).await
    } else {
        let change = Change::Activity {
            was,
            now: req.active,
        };
        changed(chat.io(), name, listed_rooms(socket), change).await
    };
    Ok(ActivityReply { status })
}

/// The presence of each user asked about, in the order asked.
pub async fn lookup<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: PresenceRequest,
) -> Result<PresenceReply, Error> {
    if req.users.len() > MAX_PRESENCE_USERS {
        return Err(ErrorBody::new(
            ErrorCode::BadPayload,
            format!(
                "Ask about at most {MAX_PRESENCE_USERS} users at a time; this asks about {}.",
                req.users.len()
            ),
        )
        .into());
    }
    let names = req
        .users
        .iter()
        .map(|u| Username::parse(u))
        .collect::<Result<Vec<_>, _>>()?;
    chat.limit(Action::Presence, &caller)?;
    let io = chat.io();
    let statuses =
        futures_util::future::join_all(names.iter().map(|n| presence_of(io, n.as_str()))).await;
    let users = names
        .into_iter()
        .zip(statuses)
        .map(|(user, status)| UserPresence {
            user: user.to_string(),
            status,
        })
        .collect();
    Ok(PresenceReply { users })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_counts_connections_in_use() {
        assert_eq!(status(0, 0), Presence::Offline);
        assert_eq!(status(0, 2), Presence::Away);
        assert_eq!(status(1, 2), Presence::Online);
    }
}
