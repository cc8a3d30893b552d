//! The storage interface's behaviour, on every engine: SQLite always, and PostgreSQL too when
//! `NATTER_TEST_POSTGRES` names a server (`postgres://postgres@127.0.0.1`; each test gets a
//! database of its own, `natter_t_…`), as `.ci/test` runs them.

use super::{
    Accounts, Appended, NewMessage, NewRoomKind, PostgresStore, ReactionLimits, SqliteStore, Store,
    User,
};
use crate::error::Error;
use app::protocol::{
    ChangeKind, ClientKey, Emoji, Message, MessageBody, NotifyLevel, Quote, Reaction, RoomKind,
    RoomName, Username,
};
use std::sync::Arc;

/// Both halves of a store, as one object.
trait Both: Store + Accounts {}
impl<T: Store + Accounts> Both for T {}

/// A fresh store of one engine, and what keeps it alive.
struct Engine {
    store: Arc<dyn Both>,
    /// Its database, for the tests that write what only older versions wrote.
    url: String,
    _dir: tempfile::TempDir,
}

/// A fresh, empty store of each engine under test.
async fn engines() -> Vec<Engine> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut engines = vec![Engine {
        store: Arc::new(SqliteStore::open(&url).await.unwrap()),
        url,
        _dir: dir,
    }];
    if let Some(server) = std::env::var("NATTER_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
    {
        use sqlx::Connection;
        let server = server.trim_end_matches('/').to_owned();
        let db = format!("natter_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("the test PostgreSQL server answers");
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let _ = admin.close().await;
        let url = format!("{server}/{db}");
        engines.push(Engine {
            store: Arc::new(PostgresStore::open(&url).await.unwrap()),
            url,
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    engines
}

fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

fn name(n: &str) -> Username {
    Username::parse(n).unwrap()
}

async fn user(s: &Arc<dyn Both>, n: &str) -> User {
    s.create_user(&name(n), "not-a-real-hash").await.unwrap()
}

async fn append(
    s: &Arc<dyn Both>,
    author: &User,
    room: &RoomName,
    key: Option<&ClientKey>,
) -> Result<Appended, Error> {
    say(s, author, room, key, "hi").await
}

async fn say(
    s: &Arc<dyn Both>,
    author: &User,
    room: &RoomName,
    key: Option<&ClientKey>,
    text: &str,
) -> Result<Appended, Error> {
    answer(s, author, room, key, text, None).await
}

/// [`say`], answering message `reply_to` when given.
async fn answer(
    s: &Arc<dyn Both>,
    author: &User,
    room: &RoomName,
    key: Option<&ClientKey>,
    text: &str,
    reply_to: Option<i64>,
) -> Result<Appended, Error> {
    let body = MessageBody::parse(text).unwrap();
    s.append(NewMessage {
        room,
        author,
        body: &body,
        rendered: &crate::markdown::rendered(text),
        key,
        mentions: &app::protocol::mentioned_names(text),
        reply_to,
    })
    .await
}

fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn sequences_are_per_room_and_gapless() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        let (general, other) = (room("general"), room("other"));
        s.create_room(&ada, &other, NewRoomKind::Public, 100)
            .await
            .unwrap();
        for expected in 1..=3 {
            let m = append(&s, &ada, &general, None).await.unwrap().message;
            assert_eq!((m.seq, m.author.as_str()), (expected, "ada"));
        }
        assert_eq!(append(&s, &ada, &other, None).await.unwrap().message.seq, 1);
        assert_eq!(s.room(&ada, &general).await.unwrap().last_seq, 3);
        assert_eq!(
            seqs(&s.history(&ada, &general, None, 2).await.unwrap()),
            vec![2, 3]
        );
        assert_eq!(
            seqs(&s.history(&ada, &general, Some(3), 50).await.unwrap()),
            vec![1, 2]
        );
        assert_eq!(seqs(&s.after(&ada, &general, 1, 1).await.unwrap()), vec![2]);
    }
}

#[tokio::test]
async fn a_repeated_key_stores_once() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        let (general, key) = (room("general"), ClientKey::parse("k1").unwrap());
        let first = append(&s, &ada, &general, Some(&key)).await.unwrap();
        let again = append(&s, &ada, &general, Some(&key)).await.unwrap();
        assert!(!first.duplicate && again.duplicate);
        assert_eq!(first.message, again.message);
        assert_eq!(s.history(&ada, &general, None, 50).await.unwrap().len(), 1);
        // The seq taken by the repeat was rolled back: the next message has no gap before it.
        assert_eq!(
            append(&s, &ada, &general, None).await.unwrap().message.seq,
            2
        );
    }
}

#[tokio::test]
async fn unknown_duplicate_and_reserved_rooms_are_errors() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        assert!(matches!(
            append(&s, &ada, &room("nowhere"), None).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.create_room(&ada, &room("general"), NewRoomKind::Public, 100)
                .await,
            Err(Error::RoomExists(_))
        ));
        assert!(matches!(
            s.create_room(&ada, &room("dm-1-2"), NewRoomKind::Public, 100)
                .await,
            Err(Error::ReservedRoomName(_))
        ));
        assert!(matches!(
            s.create_user(&name("ada"), "x").await,
            Err(Error::UsernameTaken(_))
        ));
    }
}

#[tokio::test]
async fn private_rooms_are_invisible_to_outsiders() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob, eve) = (
            user(&s, "ada").await,
            user(&s, "bob").await,
            user(&s, "eve").await,
        );
        let created = s
            .create_room(&ada, &room("secret"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        assert_eq!(created.name, "ada/secret");
        let secret = room(&created.name);
        assert_eq!(created.kind, RoomKind::Private);
        assert_eq!(created.members, vec!["ada"]);
        assert_eq!(created.owner.as_deref(), Some("ada"));

        let added = s
            .add_member(&ada, &secret, &name("bob"), 1000)
            .await
            .unwrap();
        assert_eq!(added.room.members, vec!["ada", "bob"]);
        append(&s, &bob, &secret, None).await.unwrap();

        // Eve sees nothing of it, by every road, and gets the answer a missing room gets.
        assert!(!s
            .rooms(&eve)
            .await
            .unwrap()
            .iter()
            .any(|r| r.name == "ada/secret"));
        assert!(matches!(
            s.room(&eve, &secret).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.history(&eve, &secret, None, 50).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.after(&eve, &secret, 0, 50).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            append(&s, &eve, &secret, None).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.add_member(&eve, &secret, &name("eve"), 1000).await,
            Err(Error::UnknownRoom(_))
        ));

        // Only the owner adds or removes; a member may leave; the owner may not.
        assert!(matches!(
            s.add_member(&bob, &secret, &name("eve"), 1000).await,
            Err(Error::NotOwner { .. })
        ));
        assert!(matches!(
            s.remove_member(&ada, &secret, &name("ada")).await,
            Err(Error::OwnerCannotLeave(_))
        ));
        assert!(matches!(
            s.add_member(&ada, &room("general"), &name("bob"), 1000)
                .await,
            Err(Error::NotPrivate { .. })
        ));
        s.remove_member(&bob, &secret, &name("bob")).await.unwrap();
        assert!(matches!(
            s.history(&bob, &secret, None, 50).await,
            Err(Error::UnknownRoom(_))
        ));
    }
}

#[tokio::test]
async fn a_direct_conversation_is_one_room_for_two() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob, eve) = (
            user(&s, "ada").await,
            user(&s, "bob").await,
            user(&s, "eve").await,
        );
        let first = s.open_direct(&ada, &name("bob")).await.unwrap();
        let again = s.open_direct(&bob, &name("ada")).await.unwrap();
        assert!(first.created && !again.created);
        assert_eq!(first.room.name, again.room.name);
        assert_eq!(first.room.members, vec!["ada", "bob"]);
        assert_eq!(first.room.title("ada"), "@bob");
        let dm = room(&first.room.name);
        append(&s, &bob, &dm, None).await.unwrap();
        assert_eq!(s.history(&ada, &dm, None, 50).await.unwrap().len(), 1);
        assert!(matches!(
            s.history(&eve, &dm, None, 50).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.open_direct(&ada, &name("nobody")).await,
            Err(Error::UnknownUser(_))
        ));
    }
}

#[tokio::test]
async fn sessions_expire_and_end() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        let now = crate::store::now_ms();
        s.create_session(&ada, "live", now + 60_000).await.unwrap();
        s.create_session(&ada, "old", now - 1).await.unwrap();
        assert_eq!(s.session("live").await.unwrap().unwrap().user, ada);
        assert!(s.session("old").await.unwrap().is_none());
        assert!(s.delete_session("live").await.unwrap());
        assert!(s.session("live").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn concurrent_appends_share_commits_and_stay_gapless() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        let other = room("other");
        s.create_room(&ada, &other, NewRoomKind::Public, 100)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let (s, ada) = (s.clone(), ada.clone());
            let target = if i % 2 == 0 {
                room("general")
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                // Every fifth message repeats an earlier key: stored once.
                let key = ClientKey::parse(&format!("k{}", i - i % 5)).unwrap();
                append(&s, &ada, &target, Some(&key)).await.unwrap()
            }));
        }
        let mut stored = 0;
        for t in tasks {
            if !t.await.unwrap().duplicate {
                stored += 1;
            }
        }
        let mut total = 0;
        for r in [room("general"), other] {
            let all = s.history(&ada, &r, None, 200).await.unwrap();
            let expected: Vec<i64> = (1..=all.len() as i64).collect();
            assert_eq!(seqs(&all), expected, "gapless in {r}");
            total += all.len();
        }
        assert_eq!(total, stored);
        // An unknown room in the same batch as good messages fails alone.
        let (general, nowhere) = (room("general"), room("nowhere"));
        let (good, bad) = tokio::join!(
            append(&s, &ada, &general, None),
            append(&s, &ada, &nowhere, None)
        );
        assert!(good.is_ok());
        assert!(matches!(bad, Err(Error::UnknownRoom(_))));
    }
}

#[tokio::test]
async fn membership_changes_succeed_while_messages_are_written() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let secret = room("ada/secret");
        s.create_room(&ada, &room("secret"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        // Chat traffic in the background, from both users.
        let chatter = {
            let (s, ada) = (s.clone(), ada.clone());
            tokio::spawn(async move {
                for i in 0..300 {
                    let target = if i % 2 == 0 {
                        room("general")
                    } else {
                        room("ada/secret")
                    };
                    let _ = append(&s, &ada, &target, None).await.unwrap();
                }
            })
        };
        for i in 0..30 {
            s.add_member(&ada, &secret, &name("bob"), 1000)
                .await
                .unwrap();
            s.remove_member(&ada, &secret, &name("bob")).await.unwrap();
            s.create_room(&bob, &room(&format!("r{i}")), NewRoomKind::Public, 100)
                .await
                .unwrap();
        }
        chatter.await.unwrap();
    }
}

#[tokio::test]
async fn a_users_list_holds_the_rooms_they_joined_and_browse_holds_every_public_one() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let names =
            |rooms: Vec<app::protocol::Room>| rooms.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(s.rooms(&bob).await.unwrap()), ["general"]);
        s.create_room(&ada, &room("ops"), NewRoomKind::Public, 100)
            .await
            .unwrap();
        s.create_room(&ada, &room("plans"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        assert_eq!(
            names(s.rooms(&ada).await.unwrap()),
            ["ada/plans", "general", "ops"]
        );
        assert_eq!(names(s.rooms(&bob).await.unwrap()), ["general"]);

        // Entering a public room lists it, once; a private one cannot be entered from outside.
        assert!(s.enter(&bob, &room("ops")).await.unwrap().joined);
        assert!(!s.enter(&bob, &room("ops")).await.unwrap().joined);
        assert!(!s.enter(&ada, &room("ada/plans")).await.unwrap().joined);
        assert!(matches!(
            s.enter(&bob, &room("ada/plans")).await,
            Err(Error::UnknownRoom(_))
        ));
        assert_eq!(names(s.rooms(&bob).await.unwrap()), ["general", "ops"]);
        let mut listing = s.listed_by(&room("ops")).await.unwrap();
        listing.sort();
        assert_eq!(listing, ["ada", "bob"]);
        assert!(s.listed_by(&room("ada/plans")).await.unwrap().is_empty());

        // Leaving a public room takes it out of the list; nobody removes someone else.
        s.remove_member(&bob, &room("ops"), &name("bob"))
            .await
            .unwrap();
        assert_eq!(names(s.rooms(&bob).await.unwrap()), ["general"]);
        assert!(matches!(
            s.remove_member(&bob, &room("ops"), &name("ada")).await,
            Err(Error::NotPrivate { .. })
        ));

        // Browse: public rooms only, in name order, after a name, by part of the name.
        assert_eq!(
            names(s.browse("", "", 10).await.unwrap()),
            ["general", "ops"]
        );
        assert_eq!(names(s.browse("", "general", 10).await.unwrap()), ["ops"]);
        assert_eq!(names(s.browse("p", "", 10).await.unwrap()), ["ops"]);
        assert_eq!(names(s.browse("", "", 1).await.unwrap()), ["general"]);
        assert!(s.browse("plans", "", 10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_first_user_is_the_one_administrator_however_many_register_at_once() {
    for engine in engines().await {
        let s = &engine.store;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            tasks.push(tokio::spawn(
                async move { user(&s, &format!("u{i}")).await },
            ));
        }
        let mut users = Vec::new();
        for t in tasks {
            users.push(t.await.unwrap());
        }
        assert_eq!(s.admins().await.unwrap().len(), 1, "exactly one first user");
        let first = s.admins().await.unwrap().remove(0);
        for u in &users {
            assert_eq!(s.is_admin(u).await.unwrap(), u.name == first);
        }
        // Another one (the first is any of them: they registered at once).
        let other = users.iter().find(|u| u.name != first).unwrap().name.clone();
        s.set_admin(&other, true).await.unwrap();
        s.set_admin(&first, false).await.unwrap();
        assert_eq!(s.admins().await.unwrap(), [other]);
        assert!(matches!(
            s.set_admin(&name("nobody"), true).await,
            Err(Error::UnknownUser(_))
        ));
    }
}

#[tokio::test]
async fn read_positions_follow_what_each_user_read_and_count_their_mentions() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        let state = |who: &User| {
            let (s, who) = (s.clone(), who.clone());
            async move {
                let mut all = s.read_states(&who, None).await.unwrap();
                assert_eq!(all.len(), 1, "one room in the list");
                let one = s.read_states(&who, Some(&room("general"))).await.unwrap();
                assert_eq!(one, all);
                all.pop().unwrap()
            }
        };
        say(s, &ada, &general, None, "hello @bob").await.unwrap();
        let m2 = say(s, &ada, &general, None, "@bob @cy @ada hm")
            .await
            .unwrap();
        // Only members are mentioned (cy has no account), in the order written.
        assert_eq!(m2.message.mentions, ["bob", "ada"]);
        say(s, &ada, &general, None, "plain").await.unwrap();
        // The writer has read up to their own message; the reader has not.
        assert_eq!(state(&ada).await.read, 3);
        let bobs = state(&bob).await;
        assert_eq!((bobs.read, bobs.mentions.clone()), (0, vec![1, 2]));

        // A position moves forward only, and never beyond the newest message.
        assert_eq!(s.mark_read(&bob, &general, 1).await.unwrap(), 1);
        assert_eq!(state(&bob).await.mentions, [2]);
        assert_eq!(s.mark_read(&bob, &general, 0).await.unwrap(), 1);
        assert_eq!(s.mark_read(&bob, &general, 99).await.unwrap(), 3);
        assert!(state(&bob).await.mentions.is_empty());
        let history = s.history(&bob, &general, None, 10).await.unwrap();
        assert_eq!(history[0].mentions, ["bob"]);

        // Someone joining later has read what came before; rooms outside the list refuse.
        let cy = user(&s, "cy").await;
        assert_eq!(state(&cy).await.read, 3);
        s.create_room(&ada, &room("ops"), NewRoomKind::Public, 100)
            .await
            .unwrap();
        assert!(matches!(
            s.mark_read(&cy, &room("ops"), 1).await,
            Err(Error::NotListed(_))
        ));
        s.create_room(&ada, &room("plans"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        assert!(matches!(
            s.mark_read(&cy, &room("ada/plans"), 1).await,
            Err(Error::UnknownRoom(_))
        ));
    }
}

#[tokio::test]
async fn notification_levels_are_kept_per_user_and_room() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        let level = |who: &User| {
            let (s, who) = (s.clone(), who.clone());
            async move { s.read_states(&who, None).await.unwrap()[0].notify }
        };
        // Mentions only, until the user says otherwise; each user has their own.
        assert_eq!(level(&ada).await, NotifyLevel::Mentions);
        assert_eq!(
            s.set_notify(&ada, &general, NotifyLevel::Muted)
                .await
                .unwrap(),
            NotifyLevel::Muted
        );
        assert_eq!(level(&ada).await, NotifyLevel::Muted);
        assert_eq!(level(&bob).await, NotifyLevel::Mentions);
        s.set_notify(&ada, &general, NotifyLevel::All)
            .await
            .unwrap();
        assert_eq!(level(&ada).await, NotifyLevel::All);

        // Only rooms of the user's list; a private room of others is unknown.
        s.create_room(&ada, &room("ops"), NewRoomKind::Public, 100)
            .await
            .unwrap();
        assert!(matches!(
            s.set_notify(&bob, &room("ops"), NotifyLevel::All).await,
            Err(Error::NotListed(_))
        ));
        s.create_room(&ada, &room("plans"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        assert!(matches!(
            s.set_notify(&bob, &room("ada/plans"), NotifyLevel::All)
                .await,
            Err(Error::UnknownRoom(_))
        ));
    }
}

fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).unwrap()
}

fn emoji(e: &str) -> Emoji {
    Emoji::parse(e).unwrap()
}

/// Generous reaction limits, for tests about something else.
const ANY: ReactionLimits = ReactionLimits {
    kinds: 100,
    per_user: 100,
};

/// Message `seq` of `room` as `viewer` reads it in history.
async fn read(s: &Arc<dyn Both>, viewer: &User, room: &RoomName, seq: i64) -> Message {
    let found = s.after(viewer, room, seq - 1, 1).await.unwrap();
    assert_eq!(seqs(&found), [seq]);
    found.into_iter().next().unwrap()
}

/// The reactions of a message as (emoji, users) pairs, for comparing.
fn reactions(m: &Message) -> Vec<(&str, Vec<&str>)> {
    m.reactions
        .iter()
        .map(|Reaction { emoji, users }| {
            (emoji.as_str(), users.iter().map(String::as_str).collect())
        })
        .collect()
}

#[tokio::test]
async fn edits_belong_to_their_author_and_every_change_is_numbered_in_order() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        let key = ClientKey::parse("k1").unwrap();
        say(s, &ada, &general, Some(&key), "hello @bob")
            .await
            .unwrap();
        say(s, &bob, &general, None, "yo").await.unwrap();
        assert_eq!(s.room(&ada, &general).await.unwrap().last_change, 0);

        assert!(matches!(
            s.edit(
                &bob,
                &general,
                1,
                &body("mine now"),
                &crate::markdown::rendered("mine now"),
                &[]
            )
            .await,
            Err(Error::NotAuthor)
        ));
        let same = s
            .edit(
                &ada,
                &general,
                1,
                &body("hello @bob"),
                &crate::markdown::rendered("hello @bob"),
                &["bob".into()],
            )
            .await
            .unwrap();
        assert!(same.change.is_none());
        assert_eq!(same.message.edited, None);

        // Only members are mentioned (nobody has no account), in the order written.
        let text = "hi @nobody @ada @bob";
        let edited = s
            .edit(
                &ada,
                &general,
                1,
                &body(text),
                &crate::markdown::rendered(text),
                &app::protocol::mentioned_names(text),
            )
            .await
            .unwrap();
        let change = edited.change.unwrap();
        assert_eq!(
            (
                change.change,
                change.kind,
                change.seq,
                change.actor.as_str()
            ),
            (1, ChangeKind::Edit, 1, "ada")
        );
        assert_eq!(change.emoji, None);
        assert_eq!(edited.message.body, text);
        assert_eq!(edited.message.mentions, ["ada", "bob"]);
        assert_eq!(edited.message.edited, Some(change.ts));
        // The author's answer shows their key; the change, for the whole room, does not.
        assert_eq!(edited.message.key.as_deref(), Some("k1"));
        assert_eq!(change.message.key, None);
        assert_eq!(change.message.body, text);

        let reacted = s
            .react(&bob, &general, 1, &emoji("👍"), true, ANY)
            .await
            .unwrap();
        assert_eq!(reacted.change.unwrap().change, 2);
        let deleted = s.delete(&bob, &general, 2).await.unwrap();
        assert_eq!(deleted.change.unwrap().change, 3);
        assert!(matches!(
            s.edit(
                &bob,
                &general,
                2,
                &body("back"),
                &crate::markdown::rendered("back"),
                &[]
            )
            .await,
            Err(Error::MessageDeleted { seq: 2, .. })
        ));
        assert_eq!(s.room(&bob, &general).await.unwrap().last_change, 3);
        assert_eq!(s.rooms(&bob).await.unwrap()[0].last_change, 3);

        // The log, in order, each change with its message as it stands now.
        let log = s.changes(&ada, &general, 0, 50).await.unwrap();
        let numbers: Vec<(i64, ChangeKind, i64)> =
            log.iter().map(|c| (c.change, c.kind, c.seq)).collect();
        assert_eq!(
            numbers,
            [
                (1, ChangeKind::Edit, 1),
                (2, ChangeKind::React, 1),
                (3, ChangeKind::Delete, 2)
            ]
        );
        assert_eq!(log[0].message.body, text);
        assert_eq!(reactions(&log[0].message), [("👍", vec!["bob"])]);
        assert_eq!(log[1].emoji.as_deref(), Some("👍"));
        assert_eq!(log[1].actor, "bob");
        assert!(log[2].message.deleted && log[2].message.body.is_empty());
        // A change is the room's: never a key, not even the reader's own (docs/protocol.md).
        assert_eq!(log[0].message.key, None);
        let bobs = s.changes(&bob, &general, 0, 50).await.unwrap();
        assert_eq!(bobs[0].message.key, None);
        let page = s.changes(&ada, &general, 1, 1).await.unwrap();
        assert_eq!(page.iter().map(|c| c.change).collect::<Vec<_>>(), [2]);
        assert!(s.changes(&ada, &general, 3, 50).await.unwrap().is_empty());

        // Unknown messages and rooms, and rooms one cannot see.
        assert!(matches!(
            s.edit(
                &ada,
                &general,
                99,
                &body("x"),
                &crate::markdown::rendered("x"),
                &[]
            )
            .await,
            Err(Error::UnknownMessage { seq: 99, .. })
        ));
        s.create_room(&ada, &room("plans"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        let plans = room("ada/plans");
        say(s, &ada, &plans, None, "secret").await.unwrap();
        assert!(matches!(
            s.edit(
                &bob,
                &plans,
                1,
                &body("x"),
                &crate::markdown::rendered("x"),
                &[]
            )
            .await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.changes(&bob, &plans, 0, 50).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.react(&bob, &plans, 1, &emoji("👍"), true, ANY).await,
            Err(Error::UnknownRoom(_))
        ));
        assert!(matches!(
            s.delete(&bob, &plans, 1).await,
            Err(Error::UnknownRoom(_))
        ));
        // Each room numbers its own changes.
        let first = s
            .edit(
                &ada,
                &plans,
                1,
                &body("public"),
                &crate::markdown::rendered("public"),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(first.change.unwrap().change, 1);
        assert_eq!(s.room(&ada, &general).await.unwrap().last_change, 3);
    }
}

#[tokio::test]
async fn authors_private_room_owners_and_administrators_delete_and_nothing_remains() {
    for engine in engines().await {
        let s = &engine.store;
        // The first user is an administrator.
        let (ada, bob, cy) = (
            user(&s, "ada").await,
            user(&s, "bob").await,
            user(&s, "cy").await,
        );
        s.create_room(&bob, &room("club"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        let club = room("bob/club");
        for who in ["ada", "cy"] {
            s.add_member(&bob, &club, &name(who), 100).await.unwrap();
        }
        say(s, &cy, &club, None, "one @bob").await.unwrap();
        say(s, &cy, &club, None, "two").await.unwrap();
        say(s, &cy, &club, None, "three").await.unwrap();
        answer(s, &bob, &club, None, "re: one", Some(1))
            .await
            .unwrap();
        s.react(&bob, &club, 1, &emoji("👍"), true, ANY)
            .await
            .unwrap();

        // The author, the owner of a private room, an administrator.
        let by_author = s.delete(&cy, &club, 1).await.unwrap();
        assert_eq!(by_author.change.unwrap().kind, ChangeKind::Delete);
        assert!(s.delete(&bob, &club, 2).await.unwrap().change.is_some());
        assert!(s.delete(&ada, &club, 3).await.unwrap().change.is_some());
        // Deleting again changes nothing.
        let again = s.delete(&cy, &club, 1).await.unwrap();
        assert!(again.change.is_none() && again.message.deleted);

        // Nobody else: not a member, not the owner of a public room.
        s.create_room(&bob, &room("pub"), NewRoomKind::Public, 100)
            .await
            .unwrap();
        say(s, &cy, &room("pub"), None, "mine").await.unwrap();
        assert!(matches!(
            s.delete(&bob, &room("pub"), 1).await,
            Err(Error::MayNotDelete)
        ));
        assert!(matches!(
            s.delete(&cy, &club, 4).await,
            Err(Error::MayNotDelete)
        ));
        assert!(s
            .delete(&ada, &room("pub"), 1)
            .await
            .unwrap()
            .change
            .is_some());

        // Body, mentions and reactions are gone from storage, for everyone; the seq stays.
        let history = s.history(&bob, &club, None, 50).await.unwrap();
        assert_eq!(seqs(&history), [1, 2, 3, 4]);
        for m in &history[..3] {
            assert!(m.deleted && m.body.is_empty() && m.mentions.is_empty());
            assert!(m.reactions.is_empty());
        }
        let bobs = s.read_states(&bob, Some(&club)).await.unwrap();
        assert!(
            bobs[0].mentions.is_empty(),
            "a deleted mention is no mention"
        );
        assert!(matches!(
            s.react(&bob, &club, 1, &emoji("👍"), true, ANY).await,
            Err(Error::MessageDeleted { seq: 1, .. })
        ));
        assert!(matches!(
            s.react(&bob, &club, 1, &emoji("👍"), false, ANY).await,
            Err(Error::MessageDeleted { seq: 1, .. })
        ));
        // The reply stays, its quote saying the original is gone.
        assert_eq!(
            history[3].reply_to,
            Some(Quote {
                seq: 1,
                author: "cy".into(),
                snippet: String::new(),
                deleted: true,
            })
        );
        assert_eq!(history[3].body, "re: one");
        // A deleted reply quotes nothing of its original either.
        say(s, &cy, &club, None, "five").await.unwrap();
        answer(s, &cy, &club, None, "re: five", Some(5))
            .await
            .unwrap();
        let gone = s.delete(&cy, &club, 6).await.unwrap().message;
        let quote = gone.reply_to.unwrap();
        assert_eq!(
            (quote.seq, quote.snippet.as_str(), quote.deleted),
            (5, "", false)
        );
    }
}

#[tokio::test]
async fn reactions_are_added_once_taken_back_and_limited() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob, cy) = (
            user(&s, "ada").await,
            user(&s, "bob").await,
            user(&s, "cy").await,
        );
        let general = room("general");
        say(s, &ada, &general, None, "react to me").await.unwrap();
        let limits = ReactionLimits {
            kinds: 3,
            per_user: 2,
        };
        let react = |who: &User, e: &str, on: bool| {
            let (s, who, e, general) = (s.clone(), who.clone(), emoji(e), general.clone());
            async move { s.react(&who, &general, 1, &e, on, limits).await }
        };

        let first = react(&bob, "👍", true).await.unwrap();
        assert_eq!(
            first.change.as_ref().map(|c| c.kind),
            Some(ChangeKind::React)
        );
        assert!(react(&bob, "👍", true).await.unwrap().change.is_none());
        react(&ada, "👍", true).await.unwrap();
        let now = react(&ada, "🎉", true).await.unwrap().message;
        assert_eq!(
            reactions(&now),
            [("👍", vec!["bob", "ada"]), ("🎉", vec!["ada"])]
        );

        // Per user, then per message; an emoji already there is no new kind.
        assert!(matches!(
            react(&ada, "❤️", true).await,
            Err(Error::TooManyReactions { most: 2 })
        ));
        react(&bob, "😂", true).await.unwrap();
        assert!(matches!(
            react(&cy, "🙏", true).await,
            Err(Error::TooManyReactionKinds { most: 3 })
        ));
        react(&cy, "🎉", true).await.unwrap();

        // Taking back: what is there, once.
        let taken = react(&bob, "👍", false).await.unwrap();
        let change = taken.change.unwrap();
        assert_eq!(
            (change.kind, change.emoji.as_deref(), change.actor.as_str()),
            (ChangeKind::Unreact, Some("👍"), "bob")
        );
        assert!(react(&bob, "👍", false).await.unwrap().change.is_none());
        assert!(react(&cy, "😮", false).await.unwrap().change.is_none());
        let expected = [
            ("👍", vec!["ada"]),
            ("🎉", vec!["ada", "cy"]),
            ("😂", vec!["bob"]),
        ];
        assert_eq!(reactions(&taken.message), expected);
        // Reading the room shows the same.
        assert_eq!(reactions(&read(s, &cy, &general, 1).await), expected);
        let history = s.history(&cy, &general, None, 50).await.unwrap();
        assert_eq!(reactions(&history[0]), expected);
        // A reaction made again comes after those made since.
        react(&bob, "👍", true).await.unwrap();
        assert_eq!(
            reactions(&read(s, &cy, &general, 1).await)[0],
            ("👍", vec!["ada", "bob"])
        );
        assert!(matches!(
            s.react(&bob, &general, 7, &emoji("👍"), true, limits).await,
            Err(Error::UnknownMessage { seq: 7, .. })
        ));
        assert_eq!(s.room(&ada, &general).await.unwrap().last_change, 7);
    }
}

#[tokio::test]
async fn replies_quote_their_original_as_it_stands() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        let long = format!("**{}**\nthe end", "word ".repeat(40).trim());
        say(s, &ada, &general, None, &long).await.unwrap();
        let key = ClientKey::parse("r1").unwrap();
        let reply = answer(s, &bob, &general, Some(&key), "agreed", Some(1))
            .await
            .unwrap()
            .message;
        let quote = Quote {
            seq: 1,
            author: "ada".into(),
            // The words a reader sees: no `**`, cut at 140 characters.
            snippet: format!("{}…", &"word ".repeat(28)[..140]),
            deleted: false,
        };
        assert_eq!(reply.reply_to.as_ref(), Some(&quote));
        assert!(quote.snippet.ends_with('…'));
        assert_eq!(
            read(s, &ada, &general, 2).await.reply_to,
            Some(quote.clone())
        );
        // A repeat of the key answers the original, quote and all.
        let again = answer(s, &bob, &general, Some(&key), "agreed", Some(1))
            .await
            .unwrap();
        assert!(again.duplicate);
        assert_eq!(again.message, reply);

        // No such message: refused, and no seq is lost.
        assert!(matches!(
            answer(s, &bob, &general, None, "what?", Some(99)).await,
            Err(Error::UnknownMessage { seq: 99, .. })
        ));
        // The quote follows an edit of the original.
        s.edit(
            &ada,
            &general,
            1,
            &body("short now"),
            &crate::markdown::rendered("short now"),
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            read(s, &bob, &general, 2).await.reply_to.unwrap().snippet,
            "short now"
        );
        // A deleted original cannot be answered.
        s.delete(&ada, &general, 1).await.unwrap();
        assert!(matches!(
            answer(s, &bob, &general, None, "late", Some(1)).await,
            Err(Error::MessageDeleted { seq: 1, .. })
        ));
        let next = say(s, &bob, &general, None, "plain").await.unwrap().message;
        assert_eq!((next.seq, next.reply_to), (3, None));
    }
}

#[tokio::test]
async fn concurrent_changes_and_appends_keep_change_numbers_gapless() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        for i in 0..4 {
            say(s, &ada, &general, None, &format!("m{i}"))
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for seq in 1..=4 {
            for e in app::protocol::COMMON_REACTIONS {
                for who in [&ada, &bob] {
                    let (s, who, general) = (s.clone(), who.clone(), general.clone());
                    tasks.push(tokio::spawn(async move {
                        s.react(&who, &general, seq, &emoji(e), true, ANY)
                            .await
                            .unwrap();
                    }));
                }
            }
            let (s, ada, general) = (s.clone(), ada.clone(), general.clone());
            tasks.push(tokio::spawn(async move {
                let text = format!("edit {seq}");
                s.edit(
                    &ada,
                    &general,
                    seq,
                    &body(&text),
                    &crate::markdown::rendered(&text),
                    &[],
                )
                .await
                .unwrap();
                say(&s, &ada, &general, None, "more").await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let total = 4 * (2 * app::protocol::COMMON_REACTIONS.len() as i64 + 1);
        let log = s.changes(&ada, &general, 0, 1000).await.unwrap();
        let numbers: Vec<i64> = log.iter().map(|c| c.change).collect();
        assert_eq!(numbers, (1..=total).collect::<Vec<_>>());
        assert_eq!(s.room(&ada, &general).await.unwrap().last_change, total);
        for m in s.history(&ada, &general, Some(5), 50).await.unwrap() {
            assert_eq!(m.reactions.len(), app::protocol::COMMON_REACTIONS.len());
            assert!(m.reactions.iter().all(|r| r.users.len() == 2));
            assert_eq!(m.body, format!("edit {}", m.seq));
        }
    }
}

#[tokio::test]
async fn bodies_are_read_as_rendered_when_stored_and_older_ones_are_rendered_once() {
    for engine in engines().await {
        let s = &engine.store;
        let ada = user(&s, "ada").await;
        let general = room("general");
        let text = "**bold** move";
        say(&s, &ada, &general, None, text).await.unwrap();
        say(&s, &ada, &general, None, "an *old* one").await.unwrap();
        answer(&s, &ada, &general, None, "quoting", Some(2))
            .await
            .unwrap();
        // A body may render to nothing: that is its rendering, not a message left to render.
        say(&s, &ada, &general, None, "[a]: https://example.com")
            .await
            .unwrap();
        assert_eq!(read(&s, &ada, &general, 4).await.html, "");
        assert!(s.unrendered(10).await.unwrap().is_empty());
        // Message 2 as stored before bodies were kept rendered: no HTML, no snippet.
        forget_rendering(&engine.url, 2).await;

        assert_eq!(
            read(&s, &ada, &general, 1).await.html,
            "<p><strong>bold</strong> move</p>\n"
        );
        assert_eq!(read(&s, &ada, &general, 2).await.html, "");
        let waiting = s.unrendered(10).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].body, "an *old* one");

        assert_eq!(crate::chat::render_old_messages(&**s).await.unwrap(), 1);
        assert!(s.unrendered(10).await.unwrap().is_empty());
        assert_eq!(
            read(&s, &ada, &general, 2).await.html,
            "<p>an <em>old</em> one</p>\n"
        );
        // A reply reads its original's snippet as stored; a deletion blanks both.
        let reply = read(&s, &ada, &general, 3).await;
        assert_eq!(reply.reply_to.unwrap().snippet, "an old one");
        s.delete(&ada, &general, 2).await.unwrap();
        assert_eq!(read(&s, &ada, &general, 2).await.html, "");
        assert!(
            s.unrendered(10).await.unwrap().is_empty(),
            "a deleted message needs none"
        );
        assert_eq!(crate::chat::render_old_messages(&**s).await.unwrap(), 0);
    }
}

/// Makes message `seq` of general look as stored before bodies were kept rendered.
async fn forget_rendering(url: &str, seq: i64) {
    use sqlx::Connection;
    let sql = "UPDATE messages SET html = NULL, snippet = '' \
               WHERE seq = $1 AND room_id = (SELECT id FROM rooms WHERE name = 'general')";
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).bind(seq).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).bind(seq).execute(&mut c).await.unwrap();
    }
}

#[tokio::test]
async fn pins_are_logged_changes_listed_newest_first_limited_and_gone_with_a_deletion() {
    for engine in engines().await {
        let s = &engine.store;
        let (ada, bob) = (user(&s, "ada").await, user(&s, "bob").await);
        let general = room("general");
        for text in ["one", "two", "three"] {
            say(&s, &ada, &general, None, text).await.unwrap();
        }
        // Anyone in a public room pins; the change carries the message with its pin.
        let pinned = s.pin(&bob, &general, 1, true, 2).await.unwrap();
        let change = pinned.change.expect("a change");
        assert_eq!(change.kind, ChangeKind::Pin);
        assert_eq!(pinned.message.pinned.as_ref().unwrap().by, "bob");
        assert!(
            s.pin(&ada, &general, 1, true, 2)
                .await
                .unwrap()
                .change
                .is_none(),
            "once"
        );
        s.pin(&ada, &general, 2, true, 2).await.unwrap();
        assert!(matches!(
            s.pin(&ada, &general, 3, true, 2).await,
            Err(Error::TooManyPins { most: 2, .. })
        ));
        let pins = s.pins(&bob, &general, 50).await.unwrap();
        assert_eq!(seqs(&pins), [2, 1], "the newest pin first");
        assert_eq!(read(&s, &bob, &general, 1).await.pinned.unwrap().by, "bob");

        let unpinned = s.pin(&ada, &general, 1, false, 2).await.unwrap();
        assert_eq!(unpinned.change.unwrap().kind, ChangeKind::Unpin);
        assert!(unpinned.message.pinned.is_none());
        assert!(s
            .pin(&ada, &general, 1, false, 2)
            .await
            .unwrap()
            .change
            .is_none());
        // A deletion unpins, and a deleted message cannot be pinned.
        let deleted = s.delete(&ada, &general, 2).await.unwrap();
        assert!(deleted.message.pinned.is_none());
        assert!(s.pins(&ada, &general, 50).await.unwrap().is_empty());
        assert!(matches!(
            s.pin(&ada, &general, 2, true, 2).await,
            Err(Error::MessageDeleted { .. })
        ));
        let log = s.changes(&ada, &general, 0, 50).await.unwrap();
        let kinds: Vec<_> = log.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Pin,
                ChangeKind::Pin,
                ChangeKind::Unpin,
                ChangeKind::Delete
            ]
        );

        // In a private room, its owner only.
        let secret = s
            .create_room(&ada, &room("secret"), NewRoomKind::Private, 100)
            .await
            .unwrap();
        let secret = room(&secret.name);
        s.add_member(&ada, &secret, &name("bob"), 1000)
            .await
            .unwrap();
        say(&s, &bob, &secret, None, "hush").await.unwrap();
        assert!(matches!(
            s.pin(&bob, &secret, 1, true, 2).await,
            Err(Error::MayNotPin(_))
        ));
        s.pin(&ada, &secret, 1, true, 2).await.unwrap();
        let eve = user(&s, "eve").await;
        assert!(matches!(
            s.pins(&eve, &secret, 50).await,
            Err(Error::UnknownRoom(_))
        ));
    }
}
