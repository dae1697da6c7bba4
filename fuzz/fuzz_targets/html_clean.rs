//! Whatever HTML a message carries, the cleaned result has no script, no
//! event attribute, no javascript: in any tag and no style that fetches
//! (the text between tags may say anything: it is text).
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

/// The attribute names of a tag's text (`a href="…" title="…"`), skipping
/// quoted values.
fn attribute_names(head: &str) -> Vec<String> {
    let mut names = Vec::new();
    let (mut in_quote, mut after_space) = (false, false);
    let mut name = String::new();
    for c in head.chars() {
        if in_quote {
            in_quote = c != '"';
            continue;
        }
        match c {
            '"' => {
                in_quote = true;
                name.clear();
            }
            c if c.is_whitespace() || c == '=' => {
                if !name.is_empty() {
                    names.push(std::mem::take(&mut name));
                }
                after_space = c != '=';
            }
            c if after_space => name.push(c),
            _ => {}
        }
    }
    if !name.is_empty() {
        names.push(name);
    }
    names
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    for show_remote in [false, true] {
        let out = mail::html::clean(&html, &HashMap::new(), show_remote).html;
        let lower = out.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{out}");
        for tag in lower.split('<').skip(1) {
            let head = tag.split('>').next().unwrap_or_default();
            assert!(!head.contains("javascript:"), "<{head}>");
            for name in attribute_names(head) {
                assert!(!name.starts_with("on"), "{name} in <{head}>");
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
