//! Property tests of the edge of the protocol: no payload and no string makes decoding panic,
//! each validated newtype accepts exactly what its documentation says (and re-parses what it
//! accepted to itself), and every request type survives arbitrary JSON.
//!
//! `json_value` is shared with the packet decoder's property tests.

use super::*;
use proptest::prelude::*;
use proptest::sample::select;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Debug;

/// Cases per property: enough to find shallow bugs, few enough to keep `cargo test` quick.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

/// Characters worth trying at the edge: every rule's boundaries (case, digits, `-`, `_`),
/// white space that `trim` removes and some it does not, control characters, characters
/// whose lowercase is ASCII (the Kelvin sign) or longer (dotted capital I), and the far planes.
const SPECIAL_CHARS: &[char] = &[
    'a',
    'z',
    'A',
    'Z',
    '0',
    '9',
    '-',
    '_',
    ' ',
    '.',
    '@',
    '"',
    '\\',
    ',',
    '\t',
    '\n',
    '\r',
    '\u{0}',
    '\u{7}',
    '\u{b}',
    '\u{1b}',
    '\u{1f}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{ad}',
    '\u{200b}',
    '\u{2028}',
    '\u{202e}',
    '\u{3000}',
    '\u{feff}',
    'é',
    'ß',
    '\u{130}',
    '\u{212a}',
    '\u{1f600}',
    '\u{10ffff}',
];

/// What names are made of (`RoomName`, `Username`).
const NAME_CHARS: &[char] = &[
    'a', 'b', 'k', 'z', '0', '7', '9', '-', '_', 'A', 'K', '\u{212a}', ' ',
];

/// Any character, mostly ones from `alphabet`.
fn char_from(alphabet: &'static [char]) -> impl Strategy<Value = char> {
    prop_oneof![
        6 => select(alphabet),
        2 => select(SPECIAL_CHARS),
        1 => any::<char>(),
    ]
}

/// Strings of 0 to `max` characters, likely to land on both sides of each rule.
fn text(alphabet: &'static [char], max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(select(alphabet), 0..=max).prop_map(String::from_iter),
        prop::collection::vec(char_from(alphabet), 0..=max).prop_map(String::from_iter),
        // White space around text that is otherwise fine.
        (
            select(&[" ", "\t", "\n", "\r\n", "\u{3000}", ""][..]),
            prop::collection::vec(select(alphabet), 0..=max),
            select(&[" ", "\n", "\r\n", "\r", "\u{85}", ""][..]),
        )
            .prop_map(|(a, s, b)| format!("{a}{}{b}", String::from_iter(s))),
    ]
}

/// Printable text around a given length (message bodies, topics, passwords).
fn prose(max: usize) -> impl Strategy<Value = String> {
    const PROSE: &[char] = &['a', 'Z', ' ', 'é', '\u{1f600}', '\n', '\t', '.', '!'];
    prop_oneof![
        // Long text only near the limit: building 4,000 mixed characters is slow.
        text(PROSE, max.min(250) + 3),
        // Exactly at and just past the limit.
        (max.saturating_sub(1)..=max + 2)
            .prop_flat_map(|n| prop::collection::vec(select(PROSE), n))
            .prop_map(String::from_iter),
    ]
}

/// Field names of the protocol, so that arbitrary objects reach the checks of field types.
const FIELDS: &[&str] = &[
    "room",
    "body",
    "key",
    "after",
    "before",
    "limit",
    "name",
    "private",
    "username",
    "topic",
    "author",
    "error",
    "code",
    "message",
    "messages",
    "rooms",
    "truncated",
    "id",
    "seq",
    "ts",
    "kind",
    "owner",
    "members",
    "last_seq",
    "created_at",
    "last_change",
    "changes_after",
    "change",
    "changes",
    "edited",
    "deleted",
    "reactions",
    "reply_to",
    "emoji",
    "on",
];

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(FIELDS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Numbers whose JSON text reads back exactly (serde_json rounds some long decimals by a bit).
fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Around the limits (`limit`, seqs).
        (-3i64..=MAX_HISTORY_LIMIT as i64 + 3).prop_map(Value::from),
        (-1_000_000i32..1_000_000, 0i32..8)
            .prop_map(|(m, e)| Value::from(f64::from(m) / 2f64.powi(e))),
        select(&[-0.0, 1e300, -1e300][..]).prop_map(Value::from),
    ]
}

/// A JSON value that is neither an array nor an object.
pub(crate) fn json_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        text(NAME_CHARS, 40).prop_map(Value::String),
    ]
    .boxed()
}

/// Any JSON value, up to four levels deep, with protocol field names in its objects.
pub(crate) fn json_value() -> BoxedStrategy<Value> {
    json_scalar()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                json_object(inner),
            ]
        })
        .boxed()
}

fn json_object(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(field_name(), values, 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

/// Decoding `value` as `T` returns, whatever it is.
fn decodes_without_panic<T: DeserializeOwned>(value: &Value) {
    let _ = serde_json::from_value::<T>(value.clone());
}

/// A well-formed `T` reads back from its JSON, also with unknown fields beside its own.
fn round_trips<T>(request: &T, extra: &Map<String, Value>) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let mut json = serde_json::to_value(request).unwrap();
    prop_assert_eq!(&serde_json::from_value::<T>(json.clone()).unwrap(), request);
    let Value::Object(fields) = &mut json else {
        return Err(TestCaseError::fail("a request serializes to an object"));
    };
    for (k, v) in extra {
        fields.entry(k.clone()).or_insert_with(|| v.clone());
    }
    prop_assert_eq!(&serde_json::from_value::<T>(json).unwrap(), request);
    Ok(())
}

fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(
        prop_oneof![
            Just("author".to_owned()),
            "[a-z_]{1,8}".prop_map(|s| format!("x_{s}"))
        ],
        json_value(),
        0..3,
    )
    .prop_map(|m| m.into_iter().collect())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

proptest! {
    #![proptest_config(config())]

    // --- The validated newtypes: each accepts exactly its documented set, as it came or
    // normalized as documented, and what it accepted parses to itself.

    #[test]
    fn room_names_are_1_to_32_name_chars_from_a_letter_or_digit(raw in text(NAME_CHARS, 36)) {
        let local = |name: &str| {
            let chars: Vec<char> = name.chars().collect();
            (1..=MAX_ROOM_CHARS).contains(&chars.len())
                && (chars[0].is_ascii_lowercase() || chars[0].is_ascii_digit())
                && chars.iter().all(|&c| is_name_char(c))
        };
        // A private room's name is its owner's username, "/", and a local name.
        let valid = match raw.split_once('/') {
            None => local(&raw),
            Some((owner, rest)) => {
                Username::parse(owner).is_ok_and(|u| u.as_str() == owner) && local(rest)
            }
        };
        match RoomName::parse(&raw) {
            Ok(name) => {
                prop_assert!(valid, "accepted {raw:?}");
                prop_assert_eq!(name.as_str(), raw.as_str());
                prop_assert_eq!(RoomName::parse(name.as_str()), Ok(name.clone()));
                // Its serde form is the plain string, and reads back.
                let json = serde_json::to_value(&name).unwrap();
                prop_assert_eq!(&json, &Value::String(raw.clone()));
                prop_assert_eq!(serde_json::from_value::<RoomName>(json).unwrap(), name);
            }
            Err(e) => {
                prop_assert!(!valid, "refused {raw:?}");
                prop_assert_eq!(e.code, ErrorCode::InvalidRoomName);
                prop_assert!(serde_json::from_value::<RoomName>(Value::String(raw)).is_err());
            }
        }
    }

    #[test]
    fn room_names_decode_from_any_json_without_panic(value in json_value()) {
        let decoded = serde_json::from_value::<RoomName>(value.clone());
        if let Ok(name) = decoded {
            prop_assert_eq!(value, Value::String(name.as_str().to_owned()));
        }
    }

    #[test]
    fn topics_are_one_trimmed_line_of_at_most_200_chars(raw in prose(MAX_TOPIC_CHARS)) {
        let trimmed = raw.trim();
        let valid = trimmed.chars().count() <= MAX_TOPIC_CHARS
            && !trimmed.chars().any(char::is_control);
        match Topic::parse(&raw) {
            Ok(topic) => {
                prop_assert!(valid, "accepted {raw:?}");
                prop_assert_eq!(topic.as_str(), trimmed);
                prop_assert!(!topic.as_str().contains(['\n', '\r']));
                prop_assert_eq!(Topic::parse(topic.as_str()), Ok(topic.clone()));
            }
            Err(e) => {
                prop_assert!(!valid, "refused {raw:?}");
                prop_assert_eq!(e.code, ErrorCode::InvalidTopic);
            }
        }
    }

    #[test]
    fn message_bodies_are_trimmed_non_empty_text_of_at_most_4000_chars(
        raw in prose(MAX_BODY_CHARS)
    ) {
        let normalized = raw.replace("\r\n", "\n");
        let body = normalized.trim();
        let bad_char = body.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        let expected = if bad_char {
            Err(ErrorCode::InvalidCharacters)
        } else if body.is_empty() {
            Err(ErrorCode::EmptyMessage)
        } else if body.chars().count() > MAX_BODY_CHARS {
            Err(ErrorCode::MessageTooLong)
        } else {
            Ok(body)
        };
        let parsed = MessageBody::parse(&raw);
        prop_assert_eq!(parsed.as_ref().map(MessageBody::as_str).map_err(|e| e.code), expected);
        if let Ok(body) = parsed {
            prop_assert!(!body.as_str().contains('\r'));
            prop_assert_eq!(MessageBody::parse(body.as_str()), Ok(body.clone()));
        }
    }

    #[test]
    fn client_keys_are_1_to_64_printable_ascii_chars(raw in text(NAME_CHARS, MAX_KEY_CHARS + 4)) {
        let valid = (1..=MAX_KEY_CHARS).contains(&raw.chars().count())
            && raw.chars().all(|c| c.is_ascii_graphic());
        match ClientKey::parse(&raw) {
            Ok(key) => {
                prop_assert!(valid, "accepted {raw:?}");
                prop_assert_eq!(key.as_str(), raw.as_str());
                prop_assert_eq!(ClientKey::parse(key.as_str()), Ok(key.clone()));
            }
            Err(e) => {
                prop_assert!(!valid, "refused {raw:?}");
                prop_assert_eq!(e.code, ErrorCode::InvalidKey);
            }
        }
    }

    #[test]
    fn history_limits_are_1_to_200_defaulting_to_50(limit in prop_oneof![
        Just(None),
        (0u32..=MAX_HISTORY_LIMIT + 2).prop_map(Some),
        any::<u32>().prop_map(Some),
    ]) {
        match (HistoryLimit::parse(limit), limit) {
            (Ok(l), None) => prop_assert_eq!(l.get(), HISTORY_PAGE),
            (Ok(l), Some(n)) => {
                prop_assert!((1..=MAX_HISTORY_LIMIT).contains(&n));
                prop_assert_eq!(l.get(), n);
                prop_assert_eq!(HistoryLimit::parse(Some(l.get())), Ok(l));
            }
            (Err(e), n) => {
                prop_assert!(n.is_some_and(|n| n == 0 || n > MAX_HISTORY_LIMIT));
                prop_assert_eq!(e.code, ErrorCode::BadPayload);
            }
        }
    }

    #[test]
    fn usernames_are_2_to_24_name_chars_from_a_letter_trimmed_and_lowercased(
        raw in text(NAME_CHARS, 28)
    ) {
        let name = raw.trim().to_lowercase();
        let chars: Vec<char> = name.chars().collect();
        let valid = (MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&chars.len())
            && chars[0].is_ascii_lowercase()
            && chars.iter().all(|&c| is_name_char(c));
        match Username::parse(&raw) {
            Ok(user) => {
                prop_assert!(valid, "accepted {raw:?}");
                prop_assert_eq!(user.as_str(), name.as_str());
                // Plain ASCII whatever came in (the Kelvin sign lowercases to `k`).
                prop_assert!(user.as_str().is_ascii());
                prop_assert_eq!(Username::parse(user.as_str()), Ok(user.clone()));
            }
            Err(e) => {
                prop_assert!(!valid, "refused {raw:?}");
                prop_assert_eq!(e.code, ErrorCode::InvalidUsername);
            }
        }
    }

    #[test]
    fn passwords_are_8_to_128_chars_kept_as_typed(raw in prose(MAX_PASSWORD_CHARS)) {
        let valid = (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&raw.chars().count());
        match Password::parse(&raw) {
            Ok(p) => {
                prop_assert!(valid, "accepted {} chars", raw.chars().count());
                prop_assert_eq!(p.as_str(), raw.as_str());
                prop_assert!(Password::parse(p.as_str()) == Ok(p.clone()));
            }
            Err(e) => {
                prop_assert!(!valid, "refused {} chars", raw.chars().count());
                prop_assert_eq!(e.code, ErrorCode::InvalidPassword);
            }
        }
    }

    // --- Payloads: any JSON, and objects of the right field names with values of any type,
    // decode into every request (and every reply the browser reads) without panic.

    #[test]
    fn any_json_decodes_into_every_payload_type_without_panic(
        value in prop_oneof![json_value(), json_object(json_value())]
    ) {
        decodes_without_panic::<JoinRequest>(&value);
        decodes_without_panic::<LeaveRequest>(&value);
        decodes_without_panic::<RoomsRequest>(&value);
        decodes_without_panic::<CreateRoomRequest>(&value);
        decodes_without_panic::<OpenDirectRequest>(&value);
        decodes_without_panic::<MemberRequest>(&value);
        decodes_without_panic::<AddMemberRequest>(&value);
        decodes_without_panic::<RemoveMemberRequest>(&value);
        decodes_without_panic::<SetTopicRequest>(&value);
        decodes_without_panic::<SendRequest>(&value);
        decodes_without_panic::<HistoryRequest>(&value);
        // What the browser reads: acks, broadcasts, errors.
        decodes_without_panic::<Reply<JoinReply>>(&value);
        decodes_without_panic::<Reply<LeaveReply>>(&value);
        decodes_without_panic::<Reply<RoomsReply>>(&value);
        decodes_without_panic::<Reply<RoomReply>>(&value);
        decodes_without_panic::<Reply<SendReply>>(&value);
        decodes_without_panic::<Reply<HistoryReply>>(&value);
        decodes_without_panic::<Message>(&value);
        decodes_without_panic::<Room>(&value);
        decodes_without_panic::<ErrorBody>(&value);
        decodes_without_panic::<ErrorCode>(&value);
        decodes_without_panic::<Me>(&value);
    }

    #[test]
    fn well_formed_requests_read_back_and_ignore_unknown_fields(
        room in text(NAME_CHARS, 34),
        other in text(NAME_CHARS, 26),
        body in prose(60),
        key in prop::option::of(text(NAME_CHARS, 66)),
        seq in prop::option::of(any::<i64>()),
        limit in 1..=MAX_HISTORY_LIMIT,
        private in any::<bool>(),
        extra in unknown_fields(),
    ) {
        let (Ok(room), Ok(other), Ok(body)) =
            (RoomName::parse(&room), Username::parse(&other), MessageBody::parse(&body))
        else {
            return Ok(());
        };
        let key = key.and_then(|k| ClientKey::parse(&k).ok());
        let limit = HistoryLimit::parse(Some(limit)).unwrap();
        round_trips(&JoinRequest { room: room.clone(), after: seq, changes_after: seq }, &extra)?;
        round_trips(&LeaveRequest { room: room.clone() }, &extra)?;
        round_trips(&RoomsRequest {}, &extra)?;
        if !room.as_str().contains('/') {
            round_trips(&CreateRoomRequest { name: room.clone(), private }, &extra)?;
        }
        round_trips(&OpenDirectRequest { username: other.clone() }, &extra)?;
        let member = MemberRequest { room: room.clone(), username: other };
        round_trips(&AddMemberRequest(member.clone()), &extra)?;
        round_trips(&RemoveMemberRequest(member), &extra)?;
        if let Ok(topic) = Topic::parse(body.as_str()) {
            round_trips(&SetTopicRequest { room: room.clone(), topic }, &extra)?;
        }
        round_trips(&SendRequest { room: room.clone(), body: body.clone(), key, reply_to: seq }, &extra)?;
        if let Some(seq) = seq {
            round_trips(&EditRequest { room: room.clone(), seq, body: body.clone() }, &extra)?;
            round_trips(&DeleteRequest { room: room.clone(), seq }, &extra)?;
            let emoji = Emoji::parse("👍").unwrap();
            round_trips(&ReactRequest { room: room.clone(), seq, emoji, on: private }, &extra)?;
            round_trips(&ChangesRequest { room: room.clone(), after: seq }, &extra)?;
        }
        round_trips(&HistoryRequest { room, before: seq, limit }, &extra)?;
    }

    #[test]
    fn requests_decode_without_panic_and_hold_only_valid_fields(value in json_object(json_value())) {
        // A request that decodes holds fields that pass their own rules again.
        if let Ok(r) = super::decode::decode::<SendRequest>(value.clone()) {
            prop_assert!(RoomName::parse(r.room.as_str()).is_ok());
            prop_assert!(MessageBody::parse(r.body.as_str()).is_ok());
            prop_assert!(r.key.iter().all(|k| ClientKey::parse(k.as_str()).is_ok()));
        }
        if let Ok(r) = super::decode::decode::<HistoryRequest>(value.clone()) {
            prop_assert!(HistoryLimit::parse(Some(r.limit.get())).is_ok());
        }
        if let Ok(r) = super::decode::decode::<SetTopicRequest>(value.clone()) {
            prop_assert!(Topic::parse(r.topic.as_str()).is_ok());
        }
        if let Ok(r) = super::decode::decode::<AddMemberRequest>(value.clone()) {
            prop_assert!(Username::parse(r.0.username.as_str()).is_ok());
        }
    }
}
