//! `POST /auth/register`, `POST /auth/login`, `POST /auth/logout` and `GET /auth/me`.
//!
//! The forms on the login and register pages post here as plain HTML forms (they work without
//! JavaScript) and get a `303` redirect; programs that send `Accept: application/json` get
//! JSON and a status instead. Bodies are `application/x-www-form-urlencoded`.

use crate::auth::Session;
use crate::error::Error;
use crate::state::AppState;
use app::protocol::{ErrorBody, Me};
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
}

type Fields = Form<HashMap<String, String>>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

async fn register(State(state): State<AppState>, headers: HeaderMap, form: Fields) -> Response {
    let started = state
        .auth
        .register(field(&form, "username"), field(&form, "password"))
        .await;
    answer(&state, &headers, &form, "/register", started)
}

async fn login(State(state): State<AppState>, headers: HeaderMap, form: Fields) -> Response {
    let started = state
        .auth
        .login(field(&form, "username"), field(&form, "password"))
        .await;
    answer(&state, &headers, &form, "/login", started)
}

fn answer(
    state: &AppState,
    headers: &HeaderMap,
    form: &Fields,
    page: &str,
    started: Result<crate::auth::Started, Error>,
) -> Response {
    let next = safe_next(field(form, "next"));
    match started {
        Ok(started) => {
            let cookie = state.auth.cookie(&started.token);
            let me = Me {
                username: started.session.user.name.to_string(),
            };
            let mut response = if wants_json(headers) {
                Json(me).into_response()
            } else {
                see_other(next)
            };
            set_cookie(&mut response, &cookie);
            response
        }
        Err(e) => {
            let error = ErrorBody::from(e);
            if wants_json(headers) {
                return failure(error);
            }
            let query = serde_urlencoded::to_string([
                ("error", error.code.as_str()),
                ("username", field(form, "username").trim()),
                ("next", next),
            ])
            .unwrap_or_default();
            see_other(&format!("{page}?{query}"))
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, form: Fields) -> Response {
    let everywhere = matches!(field(&form, "everywhere"), "1" | "on" | "true");
    let session = session_of(&state, &headers).await;
    if let Ok(Some(session)) = &session {
        if let Err(e) = state.auth.logout(session, everywhere).await {
            return failure(e.into());
        }
        crate::socket::close_sockets(&state.io, session, everywhere).await;
    }
    let mut response = if wants_json(&headers) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        see_other("/login")
    };
    set_cookie(&mut response, &state.auth.cleared_cookie());
    response
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session_of(&state, &headers).await {
        Ok(Some(session)) => Json(Me {
            username: session.user.name.to_string(),
        })
        .into_response(),
        Ok(None) => failure(ErrorBody::not_authenticated()),
        Err(e) => failure(e.into()),
    }
}

async fn session_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, Error> {
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    state.auth.session_from_cookies(cookies).await
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn failure(error: ErrorBody) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(serde_json::json!({ "error": error }))).into_response()
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Where to go after logging in: a path on this site, never another site.
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.chars().all(|c| c.is_ascii_graphic());
    if local {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/r/general"), "/r/general");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(
            safe_next("/r/é"),
            "/",
            "only what a Location header can carry"
        );
    }
}
