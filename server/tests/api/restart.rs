use crate::helpers::TestServer;
use serde_json::json;

#[tokio::test]
async fn history_survives_a_crash_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path()).await;
    let c = server.client().await;
    c.request("create_room", json!({ "name": "kept" })).await;
    let mut acked = Vec::new();
    for i in 1..=5 {
        acked.push(c.send("kept", &format!("before the crash {i}")).await["message"].clone());
    }
    server.kill().await;

    let server = TestServer::start_in(dir.path()).await;
    let c = server.client().await;
    let reply = c.join("kept").await;
    assert_eq!(
        reply["messages"],
        json!(acked),
        "every acknowledged message, in order"
    );
    assert_eq!(c.send("kept", "after").await["message"]["seq"], 6);
}
