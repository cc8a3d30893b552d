//! A room page cut down to the framework: a heading, a resource read under `<Suspense>`, two
//! keyed lists, a text field bound to a signal and a form; with `live`, a WebSocket whose JSON
//! frames are parsed into messages and a server action the form dispatches; with `router`, the
//! room is a route with a parameter; with `islands`, the room is the page's one island.
//! Built only to be weighed: `bench/run --only wasm`.

use leptos::prelude::*;
#[cfg(feature = "router")]
use leptos_router::{components::*, path};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub seq: u64,
    pub user: String,
    pub html: String,
}

#[server]
pub async fn history(room: String) -> Result<Vec<Message>, ServerFnError> {
    Ok(vec![Message {
        seq: 1,
        user: room,
        html: String::new(),
    }])
}

#[cfg(feature = "live")]
#[server]
pub async fn send(room: String, body: String) -> Result<u64, ServerFnError> {
    Ok((room.len() + body.len()) as u64)
}

#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
fn Room() -> impl IntoView {
    #[cfg(all(feature = "router", not(feature = "islands")))]
    let room = {
        let params = leptos_router::hooks::use_params_map();
        move || params.read().get("name").unwrap_or_default()
    };
    #[cfg(not(all(feature = "router", not(feature = "islands"))))]
    let room = || "general".to_owned();
    let messages = Resource::new(room, history);
    let (live, set_live) = signal(Vec::<Message>::new());
    let (text, set_text) = signal(String::new());
    #[cfg(feature = "live")]
    Effect::new(move |_| {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Ok(ws) = web_sys::WebSocket::new("/ws") else {
            return;
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    match serde_json::from_str::<Message>(&text) {
                        Ok(m) => set_live.update(|v| v.push(m)),
                        Err(e) => leptos::logging::warn!("bad frame: {e}"),
                    }
                }
            });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    });
    #[cfg(not(feature = "live"))]
    let _ = set_live;
    #[cfg(feature = "live")]
    let send_action = ServerAction::<Send>::new();
    view! {
        <h1>{room}</h1>
        <Suspense fallback=|| "Loading…">
            <ul>
                {move || Suspend::new(async move {
                    let list = messages.await.unwrap_or_default();
                    view! {
                        <For each=move || list.clone() key=|m| m.seq let:m>
                            <li><b>{m.user.clone()}</b><span inner_html=m.html.clone()></span></li>
                        </For>
                    }
                })}
                <For each=move || live.get() key=|m| m.seq let:m>
                    <li><b>{m.user.clone()}</b><span inner_html=m.html.clone()></span></li>
                </For>
            </ul>
        </Suspense>
        <form on:submit=move |ev| {
            ev.prevent_default();
            #[cfg(feature = "live")]
            send_action.dispatch(Send { room: room(), body: text.get() });
            set_text.set(String::new());
        }>
            <input prop:value=text on:input=move |ev| set_text.set(event_target_value(&ev))/>
            <button>"Send"</button>
        </form>
    }
}

#[component]
pub fn App() -> impl IntoView {
    leptos_meta::provide_meta_context();
    #[cfg(feature = "router")]
    return view! {
        <leptos_meta::Title text="floor"/>
        <Router>
            <Routes fallback=|| "Not found">
                <Route path=path!("/r/:name") view=Room/>
                <Route path=path!("/") view=|| view! { <a href="/r/general">"general"</a> }/>
            </Routes>
        </Router>
    };
    #[cfg(not(feature = "router"))]
    view! { <leptos_meta::Title text="floor"/> <Room/> }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "islands")]
    leptos::mount::hydrate_islands();
    #[cfg(not(feature = "islands"))]
    leptos::mount::hydrate_body(App);
}
