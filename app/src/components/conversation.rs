//! What the message list and the composer of one room's page share while the user works on
//! messages: the message being answered, the one being edited in place, the one to bring into
//! view. Kept apart from the chat store: it is this page's state, not the chat's.

use leptos::html::Textarea;
use leptos::prelude::*;
use std::time::Duration;

/// How long a message brought into view from a quote stays highlighted.
const FLASH: Duration = Duration::from_millis(1600);

/// One room page's shared view state (provided by the room page; `Copy`).
#[derive(Clone, Copy)]
pub struct Conversation {
    room: StoredValue<String>,
    /// The seq of the message the composer answers.
    pub replying: RwSignal<Option<i64>>,
    /// The seq of the message being edited in place (one at a time).
    pub editing: RwSignal<Option<i64>>,
    /// A message to bring into view (a quote was clicked), until the list has done so.
    pub show: RwSignal<Option<i64>>,
    /// The message brought into view last, highlighted for a moment.
    pub flash: RwSignal<Option<i64>>,
    /// True when the user may delete anyone's message here (the owner of this private room).
    pub moderates: Signal<bool>,
    /// True when the user may pin messages here (anyone in a public room or a direct
    /// conversation, the owner of a private room).
    pub pins: bool,
    /// The composer's text box, to give it the focus back.
    pub composer: NodeRef<Textarea>,
}

impl Conversation {
    /// Provides the state of the page of `room`.
    pub fn provide(room: &str, moderates: Signal<bool>, pins: bool) -> Self {
        let c = Self {
            room: StoredValue::new(room.to_owned()),
            replying: RwSignal::new(None),
            editing: RwSignal::new(None),
            show: RwSignal::new(None),
            flash: RwSignal::new(None),
            moderates,
            pins,
            composer: NodeRef::new(),
        };
        provide_context(c);
        c
    }

    /// The state of the room page this view is part of.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// The room's name.
    pub fn room(&self) -> String {
        self.room.get_value()
    }

    /// Gives the composer the focus (after an edit, or to write a reply).
    pub fn focus_composer(&self) {
        if let Some(el) = self.composer.get_untracked() {
            let _ = el.focus();
        }
    }

    /// Highlights message `seq` for a moment.
    pub fn flash(&self, seq: i64) {
        self.flash.set(Some(seq));
        let flash = self.flash;
        set_timeout(
            move || {
                if flash.try_get_untracked() == Some(Some(seq)) {
                    flash.set(None);
                }
            },
            FLASH,
        );
    }
}
