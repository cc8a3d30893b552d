//! The few Engine.IO / Socket.IO text frames the load generator writes and reads, with a fast
//! path for the one it reads most (a `message` event) so one process can keep up with many
//! thousands of connections.

/// What a frame from the server means to the load generator.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// Engine.IO `open`.
    Open,
    /// Engine.IO ping: answer with [`PONG`].
    Ping,
    /// Socket.IO CONNECT accepted.
    Connected,
    /// An ack with its id.
    Ack(u64),
    /// A `message` event: which load-generator client sent it and the send time it carries
    /// (µs), both read from its body `<sender> t=<µs>` (the author is the server's business:
    /// Natter sets it from the session, which all clients share).
    /// `room` is the message's room, when the frame names one (a socket of Natter hears every
    /// room of its account's list, and the load generator's clients share one account).
    Message {
        sender: &'a str,
        sent_us: u64,
        room: Option<&'a str>,
    },
    /// Anything else (other events, noop, …).
    Other,
}

pub const PONG: &str = "3";
pub const CONNECT: &str = "40";

pub fn parse(frame: &str) -> Incoming<'_> {
    let b = frame.as_bytes();
    match b.first() {
        Some(b'0') => Incoming::Open,
        Some(b'2') => Incoming::Ping,
        Some(b'4') => match b.get(1) {
            Some(b'0') => Incoming::Connected,
            Some(b'3') => {
                let digits: &str = &frame[2..frame[2..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(frame.len(), |i| i + 2)];
                digits.parse().map(Incoming::Ack).unwrap_or(Incoming::Other)
            }
            Some(b'2') if frame[2..].starts_with("[\"message\",") => {
                parse_message(frame).unwrap_or(Incoming::Other)
            }
            _ => Incoming::Other,
        },
        _ => Incoming::Other,
    }
}

/// Reads the `<sender> t=<µs>` body of a message event without a full JSON parse.
fn parse_message(frame: &str) -> Option<Incoming<'_>> {
    let body = field(frame, "\"body\":\"")?;
    let (sender, time) = body.split_once(" t=")?;
    let sent_us = time
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let room = field(frame, "\"room\":\"");
    Some(Incoming::Message {
        sender,
        sent_us,
        room,
    })
}

/// The string value after `key` (which ends with the opening quote), up to the closing quote.
fn field<'a>(frame: &'a str, key: &str) -> Option<&'a str> {
    let start = frame.find(key)? + key.len();
    let len = frame[start..].find('"')?;
    Some(&frame[start..start + len])
}

/// `join` with ack id `id`.
pub fn join(room: &str, id: u64) -> String {
    format!("42{id}[\"join\",{{\"room\":\"{room}\"}}]")
}

/// `send` (no ack requested) carrying the sender and the send time in the body. The Node
/// reference reads `author`; Natter ignores it.
pub fn send(room: &str, sender: &str, sent_us: u64) -> String {
    format!(
        "42[\"send\",{{\"room\":\"{room}\",\"author\":\"{sender}\",\"body\":\"{sender} t={sent_us}\"}}]"
    )
}

/// `join` asking for what came after `after`, with ack id `id`.
pub fn join_after(room: &str, after: i64, id: u64) -> String {
    format!("42{id}[\"join\",{{\"room\":\"{room}\",\"after\":{after}}}]")
}

/// `history` of the newest `limit` messages, with ack id `id`.
pub fn history(room: &str, limit: u32, id: u64) -> String {
    format!("42{id}[\"history\",{{\"room\":\"{room}\",\"limit\":{limit}}}]")
}

/// `send` with ack id `id`.
pub fn send_acked(room: &str, sender: &str, sent_us: u64, id: u64) -> String {
    format!(
        "42{id}[\"send\",{{\"room\":\"{room}\",\"author\":\"{sender}\",\"body\":\"{sender} t={sent_us}\"}}]"
    )
}

/// The room and seq of a `message` event frame, without a full JSON parse.
pub fn room_and_seq(frame: &str) -> Option<(&str, i64)> {
    if !frame.starts_with("42[\"message\",") {
        return None;
    }
    let room = field(frame, "\"room\":\"")?;
    let start = frame.find("\"seq\":")? + 6;
    let digits = frame[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(&frame[start..], |end| &frame[start..start + end]);
    Some((room, digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_frames() {
        assert_eq!(
            parse(r#"0{"sid":"x","pingInterval":25000}"#),
            Incoming::Open
        );
        assert_eq!(parse("2"), Incoming::Ping);
        assert_eq!(parse(r#"40{"sid":"abc"}"#), Incoming::Connected);
        assert_eq!(parse(r#"4317[{"room":{}}]"#), Incoming::Ack(17));
        assert_eq!(
            parse(
                r#"42["message",{"id":"u","room":"r1","seq":3,"author":"bench","body":"c12 t=1700000000123456","ts":1}]"#
            ),
            Incoming::Message {
                sender: "c12",
                sent_us: 1_700_000_000_123_456,
                room: Some("r1"),
            }
        );
        assert_eq!(
            parse(r#"42["message",{"author":"c1","body":"hello"}]"#),
            Incoming::Other
        );
        assert_eq!(parse(r#"42["room_created",{}]"#), Incoming::Other);
        assert_eq!(parse("6"), Incoming::Other);
    }

    #[test]
    fn reads_room_and_seq() {
        assert_eq!(
            room_and_seq(
                r#"42["message",{"id":"u","room":"r1","seq":37,"author":"a","body":"b","ts":1}]"#
            ),
            Some(("r1", 37))
        );
        assert_eq!(room_and_seq(r#"42["room_added",{"room":{}}]"#), None);
        assert_eq!(
            join_after("r2", 9, 3),
            r#"423["join",{"room":"r2","after":9}]"#
        );
        assert_eq!(
            history("r2", 50, 4),
            r#"424["history",{"room":"r2","limit":50}]"#
        );
    }

    #[test]
    fn writes_client_frames() {
        assert_eq!(join("r1", 1), r#"421["join",{"room":"r1"}]"#);
        let frame = send("r1", "c7", 42);
        assert_eq!(
            frame,
            r#"42["send",{"room":"r1","author":"c7","body":"c7 t=42"}]"#
        );
        let v: serde_json::Value = serde_json::from_str(&frame[2..]).unwrap();
        assert_eq!(v[1]["body"], "c7 t=42");
    }
}
