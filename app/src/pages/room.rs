use crate::api::{load_room, AddMember, RemoveMember, SetNotifications, SetTopic};
use crate::client::use_client;
use crate::components::conversation::Conversation;
use crate::components::icons::PinIcon;
use crate::components::live_field::on_change;
use crate::components::presence::PresenceDot;
use crate::components::socket_form::{Sending, SocketForm};
use crate::components::{composer::Composer, message_list::MessageList};
use crate::protocol::{
    AddMemberRequest, ErrorBody, ErrorCode, NotifyLevel, RemoveMemberRequest, Room, RoomKind,
    SetNotificationsRequest, SetTopicRequest, MAX_TOPIC_CHARS,
};
use crate::state::{ChatStoreFields, Unread};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

/// A room: its newest messages (in the server's HTML), then live updates and the composer.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    // The rest of the path: `general`, or `ada/plans` for a private room.
    let room = move || params.read().get("room").unwrap_or_default();
    let page = Resource::new(room, load_room);
    let client = use_client();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => {
                        client.seed_room(&data);
                        // "New messages" goes before the first one after the user's read
                        // position (the first on the page, when that is older).
                        let first = data.messages.first().map_or(0, |m| m.seq);
                        let new_from = (data.read.read < data.room.last_seq)
                            .then(|| (data.read.read + 1).max(first));
                        view! { <Room loaded=data.room new_from/> }.into_any()
                    }
                    Err(e) => view! { <RoomError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A room's page, once the store holds what it was loaded with (`loaded`: the room as it was;
/// `new_from`: the seq the unread messages started at, if any).
#[component]
fn Room(loaded: Room, new_from: Option<i64>) -> impl IntoView {
    let client = use_client();
    let rooms = client.state().rooms();
    let name = loaded.name.clone();
    {
        let name = name.clone();
        Effect::new(move |_| client.enter_room(&name));
    }
    // The room as the store holds it (membership changes arrive live); once it left the
    // user's list, as it was last.
    let room = {
        let (name, loaded) = (name.clone(), loaded.clone());
        Memo::new(move |last: Option<&Room>| {
            rooms
                .with(|r| r.get(&name).cloned())
                .or_else(|| last.cloned())
                .unwrap_or_else(|| loaded.clone())
        })
    };
    let removed = {
        let name = name.clone();
        move || rooms.with(|r| !r.contains_key(&name))
    };
    let me = crate::state::use_me();
    // The owner of a private room may delete anyone's message in it.
    let moderates = {
        let me = me.clone();
        Signal::derive(move || {
            room.with(|r| r.kind == RoomKind::Private && r.owner.as_deref() == Some(me.as_str()))
        })
    };
    // Anyone pins in a public room or a direct conversation; the owner in a private room.
    let pins = loaded.kind != RoomKind::Private || loaded.owner.as_deref() == Some(me.as_str());
    Conversation::provide(&name, moderates, pins);
    let title = loaded.title(&me);
    // A direct conversation shows whether the other person is around.
    let direct_with = (loaded.kind == RoomKind::Direct).then(|| {
        let other = loaded
            .members
            .iter()
            .find(|m| **m != me)
            .cloned()
            .unwrap_or_else(|| me.clone());
        let wanted = other.clone();
        Effect::new(move |_| client.want_presence(vec![wanted.clone()]));
        other
    });
    let placeholder = format!("Message {title}");
    // The tab's title carries the unread count of every room: `(3) #general · Natter`.
    let reads = client.state().reads();
    let tab_title = {
        let title = title.clone();
        move || {
            let total = rooms
                .try_with(|r| reads.try_with(|reads| Unread::total(r, reads)))
                .flatten()
                .unwrap_or_default();
            match total.messages {
                0 => title.clone(),
                n => format!("({n}) {title}"),
            }
        }
    };
    view! {
        <Title text=tab_title/>
        <header class="room-header">
            <div class="room-title">
                <h1>{title}</h1>
                {direct_with.map(|other| view! { <p class="presence-line"><PresenceDot user=other label=true/></p> }.into_any())}
                <p class="topic" data-testid="topic">{move || room.with(|r| r.topic.clone())}</p>
            </div>
            // Erased: the full view type is too deep for the release WASM build.
            {view! { <Pins room=name.clone()/> }.into_any()}
            {view! { <TopicForm room/> }.into_any()}
            {view! { <NotifyForm room=name.clone()/> }.into_any()}
            {(loaded.kind == RoomKind::Private).then(|| view! { <Members room/> }.into_any())}
            {(loaded.kind == RoomKind::Public).then(|| view! { <LeaveRoom room/> }.into_any())}
        </header>
        {view! { <MessageList room=name.clone() new_from/> }.into_any()}
        <Typing room=name.clone()/>
        <Show
            when=move || !removed()
            fallback=|| view! {
                <p class="notice" role="status">"You are no longer a member of this room."</p>
            }
        >
            <Composer room=name.clone() placeholder=placeholder.clone()/>
        </Show>
    }
}

/// The room's pinned messages, the newest pin first, behind a "N pinned" button (nothing when
/// there are none): each brings its message into view, loading older history when needed.
#[component]
fn Pins(room: String) -> impl IntoView {
    let client = use_client();
    let conv = Conversation::expect();
    let histories = client.state().histories();
    let pins = Memo::new(move |_| {
        histories
            .with(|h| h.get(&room).map(|h| h.pins.clone()))
            .unwrap_or_default()
    });
    let details = NodeRef::<leptos::html::Details>::new();
    let show = move |seq: i64| {
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
        conv.show.set(Some(seq));
    };
    move || {
        let pins = pins.get();
        (!pins.is_empty()).then(|| {
            let count = pins.len();
            let items = pins
                .into_iter()
                .map(|m| {
                    let seq = m.seq;
                    let snippet = crate::protocol::Quote::snippet_of_html(&m.html);
                    view! {
                        <li>
                            <button type="button" class="link" on:click=move |_| show(seq)>
                                <span class="author">{m.author}</span>" "
                                <span class="snippet">{snippet}</span>
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            view! {
                <details class="pins" node_ref=details>
                    <summary><PinIcon/>{format!("{count} pinned")}</summary>
                    <ol class="pin-list" aria-label="Pinned messages">{items}</ol>
                </details>
            }
            .into_any()
        })
    }
}

/// Sets the room's topic: anyone in a public room, the owner of a private one (a plain form:
/// it works without JavaScript too).
#[component]
fn TopicForm(room: Memo<Room>) -> impl IntoView {
    let me = StoredValue::new(crate::state::use_me());
    let set = Sending::<SetTopicRequest>::new();
    // Opened and closed by the browser (no `prop:open`: see components/live_field.rs); closed
    // once a topic is saved.
    let details = NodeRef::<leptos::html::Details>::new();
    let field = NodeRef::<leptos::html::Input>::new();
    // The room's `room_updated` event writes the topic into the store.
    Effect::new(move |_| {
        if set.done().is_some() {
            if let Some(d) = details.get_untracked() {
                d.set_open(false);
            }
        }
    });
    // The field shows the topic as it changes (a save, or someone else's).
    on_change(
        move || room.with(|r| r.topic.clone()),
        move |topic| {
            if let Some(f) = field.get_untracked() {
                f.set_value(topic);
            }
        },
    );
    let allowed = move || {
        room.with(|r| match r.kind {
            RoomKind::Public => true,
            RoomKind::Private => me.with_value(|me| r.owner.as_deref() == Some(me.as_str())),
            RoomKind::Direct => false,
        })
    };
    let error = move || set.error();
    view! {
        <Show when=allowed>
            <details class="topic-edit" node_ref=details>
                <summary>"Set topic"</summary>
                <SocketForm action=SetTopic::url() sending=set attr:class="topic-form">
                    <input type="hidden" name="room" value=move || room.with(|r| r.name.clone())/>
                    <label for="topic-input">"Topic"</label>
                    <div class="row">
                        <input
                            id="topic-input"
                            name="topic"
                            type="text"
                            maxlength=MAX_TOPIC_CHARS
                            placeholder="What is this room about?"
                            node_ref=field
                            value=room.with_untracked(|r| r.topic.clone())
                        />
                        <button type="submit" disabled=move || set.pending()>"Save"</button>
                    </div>
                    {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                </SocketForm>
            </details>
        </Show>
    }
}

/// What the room notifies the user of: every message, mentions (the default), or nothing (a
/// plain form: it works without JavaScript too). Only for a room of the user's list.
#[component]
fn NotifyForm(room: String) -> impl IntoView {
    let client = use_client();
    let set = Sending::<SetNotificationsRequest>::new();
    // As the topic form's: the browser opens and closes it; a save closes it. The level is
    // written into the store by the `notifications` event every tab of the user gets.
    let details = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if set.done().is_some() {
            if let Some(d) = details.get_untracked() {
                d.set_open(false);
            }
        }
    });
    let reads = client.state().reads();
    // By name, not through the page's room memo, and asked with `try_`: a change of the store as
    // the page goes away may ask once more, after this component's values are gone.
    let name = StoredValue::new(room);
    let level = move || {
        reads
            .try_with(|r| name.try_with_value(|n| r.get(n).map(|r| r.notify)))
            .flatten()
            .flatten()
    };
    let error = move || set.error();
    let choice = move |l: NotifyLevel| {
        let id = format!("notify-{}", l.as_str());
        let input_id = id.clone();
        let radio = NodeRef::<leptos::html::Input>::new();
        on_change(
            move || level() == Some(l),
            move |on| {
                if let Some(r) = radio.get_untracked() {
                    r.set_checked(*on);
                }
            },
        );
        view! {
            <label class="check" for=id>
                <input
                    type="radio"
                    id=input_id
                    name="level"
                    value=l.as_str()
                    node_ref=radio
                    checked=untrack(level) == Some(l)
                />
                {l.label()}
            </label>
        }
    };
    view! {
        <Show when=move || level().is_some()>
            <details class="notify-edit" node_ref=details>
                <summary data-testid="notify-level" data-level=move || level().map(NotifyLevel::as_str)>
                    {move || match level() {
                        Some(NotifyLevel::Muted) => "Muted",
                        Some(NotifyLevel::All) => "Notify: all",
                        _ => "Notify: mentions",
                    }}
                </summary>
                <SocketForm action=SetNotifications::url() sending=set attr:class="notify-form">
                    <input type="hidden" name="room" value=move || name.get_value()/>
                    <fieldset>
                        <legend>"Notify me of"</legend>
                        {NotifyLevel::ALL.into_iter().map(choice).collect_view()}
                    </fieldset>
                    <button type="submit" disabled=move || set.pending()>"Save"</button>
                    {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                </SocketForm>
            </details>
        </Show>
    }
}

/// The members of a private room; its owner adds and removes them, others may leave.
#[component]
fn Members(room: Memo<Room>) -> impl IntoView {
    let client = use_client();
    let me_name = StoredValue::new(crate::state::use_me());
    let add = Sending::<AddMemberRequest>::new();
    let remove = Sending::<RemoveMemberRequest>::new();
    let navigate = use_navigate();
    let add_form = NodeRef::<leptos::html::Form>::new();
    // The room's `room_updated` (or, for the user who left, `room_removed`) event writes the
    // store.
    Effect::new(move |_| {
        if add.done().is_some() {
            crate::components::sidebar::reset(add_form);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = remove.done() {
            if !me_name.with_value(|me| r.room.members.contains(me)) {
                navigate("/", Default::default());
            }
        }
    });
    let error = move || add.error().or_else(|| remove.error());
    let me = move || me_name.get_value();
    // Their presence shows beside each member.
    Effect::new(move |_| client.want_presence(room.with(|r| r.members.clone())));
    let is_owner = move || room.with(|r| r.owner.as_deref() == Some(me().as_str()));
    let member = move |who: String| {
        let room_name = room.with_untracked(|r| r.name.clone());
        let owner = room.with_untracked(|r| r.owner.clone());
        let is_me = who == me();
        let is_owner_row = owner.as_deref() == Some(who.as_str());
        let button = match (is_owner(), is_me) {
            (true, false) => Some(format!("Remove {who}")),
            (false, true) => Some("Leave room".to_owned()),
            _ => None,
        };
        view! {
            <li>
                <PresenceDot user=who.clone()/>
                {who.clone()}
                {is_owner_row.then(|| view! { <span class="tag">"owner"</span> })}
                {button.map(|label| view! {
                    <SocketForm action=RemoveMember::url() sending=remove attr:class="inline">
                        <input type="hidden" name="room" value=room_name.clone()/>
                        <input type="hidden" name="username" value=who.clone()/>
                        <button type="submit" class="link">{label}</button>
                    </SocketForm>
                })}
            </li>
        }
    };
    view! {
        <details class="members">
            <summary>{move || format!("{} members", room.with(|r| r.members.len()))}</summary>
            <ul aria-label="Members">
                <For each=move || room.with(|r| r.members.clone()) key=|m| m.clone() children=member/>
            </ul>
            <Show when=is_owner>
                <SocketForm action=AddMember::url() sending=add node_ref=add_form attr:class="add-member">
                    <input type="hidden" name="room" value=move || room.with(|r| r.name.clone())/>
                    <label for="add-member-name">"Add a member"</label>
                    <div class="row">
                        <input id="add-member-name" name="username" type="text" required autocapitalize="none" placeholder="username"/>
                        <button type="submit" disabled=move || add.pending()>"Add"</button>
                    </div>
                </SocketForm>
            </Show>
            {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </details>
    }
}

/// Takes a public room out of the user's list (they can find it again under Browse).
#[component]
fn LeaveRoom(room: Memo<Room>) -> impl IntoView {
    let client = use_client();
    let remove = Sending::<RemoveMemberRequest>::new();
    let navigate = use_navigate();
    // The `room_removed` event takes the room out of the list.
    Effect::new(move |_| {
        if remove.done().is_some() {
            navigate("/", Default::default());
        }
    });
    let listed = move || {
        let name = room.with(|r| r.name.clone());
        client.state().rooms().with(|r| r.contains_key(&name))
    };
    let error = move || remove.error();
    view! {
        <Show when=listed>
            <SocketForm action=RemoveMember::url() sending=remove attr:class="leave-room">
                <input type="hidden" name="room" value=move || room.with(|r| r.name.clone())/>
                <input type="hidden" name="username" value=crate::state::use_me()/>
                <button type="submit" class="link" disabled=move || remove.pending()>"Leave room"</button>
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            </SocketForm>
        </Show>
    }
}

/// Who else is typing in the room: "ada is typing…", "ada and bob are typing…". The line is
/// always there (empty when nobody types), so the conversation does not jump.
#[component]
fn Typing(room: String) -> impl IntoView {
    let typing = use_client().state().typing();
    let sentence = move || {
        let users = typing
            .try_with(|t| t.get(&room).cloned())
            .flatten()
            .unwrap_or_default();
        match users.as_slice() {
            [] => String::new(),
            [a] => format!("{a} is typing…"),
            [a, b] => format!("{a} and {b} are typing…"),
            [a, b, c] => format!("{a}, {b} and {c} are typing…"),
            _ => "Several people are typing…".to_owned(),
        }
    };
    view! { <p class="typing" data-testid="typing" aria-live="polite">{sentence}</p> }
}

#[component]
fn RoomError(error: ErrorBody) -> impl IntoView {
    let title = match error.code {
        ErrorCode::UnknownRoom | ErrorCode::InvalidRoomName => "Room not found",
        _ => "This room could not be loaded",
    };
    view! {
        <Title text=title/>
        <section class="welcome">
            <h1>{title}</h1>
            <p>{error.message}</p>
            <p><a class="button" href="/">"Back to Natter"</a></p>
        </section>
    }
}
