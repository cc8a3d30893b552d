//! Property tests of the packet decoder: no text makes it panic, what the encoder writes reads
//! back as the same packet (or is refused, never read as another one), and a packet cut short
//! is refused.

use super::*;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::Map;

/// A JSON value that is neither an array nor an object.
fn json_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
        "[a-z0-9\"\\\\ -]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
    .boxed()
}

/// Any JSON value, up to four levels deep.
fn json_value() -> BoxedStrategy<Value> {
    json_scalar()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            ]
        })
        .boxed()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// A namespace as Socket.IO writes one: `/`, or `/` and a name without a comma.
fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just("/".to_owned()),
        1 => "/[a-z0-9_-]{1,8}",
        1 => "/[^,]{0,8}",
    ]
}

/// Any string as a namespace, commas, digits and JSON punctuation included: what the encoder
/// takes, whether or not it can be written unambiguously.
fn any_namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        namespace(),
        any::<String>(),
        prop::collection::vec(
            select(&["/", ",", "5", "[", "]", "{", "}", "\"", "x", "\\"][..]),
            0..8
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

/// An event's arguments: its name first.
fn event_args() -> impl Strategy<Value = Vec<Value>> {
    (
        prop_oneof!["[a-z_]{1,12}", any::<String>()],
        prop::collection::vec(json_value(), 0..3),
    )
        .prop_map(|(name, rest)| {
            let mut args = vec![Value::String(name)];
            args.extend(rest);
            args
        })
}

/// Every packet that the protocol allows: connect payloads are objects, connect errors carry
/// an object or a string, events start with their name.
fn valid_packet() -> impl Strategy<Value = SocketPacket> {
    prop_oneof![
        (namespace(), prop::option::of(object()))
            .prop_map(|(nsp, data)| SocketPacket::Connect { nsp, data }),
        namespace().prop_map(|nsp| SocketPacket::Disconnect { nsp }),
        (namespace(), prop::option::of(any::<u64>()), event_args())
            .prop_map(|(nsp, id, args)| SocketPacket::Event { nsp, id, args }),
        (
            namespace(),
            any::<u64>(),
            prop::collection::vec(json_value(), 0..3)
        )
            .prop_map(|(nsp, id, args)| SocketPacket::Ack { nsp, id, args }),
        (
            namespace(),
            prop::option::of(prop_oneof![
                object(),
                any::<String>().prop_map(Value::String)
            ])
        )
            .prop_map(|(nsp, data)| SocketPacket::ConnectError { nsp, data }),
    ]
}

/// Every packet the encoder takes: any namespace, payloads and arguments of any JSON. Most
/// often connects with a number, a string or `null` for payload, where text is most likely to
/// read as another packet (`05`: data 5, or ack id 5 and no data?).
fn any_packet() -> impl Strategy<Value = SocketPacket> {
    let args = prop::collection::vec(json_value(), 0..4);
    prop_oneof![
        1 => valid_packet(),
        2 => (namespace(), json_scalar())
            .prop_map(|(nsp, data)| SocketPacket::Connect { nsp, data: Some(data) }),
        2 => (namespace(), json_scalar())
            .prop_map(|(nsp, data)| SocketPacket::ConnectError { nsp, data: Some(data) }),
        1 => (any_namespace(), prop::option::of(json_value()))
            .prop_map(|(nsp, data)| SocketPacket::Connect { nsp, data }),
        1 => any_namespace().prop_map(|nsp| SocketPacket::Disconnect { nsp }),
        1 => (any_namespace(), prop::option::of(any::<u64>()), args.clone())
            .prop_map(|(nsp, id, args)| SocketPacket::Event { nsp, id, args }),
        1 => (any_namespace(), any::<u64>(), args)
            .prop_map(|(nsp, id, args)| SocketPacket::Ack { nsp, id, args }),
        1 => (any_namespace(), prop::option::of(json_value()))
            .prop_map(|(nsp, data)| SocketPacket::ConnectError { nsp, data }),
    ]
}

/// `s` cut after a character chosen by `at` (possibly after none, or all).
fn cut(s: &str, at: Index) -> &str {
    let ends: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    &s[..ends[at.index(ends.len())]]
}

/// JSON text: valid, cut short, or punctuation and digits (no exponents, so every number in it
/// reads back exactly).
fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        (json_value(), any::<Index>()).prop_map(|(v, at)| cut(&v.to_string(), at).to_owned()),
        "[\\[\\]{}\",:0-9a-df-z. \\\\-]{0,16}",
        any::<String>(),
    ]
}

/// Text shaped like packets: an optional Engine.IO type, a Socket.IO type, a namespace, an ack
/// id (some too large for a u64), and JSON.
fn packet_text() -> impl Strategy<Value = String> {
    let engine = select(&["", "", "4", "0", "2", "b", "\u{1e}"][..]);
    let kind = select(&["0", "1", "2", "3", "4", "5", "6", "7", "9", "", "x", "é"][..]);
    let nsp = prop_oneof![
        Just(String::new()),
        Just("/".to_owned()),
        Just("/,".to_owned()),
        "/[a-z0-9]{0,5},",
        "/[a-z,\\[\"]{0,5}",
    ];
    let id = prop_oneof![
        Just(String::new()),
        "[0-9]{1,5}",
        Just(u64::MAX.to_string()),
        Just("18446744073709551616".to_owned()),
        "[0-9]{20,24}",
    ];
    (engine, kind, nsp, id, json_text()).prop_map(|(e, k, n, i, d)| format!("{e}{k}{n}{i}{d}"))
}

/// What each decoded packet promises, whatever the text was.
fn check_decoded(p: &SocketPacket) -> Result<(), TestCaseError> {
    let nsp = match p {
        SocketPacket::Connect { nsp, data } => {
            prop_assert!(matches!(data, None | Some(Value::Object(_))));
            nsp
        }
        SocketPacket::Disconnect { nsp } => nsp,
        SocketPacket::Event { nsp, args, .. } => {
            prop_assert!(matches!(args.first(), Some(Value::String(_))));
            nsp
        }
        SocketPacket::Ack { nsp, .. } => nsp,
        SocketPacket::ConnectError { nsp, data } => {
            prop_assert!(matches!(
                data,
                None | Some(Value::Object(_) | Value::String(_))
            ));
            nsp
        }
    };
    prop_assert!(
        nsp.starts_with('/') && !nsp.contains(','),
        "namespace {nsp:?}"
    );
    // Written out again, it reads back the same.
    prop_assert_eq!(&SocketPacket::decode(&p.encode()), &Ok(p.clone()));
    Ok(())
}

fn handshake() -> impl Strategy<Value = Handshake> {
    (
        any::<String>(),
        prop::collection::vec("[a-z]{1,10}", 0..3),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
    )
        .prop_map(
            |(sid, upgrades, ping_interval, ping_timeout, max_payload)| Handshake {
                sid,
                upgrades,
                ping_interval,
                ping_timeout,
                max_payload,
            },
        )
}

fn open_frame(h: &Handshake) -> String {
    let json = serde_json::json!({
        "sid": h.sid,
        "upgrades": h.upgrades,
        "pingInterval": h.ping_interval,
        "pingTimeout": h.ping_timeout,
        "maxPayload": h.max_payload,
    });
    format!("0{json}")
}

/// Engine.IO packets a client writes (the `open` packet only comes from servers), their
/// strings from `data`.
fn engine_packet(data: BoxedStrategy<String>) -> impl Strategy<Value = EnginePacket> {
    prop_oneof![
        Just(EnginePacket::Close),
        data.clone().prop_map(EnginePacket::Ping),
        data.clone().prop_map(EnginePacket::Pong),
        data.prop_map(EnginePacket::Message),
        Just(EnginePacket::Upgrade),
        Just(EnginePacket::Noop),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_text_makes_either_decoder_panic(text in prop_oneof![
        any::<String>(),
        ".*",
        packet_text(),
    ]) {
        let _ = EnginePacket::decode(&text);
        let _ = EnginePacket::decode_payload(&text);
        if let Ok(p) = SocketPacket::decode(&text) {
            check_decoded(&p)?;
        }
    }

    #[test]
    fn packet_shaped_text_decodes_to_packets_that_keep_their_promises(text in packet_text()) {
        if let Ok(EnginePacket::Message(inner)) = EnginePacket::decode(&text) {
            if let Ok(p) = SocketPacket::decode(&inner) {
                check_decoded(&p)?;
            }
        }
        if let Ok(p) = SocketPacket::decode(&text) {
            check_decoded(&p)?;
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow(
        depth in prop_oneof![100usize..140, 140usize..20_000],
        open in select(&["[", "{\"a\":"][..]),
    ) {
        let text = format!("2[\"x\",{}]", open.repeat(depth));
        prop_assert!(SocketPacket::decode(&text).is_err());
        // serde_json refuses 128 levels and more (the event's own array is one); below that
        // it reads the packet.
        let closed = format!("2[\"x\",{}1{}]", "[".repeat(depth), "]".repeat(depth));
        prop_assert_eq!(SocketPacket::decode(&closed).is_ok(), depth < 127, "depth {}", depth);
    }

    #[test]
    fn valid_packets_round_trip(p in valid_packet()) {
        let text = p.encode();
        prop_assert_eq!(SocketPacket::decode(&text), Ok(p.clone()));
        // And inside an Engine.IO message.
        let frame = EnginePacket::Message(text).encode();
        prop_assert_eq!(EnginePacket::decode(&frame), Ok(EnginePacket::Message(p.encode())));
    }

    #[test]
    fn encoded_packets_read_back_as_themselves_or_are_refused(p in any_packet()) {
        match SocketPacket::decode(&p.encode()) {
            Ok(q) => prop_assert_eq!(q, p),
            Err(_) => {}
        }
    }

    #[test]
    fn events_and_acks_cut_short_are_refused(
        p in valid_packet().prop_filter("events and acks", |p| matches!(
            p,
            SocketPacket::Event { .. } | SocketPacket::Ack { .. }
        )),
        at in any::<Index>(),
    ) {
        let text = p.encode();
        let short = cut(&text, at);
        if short.len() < text.len() {
            prop_assert!(SocketPacket::decode(short).is_err(), "{short:?} of {text:?}");
        }
    }

    #[test]
    fn payloads_cut_short_are_refused(p in valid_packet(), at in any::<Index>()) {
        // Cut inside the payload: what comes before it (namespace, no data) is a packet of its
        // own, as the format has no lengths.
        let header = match &p {
            SocketPacket::Connect { nsp, data: Some(_) } => {
                SocketPacket::Connect { nsp: nsp.clone(), data: None }.encode()
            }
            SocketPacket::ConnectError { nsp, data: Some(_) } => {
                SocketPacket::ConnectError { nsp: nsp.clone(), data: None }.encode()
            }
            _ => return Ok(()),
        };
        let text = p.encode();
        let short = cut(&text, at);
        if short.len() > header.len() && short.len() < text.len() {
            prop_assert!(SocketPacket::decode(short).is_err(), "{short:?} of {text:?}");
        }
    }

    #[test]
    fn open_handshakes_read_back_and_cut_short_are_refused(
        h in handshake(),
        at in any::<Index>(),
    ) {
        let frame = open_frame(&h);
        prop_assert_eq!(EnginePacket::decode(&frame), Ok(EnginePacket::Open(h)));
        let short = cut(&frame, at);
        if short.len() < frame.len() {
            prop_assert!(EnginePacket::decode(short).is_err(), "{short:?}");
        }
    }

    #[test]
    fn engine_packets_round_trip(p in engine_packet(any::<String>().boxed())) {
        prop_assert_eq!(EnginePacket::decode(&p.encode()), Ok(p));
    }

    #[test]
    fn polling_payloads_split_into_their_packets(
        ps in prop::collection::vec(engine_packet("[^\\x1e]*".boxed()), 1..6)
    ) {
        let payload = ps
            .iter()
            .map(EnginePacket::encode)
            .collect::<Vec<_>>()
            .join(&RECORD_SEPARATOR.to_string());
        prop_assert_eq!(EnginePacket::decode_payload(&payload), Ok(ps));
    }
}
