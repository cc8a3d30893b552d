//! The renderer's promises, and a corpus of cross-site scripting attempts (the OWASP XSS
//! filter evasion cheat sheet's cases, and Markdown's own: links, images, autolinks,
//! references) that must all come out harmless.

use super::render;

/// The tags a rendered body may hold, and the attributes each may carry.
const ALLOWED: &[(&str, &[&str])] = &[
    ("p", &[]),
    ("br", &[]),
    ("strong", &[]),
    ("em", &[]),
    ("del", &[]),
    ("code", &["class"]),
    ("pre", &[]),
    ("a", &["href", "title", "rel", "target"]),
    ("ul", &[]),
    ("ol", &["start"]),
    ("li", &[]),
    ("blockquote", &[]),
    ("h1", &[]),
    ("h2", &[]),
    ("h3", &[]),
    ("h4", &[]),
    ("h5", &[]),
    ("h6", &[]),
    ("hr", &[]),
];

/// Checks every tag of `html` (every `<` in it starts one: text is escaped) against
/// [`ALLOWED`], every attribute value is quoted and plain, and every link is safe.
fn assert_harmless(input: &str, html: &str) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html:?} (from {input:?})"));
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let tag = tag.trim_end_matches('/').trim();
        let (name, mut attrs) = match tag.split_once(' ') {
            Some((n, a)) => (n, a),
            None => (tag, ""),
        };
        let name = name.trim_start_matches('/');
        let allowed = ALLOWED
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("<{name}> in {html:?} (from {input:?})"))
            .1;
        while !attrs.trim().is_empty() {
            let a = attrs.trim_start();
            let (key, after) = a
                .split_once("=\"")
                .unwrap_or_else(|| panic!("attribute without a quoted value in {html:?}"));
            let (value, after) = after.split_once('"').unwrap();
            assert!(
                allowed.contains(&key),
                "attribute {key} on <{name}> in {html:?} (from {input:?})"
            );
            assert!(!value.contains(['<', '>']), "{html:?}");
            if key == "href" {
                let lower = value.to_ascii_lowercase();
                assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| lower.starts_with(s)),
                    "href {value} in {html:?} (from {input:?})"
                );
            }
            attrs = after;
        }
    }
}

/// The cases of OWASP's XSS filter evasion cheat sheet (in their HTML form) and Markdown's own.
pub const XSS: &[&str] = &[
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<a onmouseover=alert(document.cookie)>xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<SCRIPT/SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<SCRIPT SRC=//xss.rocks/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<IMG SRC='vbscript:msgbox(\"XSS\")'>",
    "<svg/onload=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    "<BR SIZE=\"&{alert('XSS')}\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<META HTTP-EQUIV=\"Link\" Content=\"<http://xss.rocks/xss.css>; REL=stylesheet\">",
    "<STYLE>BODY{-moz-binding:url(\"http://xss.rocks/xssmoz.xml#xss\")}</STYLE>",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<IFRAME SRC=# onmouseover=\"alert(document.cookie)\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==\" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
    "<SCRIPT a=\">\" SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
    "<A HREF=\"http://%77%77%77%2E%67%6F%6F%67%6C%65%2E%63%6F%6D\">XSS</A>",
    "<A HREF=\"javascript:document.location='http://www.google.com/'\">XSS</A>",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<? echo('<SCR)';echo('IPT>alert(\"XSS\")</SCRIPT>'); ?>",
    "<HEAD><META HTTP-EQUIV=\"CONTENT-TYPE\" CONTENT=\"text/html; charset=UTF-7\"> </HEAD>+ADw-SCRIPT+AD4-alert('XSS');+ADw-/SCRIPT+AD4-",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    // Markdown's own ways in.
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java&#x73;cript:alert(1))",
    "[click](java%73cript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](file:///etc/passwd)",
    "[click](//evil.example/x)",
    "[click](/relative/path)",
    "![x](javascript:alert(1))",
    "![x\"onerror=\"alert(1)](https://ok.example/x.png)",
    "<javascript:alert(1)>",
    "<http://ok.example/\"onmouseover=\"alert(1)>",
    "[a]\n\n[a]: javascript:alert(1)",
    "[x](https://ok.example/\"onmouseover=\"alert(1))",
    "[x](https://ok.example/ \"title\\\" onmouseover=\\\"alert(1)\")",
    "[x](https://ok.example/ 'a\" onmouseover=\"alert(1)')",
    "https://ok.example/\"><script>alert(1)</script>",
    "http://ok.example/?q=<img src=x onerror=alert(1)>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "```js\" onmouseover=\"alert(1)\nx\n```",
    "`<script>alert(1)</script>`",
    "> <script>alert(1)</script>",
    "* <img src=x onerror=alert(1)>",
    "**<svg onload=alert(1)>**",
    "[<img src=x onerror=alert(1)>](https://ok.example/)",
];

#[test]
fn every_xss_attempt_comes_out_harmless() {
    for input in XSS {
        let html = render(input);
        assert_harmless(input, &html);
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("javascript:\""), "{html}");
    }
}

#[test]
fn formatting_renders_as_commonmark() {
    assert_eq!(
        render("**bold** and *italic*"),
        "<p><strong>bold</strong> and <em>italic</em></p>\n"
    );
    assert_eq!(
        render("~~gone~~ `x < y`"),
        "<p><del>gone</del> <code>x &lt; y</code></p>\n"
    );
    assert_eq!(
        render("```rust\nfn main() {}\n```"),
        "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n"
    );
    assert_eq!(
        render("- one\n- two"),
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
    );
    assert_eq!(
        render("> quoted"),
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
    );
    // Lines typed apart stay apart.
    assert_eq!(render("one\ntwo"), "<p>one<br />\ntwo</p>\n");
}

#[test]
fn links_are_safe_and_open_apart() {
    let rel = "rel=\"noopener noreferrer nofollow\" target=\"_blank\"";
    assert_eq!(
        render("[docs](https://example.com/a?b=1&c=2)"),
        format!("<p><a href=\"https://example.com/a?b=1&amp;c=2\" {rel}>docs</a></p>\n")
    );
    assert_eq!(
        render("see https://example.com/x_(y). ok"),
        format!("<p>see <a href=\"https://example.com/x_(y)\" {rel}>https://example.com/x_(y)</a>. ok</p>\n")
    );
    assert_eq!(
        render("(at http://example.com)"),
        format!("<p>(at <a href=\"http://example.com\" {rel}>http://example.com</a>)</p>\n")
    );
    assert_eq!(
        render("<ada@example.com>"),
        format!("<p><a href=\"mailto:ada@example.com\" {rel}>ada@example.com</a></p>\n")
    );
    // Not a link: its text only. An image is a link to it, never loaded.
    assert_eq!(render("[click](javascript:alert(1))"), "<p>click</p>\n");
    assert_eq!(
        render("![cat](https://example.com/cat.png)"),
        format!("<p><a href=\"https://example.com/cat.png\" {rel}>cat</a></p>\n")
    );
    // Raw HTML is shown as typed; words around addresses stay words.
    assert_eq!(render("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n");
    assert_eq!(
        render("nohttp://x and xhttps://y"),
        "<p>nohttp://x and xhttps://y</p>\n"
    );
    assert_eq!(render("http:// alone"), "<p>http:// alone</p>\n");
}

#[test]
fn a_code_block_language_is_one_plain_word() {
    assert_eq!(
        render("```js\tvisually-hidden\nx\n```"),
        "<pre><code class=\"language-js\">x\n</code></pre>\n"
    );
    assert_eq!(
        render("```c\"onclick=x\ny\n```"),
        "<pre><code class=\"language-conclickx\">y\n</code></pre>\n"
    );
}

#[test]
fn raw_html_blocks_keep_their_lines_and_long_addresses_stay_cheap() {
    assert_eq!(
        render("<div>\none\n</div>"),
        "<p>&lt;div&gt;<br />\none<br />\n&lt;/div&gt;</p>\n"
    );
    let body = format!("http://a{}", ")".repeat(3990));
    let started = std::time::Instant::now();
    let html = render(&body);
    assert!(html.contains("<a href=\"http://a\""), "{html:.80}");
    assert!(started.elapsed() < std::time::Duration::from_millis(200));
}
