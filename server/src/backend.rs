//! The interface the app's server functions ask for, served from [`AppState`].

use crate::room_changes;
use crate::state::AppState;
use crate::store::User;
use app::api::{Backend, Viewer};
use app::protocol::{ErrorBody, Message, Room, RoomName, Username};

fn user(viewer: &Viewer) -> User {
    User {
        id: viewer.id,
        name: viewer.name.clone(),
    }
}

#[async_trait::async_trait]
impl Backend for AppState {
    async fn viewer(&self, cookies: Option<&str>) -> Result<Option<Viewer>, ErrorBody> {
        let session = self.auth.session_from_cookies(cookies).await?;
        Ok(session.map(|s| Viewer {
            id: s.user.id,
            name: s.user.name,
        }))
    }

    async fn rooms(&self, viewer: &Viewer) -> Result<Vec<Room>, ErrorBody> {
        Ok(self.store.rooms(&user(viewer)).await?)
    }

    async fn room(&self, viewer: &Viewer, name: &RoomName) -> Result<Room, ErrorBody> {
        Ok(self.store.room(&user(viewer), name).await?)
    }

    async fn history(
        &self,
        viewer: &Viewer,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, ErrorBody> {
        Ok(self
            .store
            .history(&user(viewer), room, before, limit)
            .await?)
    }

    async fn create_room(
        &self,
        viewer: &Viewer,
        name: &RoomName,
        private: bool,
    ) -> Result<Room, ErrorBody> {
        let kind = crate::store::NewRoomKind::from_private(private);
        Ok(room_changes::create_room(&*self.store, &self.io, &user(viewer), name, kind).await?)
    }

    async fn open_direct(&self, viewer: &Viewer, other: &Username) -> Result<Room, ErrorBody> {
        Ok(room_changes::open_direct(&*self.store, &self.io, &user(viewer), other).await?)
    }

    async fn add_member(
        &self,
        viewer: &Viewer,
        room: &RoomName,
        who: &Username,
    ) -> Result<Room, ErrorBody> {
        Ok(room_changes::add_member(&*self.store, &self.io, &user(viewer), room, who).await?)
    }

    async fn remove_member(
        &self,
        viewer: &Viewer,
        room: &RoomName,
        who: &Username,
    ) -> Result<Room, ErrorBody> {
        Ok(room_changes::remove_member(&*self.store, &self.io, &user(viewer), room, who).await?)
    }
}
