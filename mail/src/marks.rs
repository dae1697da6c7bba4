//! Search hits marked in a line of the message list.
//!
//! Pure text work, built for the browser as well as the server: the list
//! renders the same marks on either side.

/// The parts of `text` with the search terms (already lowercased) marked.
/// Matching runs on a lowercased copy made character by character, with the
/// place in `text` each of its bytes came from: lowercasing changes lengths
/// (İ becomes two characters, the Kelvin sign K one byte), so offsets in the
/// copy are never used to cut `text` directly.
pub fn marked(text: &str, terms: &[String]) -> Vec<(String, bool)> {
    let mut folded = String::with_capacity(text.len());
    let mut origin: Vec<usize> = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        folded.extend(c.to_lowercase());
        origin.resize(folded.len(), i);
    }
    // The end in `text` of the character that produced folded byte `b`.
    let char_end = |b: usize| {
        let start = origin[b];
        start + text[start..].chars().next().map_or(0, char::len_utf8)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for t in terms.iter().filter(|t| !t.is_empty()) {
        let mut from = 0;
        while let Some(i) = folded[from..].find(t.as_str()) {
            let (s, e) = (from + i, from + i + t.len());
            spans.push((origin[s], char_end(e - 1)));
            from = e;
        }
    }
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in spans {
        if s < at {
            continue;
        }
        if s > at {
            out.push((text[at..s].to_owned(), false));
        }
        out.push((text[s..e].to_owned(), true));
        at = e;
    }
    if at < text.len() || out.is_empty() {
        out.push((text[at..].to_owned(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_marked() {
        let parts = marked("定例会議 Meeting", &["会議".into(), "meet".into()]);
        assert_eq!(
            parts,
            vec![
                ("定例".into(), false),
                ("会議".into(), true),
                (" ".into(), false),
                ("Meet".into(), true),
                ("ing".into(), false)
            ]
        );
    }

    #[test]
    fn hits_are_marked_on_the_original_text_whatever_lowercasing_does() {
        // İ lowercases to two characters, the Kelvin sign to one byte: the
        // hit is cut from the original text at character boundaries.
        let parts = marked("İİKey", &["key".into()]);
        assert_eq!(parts, vec![("İİ".into(), false), ("Key".into(), true)]);
        let kelvin = "\u{212A}ey İ";
        let parts = marked(kelvin, &["key".into(), "i".into()]);
        assert_eq!(
            parts,
            vec![
                ("\u{212A}ey".into(), true),
                (" ".into(), false),
                ("İ".into(), true)
            ]
        );
    }

    #[test]
    fn marking_never_loses_or_invents_text() {
        let samples = [
            "İİKey",
            "\u{212A}\u{212A}K",
            "ß Straße SS",
            "ΣΑΣ σας",
            "",
            "k",
            "İ",
            "ǅ ǆ Ǆ",
            "会議 Meeting İstanbul",
            "\u{212A}İİ key",
        ];
        let terms: Vec<String> = ["k", "i", "ss", "σ", "会", "ey", "i̇"]
            .iter()
            .map(|t| (*t).to_owned())
            .collect();
        for s in samples {
            for n in 0..=terms.len() {
                let parts = marked(s, &terms[..n]);
                let joined: String = parts.iter().map(|p| p.0.as_str()).collect();
                assert_eq!(joined, s, "terms {:?}", &terms[..n]);
            }
        }
    }
}
