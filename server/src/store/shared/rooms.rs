// Rooms, memberships and messages: one text for both engines, included by `sqlite/rooms.rs`
// and `postgres/rooms.rs` (`include!`), which give it `Engine` and `Conn`, the SQL functions
// named differently (`POSITION`, `GREATEST`, `LEAST`) and the locks that differ (`lock_room`,
// `lock_user`): docs/storage.md.
//
// Where SQLite relies on its one write lock (`BEGIN IMMEDIATE`) to make a check and the write
// after it one step, PostgreSQL locks the row the check is about, `FOR NO KEY UPDATE`: that
// serializes those who take the same lock, on every node, without blocking the foreign-key
// checks (`FOR KEY SHARE`) of inserts that merely refer to the row.

use crate::error::{Error, OwnerAction};
use crate::store::{
    now_ms, Appended, Changed, Direct, Entered, Health, MemberChange, NewMessage, NewRoomKind,
    ReactionLimits, Rendered, Store, StoredKind, Unrendered, User,
};
use app::protocol::{
    Change, Emoji, Message, MessageBody, NotifyLevel, ReadState, Room, RoomName, Topic, Username,
    DIRECT_PREFIX,
};

/// A room `viewer` can see, or `UnknownRoom`.
async fn visible_room(conn: &mut Conn, viewer: &User, name: &RoomName) -> Result<RoomRow, Error> {
    sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.name = $1 AND {}",
        visible(2)
    ))
    .bind(name.as_str())
    .bind(viewer.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::UnknownRoom(name.clone()))
}

async fn user_named(conn: &mut Conn, name: &Username) -> Result<User, Error> {
    let row: Option<UserRow> =
        sqlx::query_as("SELECT id AS user_id, username FROM users WHERE username = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    row.ok_or_else(|| Error::UnknownUser(name.clone()))?
        .try_into()
}

/// A private room `actor` can see, for a membership change; any other kind is refused.
async fn private_room(conn: &mut Conn, actor: &User, name: &RoomName) -> Result<RoomRow, Error> {
    let row = visible_room(conn, actor, name).await?;
    if row.kind != StoredKind::Private {
        return Err(Error::NotPrivate {
            room: name.clone(),
            kind: row.kind.into(),
        });
    }
    Ok(row)
}

/// A room by id (after a change, to answer with its new state).
async fn room_by_id(conn: &mut Conn, id: i64) -> Result<Room, Error> {
    let row: RoomRow = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.into())
}

/// `text` up to its first NUL. PostgreSQL text cannot hold NUL (binding one is an error) and no
/// room name contains one, so for comparing with room names this is the same string: a name is
/// after `text` exactly when it is after the part before the NUL. (The same on SQLite.)
fn before_nul(text: &str) -> &str {
    text.split('\0').next().unwrap_or(text)
}

#[async_trait::async_trait]
impl Store for Engine {
    async fn rooms(&self, viewer: &User) -> Result<Vec<Room>, Error> {
        let rows: Vec<RoomRow> = sqlx::query_as(&format!(
            "SELECT {ROOM_COLUMNS} FROM rooms r \
             JOIN room_members mine ON mine.room_id = r.id AND mine.user_id = $1 ORDER BY r.name"
        ))
        .bind(viewer.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Room::from).collect())
    }

    async fn browse(&self, query: &str, after: &str, limit: u32) -> Result<Vec<Room>, Error> {
        if query.contains('\0') {
            // No room name holds a NUL, so none contains this query; and binding it would be
            // an error, as PostgreSQL text cannot hold one.
            return Ok(Vec::new());
        }
        // `POSITION`, not LIKE: the query is matched as plain text, with no wildcards to
        // escape. `r.name` compares byte by byte (COLLATE "C" in PostgreSQL's schema).
        let rows: Vec<RoomRow> = sqlx::query_as(&format!(
            "SELECT {ROOM_COLUMNS} FROM rooms r \
             WHERE r.kind = 'public' AND r.name > $1 AND {POSITION}(r.name, $2) > 0 \
             ORDER BY r.name LIMIT $3"
        ))
        .bind(before_nul(after))
        .bind(query)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Room::from).collect())
    }

    async fn room(&self, viewer: &User, name: &RoomName) -> Result<Room, Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(visible_room(&mut conn, viewer, name).await?.into())
    }

    async fn enter(&self, viewer: &User, name: &RoomName) -> Result<Entered, Error> {
        let mut conn = self.pool.acquire().await?;
        let row = visible_room(&mut conn, viewer, name).await?;
        let listed: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2)",
        )
        .bind(row.id)
        .bind(viewer.id)
        .fetch_one(&mut *conn)
        .await?;
        if listed || row.kind != StoredKind::Public {
            return Ok(Entered {
                room: row.into(),
                joined: false,
            });
        }
        // A first visit: write only then, so reading a room stays a read. Of two concurrent
        // first visits, one is told it joined. The read's connection goes back first: holding
        // it while waiting for a writer's would let a burst of first visits take every one.
        drop(conn);
        let mut tx = self.write().await?;
        let added = sqlx::query(
            "INSERT INTO room_members (room_id, user_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(row.id)
        .bind(viewer.id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Entered {
            room: row.into(),
            joined: added.rows_affected() == 1,
        })
    }

    async fn listed_by(&self, room: &RoomName) -> Result<Vec<String>, Error> {
        Ok(sqlx::query_scalar(
            "SELECT u.username FROM rooms r JOIN room_members m ON m.room_id = r.id \
             JOIN users u ON u.id = m.user_id WHERE r.name = $1 AND r.kind = 'public'",
        )
        .bind(room.as_str())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_room(
        &self,
        owner: &User,
        name: &RoomName,
        kind: NewRoomKind,
        most: u32,
    ) -> Result<Room, Error> {
        if name.is_direct() {
            return Err(Error::ReservedRoomName(name.clone()));
        }
        let name = match kind {
            NewRoomKind::Public => name.clone(),
            NewRoomKind::Private => RoomName::private(&owner.name, name),
        };
        let created_at = now_ms();
        let mut tx = self.write().await?;
        // The owner's row is the lock on "how many rooms they own": two creations by one user
        // (from two nodes, say) count one after the other.
        lock_user(&mut tx, owner.id).await?;
        let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms WHERE owner_id = $1")
            .bind(owner.id)
            .fetch_one(&mut *tx)
            .await?;
        if owned >= i64::from(most) {
            return Err(Error::TooManyRooms { most });
        }
        let inserted: Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO rooms (name, kind, owner_id, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(name.as_str())
        .bind(StoredKind::from(kind))
        .bind(owner.id)
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            // The transaction is aborted now; dropping it rolls it back.
            Err(e) if is_unique_violation(&e) => return Err(Error::RoomExists(name)),
            Err(e) => return Err(e.into()),
        };
        sqlx::query("INSERT INTO room_members (room_id, user_id, added_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(owner.id)
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(room)
    }

    async fn open_direct(&self, me: &User, other: &Username) -> Result<Direct, Error> {
        let mut tx = self.write().await?;
        let other = user_named(&mut tx, other).await?;
        if other.id == me.id {
            return Err(Error::DirectWithSelf);
        }
        let (lo, hi) = (me.id.min(other.id), me.id.max(other.id));
        let name = format!("{DIRECT_PREFIX}{lo}-{hi}");
        let now = now_ms();
        // Of two first openings at once, the second waits for the first's commit here, then
        // inserts nothing and finds the room below.
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO rooms (name, kind, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(&name)
        .bind(StoredKind::Direct)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match created {
            Some(id) => {
                for user in [lo, hi] {
                    sqlx::query(
                        "INSERT INTO room_members (room_id, user_id, added_at) \
                         VALUES ($1, $2, $3)",
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
                sqlx::query_scalar("SELECT id FROM rooms WHERE name = $1")
                    .bind(&name)
                    .fetch_one(&mut *tx)
                    .await?,
                false,
            ),
        };
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Direct { room, created })
    }

    async fn add_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
        most: u32,
    ) -> Result<MemberChange, Error> {
        let mut tx = self.write().await?;
        // Locked first, so the member count below stays true until the commit.
        lock_room(&mut tx, room).await?;
        let found = private_room(&mut tx, actor, room).await?;
        if found.owner_id != Some(actor.id) {
            return Err(Error::NotOwner {
                room: room.clone(),
                action: OwnerAction::AddMembers,
            });
        }
        let id = found.id;
        let user = user_named(&mut tx, who).await?;
        let (members, already): (i64, bool) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(CASE WHEN user_id = $1 THEN 1 ELSE 0 END), 0) = 1 \
             FROM room_members WHERE room_id = $2",
        )
        .bind(user.id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if !already && members >= i64::from(most) {
            return Err(Error::RoomFull {
                room: room.clone(),
                most,
            });
        }
        let inserted = sqlx::query(
            "INSERT INTO room_members (room_id, user_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(user.id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(MemberChange {
            room,
            user,
            changed: inserted.rows_affected() == 1,
        })
    }

    async fn remove_member(
        &self,
        actor: &User,
        room: &RoomName,
        who: &Username,
    ) -> Result<MemberChange, Error> {
        let mut tx = self.write().await?;
        // Locked first, as the writer locks a room before it checks its author may post
        // there: a removal falls wholly before or wholly after each batch of messages.
        lock_room(&mut tx, room).await?;
        let found = visible_room(&mut tx, actor, room).await?;
        let id = found.id;
        let user = user_named(&mut tx, who).await?;
        match found.kind {
            // Anyone may join a public room, and leave it: nobody else takes them out.
            StoredKind::Public if user.id == actor.id => {}
            StoredKind::Public | StoredKind::Direct => {
                return Err(Error::NotPrivate {
                    room: room.clone(),
                    kind: found.kind.into(),
                })
            }
            StoredKind::Private => {
                let is_owner = found.owner_id == Some(actor.id);
                if user.id == actor.id && is_owner {
                    return Err(Error::OwnerCannotLeave(room.clone()));
                }
                if user.id != actor.id && !is_owner {
                    return Err(Error::NotOwner {
                        room: room.clone(),
                        action: OwnerAction::RemoveMembers,
                    });
                }
            }
        }
        let removed = sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(Error::NotMember(user.name, room.clone()));
        }
        let room = room_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(MemberChange {
            room,
            user,
            changed: true,
        })
    }

    async fn set_topic(&self, actor: &User, room: &RoomName, topic: &Topic) -> Result<Room, Error> {
        let mut tx = self.write().await?;
        // A room's kind and owner never change, so the check needs no lock; the UPDATE takes
        // the row's, and the answer read after it is this topic.
        let found = visible_room(&mut tx, actor, room).await?;
        let allowed = match found.kind {
            StoredKind::Public => true,
            StoredKind::Private => found.owner_id == Some(actor.id),
            StoredKind::Direct => false,
        };
        if !allowed {
            return Err(Error::TopicNotAllowed {
                room: room.clone(),
                kind: found.kind.into(),
            });
        }
        sqlx::query("UPDATE rooms SET topic = $1 WHERE id = $2")
            .bind(topic.as_str())
            .bind(found.id)
            .execute(&mut *tx)
            .await?;
        let room = room_by_id(&mut tx, found.id).await?;
        tx.commit().await?;
        Ok(room)
    }

    async fn append(&self, new: NewMessage<'_>) -> Result<Appended, Error> {
        self.writer.append(new).await
    }

    async fn edit(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        body: &MessageBody,
        rendered: &Rendered,
        mentions: &[String],
    ) -> Result<Changed, Error> {
        changes::edit(self, actor, room, seq, body, rendered, mentions).await
    }

    async fn delete(&self, actor: &User, room: &RoomName, seq: i64) -> Result<Changed, Error> {
        changes::delete(self, actor, room, seq).await
    }

    async fn pin(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        on: bool,
        most: usize,
    ) -> Result<Changed, Error> {
        changes::pin(self, actor, room, seq, on, most).await
    }

    async fn pins(
        &self,
        viewer: &User,
        room: &RoomName,
        limit: usize,
    ) -> Result<Vec<Message>, Error> {
        changes::pins(self, viewer, room, limit).await
    }

    async fn react(
        &self,
        actor: &User,
        room: &RoomName,
        seq: i64,
        emoji: &Emoji,
        on: bool,
        limits: ReactionLimits,
    ) -> Result<Changed, Error> {
        changes::react(self, actor, room, seq, emoji, on, limits).await
    }

    async fn changes(
        &self,
        viewer: &User,
        room: &RoomName,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>, Error> {
        changes::changes(self, viewer, room, after, limit).await
    }

    async fn read_states(
        &self,
        viewer: &User,
        room: Option<&RoomName>,
    ) -> Result<Vec<ReadState>, Error> {
        // `room` NULL: every room.
        let mut conn = self.pool.acquire().await?;
        let reads: Vec<ReadRow> = sqlx::query_as(
            "SELECT r.name AS room, rm.read_seq, rm.notify FROM room_members rm \
             JOIN rooms r ON r.id = rm.room_id \
             WHERE rm.user_id = $1 AND (CAST($2 AS TEXT) IS NULL OR r.name = $2) ORDER BY r.name",
        )
        .bind(viewer.id)
        .bind(room.map(RoomName::as_str))
        .fetch_all(&mut *conn)
        .await?;
        // The unread messages that mention the viewer: those after the read position whose
        // `mentions` holds their name as a whole word.
        let mentions: Vec<MentionRow> = sqlx::query_as(&format!(
            "SELECT r.name AS room, m.seq FROM room_members rm \
             JOIN rooms r ON r.id = rm.room_id \
             JOIN messages m ON m.room_id = rm.room_id AND m.seq > rm.read_seq \
             WHERE rm.user_id = $1 AND m.mentions <> '' \
               AND {POSITION}(' ' || m.mentions || ' ', ' ' || $2 || ' ') > 0 \
               AND (CAST($3 AS TEXT) IS NULL OR r.name = $3) \
             ORDER BY r.name, m.seq"
        ))
        .bind(viewer.id)
        .bind(viewer.name.as_str())
        .bind(room.map(RoomName::as_str))
        .fetch_all(&mut *conn)
        .await?;
        Ok(read_states(reads, mentions))
    }

    async fn mark_read(&self, viewer: &User, room: &RoomName, seq: i64) -> Result<i64, Error> {
        let mut tx = self.write().await?;
        let found = visible_room(&mut tx, viewer, room).await?;
        let read: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE room_members SET read_seq = \
               {GREATEST}(read_seq, {LEAST}($1, (SELECT last_seq FROM rooms WHERE id = room_id))) \
             WHERE room_id = $2 AND user_id = $3 RETURNING read_seq"
        ))
        .bind(seq)
        .bind(found.id)
        .bind(viewer.id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        read.ok_or_else(|| Error::NotListed(room.clone()))
    }

    async fn set_notify(
        &self,
        viewer: &User,
        room: &RoomName,
        level: NotifyLevel,
    ) -> Result<NotifyLevel, Error> {
        let mut tx = self.write().await?;
        let found = visible_room(&mut tx, viewer, room).await?;
        let set: Option<String> = sqlx::query_scalar(
            "UPDATE room_members SET notify = $1 WHERE room_id = $2 AND user_id = $3 \
             RETURNING notify",
        )
        .bind(level.as_str())
        .bind(found.id)
        .bind(viewer.id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        set.and_then(|s| NotifyLevel::parse(&s))
            .ok_or_else(|| Error::NotListed(room.clone()))
    }

    fn health(&self) -> Health {
        self.writer.health()
    }

    async fn failed(&self) -> String {
        self.writer.failed().await
    }

    async fn drain(&self) {
        self.writer.drain().await
    }

    async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn unrendered(&self, limit: i64) -> Result<Vec<Unrendered>, Error> {
        Ok(sqlx::query_as(
            "SELECT id, body FROM messages WHERE html IS NULL AND NOT deleted LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_rendered(&self, rendered: &[(String, Rendered)]) -> Result<(), Error> {
        let mut tx = self.write().await?;
        for (id, r) in rendered {
            sqlx::query(
                "UPDATE messages SET html = $1, snippet = $2 \
                 WHERE id = $3 AND html IS NULL AND NOT deleted",
            )
            .bind(&r.html)
            .bind(&r.snippet)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn history(
        &self,
        viewer: &User,
        room: &RoomName,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        let mut conn = self.pool.acquire().await?;
        let room_id = readable_room_id(&mut conn, viewer, room).await?;
        let mut messages = messages(
            &mut conn,
            "WHERE m.room_id = $2 AND m.seq < $3 ORDER BY m.seq DESC LIMIT $4",
            viewer.id,
            room_id,
            before.unwrap_or(i64::MAX),
            limit,
        )
        .await?;
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
        let room_id = readable_room_id(&mut conn, viewer, room).await?;
        Ok(messages(
            &mut conn,
            "WHERE m.room_id = $2 AND m.seq > $3 ORDER BY m.seq ASC LIMIT $4",
            viewer.id,
            room_id,
            after,
            limit,
        )
        .await?)
    }
}
