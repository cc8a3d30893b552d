//! The storage interface the app's server functions ask for, served from [`AppState`].

use crate::state::AppState;
use app::api::Backend;
use app::protocol::{event, ErrorBody, Message, Room, RoomName, RoomReply};

#[async_trait::async_trait]
impl Backend for AppState {
    async fn rooms(&self) -> Result<Vec<Room>, ErrorBody> {
        Ok(self.store.rooms().await?)
    }

    async fn room(&self, name: &RoomName) -> Result<Room, ErrorBody> {
        Ok(self.store.room(name).await?)
    }

    async fn history(
        &self,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, ErrorBody> {
        Ok(self.store.history(room, before, limit).await?)
    }

    async fn create_room(&self, name: &RoomName) -> Result<Room, ErrorBody> {
        let room = self.store.create_room(name).await?;
        if let Err(e) = self
            .io
            .emit(event::ROOM_CREATED, &RoomReply { room: room.clone() })
            .await
        {
            tracing::warn!(error = %e, "could not announce a new room");
        }
        Ok(room)
    }
}
