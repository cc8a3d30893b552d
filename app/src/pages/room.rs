use crate::api::{load_room, RoomPage as RoomData};
use crate::components::{composer::Composer, message_list::MessageList};
use crate::protocol::{ErrorBody, ErrorCode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A room: its newest messages (in the server's HTML), then live updates and the composer.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let room = move || params.read().get("room").unwrap_or_default();
    let page = Resource::new(room, load_room);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <Room data/> }.into_any(),
                    Err(e) => view! { <RoomError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Room(data: RoomData) -> impl IntoView {
    let name = data.room.name.clone();
    // The page holds every message up to this seq (0: the room was empty).
    let rendered_seq = data.messages.last().map_or(0, |m| m.seq);
    {
        let name = name.clone();
        Effect::new(move |_| crate::client::enter_room(name.clone(), Some(rendered_seq)));
    }
    view! {
        <Title text=format!("#{name}")/>
        <header class="room-header">
            <h1><span aria-hidden="true">"#"</span>{name.clone()}</h1>
        </header>
        <MessageList room=name.clone() history=data.messages/>
        <Composer room=name/>
    }
}

#[component]
fn RoomError(error: ErrorBody) -> impl IntoView {
    let title = match error.code {
        ErrorCode::UnknownRoom | ErrorCode::InvalidRoomName => "Room not found",
        _ => "This room could not be loaded",
    };
    view! {
        <Title text=title/>
        <section class="welcome">
            <h1>{title}</h1>
            <p>{error.message}</p>
            <p><a class="button" href="/">"Back to Natter"</a></p>
        </section>
    }
}
