// The queries both engines' stores share (who may see a room, messages with their reactions,
// who a body mentions): one text, included by `sqlite/mod.rs` and `postgres/mod.rs`
// (`include!`), which give it `Conn`, and the one thing that differs, how a list is bound
// (`in_list`, `bind_list`; docs/storage.md).

use app::protocol::RoomName;

/// The SQL condition "user `$n` may see room `r`"; binds one user id, as placeholder `$n`.
fn visible(n: u8) -> String {
    format!(
        "(r.kind = 'public' OR EXISTS \
         (SELECT 1 FROM room_members vm WHERE vm.room_id = r.id AND vm.user_id = ${n}))"
    )
}

/// The id of room `name` when `viewer` (a user id) may see it: the check every read of a
/// room's messages makes.
async fn visible_room_id(
    conn: &mut Conn,
    viewer: i64,
    name: &RoomName,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT r.id FROM rooms r WHERE r.name = $1 AND {}",
        visible(2)
    ))
    .bind(name.as_str())
    .bind(viewer)
    .fetch_optional(conn)
    .await
}

/// The id of room `room` when `viewer` may see it; `UnknownRoom` otherwise (private rooms are
/// not found by guessing).
async fn readable_room_id(
    conn: &mut Conn,
    viewer: &crate::store::User,
    room: &RoomName,
) -> Result<i64, crate::error::Error> {
    visible_room_id(conn, viewer.id, room)
        .await?
        .ok_or_else(|| crate::error::Error::UnknownRoom(room.clone()))
}

/// The columns of [`RoomRow`], from `rooms r`; binds nothing. (`string_agg` is SQLite's too,
/// since 3.44; sqlx bundles 3.46.)
const ROOM_COLUMNS: &str = "r.id, r.name, r.kind, r.owner_id, r.topic, r.last_seq, \
     r.last_change, r.created_at, \
     (SELECT username FROM users WHERE id = r.owner_id) AS owner, \
     CASE WHEN r.kind = 'public' THEN NULL ELSE \
       (SELECT string_agg(u.username, ' ') FROM room_members m JOIN users u ON u.id = m.user_id \
        WHERE m.room_id = r.id) END AS members";

/// The columns of [`MessageRow`], from `messages m JOIN rooms r`. Binds one user id, the reader,
/// as placeholder `$n`: a message's idempotency key is shown to its author only. The message a
/// reply answers is read by scalar subqueries, so every query keeps its one FROM clause.
fn message_columns(n: u8) -> String {
    format!(
        "m.id, r.name AS room, m.seq, m.author, m.body, m.html, m.ts, m.mentions, \
         CASE WHEN m.author_id = ${n} THEN m.client_key END AS client_key, \
         m.edited_at, m.deleted, m.reply_to, m.pinned_at, m.pinned_by, \
         (SELECT o.author FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_author, \
         (SELECT o.snippet FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_snippet, \
         (SELECT o.deleted FROM messages o WHERE o.room_id = m.room_id AND o.seq = m.reply_to) \
           AS reply_deleted"
    )
}

/// The messages of `rows` (all of room `room_id`), with their reactions: one more query for
/// the whole page.
async fn with_reactions(
    conn: &mut Conn,
    room_id: i64,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
    if messages.is_empty() {
        return Ok(messages);
    }
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    let sql = format!(
        "SELECT x.seq, x.emoji, u.username FROM reactions x JOIN users u ON u.id = x.user_id \
         WHERE x.room_id = $1 AND x.seq {} ORDER BY x.seq, x.change",
        in_list(2, seqs.len())
    );
    let reactions: Vec<ReactionRow> = bind_list(sqlx::query_as(&sql).bind(room_id), &seqs)
        .fetch_all(&mut *conn)
        .await?;
    attach_reactions(&mut messages, reactions);
    Ok(messages)
}

/// Messages of room `room_id` as `viewer` (a user id) reads them, by `tail` (a
/// WHERE/ORDER/LIMIT tail binding the room id as `$2`, a seq as `$3` and a limit as `$4`; `$1`
/// is the viewer).
async fn messages(
    conn: &mut Conn,
    tail: &str,
    viewer: i64,
    room_id: i64,
    seq: i64,
    limit: u32,
) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id {tail}",
        message_columns(1)
    ))
    .bind(viewer)
    .bind(room_id)
    .bind(seq)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, room_id, rows).await
}

/// Message `seq` of room `room_id` as `viewer` (a user id) reads it, if there is one.
async fn message_at(
    conn: &mut Conn,
    viewer: i64,
    room_id: i64,
    seq: i64,
) -> Result<Option<Message>, sqlx::Error> {
    let mut found = messages(
        conn,
        "WHERE m.room_id = $2 AND m.seq = $3 LIMIT $4",
        viewer,
        room_id,
        seq,
        1,
    )
    .await?;
    Ok(found.pop())
}

/// The messages of room `room_id` with the seqs `seqs`, as `viewer` (a user id) reads them,
/// ascending.
async fn messages_at(
    conn: &mut Conn,
    viewer: i64,
    room_id: i64,
    seqs: &[i64],
) -> Result<Vec<Message>, sqlx::Error> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM messages m JOIN rooms r ON r.id = m.room_id \
         WHERE m.room_id = $2 AND m.seq {} ORDER BY m.seq",
        message_columns(1),
        in_list(3, seqs.len())
    );
    let rows: Vec<MessageRow> = bind_list(sqlx::query_as(&sql).bind(viewer).bind(room_id), seqs)
        .fetch_all(&mut *conn)
        .await?;
    with_reactions(conn, room_id, rows).await
}

/// Of the usernames in `candidates`, those who are members of room `room_id` (have it in their
/// list), in the order written: who a message (new or edited) mentions.
async fn mentioned_members(
    conn: &mut Conn,
    room_id: i64,
    candidates: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.username FROM room_members rm JOIN users u ON u.id = rm.user_id \
         WHERE rm.room_id = $1 AND u.username {}",
        in_list(2, candidates.len())
    );
    let members: Vec<(String,)> = bind_list(sqlx::query_as(&sql).bind(room_id), candidates)
        .fetch_all(conn)
        .await?;
    let members: Vec<String> = members.into_iter().map(|(m,)| m).collect();
    Ok(in_order(candidates, &members))
}
