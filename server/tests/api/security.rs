//! The socket is locked down: no session, no socket; foreign origins are refused; state changes
//! need the right Origin (the public URL's alone when set); sends are rate-limited without closing
//! anything; pages carry security headers and a nonce'd policy.

use crate::helpers::{
    connect_refusal, http, req, room_names, Options, TestApp, TestClient, PASSWORD,
};
use app::protocol::ErrorCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn a_socket_without_a_live_session_only_gets_an_error() {
    let server = TestApp::spawn(Options::new()).await;
    let refusal = connect_refusal(&server.url, None).await;
    assert!(refusal.contains("not_authenticated"), "{refusal}");
    let refusal = connect_refusal(&server.url, Some("natter_session=forged")).await;
    assert!(refusal.contains("not_authenticated"), "{refusal}");
}

async fn websocket_with_origin(url: &str, origin: &str) -> Result<u16, u16> {
    let ws = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        url.replacen("http", "ws", 1)
    );
    let mut req = ws.into_client_request().unwrap();
    req.headers_mut().insert("Origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, res)) => Ok(res.status().as_u16()),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("handshake failed oddly: {e}"),
    }
}

#[tokio::test]
async fn a_foreign_origin_cannot_open_a_socket() {
    let server =
        TestApp::spawn(Options::new().flags(&["--allowed-origins", "https://chat.example.com"]))
            .await;
    // Cross-site WebSocket hijacking: a page on another site opens a socket with our cookies.
    assert_eq!(
        websocket_with_origin(&server.url, "http://evil.example").await,
        Err(403)
    );
    assert_eq!(
        websocket_with_origin(&server.url, &server.url).await,
        Ok(101)
    );
    assert_eq!(
        websocket_with_origin(&server.url, "https://chat.example.com").await,
        Ok(101)
    );
    // The same for the long-polling handshake.
    let polling = format!("{}/socket.io/?EIO=4&transport=polling", server.url);
    let foreign = http()
        .get(&polling)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let own = http().get(&polling).send().await.unwrap();
    assert_eq!(own.status(), 200);
}

#[tokio::test]
async fn state_changing_requests_need_an_allowed_origin() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let create = |origin: Option<&'static str>| {
        let mut req = http()
            .post(format!("{}/api/create_room", server.url))
            .header("Cookie", &ada.cookie)
            .form(&[("name", "forged")]);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        req.send()
    };
    // A form on another site posting with the user's cookie, or a request naming no origin.
    assert_eq!(
        create(Some("http://evil.example")).await.unwrap().status(),
        403
    );
    assert_eq!(create(None).await.unwrap().status(), 403);
    let login = http()
        .post(format!("{}/auth/login", server.url))
        .header("Origin", "http://evil.example")
        .form(&[("username", "ada"), ("password", crate::helpers::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    let c = TestClient::connect(&server.url, &ada).await;
    let rooms = c.rooms().await;
    assert!(
        !room_names(&rooms.rooms).contains(&"forged".to_owned())
            && !rooms.reads.iter().any(|r| r.room == "forged"),
        "nothing was created"
    );
    // The same request from the server's own pages works (Referer counts when Origin is absent).
    let ok = http()
        .post(format!("{}/api/create_room", server.url))
        .header("Cookie", &ada.cookie)
        .header("Referer", format!("{}/r/general", server.url))
        .header("Accept", "application/json")
        .form(&[("name", "real")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn sends_are_rate_limited_per_user_and_nothing_closes() {
    let server =
        TestApp::spawn(Options::new().flags(&["--send-rate", "1", "--send-burst", "3"])).await;
    let c = server.client().await;
    for i in 0..3 {
        c.send("general", &format!("burst {i}")).await;
    }
    let refused = c.refused(&req::send("general", "one too many")).await;
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert!(refused.message.contains("Try again in"));
    // The socket still works for everything else, and other users are not limited.
    assert_eq!(c.history("general").await.len(), 3);
    let other = server.client().await;
    other.send("general", "me too").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    c.send("general", "later").await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_policy_with_their_scripts_nonce() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let page = server.get("/r/general", Some(&ada)).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(
        headers["cache-control"], "no-store",
        "a page with Ada's data"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the inline scripts carry the policy's nonce"
    );
    for tag in html.split("<script").skip(1) {
        assert!(
            tag.contains("nonce="),
            "every inline script has the nonce: {tag:.80}"
        );
    }
    let again = server.get("/r/general", Some(&ada)).await;
    assert_ne!(
        again.headers()["content-security-policy"],
        headers["content-security-policy"],
        "a fresh nonce per response"
    );
    // Not a page: nothing may run.
    let health = crate::helpers::http()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    let csp = health.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}

#[tokio::test]
async fn a_public_url_is_the_one_origin_and_makes_the_cookie_host_only() {
    let server =
        TestApp::spawn(Options::new().flags(&["--public-url", "https://chat.example.com"])).await;
    let post = |origin: &'static str| {
        crate::helpers::http()
            .post(format!("{}/auth/register", server.url))
            .header("Origin", origin)
            .header("Accept", "application/json")
            .form(&[("username", "ada"), ("password", PASSWORD)])
            .send()
    };
    // The server's own host over plain http is not its public origin.
    let own_host = Box::leak(server.url.clone().into_boxed_str());
    assert_eq!(post(own_host).await.unwrap().status(), 403);
    assert_eq!(
        post("http://chat.example.com").await.unwrap().status(),
        403,
        "scheme"
    );
    let ok = post("https://chat.example.com").await.unwrap();
    assert_eq!(ok.status(), 200);
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-natter_session="))
        .expect("a __Host- session cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The cookie works under its name.
    let pair = cookie.split(';').next().unwrap();
    let me = crate::helpers::http()
        .get(format!("{}/auth/me", server.url))
        .header("Cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}
