//! Pinned messages: pinned and unpinned live for everyone in the room, listed by `join`
//! (the newest pin first), caught up through the change log after a disconnect, limited per
//! room, refused where not allowed, and gone with a deletion. Written with the protocol's own
//! types (`TestClient::call`): a renamed field or event fails to compile.

use crate::helpers::{Options, TestApp, TestClient};
use app::protocol::{
    AddMemberRequest, Change, ChangeKind, CreateRoomRequest, DeleteRequest, ErrorCode, JoinRequest,
    MemberRequest, Message, MessageBody, PinRequest, RoomName, SendRequest, Username,
};

fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

fn send(room_name: &str, body: &str) -> SendRequest {
    SendRequest {
        room: room(room_name),
        body: MessageBody::parse(body).unwrap(),
        key: None,
        reply_to: None,
    }
}

fn pin(room_name: &str, seq: i64, on: bool) -> PinRequest {
    PinRequest {
        room: room(room_name),
        seq,
        on,
    }
}

fn join(room_name: &str, after: Option<i64>, changes_after: Option<i64>) -> JoinRequest {
    JoinRequest {
        room: room(room_name),
        after,
        changes_after,
    }
}

fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn a_pin_reaches_the_room_live_is_listed_by_join_and_caught_up_after_a_disconnect() {
    let server = TestApp::spawn(Options::new()).await;
    let bob_user = server.register("bob").await;
    let mut ada = server.client().await;
    let mut bob = TestClient::connect(&server.url, &bob_user).await;
    ada.ok(&join("general", None, None)).await;
    bob.ok(&join("general", None, None)).await;
    let first = ada.ok(&send("general", "the plan")).await.message.seq;
    let second = ada.ok(&send("general", "the other plan")).await.message.seq;

    let ack = bob.ok(&pin("general", first, true)).await;
    assert_eq!(ack.change, Some(1));
    assert_eq!(ack.message.pinned.as_ref().unwrap().by, "bob");
    for c in [&mut ada, &mut bob] {
        let change: Change = c.next_as("change").await;
        assert_eq!((change.kind, change.seq), (ChangeKind::Pin, first));
        assert!(change.message.pinned.is_some());
    }
    // Pinning again changes nothing.
    assert_eq!(ada.ok(&pin("general", first, true)).await.change, None);

    ada.ok(&pin("general", second, true)).await;
    let joined = bob.ok(&join("general", None, None)).await;
    assert_eq!(seqs(&joined.pins), [second, first], "the newest pin first");

    // Bob is away while Ada unpins the first; his join with changes_after carries it.
    let upto = joined.room.last_change;
    bob.disconnect().await;
    let unpinned = ada.ok(&pin("general", first, false)).await;
    assert!(unpinned.message.pinned.is_none());
    let bob = TestClient::connect(&server.url, &bob_user).await;
    let back = bob.ok(&join("general", Some(second), Some(upto))).await;
    assert_eq!(back.changes[0].kind, ChangeKind::Unpin);
    assert_eq!(back.changes[0].seq, first);
    assert_eq!(seqs(&back.pins), [second]);

    // A deletion unpins.
    let delete = DeleteRequest {
        room: room("general"),
        seq: second,
    };
    ada.ok(&delete).await;
    assert!(bob.ok(&join("general", None, None)).await.pins.is_empty());
    let gone = bob.call(&pin("general", second, true)).await.unwrap_err();
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
        ada.ok(&send("general", &format!("note {i}"))).await;
    }
    for seq in 1..=50 {
        ada.ok(&pin("general", seq, true)).await;
    }
    let full = ada.call(&pin("general", 51, true)).await.unwrap_err();
    assert_eq!(full.code, ErrorCode::LimitReached);
    assert!(full.message.contains("unpin one first"), "{}", full.message);

    let create = CreateRoomRequest {
        name: room("plans"),
        private: true,
    };
    ada.ok(&create).await;
    let add = AddMemberRequest(MemberRequest {
        room: room("ada/plans"),
        username: Username::parse("bob").unwrap(),
    });
    ada.ok(&add).await;
    let n = bob.ok(&send("ada/plans", "a thought")).await.message.seq;
    let refused = bob.call(&pin("ada/plans", n, true)).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let ok = ada.ok(&pin("ada/plans", n, true)).await;
    assert_eq!(ok.message.pinned.unwrap().by, "ada");
    let eve = server.client().await;
    let hidden = eve.call(&pin("ada/plans", n, true)).await.unwrap_err();
    assert_eq!(hidden.code, ErrorCode::UnknownRoom);
}
