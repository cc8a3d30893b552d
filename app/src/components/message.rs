//! One message of the list as it stands now: the quote of the message it answers, its body
//! with "(edited)" (or "message deleted", in its place), its reactions, and what the user can
//! do with it: reply, react, edit and delete (their own; anyone's, for the owner of a private
//! room). The server renders the same from the same message, so hydration matches.

use super::conversation::Conversation;
use super::icons::{DeleteIcon, EditIcon, PinIcon, ReactIcon, ReplyIcon};
use super::message_list::Avatar;
use super::reactions::{ReactionPicker, Reactions};
use crate::client::{change_message, use_client, MessageChange};
use crate::protocol::{Me, Message, Quote};
use crate::state::{use_chat_state, ChatStoreFields, HistoryStoreFields};
use crate::time_fmt;
use leptos::ev::{KeyboardEvent, MouseEvent, SubmitEvent};
use leptos::html::{Button, Div, Form, Li, Textarea};
use leptos::prelude::*;

/// A message of the room, read from the store by seq (`initial` until the store has it), so a
/// change redraws only what changed in this row.
#[component]
pub fn MessageRow(initial: Message, grouped: bool) -> impl IntoView {
    let chat = use_chat_state();
    let client = use_client();
    let conv = Conversation::expect();
    let me = StoredValue::new(crate::state::use_me());
    let admin = use_context::<Me>().is_some_and(|m| m.admin);
    let seq = initial.seq;
    let author = initial.author.clone();
    let ts = initial.ts;
    let mine = me.with_value(|me| *me == author);
    let held = chat.histories().at_key(conv.room()).messages();
    let m = Memo::new(move |_| {
        held.try_read()
            .and_then(|h| h.get(&seq).cloned())
            .unwrap_or_else(|| initial.clone())
    });
    let deleted = Memo::new(move |_| m.with(|m| m.deleted));
    let pinned_by = Memo::new(move |_| m.with(|m| m.pinned.as_ref().map(|p| p.by.clone())));
    let quote = Memo::new(move |_| m.with(|m| m.reply_to.clone()));
    let reactions = Memo::new(move |_| m.with(|m| m.reactions.clone()));
    let mentioned = Memo::new(move |_| me.with_value(|me| m.with(|m| m.mentions.contains(me))));
    let offset = move || chat.utc_offset_min().get().unwrap_or(0);
    let html = Memo::new(move |_| {
        let edited = m.with(|m| m.edited).map(|t| time_fmt::full(t, offset()));
        m.with(|m| body_html(&m.html, edited))
    });
    let editing = Memo::new(move |_| conv.editing.get() == Some(seq));
    // Open while Some: whether it opens upwards.
    let picking = RwSignal::new(None::<bool>);
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let row = NodeRef::<Li>::new();
    let react_button = NodeRef::<Button>::new();

    // Deleted meanwhile (here, or by someone else): nothing stays open on it.
    Effect::new(move |_| {
        if deleted.get() {
            if conv.editing.get_untracked() == Some(seq) {
                conv.editing.set(None);
            }
            picking.set(None);
            confirming.set(false);
        }
    });

    // Runs a change of this message; its refusal shows under it.
    let change = move |what: MessageChange| {
        let room = conv.room();
        leptos::task::spawn_local(async move {
            if let Err(e) = change_message(client, room, seq, what).await {
                error.try_set(Some(e.message));
            }
        });
    };
    let react = move |emoji: String| {
        let on = !me.with_value(|me| {
            m.with_untracked(|m| {
                m.reactions
                    .iter()
                    .any(|r| r.emoji == emoji && r.users.contains(me))
            })
        });
        error.set(None);
        change(MessageChange::React { emoji, on });
    };
    let open_picker = move || {
        let up = row
            .get_untracked()
            .is_some_and(|el| crate::browser::in_lower_half(&el));
        picking.set(Some(up));
    };
    let close_picker = move |restore_focus: bool| {
        picking.set(None);
        if restore_focus {
            if let Some(b) = react_button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let reply = move |_: MouseEvent| {
        conv.replying.set(Some(seq));
        conv.focus_composer();
    };
    let delete = move || {
        confirming.set(false);
        error.set(None);
        change(MessageChange::Delete);
    };
    let can_delete = move || mine || admin || conv.moderates.get();
    let pin = move |_: MouseEvent| {
        error.set(None);
        let on = pinned_by.get_untracked().is_none();
        change(MessageChange::Pin(on));
    };

    let actions = move || {
        (!deleted.get()).then(|| {
            view! {
                <div class="actions" role="group" aria-label="Message actions">
                    <button type="button" aria-label="Reply" title="Reply" on:click=reply>
                        <ReplyIcon/>
                    </button>
                    <button
                        type="button"
                        aria-label="React"
                        title="React"
                        aria-haspopup="dialog"
                        aria-expanded=move || picking.get().is_some().to_string()
                        node_ref=react_button
                        // Open: the click closes it (the focus staying in it meanwhile).
                        on:mousedown=move |ev| {
                            if picking.get_untracked().is_some() {
                                ev.prevent_default();
                            }
                        }
                        on:click=move |_| {
                            if picking.get_untracked().is_some() {
                                close_picker(true);
                            } else {
                                open_picker();
                            }
                        }
                    >
                        <ReactIcon/>
                    </button>
                    {conv.pins.then(|| view! {
                        <button
                            type="button"
                            aria-label=move || if pinned_by.get().is_some() { "Unpin" } else { "Pin" }
                            title=move || if pinned_by.get().is_some() { "Unpin" } else { "Pin" }
                            aria-pressed=move || pinned_by.get().is_some().to_string()
                            on:click=pin
                        >
                            <PinIcon/>
                        </button>
                    })}
                    {mine.then(|| view! {
                        <button
                            type="button"
                            aria-label="Edit"
                            title="Edit"
                            on:click=move |_| conv.editing.set(Some(seq))
                        >
                            <EditIcon/>
                        </button>
                    })}
                    {move || can_delete().then(|| view! {
                        <button
                            type="button"
                            aria-label="Delete"
                            title="Delete"
                            on:click=move |_| confirming.set(true)
                        >
                            <DeleteIcon/>
                        </button>
                    })}
                </div>
                {move || picking.get().map(|up| view! {
                    <ReactionPicker
                        up
                        pick=Callback::new(move |emoji: String| {
                            close_picker(true);
                            react(emoji);
                        })
                        close=Callback::new(close_picker)
                    />
                })}
            }
            .into_any()
        })
    };
    let body = move || {
        if deleted.get() {
            view! { <p class="body gone">"message deleted"</p> }.into_any()
        } else if editing.get() {
            let text = m.with_untracked(|m| m.body.clone());
            view! { <Editor seq text/> }.into_any()
        } else {
            // The server's rendering of the Markdown (server/src/markdown.rs): raw HTML in a
            // body is text, links are only http(s) and mailto.
            view! { <div class="body md" dir="auto" inner_html=move || html.get()></div> }
                .into_any()
        }
    };
    let confirm = move || {
        confirming.get().then(|| {
            view! { <ConfirmDelete seq delete cancel=move || confirming.set(false)/> }.into_any()
        })
    };
    let class = if grouped { "msg grouped" } else { "msg" };
    // Erased piece by piece: the row's whole view type is too deep for the release WASM build.
    let meta = view! {
        <div class="meta">
            <span class="author">{author.clone()}</span>
            <time datetime=time_fmt::iso_utc(ts) title=move || time_fmt::full(ts, offset())>
                {move || time_fmt::clock(ts, offset())}
            </time>
        </div>
    }
    .into_any();
    let reactions = view! {
        <Reactions reactions toggle=Callback::new(react) add=Callback::new(move |()| open_picker())/>
    }
    .into_any();
    let content = view! {
        <div class="content">
            {move || pinned_by.get().map(|by| view! {
                <p class="pinned"><PinIcon/>{format!("Pinned by {by}")}</p>
            })}
            {meta}
            {move || quote.get().map(|q| view! { <QuoteLine q/> }.into_any())}
            {body}
            {reactions}
            {confirm}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> }.into_any())}
        </div>
    }
    .into_any();
    view! {
        <li
            class=class
            class:mentioned=move || mentioned.get()
            class:deleted=move || deleted.get()
            class:editing=move || editing.get()
            class:picking=move || picking.get().is_some()
            class:flash=move || conv.flash.get() == Some(seq)
            class:answering=move || conv.replying.get() == Some(seq)
            data-seq=seq
            // Focusable by a click or a tap (not by Tab), which shows its actions.
            tabindex="-1"
            node_ref=row
        >
            <Avatar name=author/>
            {content}
            {actions}
        </li>
    }
    .into_any()
}

/// The message a reply answers, above its body: its author and start (or that it was
/// deleted). A click brings the original into view.
#[component]
pub fn QuoteLine(q: Quote) -> impl IntoView {
    let conv = Conversation::expect();
    let seq = q.seq;
    let text = if q.deleted {
        view! { <span class="quote-text gone">"message deleted"</span> }.into_any()
    } else {
        view! { <span class="quote-text" dir="auto">{q.snippet}</span> }.into_any()
    };
    view! {
       <button
           type="button"
           class="quote"
           title="Show the original message"
           on:click=move |_| conv.show.set(Some(seq))
       >
           <span class="visually-hidden">"In reply to "</span>
           <span class="quote-author">{q.author}</span>
           {text}
       </button>
    }
    .into_any()
}

/// Edits a message in place: Enter saves, Shift+Enter starts a new line, Escape cancels.
#[component]
fn Editor(seq: i64, text: String) -> impl IntoView {
    let client = use_client();
    let conv = Conversation::expect();
    let original = StoredValue::new(text.clone());
    let text = RwSignal::new(text);
    let saving = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<Textarea>::new();
    let form = NodeRef::<Form>::new();
    Effect::new(move |_| {
        if let (Some(el), Some(form)) = (input.get(), form.get()) {
            let _ = el.focus();
            let end = el.value().encode_utf16().count() as u32;
            let _ = el.set_selection_range(end, end);
            crate::browser::reveal(&form);
        }
    });
    let done = move || {
        conv.editing.set(None);
        conv.focus_composer();
    };
    let save = move || {
        if saving.get_untracked() {
            return;
        }
        let body = text.get_untracked();
        if original.with_value(|o| o.trim() == body.trim()) {
            return done();
        }
        saving.set(true);
        error.set(None);
        let room = conv.room();
        leptos::task::spawn_local(async move {
            let r = change_message(client, room, seq, MessageChange::Edit(body)).await;
            saving.try_set(false);
            match r {
                Ok(()) if conv.editing.try_get_untracked() == Some(Some(seq)) => done(),
                Ok(()) => {}
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
        });
    };
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() && !ev.is_composing() => {
            ev.prevent_default();
            save();
        }
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            done();
        }
        _ => {}
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save();
    };
    let rows = move || text.with(|t| t.lines().count().clamp(2, 12));
    let id = format!("edit-{seq}");
    let hint = format!("edit-{seq}-hint");
    let err = format!("edit-{seq}-error");
    view! {
        <form class="editor" node_ref=form on:submit=on_submit>
            <label for=id.clone() class="visually-hidden">"Edit message"</label>
            <textarea
                id=id
                node_ref=input
                rows=rows
                aria-describedby=format!("{hint} {err}")
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="editor-bar">
                <span class="hint" id=hint>"Enter saves · Shift+Enter new line · Escape cancels"</span>
                <button type="button" class="link" on:click=move |_| done()>"Cancel"</button>
                <button type="submit" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
            <p class="error" role="alert" id=err>{move || error.get()}</p>
        </form>
     }
    .into_any()
}

/// Asks before a message is deleted for everyone (Escape or Cancel keeps it).
#[component]
fn ConfirmDelete(
    seq: i64,
    delete: impl Fn() + Copy + Send + Sync + 'static,
    cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let yes = NodeRef::<Button>::new();
    let strip = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if let (Some(b), Some(strip)) = (yes.get(), strip.get()) {
            let _ = b.focus();
            crate::browser::reveal(&strip);
        }
    });
    let label = format!("confirm-{seq}");
    let labelled_by = label.clone();
    view! {
        <div
            class="confirm"
            node_ref=strip
            role="group"
            aria-labelledby=labelled_by
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    ev.stop_propagation();
                    cancel();
                }
            }
        >
            <span id=label>"Delete this message for everyone?"</span>
            <button type="button" class="danger" node_ref=yes on:click=move |_| delete()>"Delete"</button>
            <button type="button" class="link" on:click=move |_| cancel()>"Cancel"</button>
        </div>
     }
    .into_any()
}

/// A body's HTML (the server's), with "(edited)" at the end of its last paragraph and the
/// edit's time (`edited`, as the reader's clock shows it) in its tooltip.
fn body_html(html: &str, edited: Option<String>) -> String {
    let Some(when) = edited else {
        return html.to_owned();
    };
    let mark = format!(r#" <span class="edited" title="Edited {when}">(edited)</span>"#);
    let html = html.trim_end();
    match html.strip_suffix("</p>") {
        Some(start) => format!("{start}{mark}</p>"),
        None => format!("{html}{mark}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edited_mark_ends_the_last_paragraph() {
        assert_eq!(body_html("<p>hi</p>\n", None), "<p>hi</p>\n");
        let mark = r#"<span class="edited" title="Edited 2026-01-02 03:04">(edited)</span>"#;
        assert_eq!(
            body_html("<p>a</p>\n<p>b</p>\n", Some("2026-01-02 03:04".into())),
            format!("<p>a</p>\n<p>b {mark}</p>")
        );
        // After a block that is not a paragraph, it follows the block.
        assert!(body_html(
            "<pre><code>code\n</code></pre>\n",
            Some("2026-01-02 03:04".into())
        )
        .ends_with(&format!("</pre> {mark}")));
    }
}
