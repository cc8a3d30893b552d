use leptos::prelude::*;
use leptos_meta::Title;

/// Any address that is not a page.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="welcome">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><a class="button" href="/">"Back to Natter"</a></p>
        </section>
    }
}
