use crate::api::{CreateRoom, OpenDirect};
use crate::client::use_client;
use crate::components::presence::PresenceDot;
use crate::components::socket_form::{FromFields, Sending, SocketForm};
use crate::protocol::{
    CreateRoomRequest, Me, OpenDirectRequest, ReadState, Room, RoomKind, RoomReply,
};
use crate::state::{ChatStoreFields, Unread};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_navigate};
use std::collections::HashMap;

/// Who is logged in, the rooms, and the forms that create a room or start a conversation.
#[component]
pub fn Sidebar(me: Me, rooms: Vec<Room>, reads: Vec<ReadState>) -> AnyView {
    view! {
        <aside class="sidebar" aria-label="Rooms and account">
            <a class="brand" href="/">"Natter"</a>
            <Account me/>
            <RoomList rooms reads/>
            <NewRoom/>
            <NewDirect/>
            // Last: it is drawn in the browser only, and there its arrival moves nothing.
            <NotificationsSwitch/>
        </aside>
    }
    // Erased: the page's view type would otherwise nest deeper than the compiler's limit.
    .into_any()
}

/// The user's name and the logout button (a plain form: it works without JavaScript).
#[component]
fn Account(me: Me) -> impl IntoView {
    view! {
        <div class="account">
            <span class="me" data-testid="me">
                <span class="visually-hidden">"Logged in as "</span>
                {me.username}
            </span>
            // `rel="external"`: a page load, not the router (see the Browse link).
            {me.admin.then(|| view! { <a href="/admin" rel="external" class="ops-link">"Ops"</a> })}
            <form method="post" action="/auth/logout">
                <button type="submit" class="link">"Log out"</button>
            </form>
        </div>
    }
}

/// Offers to turn on browser notifications (mentions and direct messages while the tab is
/// hidden), asking the browser only when the user clicks. Drawn in the browser only: the server
/// cannot know what this browser allows.
#[component]
fn NotificationsSwitch() -> impl IntoView {
    let permission = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| permission.set(crate::browser::notification_permission()));
    let ask = move |_| crate::browser::ask_notification_permission(move |p| permission.set(p));
    move || {
        match permission.get() {
        Some("default") => Some(
            view! {
                <button type="button" class="link notify-ask" data-testid="notify-ask" on:click=ask>
                    "Turn on notifications"
                </button>
            }
            .into_any(),
        ),
        Some("denied") => Some(
            view! {
                <p class="help notify-blocked">"Notifications are blocked in this browser's settings."</p>
            }
            .into_any(),
        ),
        _ => None,
    }
    }
}

/// The user's rooms and direct conversations, with their unread counts. The server HTML and
/// the hydrating page draw the list the page was loaded with (`rooms` and `reads`, the same on
/// both sides); from then on, in the browser, it follows the chat store (room events,
/// reconnections). On the server the list never reads the store, which other panes write
/// meanwhile on other threads.
#[component]
fn RoomList(rooms: Vec<Room>, reads: Vec<ReadState>) -> impl IntoView {
    let client = use_client();
    let held = client.state().rooms();
    let held_reads = client.state().reads();
    let loaded = StoredValue::new(
        rooms
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect::<HashMap<_, _>>(),
    );
    let loaded_reads = StoredValue::new(
        reads
            .into_iter()
            .map(|r| (r.room.clone(), r))
            .collect::<HashMap<_, _>>(),
    );
    // Effects run in the browser only, after hydration: from then on the store.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let me = StoredValue::new(crate::state::use_me());
    let location = use_location();
    let link = move |room: Room| {
        let href = room.href();
        let current = {
            let href = href.clone();
            move || (location.pathname.get() == href).then_some("page")
        };
        let title = me.with_value(|me| room.title(me));
        let (mark, label) = match room.kind {
            RoomKind::Public => (view! { "#" }.into_any(), None),
            RoomKind::Private => (view! { <LockIcon/> }.into_any(), Some("private room")),
            RoomKind::Direct => (view! { "@" }.into_any(), None),
        };
        // Beside a direct conversation: whether the other person is around.
        let presence = (room.kind == RoomKind::Direct).then(|| {
            let other = me.with_value(|me| other_member(&room, me));
            view! { <PresenceDot user=other/> }
        });
        let shown = title.trim_start_matches(['#', '@']).to_owned();
        let name = room.name.clone();
        let unread = move || {
            if live.get() {
                let room = held.with(|r| r.get(&name).cloned()).unwrap_or_default();
                held_reads.with(|r| Unread::of(&room, r.get(&name)))
            } else {
                let room = loaded
                    .with_value(|r| r.get(&name).cloned())
                    .unwrap_or_default();
                loaded_reads.with_value(|r| Unread::of(&room, r.get(&name)))
            }
        };
        let unread = Memo::new(move |_| unread());
        view! {
            <li>
                <a
                    href=href
                    aria-current=current
                    data-kind=room.kind.as_str()
                    class=move || (unread.get().messages > 0).then_some("unread")
                    data-unread=move || unread.get().messages
                >
                    <span class="mark" aria-hidden="true">{mark}</span>
                    <span class="room-name">{shown}</span>
                    {presence}
                    {label.map(|l| view! { <span class="visually-hidden">{format!(" ({l})")}</span> })}
                    <Badges unread/>
                </a>
            </li>
        }
        // Erased: the list's view type is too deep for the release WASM build.
        .into_any()
    };
    // The people of the direct conversations: their presence shows beside them.
    Effect::new(move |_| {
        let people: Vec<String> = held.with(|rooms| {
            rooms
                .values()
                .filter(|r| r.kind == RoomKind::Direct)
                .map(|r| me.with_value(|me| other_member(r, me)))
                .collect()
        });
        client.want_presence(people);
    });
    let of = move |direct: bool| {
        // By name, as on every page (the server's list and the store hold them unordered).
        let listed = move |rooms: &HashMap<String, Room>| {
            let mut list = rooms
                .values()
                .filter(|r| (r.kind == RoomKind::Direct) == direct)
                .cloned()
                .collect::<Vec<_>>();
            // Unstable: names are unique, and the stable sort's code would be a second copy.
            list.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            list
        };
        move || {
            if live.get() {
                held.with(listed)
            } else {
                loaded.with_value(listed)
            }
        }
    };
    view! {
        <nav class="rooms" aria-label="Rooms">
            <div class="rooms-head">
                <h2>"Rooms"</h2>
                // The split-out pages (pages/lazy.rs) open as page loads (`rel="external"`
                // keeps the router out): a tab older than a deploy would otherwise fetch their
                // code by a name the server no longer has, and a failed fetch stops the WASM.
                <a href="/rooms" rel="external" class="browse-link" aria-current=move || (location.pathname.get() == "/rooms").then_some("page")>"Browse"</a>
            </div>
            <ul>
                <For each=of(false) key=|r| (r.name.clone(), r.members.clone()) children=link/>
            </ul>
            <h2>"Direct messages"</h2>
            <ul>
                <For each=of(true) key=|r| r.name.clone() children=link/>
            </ul>
        </nav>
    }
}

/// The other person of a direct conversation (the user themselves, in one with themselves).
fn other_member(room: &Room, me: &str) -> String {
    room.members
        .iter()
        .find(|m| *m != me)
        .map_or(me, |m| m.as_str())
        .to_owned()
}

/// A room's unread count and, apart, its unread mentions (spoken to screen readers in words).
#[component]
fn Badges(unread: Memo<Unread>) -> impl IntoView {
    let count = |n: i64| {
        if n > 99 {
            "99+".to_owned()
        } else {
            n.to_string()
        }
    };
    view! {
        {move || {
            let u = unread.get();
            (u.mentions > 0).then(|| view! {
                <span class="badge mention" data-testid="mentions">
                    <span aria-hidden="true">"@"{count(u.mentions as i64)}</span>
                    <span class="visually-hidden">{format!(", {} mentioning you", u.mentions)}</span>
                </span>
            })
        }}
        {move || {
            let u = unread.get();
            (u.messages > 0).then(|| view! {
                <span class="badge" data-testid="unread">
                    <span aria-hidden="true">{count(u.messages)}</span>
                    <span class="visually-hidden">{format!(", {} unread", u.messages)}</span>
                </span>
            })
        }}
    }
}

/// Creates a room (works without JavaScript too: the form posts to the server function).
#[component]
fn NewRoom() -> impl IntoView {
    let create = Sending::<CreateRoomRequest>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    go_to_room_when_done(create, form);
    view! {
        <SocketForm action=CreateRoom::url() sending=create node_ref=form attr:class="new-room">
            <label for="new-room-name">"New room"</label>
            <div class="row">
                <input
                    id="new-room-name"
                    name="name"
                    type="text"
                    required
                    maxlength=crate::protocol::MAX_ROOM_CHARS
                    pattern="[a-z0-9][a-z0-9_\\-]*"
                    placeholder="e.g. design-team"
                    aria-describedby="new-room-help"
                />
                <button type="submit" disabled=move || create.pending()>"Create"</button>
            </div>
            <label class="check">
                <input type="checkbox" name="private" value="on"/>
                "Private: only people you add"
            </label>
            <p id="new-room-help" class="help">"Lowercase letters, digits, - and _."</p>
            {move || create.error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </SocketForm>
    }
}

/// Starts (or finds) the direct conversation with someone.
#[component]
fn NewDirect() -> impl IntoView {
    let open = Sending::<OpenDirectRequest>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    go_to_room_when_done(open, form);
    view! {
        <SocketForm action=OpenDirect::url() sending=open node_ref=form attr:class="new-direct">
            <label for="direct-username">"Message someone"</label>
            <div class="row">
                <input
                    id="direct-username"
                    name="username"
                    type="text"
                    required
                    autocapitalize="none"
                    maxlength=crate::protocol::MAX_USERNAME_CHARS
                    placeholder="username"
                />
                <button type="submit" disabled=move || open.pending()>"Open"</button>
            </div>
            {move || open.error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </SocketForm>
    }
}

/// When a form's request created or found a room: empties the form and goes there. (The
/// `room_added` event lists it.)
fn go_to_room_when_done<R: FromFields<Reply = RoomReply>>(
    sending: Sending<R>,
    form: NodeRef<leptos::html::Form>,
) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(reply) = sending.done() {
            reset(form);
            navigate(&reply.room.href(), Default::default());
        }
    });
}

/// Empties a form after the server accepted it.
pub fn reset(form: NodeRef<leptos::html::Form>) {
    if let Some(form) = form.get_untracked() {
        form.reset();
    }
}

/// A padlock, for private rooms (drawn, so it shows without an emoji font).
#[component]
pub fn LockIcon() -> impl IntoView {
    view! {
        <svg class="lock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z"/>
        </svg>
    }
}
