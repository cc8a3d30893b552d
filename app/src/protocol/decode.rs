//! Requests are validated while they are decoded: a request type's fields are the validated
//! types (`RoomName`, `MessageBody`, `Topic`, `Username`, `ClientKey`, `Emoji`, `HistoryLimit`),
//! each deserialized through its own `parse`, so a request that decodes holds only valid input
//! and nothing after the edge checks it again.
//!
//! serde carries a field's refusal only as text; [`validated`] keeps the refusal itself aside
//! (per thread: decoding is synchronous) so that [`decode`] answers with the type's own code and
//! sentence (`invalid_room_name`, `message_too_long`, …), the same as a `parse` would. This holds
//! because serde never recovers from a field's error in a request type: none is
//! `#[serde(untagged)]` (an untagged request could fail one variant's field, then succeed or fail
//! otherwise, and the refusal kept would be stale). When several fields are invalid, which one
//! is reported is not specified (serde reads an object's members in key order).

use super::errors::ErrorBody;
use serde::de::DeserializeOwned;
use std::cell::RefCell;

thread_local! {
    static REFUSED: RefCell<Option<ErrorBody>> = const { RefCell::new(None) };
}

/// A field's value checked by `parse`: a refusal is kept for [`decode`], and given to serde.
pub(crate) fn validated<T>(parsed: Result<T, ErrorBody>) -> Result<T, ErrorBody> {
    if let Err(e) = &parsed {
        REFUSED.with(|r| *r.borrow_mut() = Some(e.clone()));
    }
    parsed
}

/// A validated text type as a request field: read from a string through its `parse` (a
/// refusal kept by [`validated`]), written as the string it holds. The type carries
/// `#[serde(try_from = "String", into = "String")]` and is a tuple struct of one `String`.
macro_rules! text_field {
    ($($ty:ident),* $(,)?) => {$(
        impl TryFrom<String> for $ty {
            type Error = $crate::protocol::ErrorBody;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $crate::protocol::decode::validated(Self::parse(&s))
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.0
            }
        }
    )*};
}
pub(crate) use text_field;

/// Why a payload did not decode.
#[derive(Debug, Clone, PartialEq)]
pub enum Undecodable {
    /// A field broke its type's rules: the type's own refusal.
    Invalid(ErrorBody),
    /// Not the request's shape (a field missing or of the wrong kind): serde's account of it.
    Malformed(String),
}

/// `R` from a JSON payload, refused as [`Undecodable`] explains.
pub fn decode<R: DeserializeOwned>(payload: serde_json::Value) -> Result<R, Undecodable> {
    REFUSED.with(|r| r.borrow_mut().take());
    serde_json::from_value(payload).map_err(|e| match REFUSED.with(|r| r.borrow_mut().take()) {
        Some(refusal) => Undecodable::Invalid(refusal),
        None => Undecodable::Malformed(e.to_string()),
    })
}

/// The field names of request `R`, as serde reads them (for error sentences): derived from the
/// type, so they cannot drift from it.
pub fn fields<R: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            Ok(())
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Found(&[])
        }
    }
    /// A deserializer that answers nothing but notes the fields a struct asks for.
    struct Probe;
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, Found> {
            visitor.visit_newtype_struct(self)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    match R::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorCode, JoinRequest, SendRequest};
    use serde_json::json;

    #[test]
    fn error_codes_read_what_they_write() {
        for &code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(serde_json::from_value::<ErrorCode>(wire).unwrap(), code);
        }
        assert!(serde_json::from_value::<ErrorCode>(json!("nonsense")).is_err());
    }

    #[test]
    fn a_field_that_breaks_its_rules_is_refused_with_its_own_code() {
        let bad = decode::<SendRequest>(json!({ "room": "Not A Room", "body": "hi" }));
        assert!(
            matches!(bad, Err(Undecodable::Invalid(e)) if e.code == ErrorCode::InvalidRoomName)
        );
        let empty = decode::<SendRequest>(json!({ "room": "general", "body": "  " }));
        assert!(matches!(empty, Err(Undecodable::Invalid(e)) if e.code == ErrorCode::EmptyMessage));
        let shape = decode::<SendRequest>(json!({ "room": "general" }));
        assert!(matches!(shape, Err(Undecodable::Malformed(m)) if m.contains("body")));
        // An optional field may be absent or null.
        let page =
            decode::<crate::protocol::HistoryRequest>(json!({ "room": "general", "limit": null }));
        assert_eq!(page.unwrap().limit.get(), crate::protocol::HISTORY_PAGE);
        // A refusal noted earlier is not answered for a later payload.
        let ok = decode::<SendRequest>(json!({ "room": "general", "body": "hi" })).unwrap();
        assert_eq!(ok.body.as_str(), "hi");
    }

    #[test]
    fn a_requests_fields_come_from_its_type() {
        assert_eq!(fields::<JoinRequest>(), ["room", "after", "changes_after"]);
        assert_eq!(fields::<SendRequest>(), ["room", "body", "key", "reply_to"]);
        assert_eq!(
            fields::<crate::protocol::AddMemberRequest>(),
            ["room", "username"]
        );
    }
}
