// Users and sessions: one text for both engines, included by `sqlite/accounts.rs` and
// `postgres/accounts.rs` (`include!`), which give it `Engine` and `Conn` and what differs, the
// first account's locks (`lock_while_no_users`, `lock_users`; docs/storage.md).

use crate::error::Error;
use crate::store::{now_ms, Accounts, Credentials, StoredSession, User};
use app::protocol::{Username, DEFAULT_ROOM};

/// A new user's list starts with the default room (when it exists).
async fn start_in_default_room(conn: &mut Conn, user_id: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO room_members (room_id, user_id, added_at) \
         SELECT id, $1, $2 FROM rooms WHERE name = $3 AND kind = 'public'",
    )
    .bind(user_id)
    .bind(now_ms())
    .bind(DEFAULT_ROOM)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Accounts for Engine {
    async fn create_user(&self, name: &Username, password_hash: &str) -> Result<User, Error> {
        let mut tx = self.write().await?;
        // The first user is an administrator: while there is none, registrations take turns.
        lock_while_no_users(&mut tx).await?;
        let result: Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, created_at, is_admin) \
             SELECT $1, $2, $3, NOT EXISTS (SELECT 1 FROM users) RETURNING id",
        )
        .bind(name.as_str())
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await;
        let id = match result {
            Ok(id) => id,
            // The transaction is aborted now; dropping it rolls it back.
            Err(e) if is_unique_violation(&e) => return Err(Error::UsernameTaken(name.clone())),
            Err(e) => return Err(e.into()),
        };
        start_in_default_room(&mut tx, id).await?;
        tx.commit().await?;
        Ok(User {
            id,
            name: name.clone(),
        })
    }

    async fn create_first_user(
        &self,
        name: &Username,
        password_hash: &str,
    ) -> Result<Option<User>, Error> {
        let mut tx = self.write().await?;
        // "No user yet" must stay true until this one is stored, on every node.
        lock_users(&mut tx).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, created_at, is_admin) \
             SELECT $1, $2, $3, TRUE WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id",
        )
        .bind(name.as_str())
        .bind(password_hash)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            start_in_default_room(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(id.map(|id| User {
            id,
            name: name.clone(),
        }))
    }

    async fn has_users(&self) -> Result<bool, Error> {
        Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn credentials(&self, name: &Username) -> Result<Option<Credentials>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT id AS user_id, username, password_hash FROM users WHERE username = $1",
        )
        .bind(name.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Credentials {
                user: r.user.try_into()?,
                password_hash: r.password_hash,
            })
        })
        .transpose()
    }

    async fn create_session(
        &self,
        user: &User,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<(), Error> {
        let now = now_ms();
        // Expired sessions go when new ones come: the table holds live ones and a few more.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
            .bind(user.id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<StoredSession>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            expires_at: i64,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT u.id AS user_id, u.username, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredSession {
                user: r.user.try_into()?,
                expires_at: r.expires_at,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_sessions_of(&self, user: &User) -> Result<(), Error> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn is_admin(&self, user: &User) -> Result<bool, Error> {
        let admin: Option<bool> = sqlx::query_scalar("SELECT is_admin FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(admin.unwrap_or(false))
    }

    async fn set_admin(&self, name: &Username, admin: bool) -> Result<(), Error> {
        let mut tx = self.write().await?;
        let changed = sqlx::query("UPDATE users SET is_admin = $1 WHERE username = $2")
            .bind(admin)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        if changed == 0 {
            return Err(Error::UnknownUser(name.clone()));
        }
        Ok(())
    }

    async fn admins(&self) -> Result<Vec<Username>, Error> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT id AS user_id, username FROM users WHERE is_admin = TRUE ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| User::try_from(row).map(|u| u.name))
            .collect()
    }
}
