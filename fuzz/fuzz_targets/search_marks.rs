//! Whatever the subject and the search, marking the hits neither panics
//! nor changes the text: the parts joined are the subject, and every
//! marked part, lowercased, contains a term. (Its first runs found that a
//! search of thousands of words made marking cost words × text: a search
//! now has at most `mail::search::TERMS_MAX` words.)
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is what the user typed into the search box, read as
    // the store reads it; the rest is the text.
    let (typed, text) = s.split_once('\n').unwrap_or(("", s));
    let terms = mail::search::query(typed)
        .map(|q| q.terms)
        .unwrap_or_default();
    let parts = mail::marks::marked(text, &terms);
    let joined: String = parts.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(joined, text);
    for (part, hit) in &parts {
        if *hit {
            // Character by character, as the marker folds (str's own
            // lowercasing turns a final Σ into ς).
            let lower: String = part.chars().flat_map(char::to_lowercase).collect();
            assert!(
                terms
                    .iter()
                    .any(|t| !t.is_empty() && lower.contains(t.as_str())),
                "{part:?} marked for {terms:?}"
            );
        }
    }
});
