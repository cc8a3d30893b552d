//! Rooms, memberships and messages.

use super::{
    is_unique_violation, message_from_row, room_from_row, user_from_row, visible_room_id,
    SqliteStore, MESSAGE_COLUMNS, ROOM_COLUMNS, VISIBLE,
};
use crate::error::Error;
use crate::store::{now_ms, Appended, Direct, MemberChange, NewMessage, NewRoomKind, Store, User};
use app::protocol::{Message, Room, RoomKind, RoomName, Username, DIRECT_PREFIX};
use sqlx::{Row, SqliteConnection};

/// A room `viewer` can see, with its id and owner's id.
async fn visible_room(
    conn: &mut SqliteConnection,
    viewer: &User,
    name: &RoomName,
) -> Result<(i64, Option<i64>, Room), Error> {
    let row = sqlx::query(&format!(
        "SELECT {ROOM_COLUMNS}, r.owner_id FROM rooms r WHERE r.name = ? AND {VISIBLE}"
    ))
    .bind(name.as_str())
    .bind(viewer.id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok((
            row.try_get("id")?,
            row.try_get("owner_id")?,
            room_from_row(&row)?,
        )),
        None => Err(Error::UnknownRoom(name.clone())),
    }
}

async fn user_named(conn: &mut SqliteConnection, name: &Username) -> Result<User, Error> {
    let row = sqlx::query("SELECT id AS user_id, username FROM users WHERE username = ?")
        .bind(name.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(user_from_row(&row)?),
        None => Err(Error::UnknownUser(name.clone())),
    }
}

/// A private room `actor` can see, with its id and owner's id, for a membership change;
/// any other kind of room is refused with the sentence `not_private` makes.
async fn private_room(
    conn: &mut SqliteConnection,
    actor: &User,
    name: &RoomName,
    not_private: impl FnOnce(&str) -> String,
) -> Result<(i64, Option<i64>), Error> {
    let (id, owner_id, info) = visible_room(conn, actor, name).await?;
    if info.kind != RoomKind::Private {
        return Err(Error::Forbidden(not_private(
            &info.title(actor.name.as_str()),
        )));
    }
    Ok((id, owner_id))
}

/// A room by id (after a change, to answer with its new state).
async fn room_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Room, Error> {
    let row = sqlx::query(&format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.id = ?"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(room_from_row(&row)?)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn rooms(&self, viewer: &User) -> Result<Vec<Room>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {ROOM_COLUMNS} FROM rooms r WHERE {VISIBLE} ORDER BY r.name"
        ))
        .bind(viewer.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(room_from_row).collect::<Result<_, _>>()?)
    }

    async fn room(&self, viewer: &User, name: &RoomName) -> Result<Room, Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(visible_room(&mut conn, viewer, name).await?.2)
    }

    async fn create_room(
        &self,
        owner: &User,
        name: &RoomName,
        kind: NewRoomKind,
    ) -> Result<Room, Error> {
        if name.as_str().starts_with(DIRECT_PREFIX) {
            return Err(Error::ReservedRoomName(name.clone()));
        }
        let created_at = now_ms();
        let kind_str = match kind {
            NewRoomKind::Public => "public",
            NewRoomKind::Private => "private",
        };
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO rooms (name, kind, owner_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(name.as_str())
        .bind(kind_str)
        .bind(owner.id)
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e) if is_unique_violation(&e) => return Err(Error::RoomExists(name.clone())),
            Err(e) => return Err(e.into()),
        };
        if kind == NewRoomKind::Private {
            sqlx::query("INSERT INTO room_members (room_id, user_id, added_at) VALUES (?, ?, ?)")
                .bind(id)
                .bind(owner.id)
                .bind(created_at)
                .execute(&mut *tx)
                .await?;
        }
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(room)
    }

    async fn open_direct(&self, me: &User, other: &Username) -> Result<Direct, Error> {
        let mut tx = self.pool.begin().await?;
        let other = user_named(&mut tx, other).await?;
        if other.id == me.id {
            return Err(Error::Forbidden(
                "A direct conversation needs another user.".into(),
            ));
        }
        let (lo, hi) = (me.id.min(other.id), me.id.max(other.id));
        let name = format!("{DIRECT_PREFIX}{lo}-{hi}");
        let now = now_ms();
        let created = sqlx::query(
            "INSERT INTO rooms (name, kind, created_at) VALUES (?, 'direct', ?) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(&name)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match created {
            Some(row) => {
                let id: i64 = row.try_get(0)?;
                for user in [lo, hi] {
                    sqlx::query(
                        "INSERT INTO room_members (room_id, user_id, added_at) VALUES (?, ?, ?)",
                    )
                    .bind(id)
                    .bind(user)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                (id, true)
            }
            None => (
                sqlx::query_scalar("SELECT id FROM rooms WHERE name = ?")
                    .bind(&name)
                    .fetch_one(&mut *tx)
                    .await?,
                false,
            ),
        };
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Direct {
            room,
            other,
            created,
        })
    }

    async fn add_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
    ) -> Result<MemberChange, Error> {
        let mut tx = self.pool.begin().await?;
        let (id, owner_id) = private_room(&mut tx, actor, room, |title| {
            format!(
                "Only private rooms have members to add; {title} is open to everyone it concerns."
            )
        })
        .await?;
        if owner_id != Some(actor.id) {
            return Err(Error::Forbidden(format!(
                "Only the owner of #{room} can add members."
            )));
        }
        let user = user_named(&mut tx, who).await?;
        sqlx::query(
            "INSERT INTO room_members (room_id, user_id, added_at) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(user.id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(MemberChange { room, user })
    }

    async fn remove_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
    ) -> Result<MemberChange, Error> {
        let mut tx = self.pool.begin().await?;
        let (id, owner_id) = private_room(&mut tx, actor, room, |title| {
            format!("{title} has no members to remove.")
        })
        .await?;
        let user = user_named(&mut tx, who).await?;
        let is_owner = owner_id == Some(actor.id);
        if user.id == actor.id && is_owner {
            return Err(Error::Forbidden(format!(
                "You own #{room}, so you cannot leave it."
            )));
        }
        if user.id != actor.id && !is_owner {
            return Err(Error::Forbidden(format!(
                "Only the owner of #{room} can remove members."
            )));
        }
        let removed = sqlx::query("DELETE FROM room_members WHERE room_id = ? AND user_id = ?")
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(Error::NotMember(user.name, room.clone()));
        }
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(MemberChange { room, user })
    }

    async fn append(&self, new: NewMessage<'_>) -> Result<Appended, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = super::writer::Job {
            room: new.room.clone(),
            author: new.author.clone(),
            body: new.body.clone(),
            key: new.key.cloned(),
            reply,
        };
        if self.writer.send(job).await.is_err() {
            return Err(Error::Commit("the writer task has stopped".into()));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Error::Commit("the writer task has stopped".into())))
    }

    async fn history(
        &self,
        viewer: &User,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        let mut conn = self.pool.acquire().await?;
        let room_id = visible_room_id(&mut conn, viewer.id, room)
            .await?
            .ok_or_else(|| Error::UnknownRoom(room.clone()))?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?"
        ))
        .bind(room_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }

    async fn after(
        &self,
        viewer: &User,
        room: &RoomName,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        let mut conn = self.pool.acquire().await?;
        let room_id = visible_room_id(&mut conn, viewer.id, room)
            .await?
            .ok_or_else(|| Error::UnknownRoom(room.clone()))?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN rooms r ON r.id = m.room_id \
             WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?"
        ))
        .bind(room_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?)
    }
}
