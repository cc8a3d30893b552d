//! The server-rendered pages, fetched as a browser without JavaScript would.

use crate::helpers::{Options, TestApp, TestClient};

#[tokio::test]
async fn the_room_page_holds_its_history_in_the_first_html() {
    let server = TestApp::spawn(Options::new().flags(&["--send-rate", "0"])).await;
    let ada = server.register("ada").await;
    let c = TestClient::connect(&server.url, &ada).await;
    for i in 1..=55 {
        c.send("general", &format!("message <{i}> & more")).await;
    }
    let res = server.get("/r/general", Some(&ada)).await;
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
    assert!(html.contains("href=\"/r/general\""), "room list");
    // Each body is isolated: a direction override inside it cannot reorder the page around it.
    assert!(
        html.contains(r#"<div dir="auto" class="body md"><p>message &lt;55&gt; &amp; more</p>"#),
        "bodies are rendered as Markdown, with dir=auto"
    );
}

#[tokio::test]
async fn an_unknown_room_is_a_404_page() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let res = server.get("/r/nowhere", Some(&ada)).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("There is no room named"));
    let res = server.get("/no/such/page", Some(&ada)).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_home_page_lists_rooms_and_who_is_logged_in() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let html = server.get("/", Some(&ada)).await.text().await.unwrap();
    assert!(html.contains("href=\"/r/general\""), "{html}");
    assert!(html.contains("data-testid=\"me\""), "{html}");
    assert!(html.contains(">ada<"), "{html}");
    assert!(html.contains("action=\"/auth/logout\""));
}

#[tokio::test]
async fn without_a_session_pages_send_you_to_the_login() {
    let server = TestApp::spawn(Options::new()).await;
    for path in ["/", "/r/general"] {
        let res = server.get(path, None).await;
        assert_eq!(res.status(), 302, "{path}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/login?next="), "{path} -> {location}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("href=\"/r/general\""), "no room list leaks");
    }
    // A program asking for anything (curl's `Accept: */*`) is redirected too, not sent an
    // empty page.
    for accept in ["*/*", "application/json"] {
        let res = crate::helpers::http()
            .get(format!("{}/r/general", server.url))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "Accept: {accept}");
        assert!(res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
    }
    let login = server.get("/login", None).await;
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    assert!(html.contains("action=\"/auth/login\""), "{html}");
    assert!(html.contains("name=\"password\""));
    let register = server.get("/register", None).await.text().await.unwrap();
    assert!(register.contains("action=\"/auth/register\""));
}
