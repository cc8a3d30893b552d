//! The server functions' side of the service: `app::api::Backend`, so pages and forms reach the
//! same operations as socket events.

use super::{Caller, ChatService};
use crate::http::session::MaybeSession;
use crate::store::User;
use app::api::{Backend, Viewer};
use app::protocol::ErrorBody;
use serde_json::Value;
use socketioxide::adapter::Adapter;

#[async_trait::async_trait]
impl<A: Adapter> Backend for ChatService<A> {
    async fn viewer(
        &self,
        request: &axum::http::request::Parts,
    ) -> Result<Option<Viewer>, ErrorBody> {
        let MaybeSession(session) = MaybeSession::from_parts(request, self.auth()).await?;
        let Some(session) = session else {
            return Ok(None);
        };
        let admin = self.auth().is_admin(&session.user).await?;
        Ok(Some(Viewer {
            id: session.user.id,
            name: session.user.name,
            admin,
        }))
    }

    async fn call(
        &self,
        viewer: &Viewer,
        event: &'static str,
        request: Value,
    ) -> Result<Value, ErrorBody> {
        let user = User {
            id: viewer.id,
            name: viewer.name.clone(),
        };
        let _serving = self.serving()?;
        Ok(ChatService::call(self, event, Caller::over_http(user), request).await?)
    }
}

#[async_trait::async_trait]
impl<A: Adapter> crate::http::state::Service for ChatService<A> {
    fn store(&self) -> &dyn crate::store::Store {
        ChatService::store(self)
    }

    fn auth(&self) -> &crate::auth::Auth {
        ChatService::auth(self)
    }

    async fn close_sockets(&self, session: &crate::auth::Session, everywhere: bool) {
        crate::events::fanout::close_sockets(self.io(), session, everywhere).await;
    }
}
