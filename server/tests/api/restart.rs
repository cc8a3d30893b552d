use crate::helpers::{Options, TestApp};
use serde_json::json;

#[tokio::test]
async fn history_survives_a_crash_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let c = server.client().await;
    c.request("create_room", json!({ "name": "kept" })).await;
    let mut acked = Vec::new();
    for i in 1..=5 {
        acked.push(c.send_json("kept", &format!("before the crash {i}")).await["message"].clone());
    }
    server.kill().await;

    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let c = server.client().await;
    let reply = c.join_json("kept").await;
    assert_eq!(
        reply["messages"],
        json!(acked),
        "every acknowledged message, in order"
    );
    assert_eq!(c.send_json("kept", "after").await["message"]["seq"], 6);
}
