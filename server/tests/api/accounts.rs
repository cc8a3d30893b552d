//! Registering, logging in and out, and who a message is from.

use crate::helpers::{
    connect_refusal, error_code, session_cookie, Options, TestApp, TestClient, PASSWORD,
};
use app::protocol::{event, Message};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn register_then_log_in_with_an_httponly_lax_cookie() {
    let server = TestApp::spawn(Options::new()).await;
    let res = server
        .post_form(
            "/auth/register",
            &[("username", " Ada "), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr} in {set_cookie}");
    }
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "username": "ada", "admin": true }),
        "the first account is an administrator"
    );

    let res = server.login("ADA", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    let me = crate::helpers::http()
        .get(format!("{}/auth/me", server.url))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "ada");
    assert_eq!(server.get("/auth/me", None).await.status(), 401);
}

#[tokio::test]
async fn bad_registrations_get_clear_errors() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    let cases = [
        ("Ada", PASSWORD, 409, "username_taken"),
        ("a", PASSWORD, 400, "invalid_username"),
        ("has space", PASSWORD, 400, "invalid_username"),
        ("bob", "short", 400, "invalid_password"),
    ];
    for (name, password, status, code) in cases {
        let res = server
            .post_form(
                "/auth/register",
                &[("username", name), ("password", password)],
                None,
            )
            .await;
        assert_eq!(res.status(), status, "{name}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), code, "{name}");
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    let wrong = server.login("ada", "not the password").await;
    let unknown = server.login("nobody", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(session_cookie(&wrong).is_none());
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        unknown.json::<Value>().await.unwrap()
    );
}

#[tokio::test]
async fn repeated_failures_make_the_next_attempt_wait() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    for _ in 0..5 {
        assert_eq!(server.login("ada", "guess").await.status(), 401);
    }
    // Even the right password waits now.
    let res = server.login("ada", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "too_many_attempts");
    // Other users are not slowed.
    server.register("bob").await;
    assert_eq!(server.login("bob", PASSWORD).await.status(), 200);
    // After the wait, the right password works.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(server.login("ada", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn a_stranger_guessing_cannot_keep_the_owner_out() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    // The stranger guesses from another address (127.0.0.2 is this machine too).
    let stranger = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let guess = || {
        stranger
            .post(format!("{}/auth/login", server.url))
            .header("Origin", &server.url)
            .header("Accept", "application/json")
            .form(&[("username", "ada"), ("password", "guess")])
            .send()
    };
    for _ in 0..5 {
        assert_eq!(guess().await.unwrap().status(), 401);
    }
    let slowed = guess().await.unwrap();
    assert_eq!(slowed.status(), 429, "the guesser waits");
    assert!(slowed.headers().contains_key("retry-after"));
    // Ada, at her own address, logs in at once.
    assert_eq!(server.login("ada", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_forms_redirect_like_a_browser_expects() {
    let server = TestApp::spawn(Options::new()).await;
    server.register("ada").await;
    let form = |name: &'static str, password: &'static str| {
        crate::helpers::http()
            .post(format!("{}/auth/login", server.url))
            .header("Origin", &server.url)
            .form(&[
                ("username", name),
                ("password", password),
                ("next", "/r/general"),
            ])
            .send()
    };
    let ok = form("ada", PASSWORD).await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/r/general");
    assert!(session_cookie(&ok).is_some());
    let bad = form("ada", "wrong password").await.unwrap();
    assert_eq!(bad.status(), 303);
    let location = bad.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/login?error=bad_credentials&username=ada&next=%2Fr%2Fgeneral"),
        "{location}"
    );
}

#[tokio::test]
async fn the_author_is_the_logged_in_user_whatever_the_client_claims() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let mut c = TestClient::connect(&server.url, &ada).await;
    c.join("general").await;
    // As JSON: a typed request has no `author` to forge.
    let ack = c
        .request(
            "send",
            json!({ "room": "general", "author": "mallory", "body": "hi" }),
        )
        .await;
    assert_eq!(ack["message"]["author"], "ada");
    assert_eq!(c.next_as::<Message>(event::MESSAGE).await.author, "ada");
}

#[tokio::test]
async fn logging_out_ends_the_session_and_closes_its_sockets() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let mut laptop = TestClient::connect(&server.url, &ada).await;
    let other_session = server.login("ada", PASSWORD).await;
    let other = crate::helpers::TestUser {
        name: "ada".into(),
        cookie: session_cookie(&other_session).unwrap(),
    };
    let phone = TestClient::connect(&server.url, &other).await;

    let res = server.post_form("/auth/logout", &[], Some(&ada)).await;
    assert_eq!(res.status(), 204);
    let cleared = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // This session's socket is closed, and its cookie opens nothing any more.
    laptop.closed().await;
    assert_eq!(server.get("/auth/me", Some(&ada)).await.status(), 401);
    let refusal = connect_refusal(&server.url, Some(&ada.cookie)).await;
    assert!(refusal.contains("not_authenticated"), "{refusal}");
    // The other session (another browser) is still logged in.
    phone.rooms().await;

    // Logging out everywhere closes that one too.
    let res = server
        .post_form("/auth/logout", &[("everywhere", "1")], Some(&other))
        .await;
    assert_eq!(res.status(), 204);
    let mut phone = phone;
    phone.closed().await;
    assert_eq!(server.get("/auth/me", Some(&other)).await.status(), 401);
}

#[tokio::test]
async fn a_closed_server_takes_only_its_first_account() {
    let server = TestApp::spawn(Options::new().flags(&["--registration", "closed"])).await;
    // An empty database: the first account can still be made, so the server can be set up.
    let owner = server.register("owner").await;
    let res = server
        .post_form(
            "/auth/register",
            &[("username", "stranger"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Registration is closed"));
    // The form gets the reason on the register page.
    let form = crate::helpers::http()
        .post(format!("{}/auth/register", server.url))
        .header("Origin", &server.url)
        .form(&[("username", "stranger"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 303);
    let location = form.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/register?error=forbidden"),
        "{location}"
    );
    let page = server.get(&location, None).await.text().await.unwrap();
    assert!(page.contains("Registration is closed on this server"));
    // Existing users log in as before.
    assert_eq!(server.login(&owner.name, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let server = TestApp::spawn(Options::new().flags(&["--registrations-per-hour", "2"])).await;
    server.register("first").await;
    server.register("second").await;
    let res = server
        .post_form(
            "/auth/register",
            &[("username", "third"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After: {wait}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Nothing was created, and the others still log in.
    assert_eq!(server.login("third", PASSWORD).await.status(), 401);
    assert_eq!(server.login("first", PASSWORD).await.status(), 200);
}
