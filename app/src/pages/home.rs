use leptos::prelude::*;
use leptos_meta::Title;

/// The start page: what Natter is and where to go.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="welcome">
            <h1>"Welcome to Natter"</h1>
            <p>"Pick a room on the left, or create one. Choose a display name first: it is kept in this browser."</p>
            <p><a class="button" href="/r/general">"Go to #general"</a></p>
        </section>
    }
}
