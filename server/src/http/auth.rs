//! `POST /auth/register`, `POST /auth/login`, `POST /auth/logout` and `GET /auth/me`.
//!
//! The forms on the login and register pages post here as plain HTML forms (they work without
//! JavaScript) and get a `303` redirect; programs that send `Accept: application/json` get
//! JSON and a status instead. Bodies are `application/x-www-form-urlencoded`.

use super::client_addr::ClientAddr;
use super::session::MaybeSession;
use crate::error::Error;
use crate::http::state::AppState;
use app::protocol::Me;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
}

/// The register and login forms. Missing fields are empty, so they get the same clear error
/// as empty ones.
#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Where to go afterwards (a local path).
    #[serde(default)]
    next: String,
}

/// The logout form.
#[derive(Deserialize)]
struct Logout {
    /// `1`, `on` or `true`: end every session of the user, not only this one.
    #[serde(default)]
    everywhere: String,
}

async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let started = state
        .chat
        .auth()
        .register(&form.username, &form.password, client)
        .await;
    answer(&state, &headers, &form, "/register", started).await
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let started = state
        .chat
        .auth()
        .login(&form.username, &form.password, client)
        .await;
    answer(&state, &headers, &form, "/login", started).await
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    form: &Credentials,
    page: &str,
    started: Result<crate::auth::Started, Error>,
) -> Response {
    let next = safe_next(&form.next);
    match started {
        Ok(started) => {
            let jar = CookieJar::new().add(state.chat.auth().cookie(&started.token));
            let me = Me {
                username: started.session.user.name.to_string(),
                admin: is_admin(state, &started.session.user).await,
            };
            if wants_json(headers) {
                (jar, Json(me)).into_response()
            } else {
                (jar, see_other(next)).into_response()
            }
        }
        Err(e) if wants_json(headers) => e.into_response(),
        Err(e) => {
            let query = serde_urlencoded::to_string([
                ("error", e.code().as_str()),
                ("username", form.username.trim()),
                ("next", next),
            ])
            .unwrap_or_default();
            see_other(&format!("{page}?{query}"))
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    headers: HeaderMap,
    Form(form): Form<Logout>,
) -> Result<Response, Error> {
    let everywhere = matches!(form.everywhere.as_str(), "1" | "on" | "true");
    if let Some(session) = &session {
        state.chat.auth().logout(session, everywhere).await?;
        state.chat.close_sockets(session, everywhere).await;
    }
    let jar = CookieJar::new().add(state.chat.auth().cleared_cookie());
    Ok(if wants_json(&headers) {
        (jar, StatusCode::NO_CONTENT).into_response()
    } else {
        (jar, see_other("/login")).into_response()
    })
}

async fn me(
    State(state): State<AppState>,
    super::session::RequireSession(session): super::session::RequireSession,
) -> Json<Me> {
    Json(Me {
        username: session.user.name.to_string(),
        admin: is_admin(&state, &session.user).await,
    })
}

/// Whether `user` is an administrator (no, when the database cannot say now).
async fn is_admin(state: &AppState, user: &crate::store::User) -> bool {
    state.chat.auth().is_admin(user).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not check whether a user is an administrator");
        false
    })
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
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
