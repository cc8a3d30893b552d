use super::conversation::Conversation;
use super::message::{MessageRow, QuoteLine};
use crate::client::use_client;
use crate::protocol::Message;
use crate::state::{use_chat_state, ChatStoreFields, HistoryStoreFields, Pending, PendingState};
use crate::time_fmt;
use leptos::html::Div;
use leptos::prelude::*;

/// How close to the top of the list (in pixels) scrolling loads the page of older messages.
const LOAD_OLDER_WITHIN: i32 = 120;

/// A room's messages as the store holds them (in seq order), then the user's unconfirmed ones,
/// with a "New messages" line before seq `new_from`. Keeps the newest in view unless the reader
/// scrolled up, loads older ones when the reader scrolls to the top (or to show the message a
/// quote answers), and marks the room read as far as the reader sees, while the tab is visible.
#[component]
pub fn MessageList(room: String, new_from: Option<i64>) -> impl IntoView {
    let chat = use_chat_state();
    let client = use_client();
    let conv = Conversation::expect();
    let held = chat.histories().at_key(room.clone()).messages();
    let messages = Memo::new(move |_| {
        held.try_read()
            .map(|m| m.values().cloned().collect::<Vec<Message>>())
            .unwrap_or_default()
    });
    // Each message with how it is drawn: grouped under the one before (same author, same day,
    // within 5 minutes), or after a day divider.
    let rows = Memo::new(move |_| {
        let offset = chat.utc_offset_min().try_get().flatten().unwrap_or(0);
        let now = crate::browser::now_ms() as i64;
        messages.with(|list| {
            let mut prev: Option<&Message> = None;
            list.iter()
                .map(|m| {
                    let new_day = prev
                        .is_none_or(|p| time_fmt::day(p.ts, offset) != time_fmt::day(m.ts, offset));
                    // A reply starts a group of its own: its quote goes under its author.
                    let grouped = !new_day
                        && Some(m.seq) != new_from
                        && m.reply_to.is_none()
                        && prev.is_some_and(|p| p.author == m.author && m.ts - p.ts < GROUP_MS);
                    prev = Some(m);
                    Row {
                        day: new_day.then(|| time_fmt::day_label(m.ts, offset, now)),
                        grouped,
                        m: m.clone(),
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    let outbox = chat.outbox();
    let pending = {
        let room = room.clone();
        move || {
            outbox.with(|p| {
                p.iter()
                    .filter(|p| p.room == room)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let scroller = NodeRef::<Div>::new();
    let stick_to_bottom = RwSignal::new(true);
    // Older messages: whether the room has some the page does not hold, a page of them on its
    // way, why the last one did not come, and which row to keep in place as they go in above.
    let has_older = Memo::new(move |_| messages.with(|l| l.first().is_some_and(|m| m.seq > 1)));
    let loading = RwSignal::new(false);
    let older_error = RwSignal::new(None::<String>);
    let anchor = StoredValue::new(None::<(i64, f64)>);
    let room_name = StoredValue::new(room.clone());
    let oldest = move || messages.with_untracked(|l| l.first().map(|m| m.seq));
    let load_older = move || {
        if loading.get_untracked() || !has_older.get_untracked() {
            return;
        }
        loading.set(true);
        older_error.set(None);
        let before = oldest();
        if let (Some(el), Some(seq)) = (scroller.get_untracked(), before) {
            anchor.set_value(crate::browser::row_offset(&el, seq).map(|at| (seq, at)));
        }
        let room = room_name.get_value();
        leptos::task::spawn_local(async move {
            let reply = crate::client::load_older_page(client, room).await;
            loading.try_set(false);
            let came = reply.is_ok()
                && messages.try_with_untracked(|l| l.first().map(|m| m.seq)) != Some(before);
            if !came {
                anchor.set_value(None);
                // A quote's original that cannot be loaded is not waited for.
                conv.show.try_set(None);
            }
            if let Err(e) = reply {
                older_error.try_set(Some(e.message));
            }
        });
    };
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            let (above, below) = crate::browser::scroll_gaps(&el);
            stick_to_bottom.set(below < 48);
            // Not while a quote's original is being shown: its scrolling goes on undisturbed.
            if above < LOAD_OLDER_WITHIN && conv.flash.get_untracked().is_none() {
                load_older();
            }
        }
    };
    // After every change of the list: older messages went in above, so the rows read stay
    // where they were; otherwise scroll to the newest unless the reader looks at older ones.
    Effect::new(move |_| {
        messages.track();
        outbox.track();
        if let Some(el) = scroller.get() {
            if let Some((seq, at)) = anchor.try_update_value(Option::take).flatten() {
                crate::browser::keep_row_at(&el, seq, at);
            } else if stick_to_bottom.get_untracked() {
                crate::browser::scroll_to_newest(&el);
            }
        }
    });
    // The reply bar above the composer takes room from the list: the newest stays in view.
    Effect::new(move |_| {
        conv.replying.track();
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                if stick_to_bottom.get_untracked() {
                    crate::browser::scroll_to_newest(&el);
                }
            }
        });
    });
    // A quote was clicked: bring its original into view, loading older pages until the page
    // holds it, then highlight it for a moment.
    Effect::new(move |_| {
        let Some(seq) = conv.show.get() else {
            return;
        };
        let first = messages.with(|l| l.first().map(|m| m.seq));
        match first {
            Some(first) if first <= seq => {
                conv.show.set(None);
                request_animation_frame(move || {
                    if let Some(el) = scroller.get_untracked() {
                        if crate::browser::show_row(&el, seq) {
                            stick_to_bottom.set(false);
                            conv.flash(seq);
                        }
                    }
                });
            }
            Some(_) if has_older.get_untracked() => load_older(),
            _ => conv.show.set(None),
        }
    });
    // Seen: the newest message is in view in a visible tab (effects run in the browser only).
    {
        let room = room.clone();
        Effect::new(move |_| {
            let newest = messages.with(|m| m.last().map(|m| m.seq));
            // Again once connected: nothing is marked before.
            let connected = chat.status().get() == crate::state::ConnStatus::Connected;
            if let Some(seq) = newest {
                if connected && chat.visible().get() && stick_to_bottom.get() {
                    client.mark_read(&room, seq);
                }
            }
        });
    }
    let empty =
        move || messages.with(Vec::is_empty) && outbox.with(|p| p.iter().all(|p| p.room != room));
    // The scroller lays its one child out bottom-up (style/main.css: `column-reverse`), so the
    // browser shows the newest messages from the server's HTML alone and hydration moves nothing.
    view! {
        <div class="scroller" node_ref=scroller on:scroll=on_scroll>
            <div class="scroll-body">
                {view! {
                    <Show when=move || has_older.get()>
                        <p class="older">
                            <button type="button" class="link" disabled=move || loading.get() on:click=move |_| load_older()>
                                {move || if loading.get() { "Loading earlier messages…" } else { "Load earlier messages" }}
                            </button>
                        </p>
                    </Show>
                }.into_any()}
                {move || older_error.get().map(|e| view! { <p class="error older-error" role="alert">{e}</p> }.into_any())}
                <Show when=empty>
                    <p class="empty">"No messages yet. Say hello!"</p>
                </Show>
                <ol class="messages" aria-label="Messages" aria-live="polite">
                    <For
                        each=move || rows.get()
                        key=|r| (r.m.seq, r.grouped, r.day.clone())
                        // Erased: the list's view type is too deep for the release WASM build.
                        children=move |r| view! {
                            // Dividers are list items (a list holds nothing else), not separators.
                            {r.day.clone().map(|day| view! {
                                <li class="day-divider" data-testid="day">
                                    <span>{day}</span>
                                </li>
                            })}
                            {(Some(r.m.seq) == new_from).then(|| view! {
                                <li class="new-divider" data-testid="new-messages">
                                    <span>"New messages"</span>
                                </li>
                            })}
                            <MessageRow initial=r.m grouped=r.grouped/>
                        }.into_any()
                    />
                    <For each=pending key=|p| (p.key.clone(), p.state.clone()) let(p)>
                        <PendingRow p/>
                    </For>
                </ol>
            </div>
        </div>
    }
}

/// Messages of one author closer than this are drawn as one group.
const GROUP_MS: i64 = 5 * 60 * 1000;

/// One message as the list draws it.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    m: Message,
    /// Drawn under the message before it: no avatar, name or time of its own.
    grouped: bool,
    /// The words of the day divider above it, when it starts a day.
    day: Option<String>,
}

/// A round badge with a user's initials, in one of eight colours picked by their name (the same
/// on every page and for every reader).
#[component]
pub fn Avatar(name: String) -> impl IntoView {
    let initials: String = name
        .split(['-', '_'])
        .filter_map(|part| part.chars().next())
        .take(2)
        .collect::<String>()
        .to_ascii_uppercase();
    let initials = if initials.chars().count() < 2 {
        name.chars()
            .take(2)
            .collect::<String>()
            .to_ascii_uppercase()
    } else {
        initials
    };
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let class = format!("avatar c{}", hash % 8);
    view! { <span class=class aria-hidden="true">{initials}</span> }
}

#[component]
fn PendingRow(p: Pending) -> impl IntoView {
    let client = use_client();
    let key = p.key.clone();
    let (class, state) = match &p.state {
        PendingState::Sending => (
            "msg pending",
            view! { <span class="state">"Sending…"</span> }.into_any(),
        ),
        PendingState::Failed(reason) => {
            let (k1, k2) = (key.clone(), key.clone());
            (
                "msg failed",
                view! {
                    <span class="state" role="alert">"Not sent: "{reason.clone()}</span>
                    <button type="button" class="link" on:click=move |_| client.retry(&k1)>"Retry"</button>
                    <button type="button" class="link" on:click=move |_| client.discard(&k2)>"Discard"</button>
                }
                .into_any(),
            )
        }
    };
    view! {
        <li class=class data-key=key aria-busy=matches!(p.state, PendingState::Sending).then_some("true")>
            <div class="meta">
                <span class="author">{p.author}</span>
                {state}
            </div>
            {p.reply_to.map(|q| view! { <QuoteLine q/> }.into_any())}
            <p class="body" dir="auto">{p.body}</p>
        </li>
    }
}
