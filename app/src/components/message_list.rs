use crate::client::use_client;
use crate::protocol::Message;
use crate::state::{use_chat_state, ChatStoreFields, HistoryStoreFields, Pending, PendingState};
use crate::time_fmt;
use leptos::html::Div;
use leptos::prelude::*;

/// A room's messages as the store holds them (in seq order), then the user's unconfirmed ones,
/// with a "New messages" line before seq `new_from`. Keeps the newest in view unless the reader
/// scrolled up, and marks the room read as far as the reader sees, while the tab is visible.
#[component]
pub fn MessageList(room: String, new_from: Option<i64>) -> impl IntoView {
    let chat = use_chat_state();
    let client = use_client();
    let held = chat.histories().at_key(room.clone()).messages();
    let messages = Memo::new(move |_| {
        held.try_read()
            .map(|m| m.values().cloned().collect::<Vec<Message>>())
            .unwrap_or_default()
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
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            stick_to_bottom.set(gap < 48);
        }
    };
    // After every change of the list, scroll to the newest unless the reader looks at older ones.
    Effect::new(move |_| {
        messages.track();
        outbox.track();
        if let Some(el) = scroller.get() {
            if stick_to_bottom.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
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
    view! {
        <div class="scroller" node_ref=scroller on:scroll=on_scroll>
            <Show when=empty>
                <p class="empty">"No messages yet. Say hello!"</p>
            </Show>
            <ol class="messages" aria-label="Messages" aria-live="polite">
                <For each=move || messages.get() key=|m| m.seq let(m)>
                    {(Some(m.seq) == new_from).then(|| view! {
                        <li class="new-divider" role="separator" data-testid="new-messages">
                            <span>"New messages"</span>
                        </li>
                    })}
                    <MessageRow m/>
                </For>
                <For each=pending key=|p| (p.key.clone(), p.state.clone()) let(p)>
                    <PendingRow p/>
                </For>
            </ol>
        </div>
    }
}

#[component]
fn MessageRow(m: Message) -> impl IntoView {
    let chat = use_chat_state();
    let ts = m.ts;
    let offset = move || chat.utc_offset_min().get().unwrap_or(0);
    let me = crate::state::use_me();
    let class = if m.mentions.iter().any(|u| *u == me) {
        "msg mentioned"
    } else {
        "msg"
    };
    view! {
        <li class=class data-seq=m.seq>
            <div class="meta">
                <span class="author">{m.author}</span>
                <time datetime=time_fmt::iso_utc(ts) title=move || time_fmt::full(ts, offset())>
                    {move || time_fmt::clock(ts, offset())}
                </time>
            </div>
            <p class="body" dir="auto">{m.body}</p>
        </li>
    }
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
            <p class="body" dir="auto">{p.body}</p>
        </li>
    }
}
