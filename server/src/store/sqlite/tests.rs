//! What only SQLite can be made to hold (the engine-generic tests are in `store/tests.rs`).

use super::SqliteStore;
use crate::error::Error;
use crate::store::{Accounts, Store, User};
use app::protocol::{RoomName, Username};

/// A fresh store with one user, ada.
async fn store_with_ada() -> (SqliteStore, User, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let s = SqliteStore::open(&url).await.unwrap();
    let ada = s
        .create_user(&Username::parse("ada").unwrap(), "not-a-real-hash")
        .await
        .unwrap();
    (s, ada, dir)
}

fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

#[tokio::test]
async fn an_unknown_room_kind_in_the_database_is_an_error_not_a_guess() {
    let (s, ada, _dir) = store_with_ada().await;
    let mut conn = s.pool.acquire().await.unwrap();
    // The schema's CHECK refuses such a row; a damaged or newer database may still hold one.
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO rooms (id, name, kind, created_at) VALUES (99, 'odd', 'secret', 0)")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO room_members (room_id, user_id, added_at) VALUES (99, ?, 0)")
        .bind(ada.id)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert!(matches!(
        s.room(&ada, &room("odd")).await,
        Err(Error::Database(_))
    ));
    assert!(matches!(s.rooms(&ada).await, Err(Error::Database(_))));
}

#[tokio::test]
async fn a_request_that_finds_every_connection_busy_is_told_to_try_again_not_left_waiting() {
    let (s, ada, _dir) = store_with_ada().await;
    let mut held = Vec::new();
    for _ in 0..s.pool.options().get_max_connections() {
        held.push(s.pool.acquire().await.unwrap());
    }
    let started = std::time::Instant::now();
    let refused = s.rooms(&ada).await.unwrap_err();
    assert!(matches!(refused, Error::DatabaseBusy), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let told = app::protocol::ErrorBody::from(refused);
    assert_eq!(told.code, app::protocol::ErrorCode::Unavailable);
    assert_eq!(
        told.message,
        "The server is too busy to answer just now. Try again in a few seconds."
    );
    drop(held);
    assert!(
        s.rooms(&ada).await.is_ok(),
        "answered again once one is free"
    );
}
