//! Edits, deletions, reactions and replies: each seen live by the room, refused with a clear
//! code where not allowed, and caught up after a disconnect through the room's change log.

use crate::helpers::{error_code, read_as, req, Options, TestApp, TestClient};
use app::protocol::{
    event, Change, ChangeKind, ChangeReply, ErrorCode, JoinReply, JoinRequest, Message, Reaction,
};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn an_edit_reaches_the_room_as_the_next_change_and_marks_the_message() {
    let server = TestApp::spawn(Options::new()).await;
    let mut ada = server.client().await;
    let mut bob = server.client().await;
    ada.join("general").await;
    bob.join("general").await;
    let n = ada.send("general", "helo").await.seq;

    let ack = ada.ok(&req::edit("general", n, "hello")).await;
    assert_eq!(ack.message.body, "hello", "{ack:?}");
    assert_eq!(ack.change, Some(1));
    let edited = ack.message.edited.expect("an edit time");
    assert!(edited >= ack.message.ts);

    let ada_name = ada.name.clone();
    for c in [&mut bob, &mut ada] {
        // As JSON too: the change's message carries no key at all.
        let raw = c.next("change").await;
        assert!(raw["message"].get("key").is_none());
        let change: Change = read_as(&raw);
        assert_eq!(change.room, "general");
        assert_eq!(change.change, 1);
        assert_eq!(change.kind, ChangeKind::Edit);
        assert_eq!(change.seq, n);
        assert_eq!(change.actor, ada_name);
        assert_eq!(change.message.body, "hello");
    }

    // The same body again changes nothing: no new change, no event. (As JSON: `change` absent.)
    let again = ada.raw(&req::edit("general", n, "hello")).await;
    assert!(again.get("change").is_none(), "{again}");
    bob.none("change", Duration::from_millis(400)).await;

    // History and a fresh join show the message as it stands; the room counts its changes.
    let joined = bob.join("general").await;
    assert_eq!(joined.room.last_change, 1);
    assert_eq!(joined.messages[0].body, "hello");
    assert_eq!(joined.messages[0].edited, Some(edited));
    // Seqs of messages stay gapless: a change takes none.
    assert_eq!(ada.send("general", "next").await.seq, n + 1);
}

#[tokio::test]
async fn only_the_author_edits_and_nobody_edits_a_deleted_message() {
    let server = TestApp::spawn(Options::new()).await;
    let _admin = server.client().await; // the first account is the administrator
    let ada = server.client().await;
    let bob = server.client().await;
    ada.join("general").await;
    let n = ada.send("general", "mine").await.seq;

    let theirs = bob.refused(&req::edit("general", n, "hijack")).await;
    assert_eq!(theirs.code, ErrorCode::Forbidden, "{theirs:?}");
    assert!(theirs.message.contains("your own"));

    let missing = ada.refused(&req::edit("general", 999, "x")).await;
    assert_eq!(missing.code, ErrorCode::UnknownMessage, "{missing:?}");
    // An empty body and a seq that is not a number, as JSON: a typed request cannot carry them.
    let empty = ada
        .request("edit", json!({ "room": "general", "seq": n, "body": "  " }))
        .await;
    assert_eq!(error_code(&empty), "empty_message");
    let nowhere = ada.refused(&req::edit("nowhere", n, "x")).await;
    assert_eq!(nowhere.code, ErrorCode::UnknownRoom);
    let bad = ada
        .request("edit", json!({ "room": "general", "seq": "one" }))
        .await;
    assert_eq!(error_code(&bad), "bad_payload");

    ada.ok(&req::delete("general", n)).await;
    let gone = ada.refused(&req::edit("general", n, "back")).await;
    assert_eq!(gone.code, ErrorCode::MessageDeleted, "{gone:?}");
    let react = bob.refused(&req::react("general", n, "👍")).await;
    assert_eq!(react.code, ErrorCode::MessageDeleted);
    let reply = bob.refused(&req::reply("general", "re", n)).await;
    assert_eq!(reply.code, ErrorCode::MessageDeleted);
}

#[tokio::test]
async fn a_deleted_message_loses_its_body_for_everyone_and_its_replies_say_so() {
    let server = TestApp::spawn(Options::new()).await;
    let mut admin = server.client().await;
    let ada = server.client().await;
    let bob = server.client().await;
    admin.join("general").await;
    let n = ada.send("general", "oops, wrong room").await.seq;
    let reply = bob.ok(&req::reply("general", "what?", n)).await;
    let quote = reply.message.reply_to.as_ref().expect("a quote");
    assert_eq!(quote.seq, n, "{reply:?}");
    assert_eq!(quote.author, ada.name);
    assert_eq!(quote.snippet, "oops, wrong room");
    bob.ok(&req::react("general", n, "👀")).await;

    // Someone else may not delete it; its author may.
    let refused = bob.refused(&req::delete("general", n)).await;
    assert_eq!(refused.code, ErrorCode::Forbidden);
    // (As JSON too: a deleted message carries no `reactions` at all.)
    let raw = ada.raw(&req::delete("general", n)).await;
    let ack: ChangeReply = read_as(&raw);
    assert!(ack.message.deleted, "{raw}");
    assert_eq!(ack.message.body, "");
    assert!(raw["message"].get("reactions").is_none(), "{raw}");
    let change: Change = admin.next_as(event::CHANGE).await; // the reaction
    assert_eq!(change.kind, ChangeKind::React);
    let change: Change = admin.next_as(event::CHANGE).await;
    assert_eq!(change.kind, ChangeKind::Delete);
    assert!(change.message.deleted);

    // Deleting again changes nothing. (As JSON: `change` absent.)
    let again = ada.raw(&req::delete("general", n)).await;
    assert!(again.get("change").is_none(), "{again}");

    let all = bob.read_all("general").await;
    assert!(all[0].deleted);
    assert_eq!(all[0].body, "");
    let quote = all[1].reply_to.as_ref().expect("a quote");
    assert!(quote.deleted);
    assert_eq!(quote.snippet, "");

    // The administrator deletes anyone's message.
    let m = bob.send("general", "spam").await.seq;
    let by_admin = admin.ok(&req::delete("general", m)).await;
    assert!(by_admin.message.deleted, "{by_admin:?}");
}

#[tokio::test]
async fn the_owner_of_a_private_room_deletes_any_message_in_it_and_a_former_member_nothing() {
    let server = TestApp::spawn(Options::new()).await;
    let _admin = server.client().await;
    let owner = server.client().await;
    let guest = server.client().await;
    let made = owner.ok(&req::create_private("plans")).await;
    let room = made.room.name;
    owner.ok(&req::add_member(&room, &guest.name)).await;
    let a = guest.send(&room, "first").await.seq;
    let b = guest.send(&room, "second").await.seq;
    let mine = owner.send(&room, "owner's").await.seq;

    let ack = owner.ok(&req::delete(&room, a)).await;
    assert!(ack.message.deleted, "{ack:?}");
    let refused = guest.refused(&req::delete(&room, mine)).await;
    assert_eq!(refused.code, ErrorCode::Forbidden);

    // Once removed, the room is as unknown to them as any private room they never saw.
    owner.ok(&req::remove_member(&room, &guest.name)).await;
    let refusals = [
        ("edit", guest.refused(&req::edit(&room, b, "x")).await),
        ("delete", guest.refused(&req::delete(&room, b)).await),
        ("react", guest.refused(&req::react(&room, b, "👍")).await),
        ("changes", guest.refused(&req::changes(&room, 0)).await),
    ];
    for (event, refused) in refusals {
        assert_eq!(refused.code, ErrorCode::UnknownRoom, "{event}: {refused:?}");
    }
}

#[tokio::test]
async fn reactions_toggle_count_who_reacted_and_stop_at_their_limits() {
    let server = TestApp::spawn(Options::new().flags(&["--change-rate", "0"])).await;
    let mut ada = server.client().await;
    let bob = server.client().await;
    ada.join("general").await;
    let n = ada.send("general", "ship it?").await.seq;

    let ack = bob.ok(&req::react("general", n, "👍")).await;
    assert_eq!(
        ack.message.reactions,
        [Reaction {
            emoji: "👍".into(),
            users: vec![bob.name.clone()]
        }],
        "{ack:?}"
    );
    let ack = ada.ok(&req::react("general", n, "👍")).await;
    assert_eq!(
        ack.message.reactions[0].users,
        [bob.name.clone(), ada.name.clone()]
    );
    // "❤" and "❤️" are one reaction.
    ada.ok(&req::react("general", n, "❤")).await;
    let ack = bob.ok(&req::react("general", n, "❤️")).await;
    assert_eq!(ack.message.reactions[1].emoji, "❤️");
    assert_eq!(
        ack.message.reactions[1].users,
        [ada.name.clone(), bob.name.clone()]
    );

    // Adding twice changes nothing (as JSON: `change` absent); taking back works once.
    let twice = bob.raw(&req::react("general", n, "👍")).await;
    assert!(twice.get("change").is_none(), "{twice}");
    let off = bob.ok(&req::unreact("general", n, "👍")).await;
    assert_eq!(off.message.reactions[0].users, [ada.name.clone()]);
    let mut kinds = Vec::new();
    for _ in 0..5 {
        kinds.push(ada.next_as::<Change>(event::CHANGE).await.kind);
    }
    assert_eq!(
        kinds,
        [
            ChangeKind::React,
            ChangeKind::React,
            ChangeKind::React,
            ChangeKind::React,
            ChangeKind::Unreact
        ]
    );

    // Not one emoji, as JSON: the server's own check (a typed `Emoji` refuses most of them).
    for bad in ["", "a", ":+1:", "👍👍", "hello 👍"] {
        let reply = bob
            .request(
                "react",
                json!({ "room": "general", "seq": n, "emoji": bad }),
            )
            .await;
        assert_eq!(error_code(&reply), "invalid_emoji", "{bad:?}: {reply}");
    }

    // One user reacts with at most 10 emoji; a message carries at most 20 distinct ones.
    let many = [
        "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😊", "😇", "🙂", "🙃", "😉", "😌", "😍", "🥰",
        "😘", "😗", "😙", "😚", "😋", "😛",
    ];
    for e in &many[..8] {
        bob.ok(&req::react("general", n, e)).await;
    }
    // bob has ❤️ and these 8 = 9; one more is allowed, the next is not.
    bob.ok(&req::react("general", n, many[8])).await;
    let over = bob.refused(&req::react("general", n, many[9])).await;
    assert_eq!(over.code, ErrorCode::LimitReached, "{over:?}");
    assert!(over.message.contains("10 emoji"));

    // The message has 👍 ❤️ and 9 more = 11 kinds; carol's 9 fill it to 20.
    let carol = server.client().await;
    let dan = server.client().await;
    for e in &many[9..18] {
        carol.ok(&req::react("general", n, e)).await;
    }
    let full = dan.refused(&req::react("general", n, many[20])).await;
    assert_eq!(full.code, ErrorCode::LimitReached, "{full:?}");
    assert!(full.message.contains("20 different"));
    // An emoji already there may still be added by someone else.
    dan.ok(&req::react("general", n, "👍")).await;
}

#[tokio::test]
async fn replies_quote_their_original_and_must_name_one_in_the_room() {
    let server = TestApp::spawn(Options::new()).await;
    let mut bob = server.client().await;
    let ada = server.client().await;
    bob.join("general").await;
    let long = format!("{} end", "word ".repeat(40));
    let n = ada.send("general", &long).await.seq;
    let ack = bob.ok(&req::reply("general", "agreed", n)).await;
    let quote = ack.message.reply_to.as_ref().expect("a quote");
    assert_eq!(quote.seq, n);
    let snippet = &quote.snippet;
    assert!(
        snippet.ends_with('…') && snippet.chars().count() == 141,
        "{snippet}"
    );
    let live: Message = bob.next_as(event::MESSAGE).await;
    let live = if live.seq == n {
        bob.next_as(event::MESSAGE).await
    } else {
        live
    };
    assert_eq!(live.reply_to.as_ref().map(|q| q.seq), Some(n), "{live:?}");

    // Editing the original changes its replies' quote too.
    ada.ok(&req::edit("general", n, "short now")).await;
    let all = bob.read_all("general").await;
    assert_eq!(all[1].reply_to.as_ref().unwrap().snippet, "short now");

    for bad in [999, 0, -1] {
        let r = bob.refused(&req::reply("general", "x", bad)).await;
        assert_eq!(r.code, ErrorCode::UnknownMessage, "{bad}: {r:?}");
    }
    // A seq of another room is not a message of this one.
    bob.ok(&req::create("other")).await;
    let r = bob.refused(&req::reply("other", "x", n)).await;
    assert_eq!(r.code, ErrorCode::UnknownMessage, "{r:?}");
}

#[tokio::test]
async fn every_message_carries_the_html_of_its_markdown_and_quotes_show_its_words() {
    let server = TestApp::spawn(Options::new()).await;
    let mut bob = server.client().await;
    let ada = server.client().await;
    bob.join("general").await;
    let body = "**bold** <b>raw</b> & `code`";
    let html = "<p><strong>bold</strong> &lt;b&gt;raw&lt;/b&gt; &amp; <code>code</code></p>\n";
    // In the ack, live, and in history.
    let sent = ada.send("general", body).await;
    assert_eq!(sent.body, body, "{sent:?}");
    assert_eq!(sent.html, html, "{sent:?}");
    let n = sent.seq;
    assert_eq!(bob.next_as::<Message>(event::MESSAGE).await.html, html);
    assert_eq!(bob.read_all("general").await[0].html, html);

    // A reply quotes the words a reader sees, without the marks.
    let reply = bob.ok(&req::reply("general", "yes", n)).await;
    assert_eq!(
        reply.message.reply_to.unwrap().snippet,
        "bold <b>raw</b> & code"
    );

    // An edit's change carries the new HTML; a deletion drops it.
    ada.ok(&req::edit("general", n, "*now*")).await;
    let change: Change = bob.next_as(event::CHANGE).await;
    assert_eq!(change.message.html, "<p><em>now</em></p>\n", "{change:?}");
    ada.ok(&req::delete("general", n)).await;
    // As JSON: the deleted message has no `html` key at all.
    let change = bob.next("change").await;
    assert!(change["message"].get("html").is_none(), "{change}");
}

#[tokio::test]
async fn a_client_that_missed_an_edit_a_delete_and_a_reaction_catches_up_on_join() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let bob_user = server.register("bobcatchup").await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    let joined = bob.join("general").await;
    let a = ada.send("general", "first draft").await.seq;
    let b = ada.send("general", "regret").await.seq;
    let c = ada.send("general", "good one").await.seq;
    let held_messages = c;
    let held_changes = joined.room.last_change;
    bob.disconnect().await;

    ada.ok(&req::edit("general", a, "final")).await;
    ada.ok(&req::delete("general", b)).await;
    ada.ok(&req::react("general", c, "🎉")).await;

    let bob = TestClient::connect(&server.url, &bob_user).await;
    let raw = bob
        .raw(&JoinRequest {
            after: Some(held_messages),
            changes_after: Some(held_changes),
            ..req::join("general")
        })
        .await;
    let back: JoinReply = read_as(&raw);
    assert!(back.messages.is_empty(), "no message is new");
    let changes = &back.changes;
    let summary: Vec<(i64, ChangeKind, i64)> =
        changes.iter().map(|c| (c.change, c.kind, c.seq)).collect();
    assert_eq!(
        summary,
        [
            (held_changes + 1, ChangeKind::Edit, a),
            (held_changes + 2, ChangeKind::Delete, b),
            (held_changes + 3, ChangeKind::React, c)
        ]
    );
    assert_eq!(changes[0].message.body, "final");
    assert!(changes[1].message.deleted);
    assert_eq!(changes[2].message.reactions[0].emoji, "🎉");
    // As JSON: `changes_truncated` is left out, not false.
    assert!(raw.get("changes_truncated").is_none());
    assert_eq!(back.room.last_change, held_changes + 3);

    // `changes` pages the same log.
    let page = bob.ok(&req::changes("general", held_changes + 1)).await;
    assert_eq!(page.changes.len(), 2, "{page:?}");
    assert!(!page.truncated);
    // Without `after`, as JSON: a typed request cannot leave it out.
    let bad = bob.request("changes", json!({ "room": "general" })).await;
    assert_eq!(error_code(&bad), "bad_payload");
}

#[tokio::test]
async fn changes_are_rate_limited_with_a_sentence() {
    let server = TestApp::spawn(Options::new().flags(&["--change-rate", "0.1"])).await;
    let ada = server.client().await;
    let n = ada.send("general", "hi").await.seq;
    let mut refused = None;
    for i in 0..25 {
        let mut react = req::react("general", n, "👍");
        react.on = i % 2 == 0;
        if let Err(e) = ada.call(&react).await {
            refused = Some(e);
            break;
        }
    }
    let refused = refused.expect("refused within 25 changes");
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert!(
        refused.message.contains("edits, deletions and reactions"),
        "{refused:?}"
    );
}
