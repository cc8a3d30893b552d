//! `GET /healthz`: whether this server can store messages, for load balancers and supervisors.
//! 200 `{"status":"ok","node":…}` when the writer runs and the database answers a read within a second;
//! otherwise 503 `{"status":"unavailable","reason":…}` (the details are in the server's log).

use crate::http::state::AppState;
use crate::store::Health;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::time::Duration;

pub async fn check(State(state): State<AppState>) -> Response {
    let store = state.chat.store();
    let problem = match store.health() {
        Health::Down(_) => Some("messages cannot be stored"),
        Health::Stopped => Some("the server is stopping"),
        Health::Up => match tokio::time::timeout(Duration::from_secs(1), store.ping()).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health check: the database did not answer");
                Some("the database does not answer")
            }
            Err(_) => Some("the database is too slow to answer"),
        },
    };
    let headers = [(axum::http::header::CACHE_CONTROL, "no-store")];
    match problem {
        None => (
            StatusCode::OK,
            headers,
            Json(json!({ "status": "ok", "node": &*state.node })),
        )
            .into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            headers,
            Json(json!({ "status": "unavailable", "reason": reason, "node": &*state.node })),
        )
            .into_response(),
    }
}
