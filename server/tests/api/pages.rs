//! The server-rendered pages, fetched as a browser without JavaScript would.

use crate::helpers::TestServer;

#[tokio::test]
async fn the_room_page_holds_its_history_in_the_first_html() {
    let (server, _dir) = TestServer::start().await;
    let c = server.client().await;
    for i in 1..=55 {
        c.send("general", &format!("message <{i}> & more")).await;
    }
    let res = reqwest::get(format!("{}/r/general", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("message &lt;55&gt; &amp; more"),
        "newest message, escaped"
    );
    assert!(html.contains("message &lt;6&gt; &amp; more"), "50th newest");
    assert!(
        !html.contains("message &lt;5&gt; &amp; more"),
        "only the last 50"
    );
    assert!(html.contains("general"), "room list");
}

#[tokio::test]
async fn an_unknown_room_is_a_404_page() {
    let (server, _dir) = TestServer::start().await;
    let res = reqwest::get(format!("{}/r/nowhere", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("There is no room named"));
    let res = reqwest::get(format!("{}/no/such/page", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_home_page_lists_rooms() {
    let (server, _dir) = TestServer::start().await;
    let html = reqwest::get(&server.url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/r/general\""), "{html}");
    assert!(html.contains("Display name"));
}
