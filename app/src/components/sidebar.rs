use crate::api::{list_rooms, CreateRoom};
use crate::protocol::Room;
use crate::state::use_chat_state;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

/// The rooms, the display name and the form that creates a room.
#[component]
pub fn Sidebar() -> impl IntoView {
    view! {
        <aside class="sidebar" aria-label="Rooms and settings">
            <a class="brand" href="/">"Natter"</a>
            <NamePicker/>
            <RoomList/>
            <NewRoom/>
        </aside>
    }
}

/// The display name, kept in this browser.
#[component]
fn NamePicker() -> impl IntoView {
    let chat = use_chat_state();
    let on_input = move |ev| {
        let name = event_target_value(&ev);
        crate::browser::save_name(name.trim());
        chat.author.set(name);
    };
    view! {
        <div class="field name-picker">
            <label for="display-name">"Display name"</label>
            <input
                id="display-name"
                name="display-name"
                type="text"
                maxlength=crate::protocol::MAX_AUTHOR_CHARS
                autocomplete="nickname"
                placeholder="Your name"
                prop:value=move || chat.author.get()
                on:input=on_input
            />
        </div>
    }
}

#[component]
fn RoomList() -> impl IntoView {
    let chat = use_chat_state();
    let rooms = Resource::new(|| (), |_| list_rooms());
    let location = use_location();
    let link = move |room: Room| {
        let href = format!("/r/{}", room.name);
        let current = {
            let href = href.clone();
            move || (location.pathname.get() == href).then_some("page")
        };
        view! {
            <li>
                <a href=href aria-current=current>
                    <span aria-hidden="true">"#"</span>
                    {room.name}
                </a>
            </li>
        }
    };
    view! {
        <nav class="rooms" aria-label="Rooms">
            <h2>"Rooms"</h2>
            <Suspense fallback=|| view! { <p>"Loading rooms…"</p> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Ok(loaded) => {
                            let all = move || {
                                let mut all = loaded.clone();
                                for r in chat.new_rooms.get() {
                                    if !all.iter().any(|a| a.name == r.name) {
                                        all.push(r);
                                    }
                                }
                                all.sort_by(|a, b| a.name.cmp(&b.name));
                                all
                            };
                            view! {
                                <ul>
                                    <For each=all key=|r| r.name.clone() children=link/>
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </nav>
    }
}

/// Creates a room (works without JavaScript too: the form posts to the server function).
#[component]
fn NewRoom() -> impl IntoView {
    let chat = use_chat_state();
    let create = ServerAction::<CreateRoom>::new();
    let navigate = use_navigate();
    let error = move || match create.value().get() {
        Some(Err(e)) => Some(e.message),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(room)) = create.value().get() {
            let href = format!("/r/{}", room.name);
            chat.add_room(room);
            navigate(&href, Default::default());
        }
    });
    view! {
        <ActionForm action=create attr:class="new-room">
            <label for="new-room-name">"New room"</label>
            <div class="row">
                <input
                    id="new-room-name"
                    name="name"
                    type="text"
                    required
                    maxlength=crate::protocol::MAX_ROOM_CHARS
                    pattern="[a-z0-9][a-z0-9_\\-]*"
                    placeholder="e.g. design-team"
                    aria-describedby="new-room-help"
                />
                <button type="submit" disabled=move || create.pending().get()>"Create"</button>
            </div>
            <p id="new-room-help" class="help">"Lowercase letters, digits, - and _."</p>
            {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </ActionForm>
    }
}
