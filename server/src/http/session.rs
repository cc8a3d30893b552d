//! The one road from a request's session cookie to its session: axum extractors, used by the
//! `/auth/*` endpoints, by server functions (`chat/backend.rs`) and by the Socket.IO handshake
//! (`crate::socket`), which all call [`MaybeSession::from_parts`].

use crate::auth::{Auth, Session};
use crate::error::Error;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

/// The live session behind the request's cookie, if there is one.
pub struct MaybeSession(pub Option<Session>);

/// The live session behind the request's cookie; without one the request gets
/// `401 not_authenticated`.
pub struct RequireSession(pub Session);

impl MaybeSession {
    pub async fn from_parts(parts: &Parts, auth: &Auth) -> Result<Self, Error> {
        let jar = CookieJar::from_headers(&parts.headers);
        match jar.get(auth.cookie_name()).map(|c| c.value()) {
            Some(token) if !token.is_empty() => Ok(Self(auth.session(token).await?)),
            _ => Ok(Self(None)),
        }
    }
}

impl<S> FromRequestParts<S> for MaybeSession
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Self::from_parts(parts, &Auth::from_ref(state)).await
    }
}

impl<S> FromRequestParts<S> for RequireSession
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, state).await?;
        session.map(Self).ok_or(Error::NotAuthenticated)
    }
}
