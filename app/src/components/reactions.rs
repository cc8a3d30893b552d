//! Reactions under a message: a chip per emoji ("👍 2", pressed when one of them is the
//! user's) that toggles the user's own, and the picker that adds one.

use crate::protocol::{Emoji, Reaction, COMMON_REACTIONS};
use leptos::ev::{FocusEvent, KeyboardEvent, SubmitEvent};
use leptos::html::{Button, Div};
use leptos::prelude::*;

/// The chips of a message's reactions; `toggle` gets the emoji of the chip clicked, `add`
/// opens the picker (its button shows once the message has a reaction).
#[component]
pub fn Reactions(
    reactions: Memo<Vec<Reaction>>,
    toggle: Callback<String>,
    add: Callback<()>,
) -> impl IntoView {
    let emojis =
        move || reactions.with(|rs| rs.iter().map(|r| r.emoji.clone()).collect::<Vec<_>>());
    view! {
       <Show when=move || reactions.with(|r| !r.is_empty())>
           <div class="reactions" role="group" aria-label="Reactions">
               <For each=emojis key=|e| e.clone() let(emoji)>
                   <Chip emoji reactions toggle/>
               </For>
               <button
                   type="button"
                   class="reaction add"
                   aria-label="Add a reaction"
                   title="Add a reaction"
                   on:click=move |_| add.run(())
               >
                   <crate::components::icons::ReactIcon/>
               </button>
           </div>
       </Show>
    }
    .into_any()
}

/// One emoji's chip: who reacted in its name and tooltip ("👍 reacted by ada, bob").
#[component]
fn Chip(emoji: String, reactions: Memo<Vec<Reaction>>, toggle: Callback<String>) -> impl IntoView {
    let me = StoredValue::new(crate::state::use_me());
    let users = {
        let emoji = emoji.clone();
        Memo::new(move |_| {
            reactions.with(|rs| {
                rs.iter()
                    .find(|r| r.emoji == emoji)
                    .map(|r| r.users.clone())
                    .unwrap_or_default()
            })
        })
    };
    let mine = move || me.with_value(|me| users.with(|u| u.iter().any(|u| u == me)));
    let label = {
        let emoji = emoji.clone();
        move || format!("{emoji} reacted by {}", users.with(|u| u.join(", ")))
    };
    let chosen = emoji.clone();
    view! {
        <button
            type="button"
            class="reaction"
            aria-pressed=move || mine().to_string()
            title=label.clone()
            aria-label=label
            on:click=move |_| toggle.run(chosen.clone())
        >
            <span class="emoji" aria-hidden="true">{emoji}</span>
            <span class="count" aria-hidden="true">{move || users.with(Vec::len)}</span>
        </button>
    }
}

/// The reaction picker: the common emoji, and a field for any other one. `pick` gets the
/// emoji chosen; `close` is called on Escape (with `true`: the focus goes back where the
/// picker was opened) and when the focus leaves it (`false`).
#[component]
pub fn ReactionPicker(
    /// Open above the message (it sits low in the window).
    up: bool,
    pick: Callback<String>,
    close: Callback<bool>,
) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    let first = NodeRef::<Button>::new();
    let custom = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(b) = first.get() {
            let _ = b.focus();
        }
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            close.run(true);
        }
    };
    let on_focusout = move |ev: FocusEvent| {
        if let Some(el) = panel.get_untracked() {
            if crate::browser::focus_leaves(&ev, &el) {
                close.run(false);
            }
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match Emoji::parse(&custom.get_untracked()) {
            Ok(e) => pick.run(e.as_str().to_owned()),
            Err(e) => error.set(Some(e.message)),
        }
    };
    let class = if up { "picker up" } else { "picker" };
    view! {
       <div
           class=class
           role="dialog"
           aria-label="Add a reaction"
           node_ref=panel
           on:keydown=on_keydown
           on:focusout=on_focusout
       >
           <div class="picker-common">
               {COMMON_REACTIONS
                   .iter()
                   .enumerate()
                   .map(|(i, e)| {
                       let e = *e;
                       let label = format!("React with {e}");
                       let node = if i == 0 { first } else { NodeRef::new() };
                       view! {
                           <button
                               type="button"
                               class="emoji-choice"
                               node_ref=node
                               aria-label=label.clone()
                               title=label
                               on:click=move |_| pick.run(e.to_owned())
                           >
                               {e}
                           </button>
                       }
                   })
                   .collect_view()}
           </div>
           <form class="picker-custom" on:submit=on_submit>
               <input
                   type="text"
                   aria-label="Any emoji"
                   placeholder="Any emoji"
                   autocomplete="off"
                   maxlength="32"
                   prop:value=move || custom.get()
                   on:input=move |ev| {
                       custom.set(event_target_value(&ev));
                       error.set(None);
                   }
               />
               <button type="submit">"Add"</button>
           </form>
           <p class="error" role="alert">{move || error.get()}</p>
       </div>
    }
    .into_any()
}
