//! What happens to a message after it is sent: edits, deletions, reactions, and the room's
//! change log that carries them to every client exactly once and in order.
//!
//! Each room numbers its changes 1, 2, 3, … with no gaps (`change`), apart from its message
//! seqs (which stay gapless too). A change names the message it touched (`seq`) and carries
//! that message as it stands now, so applying a change twice, or an older one after a newer
//! one, leaves the same result.

use super::errors::{ErrorBody, ErrorCode};
use super::events::{event, request};
use super::messages::Message;
use super::messages::MessageBody;
use super::rooms::RoomName;
use serde::{Deserialize, Serialize};

/// The most distinct emoji one message may carry.
pub const MAX_REACTION_KINDS: usize = 20;
/// The most distinct emoji one user may react to one message with.
pub const MAX_REACTIONS_PER_USER: usize = 10;
/// The most changes one `join` or `changes` reply carries.
pub const CHANGES_PAGE: u32 = 200;
/// The most characters of the original a reply's quote carries.
pub const QUOTE_CHARS: usize = 140;
/// The most bytes of UTF-8 an emoji may take (a family with skin tones is about 40).
pub const MAX_EMOJI_BYTES: usize = 64;

/// The most messages one room may have pinned at once.
pub const MAX_PINS: usize = 50;

/// The emoji the reaction picker offers first.
pub const COMMON_REACTIONS: [&str; 8] = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

/// What one change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The author changed the body.
    Edit,
    /// The message was deleted (its body is gone).
    Delete,
    /// Someone added a reaction (`emoji`).
    React,
    /// Someone took their reaction back (`emoji`).
    Unreact,
    /// Someone pinned the message to the room.
    Pin,
    /// Someone unpinned it.
    Unpin,
}

impl ChangeKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Edit => "edit",
            ChangeKind::Delete => "delete",
            ChangeKind::React => "react",
            ChangeKind::Unreact => "unreact",
            ChangeKind::Pin => "pin",
            ChangeKind::Unpin => "unpin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "edit" => ChangeKind::Edit,
            "delete" => ChangeKind::Delete,
            "react" => ChangeKind::React,
            "unreact" => ChangeKind::Unreact,
            "pin" => ChangeKind::Pin,
            "unpin" => ChangeKind::Unpin,
            _ => return None,
        })
    }
}

/// One entry of a room's change log: the `change` event, and what `join` and `changes` replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub room: String,
    /// Per-room change number: 1, 2, 3, … with no gaps.
    pub change: i64,
    pub kind: ChangeKind,
    /// The seq of the message changed.
    pub seq: i64,
    /// Who made the change.
    pub actor: String,
    /// The emoji of a `react` or `unreact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Server time of the change, milliseconds since the Unix epoch.
    pub ts: i64,
    /// The message as it stands now (after this change and any later one).
    pub message: Message,
}

/// The users who reacted to a message with one emoji.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    /// Usernames, in the order they reacted.
    pub users: Vec<String>,
}

/// The message a reply answers, as the reply shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The original's seq, in the same room.
    pub seq: i64,
    /// The original's author.
    pub author: String,
    /// The start of the original's words as a reader sees them, without Markdown's marks (at
    /// most [`QUOTE_CHARS`] characters, on one line; [`Quote::snippet_of_html`] of its `html`);
    /// empty when it was deleted.
    pub snippet: String,
    /// True when the original was deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl Quote {
    /// The quote of a message whose body renders to `html`: its text, white space run together,
    /// cut to [`QUOTE_CHARS`] characters (then `…`).
    pub fn snippet_of_html(html: &str) -> String {
        let text = text_of_html(html);
        let mut chars = text.chars();
        let mut out: String = chars.by_ref().take(QUOTE_CHARS).collect();
        if chars.next().is_some() {
            out.push('…');
        }
        out
    }
}

/// The words of a message's `html` on one line: tags dropped (a line break or the end of a
/// block is a space), the character references the server writes (`&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, numeric ones) read back, white space run together.
fn text_of_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let inner = rest[1..].trim_start_matches('/');
            let name = &inner[..inner
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(inner.len())];
            if matches!(
                name,
                "br" | "p"
                    | "li"
                    | "pre"
                    | "blockquote"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "hr"
                    | "ul"
                    | "ol"
            ) {
                text.push(' ');
            }
            rest = &rest[end..];
        } else {
            let end = rest.find(';').filter(|&i| i <= 10);
            let decoded = end.and_then(|i| match &rest[1..i] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                n => {
                    let n = n.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            });
            match (decoded, end) {
                (Some(c), Some(i)) => {
                    text.push(c);
                    rest = &rest[i + 1..];
                }
                _ => {
                    text.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    text.push_str(rest);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A reaction's emoji as sent: one emoji (the server checks it is one), no white space, at
/// most [`MAX_EMOJI_BYTES`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Emoji(String);

impl Emoji {
    /// The shape check both sides can make; the server also checks it is one known emoji.
    pub fn parse(raw: &str) -> Result<Self, ErrorBody> {
        let e = raw.trim();
        if e.is_empty()
            || e.len() > MAX_EMOJI_BYTES
            || e.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c.is_ascii())
        {
            return Err(Self::invalid());
        }
        Ok(Self(e.to_owned()))
    }

    pub fn invalid() -> ErrorBody {
        ErrorBody::new(
            ErrorCode::InvalidEmoji,
            "A reaction is one emoji, such as 👍 or 🎉.",
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::decode::text_field!(Emoji);

/// `edit` payload: the author replaces a message's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditRequest {
    pub room: RoomName,
    pub seq: i64,
    pub body: MessageBody,
}

/// `delete` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub room: RoomName,
    pub seq: i64,
}

/// `react` payload: add (`on`, the default) or take back a reaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactRequest {
    pub room: RoomName,
    pub seq: i64,
    pub emoji: Emoji,
    #[serde(default = "yes")]
    pub on: bool,
}

fn yes() -> bool {
    true
}

/// `pin` payload: pin (`on`, the default) a message to its room, or unpin it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinRequest {
    pub room: RoomName,
    pub seq: i64,
    #[serde(default = "yes")]
    pub on: bool,
}

/// A pinned message's pin: who pinned it and when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pinned {
    pub by: String,
    pub at: i64,
}

/// The ack of `edit`, `delete` and `react`: the message as it stands now. `change` is the
/// change this request made, absent when it changed nothing (the same body, a reaction already
/// there, a message already deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeReply {
    pub message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<i64>,
}

/// `changes` payload: a room's changes after number `after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesRequest {
    pub room: RoomName,
    pub after: i64,
}

/// `changes` ack: at most [`CHANGES_PAGE`] changes in order; `truncated` when more follow
/// (ask again after the last one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesReply {
    pub changes: Vec<Change>,
    pub truncated: bool,
}

request!(EditRequest, event::EDIT, ChangeReply);
request!(DeleteRequest, event::DELETE, ChangeReply);
request!(PinRequest, event::PIN, ChangeReply);
request!(ReactRequest, event::REACT, ChangeReply);
request!(ChangesRequest, event::CHANGES, ChangesReply);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_shapes() {
        assert_eq!(Emoji::parse(" 👍 ").unwrap().as_str(), "👍");
        assert!(Emoji::parse("👍🏽").is_ok());
        for bad in ["", "a", ":+1:", "👍 👍", "\u{7}", &"👍".repeat(20)] {
            assert_eq!(
                Emoji::parse(bad).unwrap_err().code,
                ErrorCode::InvalidEmoji,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn quotes_are_one_short_line_of_words() {
        assert_eq!(
            Quote::snippet_of_html("<p>a<br />\nb</p>\n<p>c</p>\n"),
            "a b c"
        );
        assert_eq!(
            Quote::snippet_of_html(
                "<p>check the <code>deploy</code> script, <strong>now</strong> \
                 <a href=\"https://x.example\" rel=\"noopener\">here</a></p>"
            ),
            "check the deploy script, now here"
        );
        assert_eq!(
            Quote::snippet_of_html("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
            "one two"
        );
        // Raw HTML in a body is text, escaped by the server, read back as the same text.
        assert_eq!(
            Quote::snippet_of_html(
                "<p>&lt;b&gt;raw&lt;/b&gt; &amp; &quot;q&quot; &#39; &#x41; &nope</p>"
            ),
            "<b>raw</b> & \"q\" ' A &nope"
        );
        let long = format!("<p>{}</p>", "x".repeat(QUOTE_CHARS + 5));
        let q = Quote::snippet_of_html(&long);
        assert_eq!(q.chars().count(), QUOTE_CHARS + 1);
        assert!(q.ends_with('…'));
        assert_eq!(Quote::snippet_of_html(""), "");
    }

    #[test]
    fn react_defaults_to_adding() {
        let r: ReactRequest =
            serde_json::from_str(r#"{"room":"general","seq":1,"emoji":"👍"}"#).unwrap();
        assert!(r.on);
    }
}
