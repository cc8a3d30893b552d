use crate::helpers::{error_code, room_names_json, Options, TestApp, TestClient};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn rooms_lists_the_default_room_and_new_ones() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    let rooms = c.request("rooms", json!({})).await;
    assert_eq!(rooms["rooms"][0]["name"], "general");
    c.request("create_room", json!({ "name": "ops" })).await;
    let rooms = c.request("rooms", json!({})).await;
    assert_eq!(room_names_json(&rooms), ["general", "ops"]);
}

#[tokio::test]
async fn creating_a_room_twice_is_refused() {
    let server = TestApp::spawn(Options::new()).await;
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

#[tokio::test]
async fn a_joined_room_stays_in_your_list_on_every_device_until_you_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let ada = server.register("ada").await;
    let bob = server.register("bob").await;
    let ada_tab = TestClient::connect(&server.url, &ada).await;
    ada_tab
        .request("create_room", json!({ "name": "design" }))
        .await;
    // Bob starts with general only; opening the room puts it in his list, on his phone too.
    let laptop = TestClient::connect(&server.url, &bob).await;
    let mut phone = TestClient::connect(&server.url, &bob).await;
    assert_eq!(
        room_names_json(&laptop.request("rooms", json!({})).await),
        ["general"]
    );
    laptop.join_json("design").await;
    assert_eq!(phone.next("room_added").await["room"]["name"], "design");
    // Opening it again announces nothing new.
    laptop.join_json("design").await;
    phone.none("room_added", QUIET).await;
    assert_eq!(
        room_names_json(&phone.request("rooms", json!({})).await),
        ["design", "general"]
    );

    // Remembered across a restart.
    drop((laptop, phone, ada_tab));
    server.kill().await;
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    // (Sessions are stored: the same cookies still work.)
    let laptop = TestClient::connect(&server.url, &bob).await;
    let mut phone = TestClient::connect(&server.url, &bob).await;
    assert_eq!(
        room_names_json(&laptop.request("rooms", json!({})).await),
        ["design", "general"]
    );

    // Leaving takes it out of the list everywhere; the room itself stays for the others.
    phone.join_json("design").await;
    let left = laptop
        .request(
            "remove_member",
            json!({ "room": "design", "username": "bob" }),
        )
        .await;
    assert_eq!(left["room"]["name"], "design");
    assert_eq!(phone.next("room_removed").await["room"]["name"], "design");
    let ada_tab = TestClient::connect(&server.url, &ada).await;
    ada_tab.send_json("design", "after bob left").await;
    phone.none("message", QUIET).await;
    assert_eq!(
        room_names_json(&laptop.request("rooms", json!({})).await),
        ["general"]
    );
    // Nobody takes someone else out of a public room.
    let reply = ada_tab
        .request(
            "remove_member",
            json!({ "room": "general", "username": "bob" }),
        )
        .await;
    assert_eq!(error_code(&reply), "forbidden");
    // Leaving twice: not in the list.
    let reply = laptop
        .request(
            "remove_member",
            json!({ "room": "design", "username": "bob" }),
        )
        .await;
    assert_eq!(error_code(&reply), "unknown_user");
}

#[tokio::test]
async fn browse_pages_through_every_public_room_and_searches_by_name() {
    let flags = ["--rooms-per-hour", "0"];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let c = server.client().await;
    let mut made = vec!["general".to_owned()];
    for i in 0..57 {
        let name = format!("team-{i:02}");
        let made_one = c.request("create_room", json!({ "name": name })).await;
        assert!(made_one.get("room").is_some(), "{made_one}");
        made.push(name);
    }
    c.request("create_room", json!({ "name": "hidden", "private": true }))
        .await;
    made.sort();

    let mut seen = vec![];
    let mut after = None::<String>;
    let mut pages = 0;
    loop {
        let mut req = json!({ "limit": 20 });
        if let Some(a) = &after {
            req["after"] = json!(a);
        }
        let page = c.request("browse", req).await;
        pages += 1;
        seen.extend(room_names_json(&page));
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, made,
        "every public room once, in order, and no private one"
    );
    // A default page is 50; a search matches part of the name.
    let first = c.request("browse", json!({})).await;
    assert_eq!(room_names_json(&first).len(), 50);
    let found = c.request("browse", json!({ "query": " Team-1" })).await;
    assert_eq!(room_names_json(&found).len(), 10);
    assert!(found.get("next").is_none());
    assert!(room_names_json(&c.request("browse", json!({ "query": "%" })).await).is_empty());
    for bad in [
        json!({ "limit": 0 }),
        json!({ "limit": 51 }),
        json!({ "query": "x".repeat(33) }),
    ] {
        assert_eq!(error_code(&c.request("browse", bad).await), "bad_payload");
    }
    // The page shows the same, with links to go on.
    let user = server.register("pat").await;
    let html = server
        .get("/rooms?q=team-0", Some(&user))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(">#team-09<") && !html.contains(">#team-10<"),
        "{html}"
    );
    let html = server
        .get("/rooms", Some(&user))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_sidebar_holds_your_rooms_not_every_room_on_the_server() {
    let flags = ["--rooms-per-hour", "0"];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let c = server.client().await;
    for i in 0..40 {
        let made = c
            .request("create_room", json!({ "name": format!("busy-{i}") }))
            .await;
        assert!(made.get("room").is_some(), "{made}");
    }
    let newcomer = server.register("newcomer").await;
    let html = server.get("/", Some(&newcomer)).await.text().await.unwrap();
    assert!(html.contains("#general") || html.contains(">general<"));
    assert!(
        !html.contains("busy-1"),
        "a new user's sidebar lists general only"
    );
    assert!(
        html.contains("href=\"/rooms\""),
        "with the way to browse the rest"
    );
}
