//! HTML mail made safe to show: an allow-list sanitiser (ammonia) that
//! keeps the layout of ordinary mail (tables, fonts, inline styles) and
//! drops everything active (scripts, event handlers, forms, frames, base,
//! meta refresh, SVG, javascript: links). Remote images are removed unless
//! the reader asked for them; inline `cid:` images become data: URIs. The
//! page that shows the result adds a sandbox and a Content-Security-Policy,
//! a second wall should anything slip through here.
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cleaned HTML and how many remote images it refers to (shown or not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cleaned {
    pub html: String,
    pub remote_images: usize,
}

/// `inline`: the message's inline parts by Content-ID (without <>), as
/// (content type, data: URI).
pub fn clean(html: &str, inline: &HashMap<String, String>, show_remote: bool) -> Cleaned {
    let remote = Arc::new(AtomicUsize::new(0));
    let counter = remote.clone();
    let inline = inline.clone();
    let mut b = ammonia::Builder::default();
    b.add_tags(["font", "center"].iter())
        .add_generic_attributes(PRESENTATIONAL.iter().chain(&["style"]))
        .add_tag_attributes("font", ["face", "size", "color"].iter())
        .add_tag_attributes("td", ["colspan", "rowspan", "nowrap"].iter())
        .add_tag_attributes("th", ["colspan", "rowspan", "nowrap"].iter())
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid", "data"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(move |tag, attr, value| {
            let v = value.trim();
            let lower = v.to_ascii_lowercase();
            if attr == "style" {
                let css = css_as_read(v);
                // Also as written: what an unclosed comment hides from CSS
                // is still no text to pass on.
                let written: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
                return if style_is_active(&css) || style_is_active(&written) {
                    if css.contains("url(") && css.contains("//") {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    None
                } else {
                    Some(Cow::Borrowed(value))
                };
            }
            let is_src = tag == "img" && attr == "src";
            if lower.starts_with("cid:") {
                return if is_src {
                    inline
                        .get(v[4..].trim_matches(['<', '>']))
                        .map(|uri| Cow::Owned(uri.clone()))
                } else {
                    None
                };
            }
            if lower.starts_with("data:") {
                let image =
                    lower.starts_with("data:image/") && !lower.starts_with("data:image/svg");
                return (is_src && image).then_some(Cow::Borrowed(value));
            }
            if is_src && (lower.starts_with("http:") || lower.starts_with("https:")) {
                counter.fetch_add(1, Ordering::Relaxed);
                return show_remote.then_some(Cow::Borrowed(value));
            }
            if tag == "img" && (attr == "srcset" || attr == "background") {
                return None;
            }
            let presents = PRESENTATIONAL.contains(&attr)
                || ["face", "size", "colspan", "rowspan"].contains(&attr);
            if presents && !presentational(v) {
                return None;
            }
            Some(Cow::Borrowed(value))
        });
    let html = b.clean(html).to_string();
    Cleaned {
        html,
        remote_images: remote.load(Ordering::Relaxed),
    }
}

/// Layout attributes every tag keeps. Their values, like those of a
/// font's face and size and a cell's spans, are a length, a colour, a
/// keyword or a name: nothing in them is ever a URL or a script.
const PRESENTATIONAL: [&str; 11] = [
    "align",
    "valign",
    "bgcolor",
    "width",
    "height",
    "border",
    "color",
    "cellpadding",
    "cellspacing",
    "dir",
    "class",
];

/// Whether a presentational attribute's value is one (`100%`, `#ffcc00`,
/// `MsoNormal`, `'ＭＳ Ｐゴシック', sans-serif`): anything with a colon,
/// brackets or markup is dropped rather than passed on to the browser.
fn presentational(v: &str) -> bool {
    v.len() <= 200
        && v.chars()
            .all(|c| c.is_alphanumeric() || " #%.,-_*'".contains(c) || !c.is_ascii())
}

/// A style attribute as CSS reads it: comments dropped, escapes (`\75 rl(`,
/// `u\rl(`) decoded, white space removed, lower case. What is checked is
/// what the browser would see, not the spelling.
fn css_as_read(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = '\0';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '\\' => {
                let mut hex = String::new();
                while hex.len() < 6 {
                    match chars.peek() {
                        Some(h) if h.is_ascii_hexdigit() => {
                            hex.push(*h);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                let decoded = if hex.is_empty() {
                    chars.next()
                } else {
                    if chars.peek().is_some_and(|w| w.is_whitespace()) {
                        chars.next();
                    }
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                };
                if let Some(d) = decoded.filter(|d| !d.is_whitespace()) {
                    out.extend(d.to_lowercase());
                }
            }
            c if c.is_whitespace() => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Whether a style (as read) can fetch or run something, or lay itself
/// over what surrounds the message (a fake sign-in box, say).
fn style_is_active(css: &str) -> bool {
    [
        "url(",
        "image(",
        "image-set(",
        "cross-fade(",
        "element(",
        "src(",
        "expression",
        "@import",
        "behavior:",
        "-moz-binding",
        "position:fixed",
        "position:sticky",
        // Old engines ran script URLs from styles; nothing legitimate
        // names one.
        "javascript:",
        "vbscript:",
    ]
    .iter()
    .any(|f| css.contains(f))
}

/// HTML the user wrote in the compose form, made safe to send and to
/// store: the same allow-list as for reading, with the writer's own
/// remote images kept.
pub fn outgoing(html: &str) -> String {
    clean(html, &HashMap::new(), true).html
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every CSS function that fetches, in any spelling the browser reads
    /// the same, and fixed positioning, lose the whole style; ordinary
    /// layout keeps it.
    #[test]
    fn styles_that_fetch_or_overlay_are_dropped() {
        for style in [
            "background:url(https://evil.test/t.gif)",
            "background: URL( 'https://evil.test/t.gif' )",
            "background:u\\rl(https://evil.test/t.gif)",
            "background:\\75 rl(https://evil.test/t.gif)",
            "background:\\000075rl(https://evil.test/t.gif)",
            "background:u/**/rl(https://evil.test/t.gif)",
            "background-image:image-set('https://evil.test/a.png' 1x)",
            "background-image:-webkit-image-set(url(a.png) 1x)",
            "background-image:image('https://evil.test/a.png')",
            "content:cross-fade(50% a, b)",
            "position:fixed;top:0;left:0;width:100%",
            "position : FIXED",
            "position:\\66ixed",
            "width:expression(alert(1))",
            // Found by fuzzing: a script URL's name anywhere in a style.
            "x:\\6a avascript:alert(1)",
            "font-family:javascript:x",
            "color:red/*javascript:",
        ] {
            let out = clean(
                &format!("<div style=\"{style}\">x</div>"),
                &HashMap::new(),
                true,
            );
            assert_eq!(out.html, "<div>x</div>", "{style}");
        }
        let kept = "color:#333;font-size:14px;position:relative;margin:0 auto";
        let out = clean(
            &format!("<p style=\"{kept}\">x</p>"),
            &HashMap::new(),
            false,
        );
        assert!(out.html.contains(kept), "{}", out.html);
        let counted = clean(
            "<div style=\"background:\\75rl(https://t.test/a.gif)\">x</div>",
            &HashMap::new(),
            false,
        );
        assert_eq!(counted.remote_images, 1);
    }

    /// Found by fuzzing: `<b width="javascript:&lt;b">` kept its width.
    #[test]
    fn presentational_attributes_keep_only_lengths_colours_and_names() {
        let out = clean(
            "<b width=\"javascript:<b\">x</b><td bgcolor=\"url(https://e.test/)\">y</td>",
            &HashMap::new(),
            true,
        );
        assert!(!out.html.contains("javascript"), "{}", out.html);
        assert!(!out.html.contains("url("), "{}", out.html);
        let kept = r##"<table width="100%" cellpadding="2"><tbody><tr><td bgcolor="#ffcc00" class="MsoNormal"><font face="'ＭＳ Ｐゴシック', sans-serif" size="2">z</font></td></tr></tbody></table>"##;
        assert_eq!(clean(kept, &HashMap::new(), true).html, kept);
    }

    fn run(h: &str, show: bool) -> Cleaned {
        let mut inline = HashMap::new();
        inline.insert(
            "logo@x".to_owned(),
            "data:image/png;base64,iVBOR".to_owned(),
        );
        clean(h, &inline, show)
    }

    #[test]
    fn active_content_is_dropped() {
        let hostile = r#"<script>alert(1)</script><p onclick="alert(2)" style="color:red">本文</p>
<a href="javascript:alert(3)">x</a><svg onload="alert(4)"><script>alert(5)</script></svg>
<form action="https://evil.test/"><input name="p"></form><base href="https://evil.test/">
<meta http-equiv="refresh" content="0;url=https://evil.test/"><iframe src="https://evil.test/"></iframe>
<object data="https://evil.test/x"></object><div style="background:url(https://evil.test/t.gif)">bg</div>
<style>@import url(https://evil.test/a.css); body{background:url(https://evil.test/b.gif)}</style>
<img src="https://evil.test/pixel.gif" width="1" height="1"><img src="cid:logo@x"><img src="cid:missing">
<a href="https://example.test/page">link</a><link rel="stylesheet" href="https://evil.test/c.css">"#;
        let c = run(hostile, false);
        let h = c.html.to_ascii_lowercase();
        for bad in [
            "<script",
            "onclick",
            "javascript:",
            "<svg",
            "onload",
            "<form",
            "<input",
            "<base",
            "<meta",
            "<iframe",
            "<object",
            "evil.test",
            "<style",
            "<link",
            "@import",
        ] {
            assert!(!h.contains(bad), "{bad} survived: {}", c.html);
        }
        assert!(c.html.contains("本文"));
        assert!(c.html.contains("color:red"));
        assert!(
            c.html.contains(r#"src="data:image/png;base64,iVBOR""#),
            "{}",
            c.html
        );
        assert!(c.html.contains(r#"href="https://example.test/page""#));
        assert!(c.html.contains(r#"target="_blank""#));
        assert!(c.html.contains("noopener"));
        assert_eq!(c.remote_images, 2, "the pixel and the background");
    }

    #[test]
    fn remote_images_only_when_asked() {
        let h = r#"<p>news</p><img src="https://news.test/a.png" alt="a"><img src="http://news.test/b.png">"#;
        let blocked = run(h, false);
        assert!(!blocked.html.contains("news.test"), "{}", blocked.html);
        assert_eq!(blocked.remote_images, 2);
        let shown = run(h, true);
        assert!(shown.html.contains(r#"src="https://news.test/a.png""#));
        assert_eq!(shown.remote_images, 2);
    }

    #[test]
    fn svg_data_images_and_relative_urls_are_dropped() {
        let c = run(
            r#"<img src="data:image/svg+xml;base64,PHN2Zz4="><a href="/admin">x</a><img src="//evil.test/x.gif">"#,
            false,
        );
        assert!(!c.html.contains("svg"), "{}", c.html);
        assert!(!c.html.contains("/admin"), "{}", c.html);
        assert!(!c.html.contains("evil.test"), "{}", c.html);
    }
}
