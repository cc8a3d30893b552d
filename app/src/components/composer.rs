use super::conversation::Conversation;
use super::live_field::on_change;
use crate::protocol::{Message, Quote, MAX_BODY_CHARS};
use crate::state::{use_chat_state, ChatStoreFields, HistoryStoreFields};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

/// Writes a message: Enter sends, Shift+Enter starts a new line; typing `@` offers the room's
/// members (arrows move, Enter or Tab picks, Escape closes). Above it, the message being
/// answered (Escape or × stops answering); Up in an empty composer edits the user's last
/// message.
#[component]
pub fn Composer(room: String, placeholder: String) -> impl IntoView {
    let me = crate::state::use_me();
    let client = crate::client::use_client();
    let conv = Conversation::expect();
    let held = use_chat_state().histories().at_key(room.clone()).messages();
    let text = RwSignal::new(String::new());
    // A post of this form without JavaScript that was refused comes back with the reason.
    let error = RwSignal::new(refused_post());
    let input = conv.composer;
    // The text box follows `text` (components/live_field.rs: no `prop:value`, which hydration
    // writes, wiping what was typed while the page's code loaded); the same check keeps a write
    // of what the box holds already from moving the caret.
    on_change(
        move || text.get(),
        move |want| {
            if let Some(el) = input.get_untracked() {
                if el.value() != *want {
                    el.set_value(want);
                }
            }
        },
    );
    // What was typed into the server's box before then becomes the draft (a box the browser
    // renders starts empty).
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let typed = el.value();
            if !typed.is_empty() && text.with_untracked(String::is_empty) {
                text.set(typed);
            }
        }
    });
    // The message answered, as the store holds it now (gone when it was deleted).
    let replying = {
        let held = held.clone();
        Memo::new(move |_| {
            let seq = conv.replying.get()?;
            held.try_with(|h| h.get(&seq).cloned())
                .flatten()
                .filter(|m| !m.deleted)
        })
    };
    Effect::new(move |_| {
        if conv.replying.get().is_some() && replying.with(Option::is_none) {
            conv.replying.set(None);
        }
    });
    // When the last typing notice went (browser clock, ms).
    let typed_at = StoredValue::new(f64::MIN);
    // The `@name` being typed: where its `@` is (in chars), and the members it could be.
    let mention = RwSignal::new(None::<(usize, String)>);
    let offers = RwSignal::new(Vec::<String>::new());
    let active = RwSignal::new(0usize);
    let asked = StoredValue::new(0u32);
    let room_name = StoredValue::new(room.clone());
    let me_name = StoredValue::new(me.clone());

    let close_offers = move || {
        mention.set(None);
        offers.set(Vec::new());
    };
    // Looks for an `@name` ending at the caret and asks who it could be.
    let look_for_mention = move || {
        let Some(el) = input.get_untracked() else {
            return;
        };
        let value = el.value();
        let caret = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        match mention_at(&value, utf16_to_chars(&value, caret)) {
            Some((at, prefix)) => {
                mention.set(Some((at, prefix.clone())));
                let n = asked.get_value() + 1;
                asked.set_value(n);
                let room = room_name.get_value();
                leptos::task::spawn_local(async move {
                    let names = crate::client::find_members(client, room, prefix).await;
                    // Only the answer to the latest question counts.
                    if asked.try_get_value() == Some(n)
                        && mention.try_get_untracked().flatten().is_some()
                    {
                        let names: Vec<String> = names
                            .into_iter()
                            .filter(|m| *m != me_name.get_value())
                            .collect();
                        active.set(0);
                        offers.set(names);
                    }
                });
            }
            None => close_offers(),
        }
    };
    let pick = move |name: String| {
        let Some((at, _)) = mention.get_untracked() else {
            return;
        };
        let Some(el) = input.get_untracked() else {
            return;
        };
        let value = el.value();
        let caret = utf16_to_chars(
            &value,
            el.selection_start().ok().flatten().unwrap_or(0) as usize,
        );
        let chars: Vec<char> = value.chars().collect();
        // The text may have changed since the offers opened: never slice past its end.
        let at = at.min(chars.len());
        let before: String = chars[..at].iter().collect();
        let after: String = chars[caret.clamp(at, chars.len())..].iter().collect();
        let inserted = format!("@{name} ");
        let next = format!("{before}{inserted}{after}");
        text.set(next.clone());
        el.set_value(&next);
        let caret = (before.encode_utf16().count() + inserted.encode_utf16().count()) as u32;
        let _ = el.set_selection_range(caret, caret);
        let _ = el.focus();
        close_offers();
    };

    let on_input = {
        let room = room.clone();
        move |ev| {
            let value = event_target_value(&ev);
            let now = crate::browser::now_ms();
            if !value.trim().is_empty()
                && now - typed_at.get_value() >= crate::protocol::TYPING_EVERY_MS as f64
            {
                typed_at.set_value(now);
                client.typing(&room);
            }
            text.set(value);
            // A refusal's sentence is about the text as it was.
            if error.with_untracked(Option::is_some) {
                error.set(None);
            }
            look_for_mention();
        }
    };
    let send = {
        let room = room.clone();
        let me = me.clone();
        move || {
            let body = text.get_untracked();
            // Blank or over-long: Send is disabled and the counter says why; Enter does the
            // same, nothing.
            if body.trim().is_empty() || body.chars().count() > MAX_BODY_CHARS {
                return;
            }
            let quote = replying.get_untracked().map(|m| Quote {
                seq: m.seq,
                author: m.author,
                snippet: Quote::snippet_of_html(&m.html),
                deleted: false,
            });
            match client.send(&room, &me, &body, quote) {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
                    conv.replying.set(None);
                    // The next keystroke tells the others again at once.
                    typed_at.set_value(f64::MIN);
                }
                Err(e) => error.set(Some(e.message)),
            }
        }
    };
    let on_submit = {
        let send = send.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let n = offers.with_untracked(Vec::len);
        if n > 0 {
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % n);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + n - 1) % n);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() => {
                    ev.prevent_default();
                    let name =
                        offers.with_untracked(|o| o[active.get_untracked().min(n - 1)].clone());
                    pick(name);
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    close_offers();
                    return;
                }
                _ => {}
            }
        }
        match ev.key().as_str() {
            "Enter" if !ev.shift_key() && !ev.is_composing() => {
                ev.prevent_default();
                send();
            }
            // Up in an empty composer edits the user's last message still there.
            "ArrowUp" if text.with_untracked(String::is_empty) && !ev.shift_key() => {
                let last = me_name.with_value(|me| {
                    held.try_with_untracked(|h| {
                        h.values()
                            .rev()
                            .find(|m| m.author == *me && !m.deleted)
                            .map(|m| m.seq)
                    })
                    .flatten()
                });
                if let Some(seq) = last {
                    ev.prevent_default();
                    conv.editing.set(Some(seq));
                }
            }
            "Escape" if conv.replying.get_untracked().is_some() => {
                ev.prevent_default();
                conv.replying.set(None);
            }
            _ => {}
        }
    };
    let count = move || text.with(|t| t.chars().count());
    let over = move || count() > MAX_BODY_CHARS;
    let near = move || count() > MAX_BODY_CHARS - 200;
    let blank = move || text.with(|t| t.trim().is_empty());
    // Send is disabled only once the page runs: without JavaScript the browser posts the form,
    // and the server answers a blank or over-long one with its reason.
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    let open = move || offers.with(|o| !o.is_empty());
    let option_id = |i: usize| format!("mention-option-{i}");
    let post_to = <crate::api::PostMessage as leptos::server_fn::ServerFn>::PATH;
    view! {
        // Without JavaScript the form posts to `post_message` (the server sends the browser
        // back to the room); with it, `on_submit` sends over the socket instead.
        <form
            class="composer"
            method="post"
            action=post_to
            on:submit=on_submit
        >
            <input type="hidden" name="room" value=room.clone()/>
            {move || replying.get().map(|m| view! { <Replying m/> }.into_any())}
            <label for="composer-input" class="visually-hidden">{placeholder.clone()}</label>
            <ul
                id="mention-options"
                class="mention-options"
                role="listbox"
                aria-label="People to mention"
                hidden=move || !open()
            >
                {move || offers.get().into_iter().enumerate().map(|(i, name)| {
                    let chosen = move || active.get() == i;
                    let label = name.clone();
                    view! {
                        <li
                            id=option_id(i)
                            role="option"
                            aria-selected=move || chosen().to_string()
                            class:active=chosen
                            // Before the textarea loses focus.
                            on:mousedown=move |ev| { ev.prevent_default(); pick(name.clone()); }
                        >
                            <span class="at" aria-hidden="true">"@"</span>{label}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <textarea
                id="composer-input"
                name="body"
                node_ref=input
                rows="2"
                placeholder=placeholder
                // A textbox with a list of completions (a textarea cannot take the combobox
                // role): screen readers follow the active option through activedescendant.
                aria-autocomplete="list"
                aria-controls="mention-options"
                aria-activedescendant=move || open().then(|| option_id(active.get()))
                aria-describedby="composer-reply composer-hint composer-error"
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| close_offers()
            ></textarea>
            <button type="submit" disabled=move || running.get() && (blank() || over())>"Send"</button>
            <p id="composer-hint" class="hint">"Enter sends · Shift+Enter starts a new line · @ mentions someone"</p>
            // One line: a refusal's reason, or near the limit the count (which says "too long"
            // while it is, and stops as soon as the text fits).
            <p id="composer-error" class="error" class:counter=move || error.with(Option::is_none) class:over=over role="alert">
                {move || error.get().or_else(|| near().then(|| {
                    let counted = format!("{} / {}", thousands(count()), thousands(MAX_BODY_CHARS));
                    if over() { format!("{counted}: too long") } else { counted }
                }))}
            </p>
        </form>
    }
}

/// "Replying to ada: the start of her message… ×" above the composer.
#[component]
fn Replying(m: Message) -> impl IntoView {
    let conv = Conversation::expect();
    let cancel = move |_| {
        conv.replying.set(None);
        conv.focus_composer();
    };
    view! {
        <div class="replying" id="composer-reply">
            <span class="replying-text">
                "Replying to "<strong>{m.author}</strong>": "
                <span class="snippet" dir="auto">{Quote::snippet_of_html(&m.html)}</span>
            </span>
            <button type="button" class="close" aria-label="Cancel reply" title="Cancel reply (Escape)" on:click=cancel>
                "×"
            </button>
        </div>
    }
}

/// The char index of the `i`-th UTF-16 unit of `s` (the browser counts caret positions so).
/// `n` with a comma between thousands ("4,001").
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn utf16_to_chars(s: &str, i: usize) -> usize {
    let mut units = 0;
    for (n, c) in s.chars().enumerate() {
        if units >= i {
            return n;
        }
        units += c.len_utf16();
    }
    s.chars().count()
}

/// The `@name` being typed just before char `caret` of `text`: where its `@` is (in chars) and
/// what follows it. None when the caret is not right after one (an `@` inside a word, such as
/// an e-mail address, starts none).
fn mention_at(text: &str, caret: usize) -> Option<(usize, String)> {
    let chars: Vec<char> = text.chars().take(caret).collect();
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut i = chars.len();
    while i > 0 && is_name_char(chars[i - 1]) {
        i -= 1;
    }
    if i == 0 || chars[i - 1] != '@' {
        return None;
    }
    let at = i - 1;
    if at > 0 && (is_name_char(chars[at - 1]) || chars[at - 1] == '@') {
        return None;
    }
    let prefix: String = chars[i..].iter().collect::<String>().to_ascii_lowercase();
    (prefix.chars().count() <= crate::protocol::MAX_USERNAME_CHARS).then_some((at, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_found_right_before_the_caret() {
        assert_eq!(mention_at("hi @bo", 6), Some((3, "bo".into())));
        assert_eq!(mention_at("@", 1), Some((0, String::new())));
        assert_eq!(mention_at("hi @bo there", 6), Some((3, "bo".into())));
        assert_eq!(mention_at("hi @bo there", 12), None);
        assert_eq!(mention_at("mail ada@ex", 11), None);
        assert_eq!(mention_at("é @Ad", 5), Some((2, "ad".into())));
        assert_eq!(utf16_to_chars("😀@a", 3), 2);
        assert_eq!(
            [
                thousands(7),
                thousands(4000),
                thousands(4001),
                thousands(1234567)
            ],
            ["7", "4,000", "4,001", "1,234,567"]
        );
    }
}

/// The sentence of a refused `post_message` form post, which the server put in this page's
/// address (`__path`, `__err`) when it sent the browser back.
fn refused_post() -> Option<String> {
    use leptos::server_fn::error::ServerFnUrlError;
    use leptos::server_fn::ServerFn;
    let query = leptos_router::hooks::use_query_map();
    query.with_untracked(|q| {
        (q.get("__path").as_deref() == Some(crate::api::PostMessage::PATH))
            .then(|| q.get("__err"))
            .flatten()
            .map(|e| ServerFnUrlError::<crate::protocol::ErrorBody>::decode_err(&e).message)
    })
}
