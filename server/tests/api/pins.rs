//! Pinned messages: pinned and unpinned live for everyone in the room, listed by `join`
//! (the newest pin first), caught up through the change log after a disconnect, limited per
//! room, refused where not allowed, and gone with a deletion.

use crate::helpers::{error_code, TestClient, TestServer};
use serde_json::{json, Value};

fn seq(ack: &Value) -> i64 {
    ack["message"]["seq"].as_i64().expect("a stored message")
}

fn pin_seqs(join: &Value) -> Vec<i64> {
    join["pins"]
        .as_array()
        .map(|p| p.iter().map(|m| m["seq"].as_i64().unwrap()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_pin_reaches_the_room_live_is_listed_by_join_and_caught_up_after_a_disconnect() {
    let (server, _dir) = TestServer::start().await;
    let bob_user = server.register("bob").await;
    let mut ada = server.client().await;
    let mut bob = TestClient::connect(&server.url, &bob_user).await;
    ada.join("general").await;
    bob.join("general").await;
    let first = seq(&ada.send("general", "the plan").await);
    let second = seq(&ada.send("general", "the other plan").await);

    let ack = bob
        .request("pin", json!({ "room": "general", "seq": first }))
        .await;
    assert_eq!(ack["change"], 1, "{ack}");
    assert_eq!(
        ack["message"]["pinned"]["by"].as_str(),
        Some(bob.name.as_str())
    );
    for c in [&mut ada, &mut bob] {
        let change = c.next("change").await;
        assert_eq!(change["kind"], "pin");
        assert_eq!(change["seq"], first);
        assert!(
            change["message"]["pinned"]["at"].as_i64().is_some(),
            "{change}"
        );
    }
    // Pinning again changes nothing.
    let again = ada
        .request("pin", json!({ "room": "general", "seq": first }))
        .await;
    assert!(again.get("change").is_none(), "{again}");

    ada.request("pin", json!({ "room": "general", "seq": second }))
        .await;
    let joined = bob.request("join", json!({ "room": "general" })).await;
    assert_eq!(pin_seqs(&joined), [second, first], "the newest pin first");

    // Bob is away while Ada unpins the first; his join with changes_after carries it.
    let upto = joined["room"]["last_change"].as_i64().unwrap();
    bob.disconnect().await;
    let unpinned = ada
        .request(
            "pin",
            json!({ "room": "general", "seq": first, "on": false }),
        )
        .await;
    assert!(unpinned["message"].get("pinned").is_none(), "{unpinned}");
    let bob = TestClient::connect(&server.url, &bob_user).await;
    let back = bob
        .request(
            "join",
            json!({ "room": "general", "after": second, "changes_after": upto }),
        )
        .await;
    assert_eq!(back["changes"][0]["kind"], "unpin", "{back}");
    assert_eq!(back["changes"][0]["seq"], first);
    assert_eq!(pin_seqs(&back), [second]);

    // A deletion unpins.
    ada.request("delete", json!({ "room": "general", "seq": second }))
        .await;
    let joined = bob.request("join", json!({ "room": "general" })).await;
    assert!(pin_seqs(&joined).is_empty(), "{joined}");
    let gone = bob
        .request("pin", json!({ "room": "general", "seq": second }))
        .await;
    assert_eq!(error_code(&gone), "message_deleted");
}

#[tokio::test]
async fn a_room_holds_fifty_pins_and_only_a_private_rooms_owner_pins_there() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_with(dir.path(), &["--send-rate", "0", "--change-rate", "0"]).await;
    let ada_user = server.register("ada").await;
    let bob_user = server.register("bob").await;
    let ada = TestClient::connect(&server.url, &ada_user).await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    for i in 1..=51 {
        ada.send("general", &format!("note {i}")).await;
    }
    for i in 1..=50 {
        let ack = ada
            .request("pin", json!({ "room": "general", "seq": i }))
            .await;
        assert!(ack.get("error").is_none(), "{ack}");
    }
    let full = ada
        .request("pin", json!({ "room": "general", "seq": 51 }))
        .await;
    assert_eq!(error_code(&full), "limit_reached", "{full}");
    assert!(full["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unpin one first"));

    ada.request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    ada.request(
        "add_member",
        json!({ "room": "ada/plans", "username": "bob" }),
    )
    .await;
    let n = seq(&bob.send("ada/plans", "a thought").await);
    let refused = bob
        .request("pin", json!({ "room": "ada/plans", "seq": n }))
        .await;
    assert_eq!(error_code(&refused), "forbidden", "{refused}");
    let ok = ada
        .request("pin", json!({ "room": "ada/plans", "seq": n }))
        .await;
    assert_eq!(ok["message"]["pinned"]["by"], "ada", "{ok}");
    let eve = server.client().await;
    let hidden = eve
        .request("pin", json!({ "room": "ada/plans", "seq": n }))
        .await;
    assert_eq!(error_code(&hidden), "unknown_room");
}
