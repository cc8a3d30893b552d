use crate::helpers::{req, Options, TestApp};

#[tokio::test]
async fn history_survives_a_crash_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let c = server.client().await;
    c.ok(&req::create("kept")).await;
    let mut acked = Vec::new();
    for i in 1..=5 {
        acked.push(c.send("kept", &format!("before the crash {i}")).await);
    }
    server.kill().await;

    let server = TestApp::spawn(Options::new().dir(dir.path())).await;
    let c = server.client().await;
    let reply = c.join("kept").await;
    assert_eq!(
        reply.messages, acked,
        "every acknowledged message, in order"
    );
    assert_eq!(c.send("kept", "after").await.seq, 6);
}
