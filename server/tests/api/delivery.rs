//! The delivery checker: many clients send, edit, react and delete while they drop and resume
//! their connections and while the server is killed (SIGKILL) and restarted; afterwards every
//! client must hold exactly the server's full, ordered sequence of every room it joined, each
//! message as it stands after its changes, having applied every change once and in order.

use crate::checker::{assert_acked_stored_once, full_histories, seed, Checker, Rng};
use crate::helpers::{req, Options, TestApp, TestClient};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

const CLIENTS: usize = 8;
const SENDS_PER_CLIENT: usize = 30;
const RESTARTS: usize = 2;
const ROOMS: [&str; 2] = ["general", "second"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_client_ends_with_every_message_once_in_order() {
    let seed = seed();

    let dir = tempfile::tempdir().unwrap();
    // The checker tests delivery, not the send limit: retries after drops would hit it.
    const FLAGS: &[&str] = &["--send-rate", "0", "--change-rate", "0"];
    let server = TestApp::spawn(Options::new().dir(dir.path()).flags(FLAGS)).await;
    let url = Arc::new(Mutex::new(server.url.clone()));
    let addr = server.addr().to_owned();
    let mut users = Vec::new();
    for c in 0..CLIENTS {
        users.push(server.register(&format!("checker{c}")).await);
    }
    TestClient::connect(&server.url, &users[0])
        .await
        .ok(&req::create("second"))
        .await;

    // The clients: each joins one or both rooms and sends with random pauses and drops.
    let mut tasks = Vec::new();
    for (c, user) in users.iter().cloned().enumerate() {
        let url = url.clone();
        let mut rng = Rng(seed.wrapping_add((c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        tasks.push(tokio::spawn(async move {
            let rooms = match c % 3 {
                0 => vec!["general"],
                1 => vec!["second"],
                _ => vec!["general", "second"],
            };
            let mut checker = Checker::new(url, &rooms, user);
            let mut acked = Vec::new();
            let mut deleted: Vec<(&str, i64)> = Vec::new();
            for i in 0..SENDS_PER_CLIENT {
                let room = rooms[rng.below(rooms.len() as u64) as usize];
                let key = format!("c{c}-{i}");
                let message = checker
                    .send(room, &key, &format!("client {c} message {i}"))
                    .await;
                acked.push((room.to_owned(), key, message));
                // Now and then, change one of its own messages in that room.
                let mine: Vec<i64> = acked
                    .iter()
                    .filter(|(r, _, _)| r == room)
                    .map(|(_, _, m)| m["seq"].as_i64().unwrap())
                    .filter(|s| !deleted.contains(&(room, *s)))
                    .collect();
                if !mine.is_empty() && rng.below(3) == 0 {
                    let seq = mine[rng.below(mine.len() as u64) as usize];
                    match rng.below(10) {
                        0 => {
                            deleted.push((room, seq));
                            checker.change(&req::delete(room, seq)).await;
                        }
                        1..=4 => {
                            let body = format!("client {c} edit {i}");
                            checker.change(&req::edit(room, seq, &body)).await;
                        }
                        _ => {
                            let emoji = ["👍", "🎉", "👀"][rng.below(3) as usize];
                            let mut react = req::react(room, seq, emoji);
                            react.on = rng.below(3) != 0;
                            checker.change(&react).await;
                        }
                    };
                }
                if rng.below(10) == 0 {
                    checker.drop_connection().await;
                }
                tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
            }
            (checker, acked)
        }));
    }

    // Meanwhile: crash the server and bring it back on the same address, more than once.
    let mut server = server;
    for _ in 0..RESTARTS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        server.kill().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server = TestApp::spawn(Options::new().dir(dir.path()).addr(&addr).flags(FLAGS)).await;
        *url.lock().await = server.url.clone();
    }

    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("client task"));
    }

    // The truth: every room's full history, read from a fresh client.
    let reader = TestClient::connect(&server.url, &users[0]).await;
    let truth = full_histories(&reader, &ROOMS).await;
    let acked: Vec<_> = results
        .iter()
        .flat_map(|(_, a)| a.iter().cloned())
        .collect();
    assert_acked_stored_once(&truth, &acked);
    let total = acked.len();

    let mut last_change = std::collections::HashMap::new();
    for room in ROOMS {
        let joined = reader.join(room).await;
        last_change.insert(room.to_owned(), joined.room.last_change);
    }
    let changes: i64 = last_change.values().sum();
    assert!(changes > 0, "the clients changed some messages");

    // Every client, after resuming once more, holds exactly the full sequence of its rooms, and
    // applied every change of them once, in order.
    let mut reconnects = 0;
    for (mut checker, _) in results {
        *checker.url.lock().await = server.url.clone();
        checker.assert_holds(&truth).await;
        checker.assert_applied_every_change(&last_change);
        reconnects += checker.reconnects;
    }
    println!(
        "checker: {CLIENTS} clients, {total} messages, {changes} changes, {RESTARTS} server kills, \
         {reconnects} connections"
    );
}
