//! Small, fenced browser helpers: local storage, the time zone, message keys. On the server
//! they do nothing; they are only called from effects and event handlers, which run in the
//! browser.

/// Each user's outbox is kept apart: another account in the same browser never sends it.
const OUTBOX_KEY: &str = "natter.outbox.";

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The unconfirmed messages of `user` saved by this browser (kept across reloads).
pub fn load_outbox(_user: &str) -> Vec<crate::state::Pending> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(&format!("{OUTBOX_KEY}{_user}")).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = OUTBOX_KEY;
        Vec::new()
    }
}

/// Saves `user`'s unconfirmed messages, so a reload or a closed tab does not lose them.
pub fn save_outbox(_user: &str, _outbox: &[crate::state::Pending]) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let key = format!("{OUTBOX_KEY}{_user}");
        let _ = match _outbox.is_empty() {
            true => s.remove_item(&key),
            false => s.set_item(&key, &serde_json::to_string(_outbox).unwrap_or_default()),
        };
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

/// Leaves the page for `url` (a full page load).
pub fn go_to(_url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(_url);
    }
}

/// The current path and query, e.g. `/r/general`.
pub fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| {
                let l = w.location();
                Some(format!("{}{}", l.pathname().ok()?, l.search().ok()?))
            })
            .unwrap_or_else(|| "/".into())
    }
    #[cfg(not(feature = "hydrate"))]
    "/".into()
}

/// A fresh idempotency key for a message: time and randomness, unique enough for one sender.
pub fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::now() as u64;
        let a = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let b = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        format!("{now:x}-{a:x}{b:x}")
    }
    // The server never sends; this serves the native tests.
    #[cfg(not(feature = "hydrate"))]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        format!("key-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// True while the page's tab is visible (always, on the server).
pub fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| !d.hidden())
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// Calls `f` with [`page_visible`] whenever the tab is shown or hidden, for the page's life.
pub fn on_visibility_change(_f: impl Fn(bool) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::prelude::*;
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let cb = Closure::<dyn Fn()>::new(move || _f(page_visible()));
        let _ = document
            .add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// Calls `f` on each of the window's `events`, for the page's life.
#[cfg(feature = "hydrate")]
fn on_window(events: &[&str], f: impl Fn() + 'static) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn Fn()>::new(f);
    for name in events {
        let _ = window.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
    }
    cb.forget();
}

/// Calls `f` when the page is being left or put away (`pagehide`), for the page's life.
pub fn on_page_hide(_f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    on_window(&["pagehide"], _f);
}

/// Calls `f` when the browser says it is back online, for the page's life.
pub fn on_online(_f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    on_window(&["online"], _f);
}

/// Calls `f` whenever the user touches the page (a key, the pointer, a touch, a scroll), for the
/// page's life.
pub fn on_input(_f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    on_window(
        &[
            "keydown",
            "pointerdown",
            "pointermove",
            "wheel",
            "touchstart",
            "focus",
        ],
        _f,
    );
}

/// Whether this browser shows notifications for the page: `default` (not asked yet),
/// `granted` or `denied`; `None` where there are none (and on the server).
pub fn notification_permission() -> Option<&'static str> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let window = web_sys::window()?;
        let supported = js_sys::Reflect::has(&window, &JsValue::from_str("Notification")).ok()?;
        if !supported {
            return None;
        }
        Some(match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted",
            web_sys::NotificationPermission::Denied => "denied",
            _ => "default",
        })
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Asks the browser for permission to show notifications (call it from a click: browsers
/// refuse to ask otherwise); `then` gets the answer, as [`notification_permission`] words it.
pub fn ask_notification_permission(_then: impl FnOnce(Option<&'static str>) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let Ok(promise) = web_sys::Notification::request_permission() else {
            return _then(notification_permission());
        };
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            _then(notification_permission());
        });
    }
}

/// Shows a notification (when the user allowed them): `title`, `body`; `tag` names it, so
/// several tabs showing the same one show it once. A click brings the page to `href`.
pub fn notify(_title: &str, _body: &str, _tag: &str, _href: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::prelude::*;
        use wasm_bindgen::JsCast;
        if notification_permission() != Some("granted") {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(_body);
        options.set_tag(_tag);
        let Ok(shown) = web_sys::Notification::new_with_options(_title, &options) else {
            return;
        };
        let href = _href.to_owned();
        let closing = shown.clone();
        let on_click = Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            closing.close();
            if current_path() != href {
                go_to(&href);
            }
        });
        shown.set_onclick(Some(on_click.unchecked_ref()));
    }
}

/// Milliseconds since the Unix epoch, by the browser's clock (the server's, on the server).
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)
    }
}

/// The cookie in which the browser tells the server its time zone offset, in minutes east of
/// UTC, so the server renders times as the reader's page will show them.
pub const TZ_COOKIE: &str = "natter_tz";

/// The offset a request's `natter_tz` cookie names, if it names a possible one (±16 h).
#[cfg(feature = "ssr")]
pub fn utc_offset_from_cookies(headers: &http::HeaderMap) -> Option<i32> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == TZ_COOKIE)
        .and_then(|(_, value)| value.parse::<i32>().ok())
        .filter(|min| min.abs() <= 16 * 60)
}

/// Remembers this browser's time zone offset for the server's next page (a year-long cookie,
/// readable by scripts: it holds nothing secret).
pub fn remember_utc_offset(_offset_min: i32) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&format!(
                "{TZ_COOKIE}={_offset_min}; Path=/; Max-Age=31536000; SameSite=Lax"
            ));
        }
    }
}

/// The row of message `seq` inside `list` (rows carry `data-seq`).
#[cfg(feature = "hydrate")]
fn row(list: &web_sys::Element, seq: i64) -> Option<web_sys::Element> {
    list.query_selector(&format!(r#"li.msg[data-seq="{seq}"]"#))
        .ok()
        .flatten()
}

/// How far a message list is scrolled from its oldest and from its newest end, in pixels. The
/// list lays out bottom-up (`flex-direction: column-reverse`), where `scrollTop` is 0 at the
/// bottom and negative above it (CSSOM View, as every current browser does).
pub fn scroll_gaps(list: &leptos::web_sys::Element) -> (i32, i32) {
    let range = list.scroll_height() - list.client_height();
    let below = -list.scroll_top();
    (range - below, below)
}

/// Scrolls a bottom-up message list (see [`scroll_gaps`]) to its newest message.
pub fn scroll_to_newest(list: &leptos::web_sys::Element) {
    list.set_scroll_top(0);
}

/// Scrolls `list` so that the row of message `seq` is in its middle, and moves the focus to
/// the row (so a screen reader reads on from there); false when no such row is shown.
pub fn show_row(_list: &leptos::web_sys::Element, _seq: i64) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(row) = row(_list, _seq) else {
            return false;
        };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        options.set_behavior(web_sys::ScrollBehavior::Smooth);
        row.scroll_into_view_with_scroll_into_view_options(&options);
        if let Ok(row) = row.dyn_into::<web_sys::HtmlElement>() {
            let focus = web_sys::FocusOptions::new();
            focus.set_prevent_scroll(true);
            let _ = row.focus_with_options(&focus);
        }
        true
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// How far the row of message `seq` is below the top of the scrolling `list`, in pixels: read
/// before older messages go in above it, then [`keep_row_at`] puts it back there.
pub fn row_offset(_list: &leptos::web_sys::Element, _seq: i64) -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        let row = row(_list, _seq)?;
        Some(row.get_bounding_client_rect().top() - _list.get_bounding_client_rect().top())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Scrolls `list` so that the row of message `seq` is `offset` pixels below its top again.
pub fn keep_row_at(_list: &leptos::web_sys::Element, _seq: i64, _offset: f64) {
    #[cfg(feature = "hydrate")]
    if let Some(now) = row_offset(_list, _seq) {
        _list.set_scroll_top(_list.scroll_top() + (now - _offset).round() as i32);
    }
}

/// True when `el` sits in the lower half of the window (a popover beside it opens upwards).
pub fn in_lower_half(_el: &leptos::web_sys::Element) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let height = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let rect = _el.get_bounding_client_rect();
        (rect.top() + rect.bottom()) / 2.0 > height / 2.0
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// True when a `focusout` from inside `container` moves the focus out of it (or nowhere: a
/// click on the page around it).
pub fn focus_leaves(_ev: &leptos::ev::FocusEvent, _container: &leptos::web_sys::Element) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let to = _ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        !to.is_some_and(|n| _container.contains(Some(&n)))
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// Scrolls the least needed to show `el` whole (an editor opened on a message out of view).
pub fn reveal(_el: &leptos::web_sys::Element) {
    #[cfg(feature = "hydrate")]
    {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        _el.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The fields of the form `ev` submits, read by name (`None` if it has no form).
#[cfg(feature = "hydrate")]
pub fn submitted_fields(ev: &leptos::ev::SubmitEvent) -> Option<impl Fn(&str) -> Option<String>> {
    use wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let fields = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(move |name: &str| fields.get(name))
}

/// On the server no form is ever submitted.
#[cfg(not(feature = "hydrate"))]
pub fn submitted_fields(_ev: &leptos::ev::SubmitEvent) -> Option<fn(&str) -> Option<String>> {
    None
}
