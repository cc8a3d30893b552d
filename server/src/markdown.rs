//! Message bodies are Markdown (CommonMark, with GitHub's `~~strikethrough~~`), rendered to HTML
//! here, on the server only, once: when a message is stored or edited ([`rendered`]; the store
//! keeps it beside the body). Every message the server sends carries its `html`, which the page
//! (and the hydrated page, and any client) shows as it is. The browser carries no Markdown
//! parser.
//!
//! What a body can never do: raw HTML is shown as the text it is; a link is a link only to an
//! `http:`, `https:` or `mailto:` address (anything else is its text alone) and always opens
//! apart, with `rel="noopener noreferrer nofollow"`; an image is a link to its address, never
//! loaded. Line breaks are kept as typed, as in every chat. Bare `http(s)://` addresses become
//! links.

use crate::store::Rendered;
use app::protocol::Quote;
use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};
use pulldown_cmark_escape::{escape_href, escape_html};

/// The schemes a link may have.
const SAFE_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// `body` as readers see it: its HTML, and what a reply quotes of it (the start of its words as
/// a reader sees them: the same rule the browser applies to a message's `html`,
/// [`Quote::snippet_of_html`]).
pub fn rendered(body: &str) -> Rendered {
    let html = render(body);
    Rendered {
        snippet: Quote::snippet_of_html(&html),
        html,
    }
}

/// `body` as HTML (a fragment of block elements).
pub fn render(body: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Vec::new();
    // For each open link or image: whether it was drawn as `<a>`.
    let mut open: Vec<bool> = Vec::new();
    let mut in_code_block = false;
    for event in TextMergeStream::new(Parser::new_ext(body, options)) {
        match event {
            // Raw HTML is text (a block of it keeps its lines).
            Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Html(raw) => {
                let text = raw.trim_end_matches('\n');
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        events.push(Event::HardBreak);
                    }
                    events.push(Event::Text(line.to_owned().into()));
                }
                if raw.ends_with('\n') && !text.is_empty() {
                    events.push(Event::HardBreak);
                }
            }
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            })
            | Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => match safe_href(link_type, &dest_url) {
                Some(href) => {
                    events.push(Event::InlineHtml(opening_a(&href, &title).into()));
                    open.push(true);
                }
                None => open.push(false),
            },
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                if open.pop() == Some(true) {
                    events.push(Event::InlineHtml("</a>".into()));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                events.push(Event::Start(Tag::CodeBlock(plain_language(kind))));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            // A line break typed is a line break shown.
            Event::SoftBreak => events.push(Event::HardBreak),
            Event::Text(text) if !in_code_block && !open.contains(&true) => {
                autolink(text, &mut events)
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(body.len() + body.len() / 2 + 16);
    html::push_html(&mut out, events.into_iter());
    out
}

/// A fenced block's language as one plain word (`language-<word>` becomes its class): cut at
/// any white space, only letters, digits and `_+.#-`, so no body can give its code other
/// classes of the page.
fn plain_language(kind: CodeBlockKind) -> CodeBlockKind {
    match kind {
        CodeBlockKind::Fenced(info) => {
            let word: String = info
                .split(char::is_whitespace)
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "_+.#-".contains(*c))
                .take(32)
                .collect();
            CodeBlockKind::Fenced(word.into())
        }
        indented => indented,
    }
}

/// The address a link may point to, or `None` when its scheme is not a safe one (or it has
/// none: a relative address means nothing in a chat message).
fn safe_href(link_type: LinkType, dest: &str) -> Option<String> {
    if link_type == LinkType::Email {
        return Some(format!("mailto:{dest}"));
    }
    let (scheme, _) = dest.split_once(':')?;
    SAFE_SCHEMES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
        .then(|| dest.to_owned())
}

/// `<a href=… rel=… target=_blank>`, every value escaped.
fn opening_a(href: &str, title: &str) -> String {
    let mut a = String::from("<a href=\"");
    let _ = escape_href(&mut a, href);
    a.push('"');
    if !title.is_empty() {
        a.push_str(" title=\"");
        let _ = escape_html(&mut a, title);
        a.push('"');
    }
    a.push_str(" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
    a
}

/// Text with every bare `http://` or `https://` address in it made a link.
fn autolink<'a>(text: CowStr<'a>, events: &mut Vec<Event<'a>>) {
    let mut rest: &str = &text;
    let mut found = false;
    while let Some((start, end)) = next_address(rest) {
        found = true;
        if start > 0 {
            events.push(Event::Text(rest[..start].to_owned().into()));
        }
        let address = &rest[start..end];
        events.push(Event::InlineHtml(opening_a(address, "").into()));
        events.push(Event::Text(address.to_owned().into()));
        events.push(Event::InlineHtml("</a>".into()));
        rest = &rest[end..];
    }
    if !found {
        events.push(Event::Text(text));
    } else if !rest.is_empty() {
        events.push(Event::Text(rest.to_owned().into()));
    }
}

/// Where the next bare address in `text` starts and ends: `http://` or `https://` at the start
/// or after a character that is not a letter or digit, up to white space or `<`, less trailing
/// punctuation and a `)` that closes nothing.
fn next_address(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let at = from + lower[from..].find("http")?;
        let tail = &lower[at..];
        let scheme_len = if tail.starts_with("https://") {
            8
        } else if tail.starts_with("http://") {
            7
        } else {
            from = at + 4;
            continue;
        };
        let after_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let len = text[at..]
            .find(|c: char| c.is_whitespace() || c == '<')
            .unwrap_or(text.len() - at);
        let mut end = at + len;
        // Counted once, then kept as the end moves back (a long run of `)` stays linear).
        let mut opens = text[at..end].matches('(').count();
        let mut closes = text[at..end].matches(')').count();
        while let Some(last) = text[at..end].chars().next_back() {
            let unbalanced = last == ')' && opens < closes;
            if ".,:;!?'\"*_~".contains(last) || unbalanced {
                end -= last.len_utf8();
                match last {
                    ')' => closes -= 1,
                    '(' => opens -= 1,
                    _ => {}
                }
            } else {
                break;
            }
        }
        if after_word && end > at + scheme_len {
            return Some((at, end));
        }
        from = at + scheme_len;
    }
}

#[cfg(test)]
mod tests;
