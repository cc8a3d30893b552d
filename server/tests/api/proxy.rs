//! Two nodes behind nginx, configured by `deploy/nginx/natter.conf` itself (only its ports
//! rewritten), with PostgreSQL and Redis: users on different nodes chat live, long-polling
//! clients stay on their node, logging out on one node closes sockets on the other, and after a
//! kill -9 of one node its clients carry on through the other with nothing lost or twice.
//! (PostgreSQL only: run with `NATTER_TEST_POSTGRES`, as `.ci/test` does; needs Debian's nginx.)
//!
//! nginx picks a node by the client's address (`hash $remote_addr consistent`), so each test
//! client reaches it through an [`entry`] that connects from an address of its own, 127.0.0.N.

use crate::checker::{assert_acked_stored_once, full_histories, seed, Checker, Rng};
use crate::helpers::{
    free_port, postgres_server, req, NodeOptions, Site, TestClient, TestRedis, TwoNodes, WAIT,
};
use app::protocol::{event, Message};
use rust_socketio::TransportType;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

/// nginx running `deploy/nginx/natter.conf` in a folder of its own, in front of `nodes`.
struct Nginx {
    addr: SocketAddr,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl Nginx {
    async fn start(nodes: [&str; 2]) -> Nginx {
        let site = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/nginx/natter.conf"
        ))
        .expect("deploy/nginx/natter.conf");
        let port = free_port();
        let rewritten = site
            .replace("127.0.0.1:3001", nodes[0])
            .replace("127.0.0.1:3002", nodes[1])
            .replace(
                "listen 127.0.0.1:8080;",
                &format!("listen 127.0.0.1:{port};"),
            );
        assert!(
            rewritten.contains(nodes[0]) && rewritten.contains(nodes[1]),
            "the deploy config lists nodes 127.0.0.1:3001 and :3002"
        );
        assert!(
            rewritten.contains(&format!(":{port};")),
            "it listens on 127.0.0.1:8080"
        );
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers may run as another user (nobody); they write buffered bodies here.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let d = dir.path().display();
        std::fs::write(dir.path().join("natter.conf"), rewritten).unwrap();
        // One process (no master and workers): killing it on drop leaves no worker behind
        // holding a port.
        let main = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/natter.conf;\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("nginx (Debian's nginx-core package; .ci/setup test installs it)");
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nginx");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Nginx {
                    addr,
                    _child: child,
                    _dir: dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
        panic!("nginx did not listen on {addr}: {log}");
    }
}

/// A loopback port whose connections reach `proxy` from `source` (127.0.0.N): to nginx, a
/// client at that address.
async fn entry(source: IpAddr, proxy: SocketAddr) -> Site {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                let socket = TcpSocket::new_v4().unwrap();
                socket.bind(SocketAddr::new(source, 0)).unwrap();
                if let Ok(mut outbound) = socket.connect(proxy).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    Site { url }
}

/// The body of the next `message` `client` hears.
async fn body_of(client: &mut TestClient) -> String {
    client.next_as::<Message>(event::MESSAGE).await.body
}

/// The node that answers `site`'s `/healthz`, if one does.
async fn node_of(site: &Site) -> Option<String> {
    let res = crate::helpers::http()
        .get(format!("{}/healthz", site.url))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let body: Value = res.json().await.ok()?;
    body["node"].as_str().map(str::to_owned)
}

/// The node answering `site`'s `/healthz` (if any) once `wanted` holds of it, or when
/// `within` has passed.
async fn node_answering(
    site: &Site,
    wanted: impl Fn(Option<&str>) -> bool,
    within: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let answered = node_of(site).await;
        if wanted(answered.as_deref()) || tokio::time::Instant::now() >= deadline {
            return answered;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cluster: PostgreSQL (the tests' server), Redis, nodes `a` and `b`, nginx in front, and
/// entries from `per_node` client addresses that nginx sends to each node.
struct Cluster {
    nodes: TwoNodes,
    _redis: TestRedis,
    _nginx: Nginx,
    /// Entries nginx sends to node a, and to node b (while both are up).
    to: [Vec<Site>; 2],
}

const NAMES: [&str; 2] = ["a", "b"];

impl Cluster {
    async fn start(per_node: usize) -> Cluster {
        let redis = TestRedis::start().await;
        let flags = [
            "--trusted-proxies",
            "127.0.0.1",
            // Retries after a crash would hit the send limit; this tests delivery.
            "--send-rate",
            "0",
            // A heartbeat every second, so the test sees several go through nginx.
            "--ping-interval-ms",
            "1000",
            "--ping-timeout-ms",
            "1000",
        ];
        let options = NodeOptions::new().redis(&redis).named(NAMES).flags(&flags);
        let nodes = TwoNodes::start(options).await;
        let nginx = Nginx::start(nodes.addrs()).await;
        let mut to: [Vec<Site>; 2] = [Vec::new(), Vec::new()];
        for n in 2..=200u8 {
            if to.iter().all(|t| t.len() >= per_node) {
                break;
            }
            let site = entry(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)), nginx.addr).await;
            let node = node_of(&site).await.expect("a node answers through nginx");
            let i = NAMES.iter().position(|n| *n == node).unwrap();
            if to[i].len() < per_node {
                to[i].push(site);
            }
        }
        assert!(
            to.iter().all(|t| t.len() >= per_node),
            "nginx spreads 127.0.0.2-200 over both nodes"
        );
        Cluster {
            nodes,
            _redis: redis,
            _nginx: nginx,
            to,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_nginx_users_chat_across_nodes_polling_stays_on_its_node_and_logout_reaches_every_node(
) {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let cluster = Cluster::start(2).await;
    let [to_a, to_b] = &cluster.to;

    // Ada on node a over WebSocket, Bob on node b over long-polling only: every poll and post
    // of his session must reach node b, or his connection would fail at once.
    let ada = to_a[0].register("ada").await;
    let bob = to_b[0].register("bob").await;
    let mut ada_ws = TestClient::connect(&to_a[0].url, &ada).await;
    let mut bob_poll = TestClient::connect_with(&to_b[0].url, TransportType::Polling, &bob).await;
    ada_ws.join("general").await;
    bob_poll.join("general").await;
    for i in 0..5 {
        ada_ws.send("general", &format!("ada {i}")).await;
        assert_eq!(body_of(&mut bob_poll).await, format!("ada {i}"));
        bob_poll.send("general", &format!("bob {i}")).await;
        assert_eq!(body_of(&mut ada_ws).await, format!("ada {i}"));
        assert_eq!(body_of(&mut ada_ws).await, format!("bob {i}"));
        assert_eq!(body_of(&mut bob_poll).await, format!("bob {i}"));
    }
    // Long-polls and heartbeats (1 s here) keep going through the proxy: after several, both
    // are still connected and hearing.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    ada_ws.send("general", "still there?").await;
    assert_eq!(body_of(&mut bob_poll).await, "still there?");

    // Carol is connected to node b; she logs out everywhere through node a: node b closes her
    // socket.
    let carol = to_b[1].register("carol").await;
    let mut carol_b = TestClient::connect(&to_b[1].url, &carol).await;
    let out = to_a[1]
        .post_form("/auth/logout", &[("everywhere", "1")], Some(&carol))
        .await;
    assert!(out.status().is_success() || out.status().is_redirection());
    tokio::time::timeout(WAIT, carol_b.closed())
        .await
        .expect("logging out on node a closes her socket on node b");
    assert!(
        TestClient::try_connect_with(&to_b[1].url, TransportType::Websocket, Some(&carol.cookie))
            .await
            .is_none(),
        "her session is gone on node b too"
    );

    // Behind the trusted proxy, per-address limits see each client's own address: failed
    // logins from one address do not refuse another's.
    for _ in 0..5 {
        assert_eq!(to_a[0].login("ada", "wrong password").await.status(), 401);
    }
    let refused = to_a[0].login("ada", "wrong password").await;
    assert_eq!(refused.status(), 429, "one address guessing is slowed down");
    let other = to_a[1].login("ada", crate::helpers::PASSWORD).await;
    assert_eq!(other.status(), 200, "another address logs in at once");
}

const CLIENTS_PER_NODE: usize = 3;
const SENDS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_nginx_a_killed_node_loses_nothing_and_takes_traffic_again_after_its_restart() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs NATTER_TEST_POSTGRES (nodes share PostgreSQL)");
        return;
    }
    let seed = seed();
    let mut cluster = Cluster::start(CLIENTS_PER_NODE + 1).await;
    let rooms = ["general", "second"];

    // Clients on both nodes, half of them long-polling, in one or both rooms.
    let mut users = Vec::new();
    for (node, sites) in cluster.to.iter().enumerate() {
        for (c, site) in sites.iter().take(CLIENTS_PER_NODE).enumerate() {
            users.push((site.clone(), site.register(&format!("n{node}c{c}")).await));
        }
    }
    TestClient::connect(&users[0].0.url, &users[0].1)
        .await
        .ok(&req::create("second"))
        .await;
    let mut tasks = Vec::new();
    for (c, (site, user)) in users.iter().cloned().enumerate() {
        let mut rng = Rng(seed.wrapping_add((c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        tasks.push(tokio::spawn(async move {
            let joined: Vec<&str> = match c % 3 {
                0 => vec!["general"],
                1 => vec!["second"],
                _ => vec!["general", "second"],
            };
            let mut checker = Checker::new(Arc::new(Mutex::new(site.url.clone())), &joined, user);
            if c % 2 == 1 {
                checker.polling = true;
            }
            let mut acked = Vec::new();
            for i in 0..SENDS {
                let room = joined[rng.below(joined.len() as u64) as usize];
                let key = format!("c{c}-{i}");
                let message = checker
                    .send(room, &key, &format!("client {c} message {i}"))
                    .await;
                acked.push((room.to_owned(), key, message));
                tokio::time::sleep(Duration::from_millis(20 + rng.below(60))).await;
            }
            (checker, acked)
        }));
    }

    // Meanwhile: kill -9 node a. Through nginx, its clients' addresses now reach node b.
    tokio::time::sleep(Duration::from_millis(800)).await;
    cluster.nodes.kill(0).await;
    let moved = &cluster.to[0][0];
    let answered = node_answering(moved, |n| n.is_some(), Duration::from_secs(5)).await;
    assert_eq!(
        answered.as_deref(),
        Some("b"),
        "node a's clients reach node b"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.nodes.restart(0).await;

    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("client task"));
    }
    let reconnects: usize = results.iter().map(|(c, _)| c.reconnects).sum();

    // The restarted node takes traffic again once nginx tries it anew (after fail_timeout).
    let back = &cluster.to[0][CLIENTS_PER_NODE];
    let answered = node_answering(back, |n| n == Some("a"), Duration::from_secs(15)).await;
    assert_eq!(
        answered.as_deref(),
        Some("a"),
        "node a answers its clients again"
    );
    let late = back.register("late").await;
    let mut late_a = TestClient::connect(&back.url, &late).await;
    late_a.join("general").await;
    let on_b = &cluster.to[1][CLIENTS_PER_NODE];
    let dora = on_b.register("dora").await;
    let dora_b = TestClient::connect(&on_b.url, &dora).await;
    dora_b.join("general").await;
    dora_b.send("general", "welcome back, a").await;
    assert_eq!(
        body_of(&mut late_a).await,
        "welcome back, a",
        "a client on the restarted node hears b"
    );
    drop(late_a);

    // Nothing lost, nothing twice: every acknowledged message once, as acknowledged, and every
    // client's copy of its rooms the full ordered history (with dora's line, sent last).
    let reader = TestClient::connect(&on_b.url, &dora).await;
    let truth = full_histories(&reader, &rooms).await;
    let mut before_dora = truth.clone();
    let last = before_dora.get_mut("general").unwrap().pop().unwrap();
    assert_eq!(last["body"], "welcome back, a");
    let acked: Vec<_> = results
        .iter()
        .flat_map(|(_, a)| a.iter().cloned())
        .collect();
    assert_acked_stored_once(&before_dora, &acked);
    let mut polling = 0;
    for (mut checker, _) in results {
        if checker.polling {
            polling += 1;
        }
        checker.assert_holds(&truth).await;
    }
    println!(
        "behind nginx: {} clients ({polling} polling), {} messages, node a killed and restarted, \
         {reconnects} connections",
        users.len(),
        acked.len()
    );
}
