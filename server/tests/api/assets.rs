//! What the server sends to browsers over HTTP: compressed when they accept it, cached for good
//! when the name carries a hash, never cached when it is a page with someone's data, and the
//! Socket.IO endpoint left alone.

use crate::helpers::{http, Options, TestApp};
use std::io::Write;

const HASHED: &str = "natter.AbCdEfGhIjKlMnOpQrStUv.wasm";

/// A fake built front end: `pkg/natter.js` (plain) and a hashed `.wasm` with `.br` and `.gz`
/// copies, as `cargo leptos build --release --precompress` with `hash-files` leaves them.
fn write_site(dir: &std::path::Path) -> Vec<u8> {
    let pkg = dir.join("site").join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = (0..20_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    std::fs::write(pkg.join(HASHED), &wasm).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm).unwrap();
    std::fs::write(pkg.join(format!("{HASHED}.gz")), gz.finish().unwrap()).unwrap();
    // Not real brotli: the test checks which copy is chosen, by its bytes.
    std::fs::write(pkg.join(format!("{HASHED}.br")), b"brotli copy").unwrap();
    std::fs::write(
        pkg.join("natter.js"),
        "export function hydrate() {}\n".repeat(200),
    )
    .unwrap();
    wasm
}

async fn get(url: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = http().get(url);
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn static_files_are_sent_precompressed_by_accept_encoding_and_cached_by_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = write_site(dir.path());
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let url = format!("{}/pkg/{HASHED}", server.url);

    let br = get(&url, Some("gzip, deflate, br")).await;
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(br.headers()["vary"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("accept-encoding"));
    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli copy");

    let gz = get(&url, Some("gzip")).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let body = gz.bytes().await.unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_ref()), &mut plain)
        .unwrap();
    assert_eq!(plain, wasm);

    let none = get(&url, None).await;
    assert!(none.headers().get("content-encoding").is_none());
    assert_eq!(none.bytes().await.unwrap().len(), wasm.len());

    // A name without a hash is revalidated each time; a missing file is never cached.
    let js = get(&format!("{}/pkg/natter.js", server.url), Some("gzip")).await;
    assert_eq!(js.headers()["cache-control"], "no-cache");
    assert_eq!(
        js.headers()["content-encoding"],
        "gzip",
        "compressed on the way out"
    );
    let missing = get(&format!("{}/pkg/nothing.wasm", server.url), None).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn pages_are_compressed_and_never_cached_and_socket_io_is_left_alone() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.register("ada").await;
    let page = http()
        .get(format!("{}/r/general", server.url))
        .header("cookie", &ada.cookie)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "br");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let login = get(&format!("{}/login", server.url), Some("gzip")).await;
    assert_eq!(login.headers()["content-encoding"], "gzip");
    assert_eq!(login.headers()["cache-control"], "no-store");

    let polling = http()
        .get(format!("{}/socket.io/?EIO=4&transport=polling", server.url))
        .header("cookie", &ada.cookie)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(polling.status(), 200);
    assert!(
        polling.headers().get("content-encoding").is_none(),
        "Socket.IO is not compressed by this layer"
    );
}
