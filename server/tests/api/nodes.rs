//! Several Natter nodes on one PostgreSQL database: every node hands out the same room's seqs,
//! and a key retried on another node finds the original. (PostgreSQL only: run with
//! `NATTER_TEST_POSTGRES`, as `.ci/test` does.)

use crate::helpers::{postgres_server, req, NodeOptions, TestClient, TwoNodes};
use std::collections::{BTreeMap, BTreeSet};

/// Messages each client sends.
const EACH: usize = 40;

#[tokio::test]
async fn two_nodes_on_one_database_keep_one_gapless_seq_and_one_message_per_key() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (several nodes share PostgreSQL only)");
        return;
    }
    // (The send limit is per node and beside the point here.)
    let two = TwoNodes::start(NodeOptions::new().flags(&["--send-rate", "0"])).await;
    let nodes = two.both();
    // Accounts and sessions live in the database: registered on one node, valid on both.
    let users = [
        nodes[0].register("ada").await,
        nodes[1].register("bob").await,
    ];
    let mut clients = vec![];
    for (n, node) in nodes.iter().enumerate() {
        for user in &users {
            let here = TestClient::connect(&node.url, user).await;
            let there = TestClient::connect(&nodes[1 - n].url, user).await;
            clients.push((format!("{}@{n}", user.name), here, there));
        }
    }
    let sending = clients.into_iter().map(|(who, here, there)| {
        tokio::spawn(async move {
            let mut acked = BTreeMap::new();
            for i in 0..EACH {
                let key = format!("{who}-{i}");
                let body = format!("{who} says {i}");
                let send = req::send_keyed("general", &body, &key);
                let message = here.ok(&send).await.message;
                // Every fourth one is retried on the other node, as after a failover.
                if i % 4 == 0 {
                    let again = there.ok(&send).await.message;
                    assert_eq!(again.id, message.id, "{again:?}");
                    assert_eq!(again.seq, message.seq);
                }
                acked.insert(key, message.seq);
            }
            acked
        })
    });
    let mut acked = BTreeMap::new();
    for s in futures_util::future::join_all(sending).await {
        acked.extend(s.unwrap());
    }
    assert_eq!(acked.len(), 4 * EACH);

    // Read back from either node: seqs 1..=n, each key once, each with the seq its ack gave.
    for node in &nodes {
        let reader = TestClient::connect(&node.url, &users[0]).await;
        let mut seqs = vec![];
        let mut bodies = BTreeSet::new();
        for m in reader.read_all("general").await {
            seqs.push(m.seq);
            assert!(bodies.insert(m.body.clone()), "{m:?}");
        }
        let n = acked.len() as i64;
        assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "gapless, no repeats");
        let acked_seqs: BTreeSet<i64> = acked.values().copied().collect();
        assert_eq!(acked_seqs.len(), acked.len(), "every ack its own seq");
    }
}
