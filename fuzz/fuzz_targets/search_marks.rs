//! Whatever the subject and the search terms, marking the hits neither
//! panics nor changes the text: the parts joined are the subject, and every
//! marked part, lowercased, contains a term.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // The first line holds the terms (as the search box lowercases them),
    // the rest is the text.
    let (terms, text) = s.split_once('\n').unwrap_or(("", s));
    let terms: Vec<String> = terms.split(' ').map(str::to_lowercase).collect();
    let parts = mail::marks::marked(text, &terms);
    let joined: String = parts.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(joined, text);
    for (part, hit) in &parts {
        if *hit {
            let lower = part.to_lowercase();
            assert!(
                terms
                    .iter()
                    .any(|t| !t.is_empty() && lower.contains(t.as_str())),
                "{part:?} marked for {terms:?}"
            );
        }
    }
});
