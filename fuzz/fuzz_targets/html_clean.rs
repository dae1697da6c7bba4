//! Whatever HTML a message carries, the cleaned result has no script, no
//! event attribute, no javascript: in any attribute but a title or an alt
//! text, and no style that fetches (the text between tags may say
//! anything: it is text).
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

/// The attributes of a tag's text (`a href="…" title="…"`) as (name,
/// value) pairs; the cleaner always writes values in double quotes.
fn attributes(head: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut in_quote, mut after_space) = (false, false);
    let (mut name, mut value) = (String::new(), String::new());
    for c in head.chars() {
        if in_quote {
            if c == '"' {
                in_quote = false;
                out.push((std::mem::take(&mut name), std::mem::take(&mut value)));
            } else {
                value.push(c);
            }
            continue;
        }
        match c {
            '"' => in_quote = true,
            c if c.is_whitespace() || c == '=' => {
                if c != '=' && !name.is_empty() {
                    out.push((std::mem::take(&mut name), String::new()));
                }
                after_space = c != '=';
            }
            c if after_space => name.push(c),
            _ => {}
        }
    }
    if !name.is_empty() {
        out.push((name, String::new()));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    for show_remote in [false, true] {
        let out = mail::html::clean(&html, &HashMap::new(), show_remote).html;
        let lower = out.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{out}");
        for tag in lower.split('<').skip(1) {
            let head = tag.split('>').next().unwrap_or_default();
            for (name, value) in attributes(head) {
                assert!(!name.starts_with("on"), "{name} in <{head}>");
                // A title or an alt text is text: it may say anything.
                if name != "title" && name != "alt" {
                    assert!(!value.contains("javascript:"), "<{head}>");
                }
            }
            if let Some(style) = head.split(" style=\"").nth(1) {
                let style = style.split('"').next().unwrap_or_default();
                assert!(!style.contains("url("), "{style}");
            }
            if !show_remote {
                assert!(!head.contains(" src=\"http"), "<{head}>");
            }
        }
    }
});
