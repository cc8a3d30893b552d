use leptos::prelude::*;
use leptos_meta::Title;

/// The start page: where to go.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="welcome">
            <h1>"Welcome to Natter"</h1>
            <p>"Pick one of your rooms on the left, find more under Browse, create one (public, or private for invited members), or start a direct conversation with someone by their username."</p>
            <p><a class="button" href="/r/general">"Go to #general"</a></p>
        </section>
    }
}
