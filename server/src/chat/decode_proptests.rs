//! Property tests of [`decode`]: no JSON payload makes it panic, anything but one object is
//! `bad_payload`, and an object decodes as serde reads it.

use super::decode;
use crate::error::Error;
use app::protocol::*;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};
use std::fmt::Debug;

/// Field names of the requests, so that arbitrary objects reach the checks of field types.
const FIELDS: &[&str] = &[
    "room", "body", "key", "after", "before", "limit", "name", "private", "username", "topic",
    "author",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(FIELDS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn object(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), values, 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

/// Any JSON value, up to four levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..300).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z0-9_-]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            object(inner),
        ]
    })
}

/// `decode::<R>` on `payload`: that `R` when serde reads the object as one; otherwise a
/// refusal: a field's own code (`invalid_room_name`, …) when it broke its type's rules, or
/// `bad_payload` naming `R`'s fields.
fn decodes_as_serde_does<R: Request + PartialEq + Debug>(
    payload: &Value,
) -> Result<(), TestCaseError> {
    let decoded = decode::<R>(payload.clone());
    let serde = serde_json::from_value::<R>(payload.clone());
    let fields = app::protocol::decode::fields::<R>();
    match (decoded, payload.is_object()) {
        (Ok(r), true) => prop_assert_eq!(Ok(r), serde.map_err(|e| e.to_string())),
        (Ok(r), false) => {
            return Err(TestCaseError::fail(format!(
                "{r:?} from a non-object {payload}"
            )))
        }
        (Err(Error::BadPayload { shape, why }), is_object) => {
            prop_assert!(!is_object || serde.is_err(), "refused {payload}: {why}");
            prop_assert!(is_object || why.starts_with("got "), "{why}");
            for field in fields {
                prop_assert!(shape.contains(field), "{shape} names {field}");
            }
            let body = ErrorBody::from(Error::BadPayload { shape, why });
            prop_assert_eq!(body.code, ErrorCode::BadPayload);
        }
        (Err(e), is_object) => {
            // A field's own refusal: only for an object serde refuses too.
            prop_assert!(is_object && serde.is_err(), "{e:?} from {payload}");
            let body = ErrorBody::from(e);
            prop_assert!(body.code != ErrorCode::Internal, "{body:?}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_request_decodes_from_any_json_without_panic(
        payload in prop_oneof![json_value(), object(json_value())]
    ) {
        decodes_as_serde_does::<JoinRequest>(&payload)?;
        decodes_as_serde_does::<LeaveRequest>(&payload)?;
        decodes_as_serde_does::<RoomsRequest>(&payload)?;
        decodes_as_serde_does::<CreateRoomRequest>(&payload)?;
        decodes_as_serde_does::<OpenDirectRequest>(&payload)?;
        decodes_as_serde_does::<AddMemberRequest>(&payload)?;
        decodes_as_serde_does::<RemoveMemberRequest>(&payload)?;
        decodes_as_serde_does::<SetTopicRequest>(&payload)?;
        decodes_as_serde_does::<SendRequest>(&payload)?;
        decodes_as_serde_does::<HistoryRequest>(&payload)?;
    }
}
