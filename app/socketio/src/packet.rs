//! Engine.IO v4 and Socket.IO v5 text packets, as the browser client writes and reads them.
//!
//! Plain functions over strings, with no browser types, so they are unit-tested natively.
//! Binary attachments (Socket.IO types 5 and 6) are not part of Natter's protocol and are
//! reported as errors.

use serde::Deserialize;
use serde_json::Value;

/// An Engine.IO packet carried in one WebSocket text frame.
#[derive(Debug, Clone, PartialEq)]
pub enum EnginePacket {
    Open(Handshake),
    Close,
    Ping(String),
    Pong(String),
    Message(String),
    Upgrade,
    Noop,
}

/// The Engine.IO `open` packet's payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    pub sid: String,
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u32,
    /// Milliseconds the server waits for a pong (and the client may wait past an interval).
    pub ping_timeout: u32,
    #[serde(default)]
    pub max_payload: u64,
}

/// A Socket.IO packet, the payload of an Engine.IO `message`.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketPacket {
    /// Connect to a namespace (client -> server with optional auth; server -> client with sid).
    Connect {
        nsp: String,
        data: Option<Value>,
    },
    Disconnect {
        nsp: String,
    },
    /// An event: `args[0]` is the event name.
    Event {
        nsp: String,
        id: Option<u64>,
        args: Vec<Value>,
    },
    Ack {
        nsp: String,
        id: u64,
        args: Vec<Value>,
    },
    ConnectError {
        nsp: String,
        data: Option<Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("empty packet")]
    Empty,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("binary packets are not supported")]
    Binary,
    #[error("invalid JSON in packet: {0}")]
    Json(String),
    #[error("malformed packet: {0}")]
    Malformed(&'static str),
}

/// The Engine.IO record separator between packets of one HTTP long-polling payload.
pub const RECORD_SEPARATOR: char = '\u{1e}';

impl EnginePacket {
    pub fn decode(frame: &str) -> Result<Self, PacketError> {
        let mut chars = frame.chars();
        let kind = chars.next().ok_or(PacketError::Empty)?;
        let rest = chars.as_str();
        Ok(match kind {
            '0' => EnginePacket::Open(
                serde_json::from_str(rest).map_err(|e| PacketError::Json(e.to_string()))?,
            ),
            '1' => EnginePacket::Close,
            '2' => EnginePacket::Ping(rest.to_owned()),
            '3' => EnginePacket::Pong(rest.to_owned()),
            '4' => EnginePacket::Message(rest.to_owned()),
            '5' => EnginePacket::Upgrade,
            '6' => EnginePacket::Noop,
            'b' => return Err(PacketError::Binary),
            other => return Err(PacketError::UnknownType(other)),
        })
    }

    /// Encodes a client-side packet (`Open` is only ever sent by servers).
    pub fn encode(&self) -> String {
        match self {
            EnginePacket::Open(_) => "0".to_owned(),
            EnginePacket::Close => "1".to_owned(),
            EnginePacket::Ping(d) => format!("2{d}"),
            EnginePacket::Pong(d) => format!("3{d}"),
            EnginePacket::Message(m) => format!("4{m}"),
            EnginePacket::Upgrade => "5".to_owned(),
            EnginePacket::Noop => "6".to_owned(),
        }
    }

    /// Splits an HTTP long-polling payload into its packets.
    pub fn decode_payload(payload: &str) -> Result<Vec<Self>, PacketError> {
        payload.split(RECORD_SEPARATOR).map(Self::decode).collect()
    }
}

impl SocketPacket {
    /// An event with an optional ack id; `name` goes first in the argument array.
    pub fn event(name: &str, data: Value, id: Option<u64>) -> Self {
        SocketPacket::Event {
            nsp: "/".into(),
            id,
            args: vec![Value::String(name.into()), data],
        }
    }

    pub fn encode(&self) -> String {
        let (kind, nsp, id, data): (char, &str, Option<u64>, Option<String>) = match self {
            SocketPacket::Connect { nsp, data } => {
                ('0', nsp, None, data.as_ref().map(Value::to_string))
            }
            SocketPacket::Disconnect { nsp } => ('1', nsp, None, None),
            SocketPacket::Event { nsp, id, args } => {
                ('2', nsp, *id, Some(Value::from(args.clone()).to_string()))
            }
            SocketPacket::Ack { nsp, id, args } => (
                '3',
                nsp,
                Some(*id),
                Some(Value::from(args.clone()).to_string()),
            ),
            SocketPacket::ConnectError { nsp, data } => {
                ('4', nsp, None, data.as_ref().map(Value::to_string))
            }
        };
        let mut out = String::with_capacity(16 + data.as_ref().map_or(0, String::len));
        out.push(kind);
        if nsp != "/" {
            out.push_str(nsp);
            out.push(',');
        }
        if let Some(id) = id {
            out.push_str(&id.to_string());
        }
        if let Some(data) = data {
            out.push_str(&data);
        }
        out
    }

    pub fn decode(text: &str) -> Result<Self, PacketError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(PacketError::Empty)?;
        let mut rest = chars.as_str();
        if kind == '5' || kind == '6' {
            return Err(PacketError::Binary);
        }
        let nsp = if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            let nsp = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
            nsp
        } else {
            "/".to_owned()
        };
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let id = if digits > 0 {
            Some(
                rest[..digits]
                    .parse::<u64>()
                    .map_err(|_| PacketError::Malformed("ack id too large"))?,
            )
        } else {
            None
        };
        rest = &rest[digits..];
        let data = if rest.is_empty() {
            None
        } else {
            Some(
                serde_json::from_str::<Value>(rest)
                    .map_err(|e| PacketError::Json(e.to_string()))?,
            )
        };
        let args = |data: Option<Value>| match data {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(PacketError::Malformed("expected a JSON array")),
        };
        // Only events and acks carry an id, and each type's payload is checked as socket.io-parser
        // checks it. Otherwise text could read as another packet: `Connect` with data `5`
        // encodes to `05`, which is also a connect with ack id 5 and no data.
        if id.is_some() && matches!(kind, '0' | '1' | '4') {
            return Err(PacketError::Malformed(
                "only events and acks carry an ack id",
            ));
        }
        Ok(match kind {
            '0' if !matches!(data, None | Some(Value::Object(_))) => {
                return Err(PacketError::Malformed("a connect payload is an object"))
            }
            '1' if data.is_some() => {
                return Err(PacketError::Malformed("a disconnect carries no payload"))
            }
            '4' if !matches!(data, None | Some(Value::Object(_) | Value::String(_))) => {
                return Err(PacketError::Malformed(
                    "a connect error carries an object or a string",
                ))
            }
            '0' => SocketPacket::Connect { nsp, data },
            '1' => SocketPacket::Disconnect { nsp },
            '2' => {
                let args = args(data)?;
                if !matches!(args.first(), Some(Value::String(_))) {
                    return Err(PacketError::Malformed("an event starts with its name"));
                }
                SocketPacket::Event { nsp, id, args }
            }
            '3' => SocketPacket::Ack {
                nsp,
                id: id.ok_or(PacketError::Malformed("an ack needs an id"))?,
                args: args(data)?,
            },
            '4' => SocketPacket::ConnectError { nsp, data },
            other => return Err(PacketError::UnknownType(other)),
        })
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_open_handshake() {
        let p = EnginePacket::decode(
            r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        )
        .unwrap();
        let EnginePacket::Open(h) = p else {
            panic!("not open: {p:?}")
        };
        assert_eq!(h.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!(
            (h.ping_interval, h.ping_timeout, h.max_payload),
            (25000, 20000, 1_000_000)
        );
    }

    #[test]
    fn engine_round_trips() {
        assert_eq!(
            EnginePacket::decode("2").unwrap(),
            EnginePacket::Ping(String::new())
        );
        assert_eq!(EnginePacket::Pong(String::new()).encode(), "3");
        assert_eq!(
            EnginePacket::decode("3probe").unwrap(),
            EnginePacket::Pong("probe".into())
        );
        assert_eq!(
            EnginePacket::decode("4hello").unwrap(),
            EnginePacket::Message("hello".into())
        );
        assert_eq!(EnginePacket::Message("40".into()).encode(), "440");
        assert_eq!(EnginePacket::decode("1").unwrap(), EnginePacket::Close);
        assert_eq!(EnginePacket::decode("6").unwrap(), EnginePacket::Noop);
        assert_eq!(EnginePacket::decode(""), Err(PacketError::Empty));
        assert_eq!(
            EnginePacket::decode("9"),
            Err(PacketError::UnknownType('9'))
        );
        assert_eq!(EnginePacket::decode("bAAA"), Err(PacketError::Binary));
    }

    #[test]
    fn splits_polling_payloads() {
        let ps = EnginePacket::decode_payload("2\u{1e}4hello\u{1e}6").unwrap();
        assert_eq!(
            ps,
            vec![
                EnginePacket::Ping(String::new()),
                EnginePacket::Message("hello".into()),
                EnginePacket::Noop
            ]
        );
    }

    #[test]
    fn encodes_connect_and_events() {
        assert_eq!(
            SocketPacket::Connect {
                nsp: "/".into(),
                data: None
            }
            .encode(),
            "0"
        );
        assert_eq!(
            SocketPacket::Connect {
                nsp: "/admin".into(),
                data: Some(json!({"token":"x"}))
            }
            .encode(),
            r#"0/admin,{"token":"x"}"#
        );
        assert_eq!(
            SocketPacket::event("send", json!({"room":"general","body":"hi"}), Some(12)).encode(),
            r#"212["send",{"body":"hi","room":"general"}]"#
        );
        assert_eq!(
            SocketPacket::event("leave", json!({"room":"a"}), None).encode(),
            r#"2["leave",{"room":"a"}]"#
        );
        assert_eq!(
            SocketPacket::Ack {
                nsp: "/".into(),
                id: 3,
                args: vec![json!(1)]
            }
            .encode(),
            "33[1]"
        );
    }

    #[test]
    fn decodes_server_packets() {
        assert_eq!(
            SocketPacket::decode(r#"0{"sid":"abc"}"#).unwrap(),
            SocketPacket::Connect {
                nsp: "/".into(),
                data: Some(json!({"sid":"abc"}))
            }
        );
        assert_eq!(
            SocketPacket::decode(r#"2["message",{"seq":1}]"#).unwrap(),
            SocketPacket::Event {
                nsp: "/".into(),
                id: None,
                args: vec![json!("message"), json!({"seq":1})]
            }
        );
        assert_eq!(
            SocketPacket::decode(r#"37[{"error":{"code":"empty_message","message":"x"}}]"#)
                .unwrap(),
            SocketPacket::Ack {
                nsp: "/".into(),
                id: 7,
                args: vec![json!({"error":{"code":"empty_message","message":"x"}})]
            }
        );
        assert_eq!(
            SocketPacket::decode(r#"4{"message":"Not authorized"}"#).unwrap(),
            SocketPacket::ConnectError {
                nsp: "/".into(),
                data: Some(json!({"message":"Not authorized"}))
            }
        );
        assert_eq!(
            SocketPacket::decode("2/chat,5[\"x\"]").unwrap(),
            SocketPacket::Event {
                nsp: "/chat".into(),
                id: Some(5),
                args: vec![json!("x")]
            }
        );
        assert_eq!(
            SocketPacket::decode("1").unwrap(),
            SocketPacket::Disconnect { nsp: "/".into() }
        );
    }

    #[test]
    fn rejects_malformed_packets() {
        assert_eq!(
            SocketPacket::decode("51-[\"x\",{}]"),
            Err(PacketError::Binary)
        );
        assert!(matches!(
            SocketPacket::decode("2[\"x\""),
            Err(PacketError::Json(_))
        ));
        assert!(matches!(
            SocketPacket::decode("2{}"),
            Err(PacketError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("2[1]"),
            Err(PacketError::Malformed(_))
        ));
        assert!(matches!(
            SocketPacket::decode("3[1]"),
            Err(PacketError::Malformed(_))
        ));
        assert_eq!(
            SocketPacket::decode("9"),
            Err(PacketError::UnknownType('9'))
        );
        // Ids only on events and acks, payloads of the type's shape: `Connect` with data 5
        // encodes to `05`, which must not read back as ack id 5 and no data.
        for bad in ["05", "0 5", "0\"x\"", "1[1]", "17", "44", "4 4", "4[1]"] {
            assert!(
                matches!(SocketPacket::decode(bad), Err(PacketError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            SocketPacket::decode(r#"4"Not authorized""#).unwrap(),
            SocketPacket::ConnectError {
                nsp: "/".into(),
                data: Some(json!("Not authorized"))
            }
        );
    }

    #[test]
    fn round_trips_through_both_layers() {
        let p = SocketPacket::event("join", json!({"room":"general","after":41}), Some(0));
        let frame = EnginePacket::Message(p.encode()).encode();
        let EnginePacket::Message(inner) = EnginePacket::decode(&frame).unwrap() else {
            panic!()
        };
        assert_eq!(SocketPacket::decode(&inner).unwrap(), p);
    }
}
