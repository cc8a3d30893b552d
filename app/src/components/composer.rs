use crate::protocol::MAX_BODY_CHARS;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

/// Writes a message: Enter sends, Shift+Enter starts a new line.
#[component]
pub fn Composer(room: String, placeholder: String) -> impl IntoView {
    let me = crate::state::use_me();
    let client = crate::client::use_client();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // When the last typing notice went (browser clock, ms).
    let typed_at = StoredValue::new(f64::MIN);
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
        }
    };
    let send = {
        let room = room.clone();
        move || {
            let body = text.get_untracked();
            if body.trim().is_empty() {
                return;
            }
            match client.send(&room, &me, &body) {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
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
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let over = move || text.with(|t| t.chars().count().saturating_sub(MAX_BODY_CHARS));
    let near = move || text.with(|t| t.chars().count() > MAX_BODY_CHARS - 200);
    view! {
        <form class="composer" on:submit=on_submit>
            <label for="composer-input" class="visually-hidden">{placeholder.clone()}</label>
            <textarea
                id="composer-input"
                rows="2"
                placeholder=placeholder
                aria-describedby="composer-hint composer-error"
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <button type="submit">"Send"</button>
            <p id="composer-hint" class="hint">"Enter sends · Shift+Enter starts a new line"</p>
            <p id="composer-error" class="error" role="alert">
                {move || error.get()}
                {move || near().then(|| {
                    let n = text.with(|t| t.chars().count());
                    if over() > 0 { format!("{n} / {MAX_BODY_CHARS} characters: too long.") } else { format!("{n} / {MAX_BODY_CHARS}") }
                })}
            </p>
        </form>
    }
}
