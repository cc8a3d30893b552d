//! Edits, deletions, reactions and replies: each seen live by the room, refused with a clear
//! code where not allowed, and caught up after a disconnect through the room's change log.

use crate::helpers::{error_code, Options, TestApp, TestClient};
use serde_json::{json, Value};
use std::time::Duration;

fn seq(ack: &Value) -> i64 {
    ack["message"]["seq"].as_i64().expect("a stored message")
}

#[tokio::test]
async fn an_edit_reaches_the_room_as_the_next_change_and_marks_the_message() {
    let server = TestApp::spawn(Options::new()).await;
    let mut ada = server.client().await;
    let mut bob = server.client().await;
    ada.join_json("general").await;
    bob.join_json("general").await;
    let n = seq(&ada.send_json("general", "helo").await);

    let ack = ada
        .request(
            "edit",
            json!({ "room": "general", "seq": n, "body": "hello" }),
        )
        .await;
    assert_eq!(ack["message"]["body"], "hello", "{ack}");
    assert_eq!(ack["change"], 1);
    let edited = ack["message"]["edited"].as_i64().expect("an edit time");
    assert!(edited >= ack["message"]["ts"].as_i64().unwrap());

    let ada_name = ada.name.clone();
    for c in [&mut bob, &mut ada] {
        let change = c.next("change").await;
        assert_eq!(change["room"], "general");
        assert_eq!(change["change"], 1);
        assert_eq!(change["kind"], "edit");
        assert_eq!(change["seq"], n);
        assert_eq!(change["actor"].as_str(), Some(ada_name.as_str()));
        assert_eq!(change["message"]["body"], "hello");
        assert!(change["message"].get("key").is_none());
    }

    // The same body again changes nothing: no new change, no event.
    let again = ada
        .request(
            "edit",
            json!({ "room": "general", "seq": n, "body": "hello" }),
        )
        .await;
    assert!(again.get("change").is_none(), "{again}");
    bob.none("change", Duration::from_millis(400)).await;

    // History and a fresh join show the message as it stands; the room counts its changes.
    let joined = bob.request("join", json!({ "room": "general" })).await;
    assert_eq!(joined["room"]["last_change"], 1);
    assert_eq!(joined["messages"][0]["body"], "hello");
    assert_eq!(joined["messages"][0]["edited"], edited);
    // Seqs of messages stay gapless: a change takes none.
    assert_eq!(seq(&ada.send_json("general", "next").await), n + 1);
}

#[tokio::test]
async fn only_the_author_edits_and_nobody_edits_a_deleted_message() {
    let server = TestApp::spawn(Options::new()).await;
    let _admin = server.client().await; // the first account is the administrator
    let ada = server.client().await;
    let bob = server.client().await;
    ada.join_json("general").await;
    let n = seq(&ada.send_json("general", "mine").await);

    let theirs = bob
        .request(
            "edit",
            json!({ "room": "general", "seq": n, "body": "hijack" }),
        )
        .await;
    assert_eq!(error_code(&theirs), "forbidden", "{theirs}");
    assert!(theirs["error"]["message"]
        .as_str()
        .unwrap()
        .contains("your own"));

    let missing = ada
        .request(
            "edit",
            json!({ "room": "general", "seq": 999, "body": "x" }),
        )
        .await;
    assert_eq!(error_code(&missing), "unknown_message", "{missing}");
    let empty = ada
        .request("edit", json!({ "room": "general", "seq": n, "body": "  " }))
        .await;
    assert_eq!(error_code(&empty), "empty_message");
    let nowhere = ada
        .request("edit", json!({ "room": "nowhere", "seq": n, "body": "x" }))
        .await;
    assert_eq!(error_code(&nowhere), "unknown_room");
    let bad = ada
        .request("edit", json!({ "room": "general", "seq": "one" }))
        .await;
    assert_eq!(error_code(&bad), "bad_payload");

    ada.request("delete", json!({ "room": "general", "seq": n }))
        .await;
    let gone = ada
        .request(
            "edit",
            json!({ "room": "general", "seq": n, "body": "back" }),
        )
        .await;
    assert_eq!(error_code(&gone), "message_deleted", "{gone}");
    let react = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍" }),
        )
        .await;
    assert_eq!(error_code(&react), "message_deleted");
    let reply = bob
        .request(
            "send",
            json!({ "room": "general", "body": "re", "reply_to": n }),
        )
        .await;
    assert_eq!(error_code(&reply), "message_deleted");
}

#[tokio::test]
async fn a_deleted_message_loses_its_body_for_everyone_and_its_replies_say_so() {
    let server = TestApp::spawn(Options::new()).await;
    let mut admin = server.client().await;
    let ada = server.client().await;
    let bob = server.client().await;
    admin.join_json("general").await;
    let n = seq(&ada.send_json("general", "oops, wrong room").await);
    let reply = bob
        .request(
            "send",
            json!({ "room": "general", "body": "what?", "reply_to": n }),
        )
        .await;
    let quote = &reply["message"]["reply_to"];
    assert_eq!(quote["seq"], n, "{reply}");
    assert_eq!(quote["author"].as_str(), Some(ada.name.as_str()));
    assert_eq!(quote["snippet"], "oops, wrong room");
    bob.request(
        "react",
        json!({ "room": "general", "seq": n, "emoji": "👀" }),
    )
    .await;

    // Someone else may not delete it; its author may.
    let refused = bob
        .request("delete", json!({ "room": "general", "seq": n }))
        .await;
    assert_eq!(error_code(&refused), "forbidden");
    let ack = ada
        .request("delete", json!({ "room": "general", "seq": n }))
        .await;
    assert_eq!(ack["message"]["deleted"], true, "{ack}");
    assert_eq!(ack["message"]["body"], "");
    assert!(ack["message"].get("reactions").is_none(), "{ack}");
    let change = admin.next("change").await; // the reaction
    assert_eq!(change["kind"], "react");
    let change = admin.next("change").await;
    assert_eq!(change["kind"], "delete");
    assert_eq!(change["message"]["deleted"], true);

    // Deleting again changes nothing.
    let again = ada
        .request("delete", json!({ "room": "general", "seq": n }))
        .await;
    assert!(again.get("change").is_none(), "{again}");

    let all = bob.read_all_json("general").await;
    assert_eq!(all[0]["deleted"], true);
    assert_eq!(all[0]["body"], "");
    assert_eq!(all[1]["reply_to"]["deleted"], true);
    assert_eq!(all[1]["reply_to"]["snippet"], "");

    // The administrator deletes anyone's message.
    let m = seq(&bob.send_json("general", "spam").await);
    let by_admin = admin
        .request("delete", json!({ "room": "general", "seq": m }))
        .await;
    assert_eq!(by_admin["message"]["deleted"], true, "{by_admin}");
}

#[tokio::test]
async fn the_owner_of_a_private_room_deletes_any_message_in_it_and_a_former_member_nothing() {
    let server = TestApp::spawn(Options::new()).await;
    let _admin = server.client().await;
    let owner = server.client().await;
    let guest = server.client().await;
    let made = owner
        .request("create_room", json!({ "name": "plans", "private": true }))
        .await;
    let room = made["room"]["name"].as_str().unwrap().to_owned();
    owner
        .request(
            "add_member",
            json!({ "room": room, "username": guest.name }),
        )
        .await;
    let a = seq(&guest.send_json(&room, "first").await);
    let b = seq(&guest.send_json(&room, "second").await);
    let mine = seq(&owner.send_json(&room, "owner's").await);

    let ack = owner
        .request("delete", json!({ "room": room, "seq": a }))
        .await;
    assert_eq!(ack["message"]["deleted"], true, "{ack}");
    let refused = guest
        .request("delete", json!({ "room": room, "seq": mine }))
        .await;
    assert_eq!(error_code(&refused), "forbidden");

    // Once removed, the room is as unknown to them as any private room they never saw.
    owner
        .request(
            "remove_member",
            json!({ "room": room, "username": guest.name }),
        )
        .await;
    for (event, payload) in [
        ("edit", json!({ "room": room, "seq": b, "body": "x" })),
        ("delete", json!({ "room": room, "seq": b })),
        ("react", json!({ "room": room, "seq": b, "emoji": "👍" })),
        ("changes", json!({ "room": room, "after": 0 })),
    ] {
        let reply = guest.request(event, payload).await;
        assert_eq!(error_code(&reply), "unknown_room", "{event}: {reply}");
    }
}

#[tokio::test]
async fn reactions_toggle_count_who_reacted_and_stop_at_their_limits() {
    let server = TestApp::spawn(Options::new().flags(&["--change-rate", "0"])).await;
    let mut ada = server.client().await;
    let bob = server.client().await;
    ada.join_json("general").await;
    let n = seq(&ada.send_json("general", "ship it?").await);

    let ack = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍" }),
        )
        .await;
    assert_eq!(
        ack["message"]["reactions"],
        json!([{ "emoji": "👍", "users": [bob.name] }]),
        "{ack}"
    );
    let ack = ada
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍" }),
        )
        .await;
    assert_eq!(
        ack["message"]["reactions"][0]["users"],
        json!([bob.name, ada.name])
    );
    // "❤" and "❤️" are one reaction.
    ada.request(
        "react",
        json!({ "room": "general", "seq": n, "emoji": "❤" }),
    )
    .await;
    let ack = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "❤️" }),
        )
        .await;
    assert_eq!(ack["message"]["reactions"][1]["emoji"], "❤️");
    assert_eq!(
        ack["message"]["reactions"][1]["users"],
        json!([ada.name, bob.name])
    );

    // Adding twice changes nothing; taking back works once.
    let twice = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍" }),
        )
        .await;
    assert!(twice.get("change").is_none(), "{twice}");
    let off = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍", "on": false }),
        )
        .await;
    assert_eq!(off["message"]["reactions"][0]["users"], json!([ada.name]));
    let mut kinds = Vec::new();
    for _ in 0..5 {
        kinds.push(
            ada.next("change").await["kind"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(kinds, ["react", "react", "react", "react", "unreact"]);

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
        let r = bob
            .request("react", json!({ "room": "general", "seq": n, "emoji": e }))
            .await;
        assert!(r.get("error").is_none(), "{r}");
    }
    // bob has ❤️ and these 8 = 9; one more is allowed, the next is not.
    bob.request(
        "react",
        json!({ "room": "general", "seq": n, "emoji": many[8] }),
    )
    .await;
    let over = bob
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": many[9] }),
        )
        .await;
    assert_eq!(error_code(&over), "limit_reached", "{over}");
    assert!(over["error"]["message"]
        .as_str()
        .unwrap()
        .contains("10 emoji"));

    // The message has 👍 ❤️ and 9 more = 11 kinds; carol's 9 fill it to 20.
    let carol = server.client().await;
    let dan = server.client().await;
    for e in &many[9..18] {
        let r = carol
            .request("react", json!({ "room": "general", "seq": n, "emoji": e }))
            .await;
        assert!(r.get("error").is_none(), "{e}: {r}");
    }
    let full = dan
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": many[20] }),
        )
        .await;
    assert_eq!(error_code(&full), "limit_reached", "{full}");
    assert!(full["error"]["message"]
        .as_str()
        .unwrap()
        .contains("20 different"));
    // An emoji already there may still be added by someone else.
    let join_in = dan
        .request(
            "react",
            json!({ "room": "general", "seq": n, "emoji": "👍" }),
        )
        .await;
    assert!(join_in.get("error").is_none(), "{join_in}");
}

#[tokio::test]
async fn replies_quote_their_original_and_must_name_one_in_the_room() {
    let server = TestApp::spawn(Options::new()).await;
    let mut bob = server.client().await;
    let ada = server.client().await;
    bob.join_json("general").await;
    let long = format!("{} end", "word ".repeat(40));
    let n = seq(&ada.send_json("general", &long).await);
    let ack = bob
        .request(
            "send",
            json!({ "room": "general", "body": "agreed", "reply_to": n }),
        )
        .await;
    let quote = &ack["message"]["reply_to"];
    assert_eq!(quote["seq"], n);
    let snippet = quote["snippet"].as_str().unwrap();
    assert!(
        snippet.ends_with('…') && snippet.chars().count() == 141,
        "{snippet}"
    );
    let live = bob.next("message").await;
    let live = if live["seq"] == n {
        bob.next("message").await
    } else {
        live
    };
    assert_eq!(live["reply_to"]["seq"], n, "{live}");

    // Editing the original changes its replies' quote too.
    ada.request(
        "edit",
        json!({ "room": "general", "seq": n, "body": "short now" }),
    )
    .await;
    let all = bob.read_all_json("general").await;
    assert_eq!(all[1]["reply_to"]["snippet"], "short now");

    for bad in [999, 0, -1] {
        let r = bob
            .request(
                "send",
                json!({ "room": "general", "body": "x", "reply_to": bad }),
            )
            .await;
        assert_eq!(error_code(&r), "unknown_message", "{bad}: {r}");
    }
    // A seq of another room is not a message of this one.
    bob.request("create_room", json!({ "name": "other" })).await;
    let r = bob
        .request(
            "send",
            json!({ "room": "other", "body": "x", "reply_to": n }),
        )
        .await;
    assert_eq!(error_code(&r), "unknown_message", "{r}");
}

#[tokio::test]
async fn every_message_carries_the_html_of_its_markdown_and_quotes_show_its_words() {
    let server = TestApp::spawn(Options::new()).await;
    let mut bob = server.client().await;
    let ada = server.client().await;
    bob.join_json("general").await;
    let body = "**bold** <b>raw</b> & `code`";
    let html = "<p><strong>bold</strong> &lt;b&gt;raw&lt;/b&gt; &amp; <code>code</code></p>\n";
    // In the ack, live, and in history.
    let ack = ada.send_json("general", body).await;
    assert_eq!(ack["message"]["body"], body, "{ack}");
    assert_eq!(ack["message"]["html"], html, "{ack}");
    let n = seq(&ack);
    assert_eq!(bob.next("message").await["html"], html);
    assert_eq!(bob.read_all_json("general").await[0]["html"], html);

    // A reply quotes the words a reader sees, without the marks.
    let reply = bob
        .request(
            "send",
            json!({ "room": "general", "body": "yes", "reply_to": n }),
        )
        .await;
    assert_eq!(
        reply["message"]["reply_to"]["snippet"],
        "bold <b>raw</b> & code"
    );

    // An edit's change carries the new HTML; a deletion drops it.
    ada.request(
        "edit",
        json!({ "room": "general", "seq": n, "body": "*now*" }),
    )
    .await;
    let change = bob.next("change").await;
    assert_eq!(
        change["message"]["html"], "<p><em>now</em></p>\n",
        "{change}"
    );
    ada.request("delete", json!({ "room": "general", "seq": n }))
        .await;
    let change = bob.next("change").await;
    assert!(change["message"].get("html").is_none(), "{change}");
}

#[tokio::test]
async fn a_client_that_missed_an_edit_a_delete_and_a_reaction_catches_up_on_join() {
    let server = TestApp::spawn(Options::new()).await;
    let ada = server.client().await;
    let bob_user = server.register("bobcatchup").await;
    let bob = TestClient::connect(&server.url, &bob_user).await;
    let joined = bob.join_json("general").await;
    let a = seq(&ada.send_json("general", "first draft").await);
    let b = seq(&ada.send_json("general", "regret").await);
    let c = seq(&ada.send_json("general", "good one").await);
    let held_messages = c;
    let held_changes = joined["room"]["last_change"].as_i64().unwrap();
    bob.disconnect().await;

    ada.request(
        "edit",
        json!({ "room": "general", "seq": a, "body": "final" }),
    )
    .await;
    ada.request("delete", json!({ "room": "general", "seq": b }))
        .await;
    ada.request(
        "react",
        json!({ "room": "general", "seq": c, "emoji": "🎉" }),
    )
    .await;

    let bob = TestClient::connect(&server.url, &bob_user).await;
    let back = bob
        .request(
            "join",
            json!({ "room": "general", "after": held_messages, "changes_after": held_changes }),
        )
        .await;
    assert_eq!(back["messages"], json!([]), "no message is new");
    let changes = back["changes"].as_array().expect("changes");
    let summary: Vec<(i64, &str, i64)> = changes
        .iter()
        .map(|c| {
            (
                c["change"].as_i64().unwrap(),
                c["kind"].as_str().unwrap(),
                c["seq"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (held_changes + 1, "edit", a),
            (held_changes + 2, "delete", b),
            (held_changes + 3, "react", c)
        ]
    );
    assert_eq!(changes[0]["message"]["body"], "final");
    assert_eq!(changes[1]["message"]["deleted"], true);
    assert_eq!(changes[2]["message"]["reactions"][0]["emoji"], "🎉");
    assert!(back.get("changes_truncated").is_none());
    assert_eq!(back["room"]["last_change"], held_changes + 3);

    // `changes` pages the same log.
    let page = bob
        .request(
            "changes",
            json!({ "room": "general", "after": held_changes + 1 }),
        )
        .await;
    assert_eq!(page["changes"].as_array().unwrap().len(), 2, "{page}");
    assert_eq!(page["truncated"], false);
    let bad = bob.request("changes", json!({ "room": "general" })).await;
    assert_eq!(error_code(&bad), "bad_payload");
}

#[tokio::test]
async fn changes_are_rate_limited_with_a_sentence() {
    let server = TestApp::spawn(Options::new().flags(&["--change-rate", "0.1"])).await;
    let ada = server.client().await;
    let n = seq(&ada.send_json("general", "hi").await);
    let mut refused = None;
    for i in 0..25 {
        let on = i % 2 == 0;
        let r = ada
            .request(
                "react",
                json!({ "room": "general", "seq": n, "emoji": "👍", "on": on }),
            )
            .await;
        if r.get("error").is_some() {
            refused = Some(r);
            break;
        }
    }
    let refused = refused.expect("refused within 25 changes");
    assert_eq!(error_code(&refused), "rate_limited");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("edits, deletions and reactions"),
        "{refused}"
    );
}
