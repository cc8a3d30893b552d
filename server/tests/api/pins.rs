//! Pinned messages: pinned and unpinned live for everyone in the room, listed by `join`
//! (the newest pin first), caught up through the change log after a disconnect, limited per
//! room, refused where not allowed, and gone with a deletion. Written with the protocol's own
//! types (`TestClient::call`): a renamed field or event fails to compile.

use crate::helpers::{req, seqs, Options, TestApp, TestClient};
use app::protocol::{event, Change, ChangeKind, ErrorCode, JoinRequest};

#[tokio::test]
async fn a_pin_reaches_the_room_live_is_listed_by_join_and_caught_up_after_a_disconnect() {
    let server = TestApp::spawn(Options::new()).await;
    let bob_user = server.register("bob").await;
    let mut ada = server.client().await;
    let mut bob = TestClient::connect(&server.url, &bob_user).await;
    ada.ok(&req::join("general")).await;
    bob.ok(&req::join("general")).await;
    let first = ada.ok(&req::send("general", "the plan")).await.message.seq;
    let second = ada
        .ok(&req::send("general", "the other plan"))
        .await
        .message
        .seq;

    let ack = bob.ok(&req::pin("general", first, true)).await;
    assert_eq!(ack.change, Some(1));
    assert_eq!(ack.message.pinned.as_ref().unwrap().by, "bob");
    for c in [&mut ada, &mut bob] {
        let change: Change = c.next_as(event::CHANGE).await;
        assert_eq!((change.kind, change.seq), (ChangeKind::Pin, first));
        assert!(change.message.pinned.is_some());
    }
    // Pinning again changes nothing.
    assert_eq!(ada.ok(&req::pin("general", first, true)).await.change, None);

    ada.ok(&req::pin("general", second, true)).await;
    let joined = bob.ok(&req::join("general")).await;
    assert_eq!(seqs(&joined.pins), [second, first], "the newest pin first");

    // Bob is away while Ada unpins the first; his join with changes_after carries it.
    let upto = joined.room.last_change;
    bob.disconnect().await;
    let unpinned = ada.ok(&req::pin("general", first, false)).await;
    assert!(unpinned.message.pinned.is_none());
    let bob = TestClient::connect(&server.url, &bob_user).await;
    let back = bob
        .ok(&JoinRequest {
            after: Some(second),
            changes_after: Some(upto),
            ..req::join("general")
        })
        .await;
    assert_eq!(back.changes[0].kind, ChangeKind::Unpin);
    assert_eq!(back.changes[0].seq, first);
    assert_eq!(seqs(&back.pins), [second]);

    // A deletion unpins.
    ada.ok(&req::delete("general", second)).await;
    assert!(bob.ok(&req::join("general")).await.pins.is_empty());
    let gone = bob
        .call(&req::pin("general", second, true))
        .await
        .unwrap_err();
    assert_eq!(gone.code, ErrorCode::MessageDeleted);
}

#[tokio::test]
async fn a_room_holds_fifty_pins_and_only_a_private_rooms_owner_pins_there() {
    let server =
        TestApp::spawn(Options::new().flags(&["--send-rate", "0", "--change-rate", "0"])).await;
    let ada_user = server.register("ada").await;
    let bob_user = server.register("bob").await;
    let ada = TestClient::connect(&server.url, &ada_user).await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    for i in 1..=51 {
        ada.ok(&req::send("general", &format!("note {i}"))).await;
    }
    for seq in 1..=50 {
        ada.ok(&req::pin("general", seq, true)).await;
    }
    let full = ada.call(&req::pin("general", 51, true)).await.unwrap_err();
    assert_eq!(full.code, ErrorCode::LimitReached);
    assert!(full.message.contains("unpin one first"), "{}", full.message);

    ada.ok(&req::create_private("plans")).await;
    ada.ok(&req::add_member("ada/plans", "bob")).await;
    let n = bob
        .ok(&req::send("ada/plans", "a thought"))
        .await
        .message
        .seq;
    let refused = bob.call(&req::pin("ada/plans", n, true)).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let ok = ada.ok(&req::pin("ada/plans", n, true)).await;
    assert_eq!(ok.message.pinned.unwrap().by, "ada");
    let eve = server.client().await;
    let hidden = eve.call(&req::pin("ada/plans", n, true)).await.unwrap_err();
    assert_eq!(hidden.code, ErrorCode::UnknownRoom);
}
