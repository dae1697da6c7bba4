//! Mail as old and odd senders write it, put in the shape the parser reads
//! correctly. One pass over the raw message, before mail-parser sees it,
//! that both the message list and the reading pane go through:
//!
//! - header bytes that are not RFC 2047 encoded (ISO-2022-JP escapes,
//!   Shift_JIS, EUC-JP, UTF-8, Latin-1) become UTF-8, decoded by
//!   [`charset::guess`];
//! - adjacent encoded-words of one charset are joined before decoding (a
//!   character split between two words), and words in charsets the parser
//!   does not know are decoded here; both are written again as one UTF-8
//!   word;
//! - RFC 2231 continuations (`filename*0*=…; filename*1*=…`) are joined
//!   as bytes and decoded once;
//! - a text part in a charset the parser does not know, or in none, is
//!   decoded here and written again as UTF-8 (base64), so the list's
//!   search text and the reading pane agree;
//! - odd structure: an empty Content-Type with a name is an attachment,
//!   a `multipart/*` without a boundary is its text, an empty disposition
//!   with a file name is an attachment.
//!
//! mail-parser reads each encoded-word and each RFC 2231 section on its
//! own and takes raw header bytes as UTF-8; fixing that here keeps the
//! parser as released. A message that needs nothing is not copied.
use std::borrow::Cow;

use base64::Engine;
use memchr::memmem;

use super::charset::{self, Charset};

/// Parts deeper than this are left as they are (the parser has its own
/// limits; this bounds the work of the pass).
const DEPTH_MAX: usize = 10;
/// Parts after this many are left as they are.
const PARTS_MAX: usize = 500;

/// The message in the shape the parser reads correctly; `chosen` is the
/// charset the reader picked (文字コードを指定して表示) for the bytes that
/// name none.
pub fn repair(raw: &[u8], chosen: Option<Charset>) -> Cow<'_, [u8]> {
    let mut pass = Pass {
        raw,
        chosen,
        hint: std::cell::OnceCell::new(),
        kddi: false,
        edits: Vec::new(),
        parts: 0,
    };
    pass.entity(0, raw.len(), 0, false);
    if pass.edits.is_empty() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() + 256);
    let mut at = 0;
    for (start, end, bytes) in pass.edits {
        // Edits come in order and never overlap; should one ever do, it is
        // left out rather than the message lost.
        if start < at || end < start || end > raw.len() {
            continue;
        }
        out.extend_from_slice(&raw[at..start]);
        out.extend_from_slice(&bytes);
        at = end;
    }
    out.extend_from_slice(&raw[at..]);
    Cow::Owned(out)
}

/// The first charset a `charset=` parameter names anywhere in the
/// message: what its unlabelled header bytes most likely are.
fn first_charset(raw: &[u8]) -> Option<Charset> {
    let head = &raw[..raw.len().min(64 * 1024)];
    let lower = head.to_ascii_lowercase();
    let at = memmem::find(&lower, b"charset=")? + 8;
    let value: Vec<u8> = head[at..]
        .iter()
        .copied()
        .skip_while(|&b| b == b'"')
        .take_while(|&b| !matches!(b, b'"' | b';' | b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    charset::label(std::str::from_utf8(&value).ok()?)
}

/// Whether a From value is an au address.
fn from_kddi(value: &[u8]) -> bool {
    let v = lossy(value);
    let address = v
        .rsplit_once('<')
        .map_or(v.trim(), |(_, a)| a.trim_end().trim_end_matches('>'));
    super::pictograms::carrier(address) == Some(super::pictograms::Carrier::Kddi)
}

struct Pass<'a> {
    raw: &'a [u8],
    chosen: Option<Charset>,
    /// The message's own charset ([`first_charset`]), looked up only when
    /// some bytes need guessing: most mail never does.
    hint: std::cell::OnceCell<Option<Charset>>,
    /// The sender is an au phone: its ISO-2022-JP has pictograms the
    /// parser cannot read.
    kddi: bool,
    /// (start, end, replacement), in order, never overlapping.
    edits: Vec<(usize, usize, Vec<u8>)>,
    parts: usize,
}

/// A header field: its name, its raw value (folded lines included) and
/// where the whole field lies.
struct Field<'a> {
    name: &'a [u8],
    value: &'a [u8],
    start: usize,
    end: usize,
}

/// A Content-Type or Content-Disposition: the type, then the parameters.
#[derive(Default)]
struct Typed {
    kind: String,
    params: Vec<(String, String)>,
}

impl Typed {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        let mut out = self.kind.clone();
        for (n, v) in &self.params {
            out.push_str("; ");
            out.push_str(n);
            out.push('=');
            let plain = !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b));
            if plain || n.ends_with('*') {
                out.push_str(v);
            } else {
                out.push('"');
                for c in v.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
        out
    }
}

impl<'a> Pass<'a> {
    /// One entity (a message or a part) between `start` and `end`.
    fn entity(&mut self, start: usize, end: usize, depth: usize, in_digest: bool) {
        self.parts += 1;
        if depth > DEPTH_MAX || self.parts > PARTS_MAX {
            return;
        }
        let (fields, body) = fields(self.raw, start, end);
        let mut ctype: Option<(usize, Typed)> = None;
        let mut cte: Option<usize> = None;
        let mut disposition: Option<(usize, Typed)> = None;
        let mut header_edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let name = f.name.to_ascii_lowercase();
            // The top header comes first: its From is known before any
            // text part is read.
            if depth == 0 && name == b"from" {
                self.kddi = from_kddi(f.value);
            }
            let mut value = self.header_value(f.value);
            let typed = matches!(&name[..], b"content-type" | b"content-disposition");
            if typed {
                let t = parse_typed(value.as_deref().unwrap_or(&lossy(f.value)));
                let (t, changed) = self.fix_typed(t, name == b"content-disposition");
                if changed {
                    value = Some(t.text());
                }
                if name == b"content-type" {
                    ctype = Some((i, t));
                } else {
                    disposition = Some((i, t));
                }
            } else if name == b"content-transfer-encoding" {
                cte = Some(i);
            }
            if let Some(v) = value {
                header_edits.push((f.start, f.end, field_text(f.name, &v)));
            }
        }
        let kind = ctype
            .as_ref()
            .map(|(_, t)| t.kind.to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| {
                if in_digest {
                    "message/rfc822".into()
                } else {
                    "text/plain".into()
                }
            });
        let encoding = cte
            .map(|i| lossy(fields[i].value).trim().to_ascii_lowercase())
            .unwrap_or_default();
        if let Some(sub) = kind.strip_prefix("multipart/") {
            let boundary = ctype
                .as_ref()
                .and_then(|(_, t)| t.param("boundary"))
                .filter(|b| !b.is_empty())
                .map(str::to_owned);
            if let Some(b) = boundary {
                self.edits.append(&mut header_edits);
                self.parts_of(body, end, b.as_bytes(), depth, sub == "digest");
                return;
            }
            // No boundary: the parser would hide the text in an unnamed
            // attachment; it is the part's text.
            if let Some((i, t)) = &mut ctype {
                t.kind = "text/plain".into();
                t.params.retain(|(n, _)| n.eq_ignore_ascii_case("charset"));
                let f = &fields[*i];
                header_edits.retain(|e| e.0 != f.start);
                header_edits.push((f.start, f.end, field_text(f.name, &t.text())));
                header_edits.sort_by_key(|e| e.0);
            }
        } else if kind == "message/rfc822" || kind == "message/global" {
            if matches!(&encoding[..], "" | "7bit" | "8bit" | "binary") {
                self.edits.append(&mut header_edits);
                self.entity(body, end, depth + 1, false);
                return;
            }
        } else if kind.starts_with("text/") {
            let named = disposition.as_ref().is_some_and(|(_, d)| {
                d.kind.eq_ignore_ascii_case("attachment") || d.param("filename").is_some()
            }) || ctype
                .as_ref()
                .is_some_and(|(_, t)| t.param("name").is_some());
            // A text attachment downloads as it was sent.
            if !named {
                let label = ctype
                    .as_ref()
                    .and_then(|(_, t)| t.param("charset"))
                    .map(str::to_owned);
                if let Some(text) = self.text_body(label.as_deref(), body, end, &encoding) {
                    let mut t = ctype.map(|(_, t)| t).unwrap_or_else(|| Typed {
                        kind: kind.clone(),
                        params: Vec::new(),
                    });
                    if t.kind.trim().is_empty() {
                        t.kind = kind;
                    }
                    t.params.retain(|(n, _)| !n.eq_ignore_ascii_case("charset"));
                    t.params.push(("charset".into(), "utf-8".into()));
                    let typed = [
                        b"content-type".as_slice(),
                        b"content-transfer-encoding".as_slice(),
                    ];
                    header_edits.retain(|e| {
                        !fields.iter().any(|f| {
                            f.start == e.0 && typed.contains(&&f.name.to_ascii_lowercase()[..])
                        })
                    });
                    for f in &fields {
                        if typed.contains(&&f.name.to_ascii_lowercase()[..]) {
                            header_edits.push((f.start, f.end, Vec::new()));
                        }
                    }
                    header_edits.sort_by_key(|e| e.0);
                    // The new fields go where the header ends.
                    let mut head = field_text(b"Content-Type", &t.text());
                    head.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
                    let at = header_end(self.raw, start, body);
                    header_edits.push((at, at, head));
                    self.edits.append(&mut header_edits);
                    self.edits.push((body, end, base64_lines(text.as_bytes())));
                    return;
                }
            }
        }
        self.edits.append(&mut header_edits);
    }

    /// The parts of a multipart body between its boundaries.
    fn parts_of(&mut self, body: usize, end: usize, boundary: &[u8], depth: usize, digest: bool) {
        let mut delimiter = b"--".to_vec();
        delimiter.extend_from_slice(boundary);
        let finder = memmem::Finder::new(&delimiter);
        let mut at = body;
        let mut part_start: Option<usize> = None;
        while let Some(p) = finder.find(&self.raw[at..end]) {
            let p = at + p;
            at = p + delimiter.len();
            // A delimiter starts a line.
            if p > body && self.raw[p - 1] != b'\n' {
                continue;
            }
            let line_end = memchr::memchr(b'\n', &self.raw[at..end]).map_or(end, |n| at + n + 1);
            if let Some(s) = part_start {
                // The line break before the delimiter belongs to it.
                let mut e = p;
                if e > s && self.raw[e - 1] == b'\n' {
                    e -= 1;
                    if e > s && self.raw[e - 1] == b'\r' {
                        e -= 1;
                    }
                }
                self.entity(s, e, depth + 1, digest);
            }
            if self.raw[at..end].starts_with(b"--") {
                return;
            }
            part_start = Some(line_end);
            at = line_end;
        }
    }

    /// A header value that needs rewriting, as UTF-8 text: raw bytes
    /// decoded, encoded-words joined or decoded. None when it reads well.
    fn header_value(&self, value: &[u8]) -> Option<String> {
        let raw_bytes = value.iter().any(|&b| b >= 0x80 || b == 0x1b);
        let text: Cow<str> = if raw_bytes {
            Cow::Owned(unfold(&self.unlabelled(value, None)))
        } else {
            lossy(value)
        };
        let words = if text.contains("=?") {
            rejoin_words(&text, |b, cs| self.unlabelled(b, cs))
        } else {
            None
        };
        match words {
            Some(w) => Some(w),
            None if raw_bytes => Some(text.into_owned()),
            None => None,
        }
    }

    /// Bytes whose label is missing or unknown: in the charset the reader
    /// chose, or as [`charset::guess`] reads them (`near`: a charset that
    /// came with them, tried after the Japanese ones).
    fn unlabelled(&self, bytes: &[u8], near: Option<Charset>) -> String {
        match self.chosen {
            Some(c) => charset::decode(c, bytes, false).unwrap_or_default(),
            None => charset::guess(
                bytes,
                near.or_else(|| *self.hint.get_or_init(|| first_charset(self.raw))),
            ),
        }
    }

    /// RFC 2231 sections joined, names in any charset made UTF-8, an empty
    /// type given its meaning. Whether anything changed.
    fn fix_typed(&self, mut t: Typed, disposition: bool) -> (Typed, bool) {
        let mut changed = false;
        let starred = t.params.iter().any(|(n, _)| n.contains('*'));
        if starred {
            let mut bases: Vec<String> = Vec::new();
            for (n, _) in &t.params {
                if let Some((base, _)) = n.split_once('*') {
                    let base = base.to_ascii_lowercase();
                    if !bases.contains(&base) {
                        bases.push(base);
                    }
                }
            }
            for base in bases {
                if let Some(v) = self.joined(&t, &base) {
                    t.params.retain(|(n, _)| {
                        let b = n.split_once('*').map_or(&n[..], |(b, _)| b);
                        !b.eq_ignore_ascii_case(&base)
                    });
                    t.params
                        .push((format!("{base}*"), format!("UTF-8''{}", pct(&v))));
                    changed = true;
                }
            }
        }
        let named = t.param("name").is_some()
            || t.param("filename").is_some()
            || t.param("name*").is_some()
            || t.param("filename*").is_some();
        if t.kind.trim().is_empty() && named {
            t.kind = if disposition {
                "attachment".into()
            } else {
                "application/octet-stream".into()
            };
            changed = true;
        }
        (t, changed)
    }

    /// The value of parameter `base` from its RFC 2231 sections (`base*`,
    /// `base*0*`, `base*1`, …): the bytes of all sections in order, then
    /// decoded once in the charset the first names.
    fn joined(&self, t: &Typed, base: &str) -> Option<String> {
        let mut sections: Vec<(u32, bool, &str)> = Vec::new();
        for (n, v) in &t.params {
            let Some((b, rest)) = n.split_once('*') else {
                continue;
            };
            if !b.eq_ignore_ascii_case(base) {
                continue;
            }
            let (index, extended) = match rest {
                "" => (0, true),
                r => match r.strip_suffix('*') {
                    Some(i) => (i.parse().ok()?, true),
                    None => (r.parse().ok()?, false),
                },
            };
            sections.push((index, extended, v));
        }
        sections.sort_by_key(|s| s.0);
        let mut label = None;
        let mut bytes = Vec::new();
        for (k, (_, extended, v)) in sections.iter().enumerate() {
            let mut v: &str = v;
            if *extended && k == 0 {
                let mut it = v.splitn(3, '\'');
                if let (Some(cs), Some(_lang), Some(rest)) = (it.next(), it.next(), it.next()) {
                    label = Some(cs.to_owned());
                    v = rest;
                }
            }
            if *extended {
                bytes.extend(unpct(v.as_bytes()));
            } else {
                bytes.extend_from_slice(v.as_bytes());
            }
        }
        let cs = label.as_deref().and_then(charset::label);
        let plain_utf8 = sections.len() == 1
            && matches!(cs, Some(Charset::Encoding(e)) if e == encoding_rs::UTF_8)
            && std::str::from_utf8(&bytes).is_ok();
        if plain_utf8 {
            return None;
        }
        Some(
            cs.and_then(|c| charset::decode(c, &bytes, true))
                .unwrap_or_else(|| self.unlabelled(&bytes, cs)),
        )
    }

    /// A text body the parser would misread, as the text it says: its
    /// label is one the parser does not know, or none (or US-ASCII) with
    /// eight-bit bytes, or the reader chose a charset for it. None when
    /// the parser reads it well as it is.
    fn text_body(
        &self,
        label: Option<&str>,
        body: usize,
        end: usize,
        encoding: &str,
    ) -> Option<String> {
        let raw = &self.raw[body..end];
        // No body (or no blank line before one): nothing to read.
        if raw.is_empty() {
            return None;
        }
        let label = label.map(str::trim).filter(|l| !l.is_empty());
        let known = label.and_then(charset::label);
        let ascii_label = label
            .is_some_and(|l| l.eq_ignore_ascii_case("us-ascii") || l.eq_ignore_ascii_case("ascii"));
        let parser_reads_it = match (label, known) {
            (Some(l), Some(Charset::Encoding(_))) if !ascii_label => {
                l.eq_ignore_ascii_case("utf-8")
                    || l.eq_ignore_ascii_case("utf8")
                    || mail_parser::decoders::charsets::map::charset_decoder(l.as_bytes()).is_some()
            }
            (Some(l), Some(Charset::Jis)) => l.eq_ignore_ascii_case("iso-2022-jp") && !self.kddi,
            _ => false,
        };
        if parser_reads_it {
            return None;
        }
        let bytes: Cow<[u8]> = match encoding {
            "base64" => Cow::Owned(decode_base64(raw)),
            "quoted-printable" => Cow::Owned(
                mail_parser::decoders::quoted_printable::quoted_printable_decode(raw)
                    .unwrap_or_else(|| raw.to_vec()),
            ),
            _ => Cow::Borrowed(raw),
        };
        let unlabelled = known.is_none() || ascii_label;
        if unlabelled && bytes.is_ascii() {
            return None;
        }
        Some(match known.filter(|_| !unlabelled) {
            Some(c) => charset::decode(c, &bytes, false).unwrap_or_default(),
            None => self.unlabelled(&bytes, None),
        })
    }
}

/// The fields of the header block at `start`, and where the body starts.
fn fields(raw: &[u8], start: usize, end: usize) -> (Vec<Field<'_>>, usize) {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let line_end = memchr::memchr(b'\n', &raw[at..end]).map_or(end, |n| at + n + 1);
        let line = &raw[at..line_end];
        if line == b"\n" || line == b"\r\n" {
            return (out, line_end);
        }
        // Folded lines continue the field.
        let mut field_end = line_end;
        while field_end < end && matches!(raw[field_end], b' ' | b'\t') {
            field_end =
                memchr::memchr(b'\n', &raw[field_end..end]).map_or(end, |n| field_end + n + 1);
        }
        if let Some(colon) = memchr::memchr(b':', line) {
            let name = &raw[at..at + colon];
            if !name.is_empty() && name.iter().all(|b| b.is_ascii_graphic()) {
                let mut value_end = field_end;
                while value_end > at + colon + 1 && matches!(raw[value_end - 1], b'\r' | b'\n') {
                    value_end -= 1;
                }
                out.push(Field {
                    name,
                    value: &raw[at + colon + 1..value_end],
                    start: at,
                    end: field_end,
                });
            }
        }
        at = field_end;
    }
    (out, end)
}

/// Where new fields go: before the blank line that ends the header block.
fn header_end(raw: &[u8], start: usize, body: usize) -> usize {
    let mut at = body;
    for blank in [b"\r\n".as_slice(), b"\n"] {
        if at >= start + blank.len() && raw[..at].ends_with(blank) {
            at -= blank.len();
            break;
        }
    }
    at.max(start)
}

fn field_text(name: &[u8], value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.trim().as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Folded lines as one (a decoded header value is written on one line).
fn unfold(s: &str) -> String {
    s.replace("\r\n", "").replace('\n', "")
}

/// `type; name=value; …` as written, quotes and escapes read.
fn parse_typed(v: &str) -> Typed {
    let mut items = Vec::new();
    let (mut cur, mut quoted, mut escaped) = (String::new(), false, false);
    for c in v.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => items.push(std::mem::take(&mut cur)),
            '\r' | '\n' => {}
            c => cur.push(c),
        }
    }
    items.push(cur);
    let mut it = items.into_iter();
    let kind = it.next().unwrap_or_default().trim().to_owned();
    let params = it
        .filter_map(|p| {
            let (n, v) = p.split_once('=')?;
            Some((n.trim().to_owned(), v.trim().to_owned()))
        })
        .filter(|(n, _)| !n.is_empty())
        .collect();
    Typed { kind, params }
}

/// Encoded-words rewritten: runs of adjacent words (only white space
/// between them) in one charset joined as bytes and decoded once; words
/// in a charset the parser does not know decoded here. Each such run is
/// written again as one UTF-8 word. None when every word is a lone UTF-8
/// or ISO-2022-JP word that reads well.
fn rejoin_words(
    text: &str,
    unlabelled: impl Fn(&[u8], Option<Charset>) -> String,
) -> Option<String> {
    let words = encoded_words(text);
    if words.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut changed = false;
    let mut i = 0;
    while i < words.len() {
        let first = &words[i];
        let mut j = i + 1;
        while j < words.len()
            && words[j].label.eq_ignore_ascii_case(&first.label)
            && text[words[j - 1].end..words[j].start].trim().is_empty()
        {
            j += 1;
        }
        let mut bytes = Vec::new();
        for w in &words[i..j] {
            bytes.extend_from_slice(&w.bytes);
        }
        let cs = charset::label(&first.label);
        let decoded = cs.and_then(|c| charset::decode(c, &bytes, true));
        let well_read = j == i + 1
            && decoded.is_some()
            && (first.label.eq_ignore_ascii_case("utf-8")
                || first.label.eq_ignore_ascii_case("iso-2022-jp"));
        if !well_read {
            changed = true;
            let s = decoded.unwrap_or_else(|| unlabelled(&bytes, cs));
            out.push_str(&text[at..first.start]);
            out.push_str("=?UTF-8?B?");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(s.as_bytes()));
            out.push_str("?=");
            at = words[j - 1].end;
        }
        i = j;
    }
    out.push_str(&text[at..]);
    changed.then_some(out)
}

struct Word {
    start: usize,
    end: usize,
    label: String,
    bytes: Vec<u8>,
}

/// The RFC 2047 words of a header value, decoded to their bytes.
fn encoded_words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = text[from..].find("=?") {
        let start = from + p;
        match word_at(&text[start..]) {
            Some((len, label, bytes)) => {
                out.push(Word {
                    start,
                    end: start + len,
                    label,
                    bytes,
                });
                from = start + len;
            }
            None => from = start + 2,
        }
    }
    out
}

/// The encoded-word `s` starts with: its length, its charset label (an
/// RFC 2231 language, `*ja`, dropped) and its bytes.
fn word_at(s: &str) -> Option<(usize, String, Vec<u8>)> {
    let inner = s.strip_prefix("=?")?;
    let (label, rest) = inner.split_once('?')?;
    let (enc, rest) = rest.split_once('?')?;
    let payload = &rest[..rest.find("?=")?];
    if label.is_empty()
        || label.contains(char::is_whitespace)
        || payload.contains(char::is_whitespace)
    {
        return None;
    }
    let bytes = match enc {
        "B" | "b" => decode_base64(payload.as_bytes()),
        "Q" | "q" => q_decode(payload.as_bytes()),
        _ => return None,
    };
    let len = 2 + label.len() + 1 + enc.len() + 1 + payload.len() + 2;
    let label = label.split('*').next().unwrap_or(label).to_owned();
    Some((len, label, bytes))
}

/// The byte `=XX` (or `%XX`) at `i` stands for, if it is one.
fn hex_at(p: &[u8], i: usize) -> Option<u8> {
    let h = p.get(i + 1..i + 3)?;
    if !h.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
}

fn q_decode(p: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let Some(b) = hex_at(p, i) {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Base64 as mail writes it: line breaks and stray characters skipped,
/// padding and trailing bits as they come.
fn decode_base64(b: &[u8]) -> Vec<u8> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let mut clean: Vec<u8> = b
        .iter()
        .copied()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}

fn base64_lines(b: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(b);
    let mut out = Vec::with_capacity(text.len() + text.len() / 76 * 2 + 2);
    for line in text.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn unpct(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if let Some(v) = hex_at(b, i).filter(|_| b[i] == b'%') {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: an au sender's header-only message read as
    /// ISO-2022-JP put the new Content-Type inside the last field's edit.
    #[test]
    fn a_message_without_a_body_is_only_relabelled_in_its_header() {
        let raw = b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\
From: a@ezweb.ne.jp\r\nSubject: \x1b$BF|K\\\x1b(B\r\n";
        let fixed = repair(raw, Some(Charset::Jis));
        let text = String::from_utf8_lossy(&fixed);
        assert!(text.contains("Subject: 日本\r\n"), "{text}");
        assert_eq!(text.matches("Content-Type").count(), 1, "{text}");
    }

    #[test]
    fn a_message_that_needs_nothing_is_not_copied() {
        let raw = b"Subject: =?UTF-8?B?5L6/44KK?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n";
        assert!(matches!(repair(raw, None), Cow::Borrowed(_)));
    }
}
