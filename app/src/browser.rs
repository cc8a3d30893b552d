//! Small, fenced browser helpers: local storage and the time zone. On the server they do
//! nothing; they are only called from effects and event handlers, which run in the browser.

const NAME_KEY: &str = "natter.name";
const OUTBOX_KEY: &str = "natter.outbox";

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The unconfirmed messages saved by this browser (kept across reloads).
pub fn load_outbox() -> Vec<crate::state::Pending> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(OUTBOX_KEY).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = OUTBOX_KEY;
        Vec::new()
    }
}

/// Saves the unconfirmed messages, so a reload or a closed tab does not lose them.
pub fn save_outbox(_outbox: &[crate::state::Pending]) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = match _outbox.is_empty() {
            true => s.remove_item(OUTBOX_KEY),
            false => s.set_item(
                OUTBOX_KEY,
                &serde_json::to_string(_outbox).unwrap_or_default(),
            ),
        };
    }
}

/// The display name saved in this browser.
pub fn load_name() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        storage()?.get_item(NAME_KEY).ok()?
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = NAME_KEY;
        None
    }
}

/// Saves the display name in this browser.
pub fn save_name(_name: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.set_item(NAME_KEY, _name);
    }
}

/// The local time zone's offset from UTC, in minutes (east positive).
pub fn utc_offset_min() -> i32 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// Moves the keyboard focus to the element with this id.
pub fn focus_by_id(_id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(_id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
}

/// The current text of the `<input>` with this id, when it holds any.
pub fn input_value(_id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = web_sys::window()?
            .document()?
            .get_element_by_id(_id)?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?;
        Some(input.value()).filter(|v| !v.trim().is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}
