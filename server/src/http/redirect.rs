//! Page redirects for every client. Leptos' `<Redirect>` during server rendering sets
//! `Location`, but the `302` status only when the request's `Accept` names `text/html`, because
//! it cannot tell a page load from a server-function call. Here we can: any request outside
//! `/api/` is a page, so a page answer that carries `Location` becomes a real `302` (curl,
//! bots and link checkers, which send `Accept: */*`, then see the redirect to `/login`).

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn pages(request: Request, next: Next) -> Response {
    let is_page = !request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_page || response.status() != StatusCode::OK {
        return response;
    }
    match response.headers().get(header::LOCATION).cloned() {
        Some(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        None => response,
    }
}
