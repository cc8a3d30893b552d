use crate::helpers::{error_code, read_as, req, room_names, Options, TestApp, TestClient};
use app::protocol::{event, BrowseReply, BrowseRequest, ErrorCode, RoomReply};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn rooms_lists_the_default_room_and_new_ones() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    let rooms = c.rooms().await;
    assert_eq!(rooms.rooms[0].name, "general");
    c.ok(&req::create("ops")).await;
    let rooms = c.rooms().await;
    assert_eq!(room_names(&rooms.rooms), ["general", "ops"]);
}

#[tokio::test]
async fn creating_a_room_twice_is_refused() {
    let server = TestApp::spawn(Options::new()).await;
    let c = server.client().await;
    c.ok(&req::create("ops")).await;
    assert_eq!(
        c.refused(&req::create("ops")).await.code,
        ErrorCode::RoomExists
    );
    assert_eq!(
        c.refused(&req::create("general")).await.code,
        ErrorCode::RoomExists
    );
}

#[tokio::test]
async fn a_joined_room_stays_in_your_list_on_every_device_until_you_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let ada = server.register("ada").await;
    let bob = server.register("bob").await;
    let ada_tab = TestClient::connect(&server.url, &ada).await;
    ada_tab.ok(&req::create("design")).await;
    // Bob starts with general only; opening the room puts it in his list, on his phone too.
    let laptop = TestClient::connect(&server.url, &bob).await;
    let mut phone = TestClient::connect(&server.url, &bob).await;
    assert_eq!(room_names(&laptop.rooms().await.rooms), ["general"]);
    laptop.join("design").await;
    let added: RoomReply = phone.next_as(event::ROOM_ADDED).await;
    assert_eq!(added.room.name, "design");
    // Opening it again announces nothing new.
    laptop.join("design").await;
    phone.none("room_added", QUIET).await;
    assert_eq!(
        room_names(&phone.rooms().await.rooms),
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
        room_names(&laptop.rooms().await.rooms),
        ["design", "general"]
    );

    // Leaving takes it out of the list everywhere; the room itself stays for the others.
    phone.join("design").await;
    let left = laptop.ok(&req::remove_member("design", "bob")).await;
    assert_eq!(left.room.name, "design");
    let removed: RoomReply = phone.next_as(event::ROOM_REMOVED).await;
    assert_eq!(removed.room.name, "design");
    let ada_tab = TestClient::connect(&server.url, &ada).await;
    ada_tab.send("design", "after bob left").await;
    phone.none("message", QUIET).await;
    assert_eq!(room_names(&laptop.rooms().await.rooms), ["general"]);
    // Nobody takes someone else out of a public room.
    let reply = ada_tab.refused(&req::remove_member("general", "bob")).await;
    assert_eq!(reply.code, ErrorCode::Forbidden);
    // Leaving twice: not in the list.
    let reply = laptop.refused(&req::remove_member("design", "bob")).await;
    assert_eq!(reply.code, ErrorCode::UnknownUser);
}

#[tokio::test]
async fn browse_pages_through_every_public_room_and_searches_by_name() {
    let flags = ["--rooms-per-hour", "0"];
    let server = TestApp::spawn(Options::new().flags(&flags)).await;
    let c = server.client().await;
    let mut made = vec!["general".to_owned()];
    for i in 0..57 {
        let name = format!("team-{i:02}");
        c.ok(&req::create(&name)).await;
        made.push(name);
    }
    c.ok(&req::create_private("hidden")).await;
    made.sort();

    let mut seen = vec![];
    let mut after = None::<String>;
    let mut pages = 0;
    loop {
        let page = c
            .ok(&BrowseRequest {
                limit: Some(20),
                after: after.clone(),
                ..BrowseRequest::default()
            })
            .await;
        pages += 1;
        seen.extend(room_names(&page.rooms));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, made,
        "every public room once, in order, and no private one"
    );
    // A default page is 50; a search matches part of the name.
    let first = c.ok(&req::browse("")).await;
    assert_eq!(first.rooms.len(), 50);
    // As JSON too: on the last page `next` is absent, not null.
    let raw = c.raw(&req::browse(" Team-1")).await;
    let found: BrowseReply = read_as(&raw);
    assert_eq!(found.rooms.len(), 10);
    assert!(raw.get("next").is_none(), "{raw}");
    assert!(c.ok(&req::browse("%")).await.rooms.is_empty());
    // Out-of-range fields, as JSON: the server's own checks of them.
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
        c.ok(&req::create(&format!("busy-{i}"))).await;
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
