//! Search text and the pieces it is indexed by.
//!
//! Japanese has no spaces between words, so a word index cannot find 会議
//! inside 定例会議室. Every run of letters outside ASCII is indexed as its
//! overlapping two-character pieces (定例 例会 会議 議室), which finds any
//! substring of two characters or more; ASCII words are indexed whole and
//! found by prefix, as mail clients do. The index only narrows the search:
//! every candidate is confirmed against the message's text, so a piece
//! index never gives a false hit.
use unicode_normalization::UnicodeNormalization;

/// What both the stored text and a query go through, so that full-width
/// and half-width forms (ＡＢＣ, ﾃｽﾄ) and upper and lower case find each
/// other.
pub fn normalize(s: &str) -> String {
    // Fast path: ASCII, kana, ー, 、。 and the unified kanji are unchanged
    // by NFKC and have no case but ASCII's; most Japanese mail is only that.
    if s.chars().all(|c| {
        c.is_ascii()
            || matches!(c, '\u{3001}'..='\u{3002}' | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}')
    }) {
        return s.to_ascii_lowercase();
    }
    // Most text is already in NFKC; the quick check skips the full pass,
    // which would otherwise be a good part of storing received mail.
    if unicode_normalization::is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        s.to_lowercase()
    } else {
        s.nfkc().collect::<String>().to_lowercase()
    }
}

/// Longer words are cut: long runs without spaces are base64, hashes and
/// URLs, which nobody types whole.
const WORD_MAX: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ascii,
    Wide,
    Gap,
}

fn kind(c: char) -> Kind {
    if c.is_ascii_alphanumeric() {
        Kind::Ascii
    } else if c.is_ascii() {
        Kind::Gap
    } else if matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}')
    {
        // Kana and kanji, most of Japanese text: no table lookup.
        Kind::Wide
    } else if c.is_alphanumeric() {
        Kind::Wide
    } else {
        Kind::Gap
    }
}

/// One run of word characters of one kind.
fn runs(text: &str) -> impl Iterator<Item = (Kind, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(|c| kind(c) != Kind::Gap)?;
            rest = &rest[start..];
            let k = kind(rest.chars().next()?);
            let end = rest.find(|c| kind(c) != k).unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            rest = tail;
            if !run.is_empty() {
                return Some((k, run));
            }
        }
    })
}

fn cut(word: &str, max_chars: usize) -> &str {
    match word.char_indices().nth(max_chars) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

/// The two-character pieces of a run (a run of one character is itself).
fn pairs<'a>(run: &'a str, out: &mut Vec<&'a str>) {
    let mut starts = run.char_indices().map(|(i, _)| i);
    let Some(mut a) = starts.next() else { return };
    let Some(mut b) = starts.next() else {
        out.push(run);
        return;
    };
    for c in starts.chain([run.len()]) {
        out.push(&run[a..c]);
        a = b;
        b = c;
    }
}

/// The distinct pieces of normalized text, separated by spaces (SQLite
/// FTS5 with the `ascii` tokenizer splits them there and nowhere else).
/// Each piece once: the index keeps no positions.
pub fn fts_text(text: &str) -> String {
    let mut pieces: Vec<&str> = Vec::with_capacity(text.len() / 2);
    for (k, run) in runs(text) {
        match k {
            Kind::Ascii => pieces.push(cut(run, WORD_MAX)),
            _ => pairs(run, &mut pieces),
        }
    }
    distinct(pieces).join(" ")
}

/// FNV-1a: pieces are short, and the standard hasher's resistance to
/// chosen keys buys nothing for de-duplicating one message's pieces.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Each piece once, in the order first seen.
fn distinct(pieces: Vec<&str>) -> Vec<&str> {
    let mut seen: std::collections::HashSet<&str, std::hash::BuildHasherDefault<Fnv>> =
        std::collections::HashSet::with_capacity_and_hasher(pieces.len() / 4, Default::default());
    pieces.into_iter().filter(|p| seen.insert(p)).collect()
}

/// The distinct pieces of normalized text for PostgreSQL's array index,
/// which has no prefix search: an ASCII word is stored with its prefixes.
pub fn pg_grams(text: &str) -> Vec<String> {
    let mut pieces: Vec<&str> = Vec::with_capacity(text.len() / 2);
    for (k, run) in runs(text) {
        match k {
            Kind::Ascii => {
                let w = cut(run, WORD_MAX);
                if w.len() == 1 {
                    pieces.push(w);
                }
                for n in 2..=w.len() {
                    pieces.push(&w[..n]);
                }
            }
            _ => pairs(run, &mut pieces),
        }
    }
    distinct(pieces).into_iter().map(str::to_owned).collect()
}

/// A search as the store runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The normalized terms (split at spaces); each must occur in a hit.
    pub terms: Vec<String>,
    /// The FTS5 expression that narrows the candidates; None when no piece
    /// can (a single character): then the text is scanned, newest first.
    pub fts: Option<String>,
    /// PostgreSQL: pieces every hit contains; empty means scan.
    pub grams: Vec<String>,
}

/// Words a search looks for at most, and characters of each: every word
/// is a condition on every candidate and is marked in every row shown, so
/// a pasted page of text must not become thousands of them.
pub const TERMS_MAX: usize = 16;
pub const TERM_CHARS_MAX: usize = 64;

/// Reads what the user typed; None when there is nothing to look for. The
/// first `TERMS_MAX` distinct words count, each cut to `TERM_CHARS_MAX`
/// characters (a longer word still finds what contains it).
pub fn query(typed: &str) -> Option<Query> {
    let norm = normalize(typed);
    let mut terms: Vec<String> = Vec::new();
    for word in norm.split_whitespace() {
        let word: String = word.chars().take(TERM_CHARS_MAX).collect();
        if !terms.contains(&word) {
            terms.push(word);
        }
        if terms.len() == TERMS_MAX {
            break;
        }
    }
    if terms.is_empty() {
        return None;
    }
    let mut fts = Vec::new();
    let mut grams = Vec::new();
    for term in &terms {
        for (k, run) in runs(term) {
            match k {
                // A one-letter prefix would read most of the index; the
                // confirmation against the text checks it instead.
                Kind::Ascii if run.len() == 1 => {}
                Kind::Ascii => {
                    let w = cut(run, WORD_MAX);
                    // FTS5 string syntax: the piece has no quotes in it.
                    fts.push(format!("\"{w}\"*"));
                    grams.push(w.to_owned());
                }
                _ if run.chars().nth(1).is_none() => {
                    // One character: no piece holds it alone.
                }
                _ => {
                    let mut ps = Vec::new();
                    pairs(run, &mut ps);
                    for p in ps {
                        fts.push(format!("\"{p}\""));
                        grams.push(p.to_owned());
                    }
                }
            }
        }
    }
    grams.sort();
    grams.dedup();
    Some(Query {
        terms,
        fts: (!fts.is_empty()).then(|| fts.join(" AND ")),
        grams,
    })
}

/// The byte ranges of `text` where any term occurs (normalized the same
/// way, compared without case), for highlighting hits; sorted, merged.
pub fn hits(text: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let lower: String = text.to_lowercase();
    // Lower-casing may change lengths; highlight only when it did not.
    if lower.len() != text.len() {
        return Vec::new();
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    for t in terms.iter().filter(|t| !t.is_empty()) {
        let mut from = 0;
        while let Some(i) = lower[from..].find(t.as_str()) {
            let s = from + i;
            out.push((s, s + t.len()));
            from = s + t.len();
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_runs_become_pairs_and_ascii_words_stay_whole() {
        assert_eq!(
            fts_text(&normalize("定例会議室 Meeting、ﾃｽﾄ ＡＢＣ 東")),
            "定例 例会 会議 議室 meeting テス スト abc 東"
        );
        assert_eq!(fts_text("「」・、。"), "");
        assert_eq!(fts_text(""), "");
    }

    #[test]
    fn a_pasted_page_is_at_most_sixteen_words() {
        // Every word is a condition on every candidate and a mark in every
        // row shown: repeated words count once, and there are few.
        let page: String = (0..5000).map(|i| format!("w{i} w{i} ")).collect();
        let q = query(&page).unwrap();
        assert_eq!(q.terms.len(), TERMS_MAX);
        assert_eq!(q.terms[1], "w1");
        let q = query(&"あ".repeat(1000)).unwrap();
        assert_eq!(q.terms[0].chars().count(), TERM_CHARS_MAX);
    }

    #[test]
    fn queries_of_two_characters_use_the_index() {
        let q = query(" 会議 ").unwrap();
        assert_eq!(q.terms, ["会議"]);
        assert_eq!(q.fts.as_deref(), Some("\"会議\""));
        assert_eq!(q.grams, ["会議"]);
        let q = query("定例会議 meet").unwrap();
        assert_eq!(
            q.fts.as_deref(),
            Some("\"定例\" AND \"例会\" AND \"会議\" AND \"meet\"*")
        );
        assert_eq!(q.grams, ["meet", "会議", "例会", "定例"]);
        // One character: scanned, not looked up.
        let q = query("東").unwrap();
        assert_eq!(q.terms, ["東"]);
        assert_eq!((q.fts, q.grams.len()), (None, 0));
        let q = query("a").unwrap();
        assert_eq!((q.fts, q.grams.len()), (None, 0));
        assert!(query("   ").is_none());
        // Quotes and FTS5 operators are only text.
        let q = query("\"NEAR\" OR(x)").unwrap();
        assert_eq!(q.fts.as_deref(), Some("\"near\"* AND \"or\"*"));
    }

    #[test]
    fn postgres_pieces_hold_word_prefixes() {
        let g = pg_grams(&normalize("Meet 会議"));
        assert_eq!(g, ["me", "mee", "meet", "会議"]);
        let text = normalize("The meeting in 定例会議室");
        let g = pg_grams(&text);
        for piece in query("meet 会議室").unwrap().grams {
            assert!(g.contains(&piece), "{piece} missing from {g:?}");
        }
    }

    #[test]
    fn hits_are_found_without_case() {
        let t = "定例会議 Meeting と会議";
        let h = hits(t, &["会議".into(), "meet".into()]);
        let words: Vec<&str> = h.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(words, ["会議", "Meet", "会議"]);
        assert!(hits("abc", &[String::new()]).is_empty());
    }
}
