//! Administrators: the first account of an empty database is one, and `natter admin
//! grant|revoke|list` changes and shows who is, beside a running server.

use crate::helpers::{postgres_database, Options, TestApp};
use app::protocol::{ErrorCode, OpsWatchRequest};
use std::path::Path;

/// Runs `natter admin <args>` on the database of data folder `dir`: (success, what it printed).
async fn admin(dir: &Path, args: &[&str]) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_natter"));
    command.arg("--data-dir").arg(dir);
    if let Some(url) = postgres_database(dir).await {
        command.args(["--database-url", &url]);
    }
    let out = command
        .arg("admin")
        .args(args)
        .output()
        .await
        .expect("run natter admin");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text.trim().to_owned())
}

#[tokio::test]
async fn the_first_account_is_an_administrator_and_the_command_line_changes_who_is() {
    let server = TestApp::spawn(Options::new()).await;
    let dir = server.dir();
    assert_eq!(
        admin(dir, &["list"]).await,
        (true, "There are no administrators.".to_owned())
    );
    server.register("ada").await;
    server.register("bob").await;
    assert_eq!(admin(dir, &["list"]).await, (true, "ada".to_owned()));

    let (ok, said) = admin(dir, &["grant", "bob"]).await;
    assert!(ok, "{said}");
    assert_eq!(said, "bob is an administrator now.");
    assert_eq!(admin(dir, &["list"]).await, (true, "ada\nbob".to_owned()));
    let (ok, said) = admin(dir, &["revoke", "ada"]).await;
    assert!(ok, "{said}");
    assert_eq!(admin(dir, &["list"]).await, (true, "bob".to_owned()));

    let (ok, said) = admin(dir, &["grant", "nobody"]).await;
    assert!(!ok);
    assert_eq!(said, "natter admin: there is no user named nobody");
    let (ok, said) = admin(dir, &["grant", "Not A Name!"]).await;
    assert!(!ok, "{said}");
}

#[tokio::test]
async fn the_command_line_refuses_a_folder_without_a_database() {
    if crate::helpers::postgres_server().is_some() {
        return; // the folder names a PostgreSQL database there
    }
    let empty = tempfile::tempdir().unwrap();
    let (ok, said) = admin(empty.path(), &["list"]).await;
    assert!(!ok);
    assert!(said.contains("there is no database at"), "{said}");
    assert!(
        !empty.path().join("natter.db").exists(),
        "nothing was created"
    );
}

#[tokio::test]
async fn a_revoked_administrator_stops_hearing_the_dashboard() {
    let server = TestApp::spawn(Options::new()).await;
    let dir = server.dir();
    let ada = server.register("ada").await;
    let mut c = crate::helpers::TestClient::connect(&server.url, &ada).await;
    c.ok(&OpsWatchRequest {}).await;
    c.next_within("ops_window", std::time::Duration::from_secs(3))
        .await;
    assert!(admin(dir, &["revoke", "ada"]).await.0);
    // Within a few seconds (the hub checks its watchers every 5 s), the windows stop.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    c.drain();
    c.none("ops_window", std::time::Duration::from_millis(2500))
        .await;
    let refused = c.refused(&OpsWatchRequest {}).await;
    assert_eq!(refused.code, ErrorCode::NotFound);
}
