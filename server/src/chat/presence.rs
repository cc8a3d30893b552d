//! Presence: whether each user is online, away or offline, worked out from their connections
//! on every node, never stored.
//!
//! Every socket of a user is in the Socket.IO room `present:<name>` (from its connection on), and
//! while it is in use (its tab shown and touched lately, as its client says with `activity` or in
//! its CONNECT payload) also in `active:<name>`. A user with a socket in `active:` is online; with
//! sockets but none in use, away; with none, offline. Counting a room's sockets is the adapter's
//! `fetch_sockets`, which asks every node through Redis; so presence holds across nodes without
//! a table of its own, and a node that dies takes its sockets' presence with it.
//!
//! Each change (a socket connects, disconnects, or comes into or out of use) is counted on the
//! socket's node before and after it is made, under that node's lock for the user, and announced
//! with `presence` to the rooms of the user's list (and their own sockets) when their presence
//! changed. So one node's announcements for one user come in the order of the changes.
//!
//! A closing socket may leave its rooms before its turn comes: socketioxide closes a socket once
//! for its client's DISCONNECT and again when the transport closes, and the second close takes it
//! out of every room at once, while the first one's handler waits for the lock. So when a socket
//! closes, what it counted for is noted at once, synchronously ([`departing`]), and counted with
//! the rooms until its turn applies the change. Without this, two tabs closing together could
//! each see the other gone already, and nobody announced the user offline.

use super::limits::Action;
use super::{Caller, ChatService};
use crate::cluster::sockets;
use crate::error::Error;
use crate::events::Event;
use crate::store::User;
use app::protocol::{
    ActivityReply, ActivityRequest, ErrorBody, ErrorCode, Presence, PresenceReply, PresenceRequest,
    UserPresence, MAX_PRESENCE_USERS,
};
use futures_util::StreamExt;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::SocketIo;
use std::collections::{HashMap, HashSet};
use tokio::sync::Mutex;

/// The Socket.IO room of a user's sockets that are in use.
pub fn active_room(name: &str) -> String {
    format!("active:{name}")
}

/// The Socket.IO room of a user's sockets that presence counts: joined under the user's lock
/// once socketioxide counts the socket (apart from `user:<name>`, which a socket joins at once,
/// so it hears its user's events from its first moment).
fn present_room(name: &str) -> String {
    format!("present:{name}")
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

/// This node's sockets that closed and whose change has not had its turn yet, by username:
/// whether each was in use.
static DEPARTING: std::sync::Mutex<Option<HashMap<String, HashMap<Sid, bool>>>> =
    std::sync::Mutex::new(None);

fn with_departing<T>(f: impl FnOnce(&mut HashMap<String, HashMap<Sid, bool>>) -> T) -> T {
    let mut guard = DEPARTING.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashMap::new))
}

/// Called synchronously as `socket` of `user` closes, while it is still in its rooms: notes
/// what it counted for until [`disconnected`] has its turn. A socket that counted for nothing
/// (already cut off) is not noted.
pub fn departing<A: Adapter>(socket: &SocketRef<A>, user: &User) {
    let name = user.name.as_str();
    let rooms = socket.rooms();
    if !rooms.iter().any(|r| *r == present_room(name)) {
        return;
    }
    let active = rooms.iter().any(|r| *r == active_room(name));
    with_departing(|d| {
        d.entry(name.to_owned())
            .or_default()
            .insert(socket.id, active)
    });
}

/// The sockets in `room`, on every node (on this one only while the others are unreachable).
async fn members<A: Adapter>(io: &SocketIo<A>, room: &str) -> HashSet<Sid> {
    let Some(all) = sockets(io) else {
        return HashSet::new();
    };
    let local = |all: socketioxide::operators::BroadcastOperators<A>| {
        all.local()
            .to(room.to_owned())
            .sockets()
            .iter()
            .map(|s| s.id)
            .collect()
    };
    if !crate::cluster::linked() {
        return local(all);
    }
    match all.to(room.to_owned()).fetch_sockets().await {
        Ok(sockets) => sockets.iter().map(|s| s.data().id).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "other nodes unreachable: presence from this node only");
            sockets(io).map_or_else(HashSet::new, local)
        }
    }
}

/// How many sockets of `name` are in use and connected, on every node, counting this node's
/// departing ones as they were.
async fn counts<A: Adapter>(io: &SocketIo<A>, name: &str) -> (usize, usize) {
    let mut active = members(io, &active_room(name)).await;
    let mut connected = members(io, &present_room(name)).await;
    with_departing(|d| {
        for (sid, in_use) in d.get(name).into_iter().flatten() {
            connected.insert(*sid);
            if *in_use {
                active.insert(*sid);
            }
        }
    });
    let active = active.len();
    (active, connected.len().max(active))
}

/// `name`'s presence now.
pub async fn presence_of<A: Adapter>(io: &SocketIo<A>, name: &str) -> Presence {
    let (active, connected) = counts(io, name).await;
    status(active, connected)
}

/// Applies a change to one of `user`'s sockets (joining or leaving `user:`/`active:`), with
/// their presence counted before and after under this node's lock for the user; when it changed,
/// every socket that hears a room of their list (and their own) gets `presence`. Answers their
/// presence after.
async fn change<A: Adapter>(chat: &ChatService<A>, user: &User, apply: impl FnOnce()) -> Presence {
    let name = user.name.as_str();
    let _turn = turn_of(name).lock().await;
    let io = chat.io();
    let before = presence_of(io, name).await;
    apply();
    let after = presence_of(io, name).await;
    if before != after {
        let rooms: Vec<String> = match chat.store().rooms(user).await {
            Ok(rooms) => rooms.into_iter().map(|r| r.name).collect(),
            Err(e) => {
                // Their own sockets at least; the others see it at their next lookup.
                tracing::warn!(error = %e, user = name, "could not load a user's rooms for presence");
                Vec::new()
            }
        };
        chat.publish(Event::PresenceChanged {
            presence: UserPresence {
                user: name.to_owned(),
                status: after,
            },
            rooms,
        });
    }
    after
}

/// A socket of `user` connected (socketioxide counts it from now on): it joins
/// `present:<name>`, and `active:<name>` when its CONNECT payload says it is in use.
pub async fn connected<A: Adapter>(
    chat: &ChatService<A>,
    socket: &SocketRef<A>,
    user: &User,
    active: bool,
) {
    let name = user.name.as_str();
    change(chat, user, || {
        // Closed meanwhile (its close found it in no room): it must not count from now on.
        if !socket.connected() {
            return;
        }
        socket.join(present_room(name));
        if active {
            socket.join(active_room(name));
        }
        if !socket.connected() {
            socket.leave_all();
        }
    })
    .await;
}

/// A socket of `user` closed, or its client stopped reading (it is cut off): it leaves every
/// room now, so it is counted no more.
pub async fn disconnected<A: Adapter>(chat: &ChatService<A>, socket: &SocketRef<A>, user: &User) {
    let name = user.name.as_str();
    change(chat, user, || {
        socket.leave_all();
        with_departing(|d| {
            if let Some(mine) = d.get_mut(name) {
                mine.remove(&socket.id);
                if mine.is_empty() {
                    d.remove(name);
                }
            }
        });
    })
    .await;
}

/// `socket`'s client stopped reading: it leaves every room but presence's now, then presence's
/// under the user's lock, as a closed socket does.
pub fn cut_off<A: Adapter>(chat: &ChatService<A>, socket: &SocketRef<A>, user: Option<User>) {
    let chat_rooms: Vec<_> = socket
        .rooms()
        .into_iter()
        .filter(|r| !r.starts_with("present:") && !r.starts_with("active:"))
        .collect();
    socket.leave(chat_rooms);
    match user {
        Some(user) => {
            let (chat, socket) = (chat.clone(), socket.clone());
            tokio::spawn(async move { disconnected(&chat, &socket, &user).await });
        }
        None => socket.leave_all(),
    }
}

/// The caller's connection came into use or went out of it; the answer is their presence now.
pub async fn activity<A: Adapter>(
    chat: ChatService<A>,
    caller: Caller<A>,
    req: ActivityRequest,
) -> Result<ActivityReply, Error> {
    chat.limit(Action::Activity, &caller)?;
    let user = &caller.user;
    let Some(socket) = caller.socket.as_ref() else {
        // Over HTTP there is no connection to be in use.
        return Ok(ActivityReply {
            status: presence_of(chat.io(), user.name.as_str()).await,
        });
    };
    let room = active_room(user.name.as_str());
    let status = change(&chat, user, || {
        if req.active {
            socket.join(room);
        } else {
            socket.leave(room);
        }
    })
    .await;
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
    let names = req.users;
    chat.limit(Action::Presence, &caller)?;
    let io = chat.io();
    // A few at a time: each asks every node.
    let statuses: Vec<Presence> = futures_util::stream::iter(names.clone())
        .map(|n| {
            let io = io.clone();
            async move { presence_of(&io, n.as_str()).await }
        })
        .buffered(8)
        .collect()
        .await;
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
