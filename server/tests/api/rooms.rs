use crate::helpers::{error_code, room_names, TestServer};
use serde_json::json;

#[tokio::test]
async fn rooms_lists_the_default_room_and_new_ones() {
    let (server, _dir) = TestServer::start().await;
    let c = server.client().await;
    let rooms = c.request("rooms", json!({})).await;
    assert_eq!(rooms["rooms"][0]["name"], "general");
    c.request("create_room", json!({ "name": "ops" })).await;
    let rooms = c.request("rooms", json!({})).await;
    assert_eq!(room_names(&rooms), ["general", "ops"]);
}

#[tokio::test]
async fn creating_a_room_twice_is_refused() {
    let (server, _dir) = TestServer::start().await;
    let c = server.client().await;
    c.request("create_room", json!({ "name": "ops" })).await;
    assert_eq!(
        error_code(&c.request("create_room", json!({ "name": "ops" })).await),
        "room_exists"
    );
    assert_eq!(
        error_code(&c.request("create_room", json!({ "name": "general" })).await),
        "room_exists"
    );
}
