//! Renders every message Tayori sends (RFC 5322 + MIME), in UTF-8 or
//! ISO-2022-JP: notification mail and the test mail (`render`, text
//! only), and webmail messages (`render_mail`: several recipients, replies'
//! threading headers, text or text + HTML alternatives, attachments with
//! Japanese names).
//!
//! Written here rather than with lettre's builder because lettre cannot
//! encode ISO-2022-JP, which older Japanese mail clients and some company
//! gateways still expect. Every header value that comes from a user is
//! reduced to one line and, unless it is plain printable ASCII, written as
//! RFC 2047 encoded words, so no field can start a header of its own.
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// The body and header charset of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Iso2022Jp,
}

impl Charset {
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Iso2022Jp => "iso-2022-jp",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "iso-2022-jp" => Some(Charset::Iso2022Jp),
            _ => None,
        }
    }
    fn mime_name(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::Iso2022Jp => "ISO-2022-JP",
        }
    }
}

/// A display name and an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: String,
    pub addr: String,
}

impl Mailbox {
    pub fn new(name: impl Into<String>, addr: impl Into<String>) -> Self {
        Mailbox {
            name: name.into(),
            addr: addr.into(),
        }
    }
}

pub struct Draft<'a> {
    pub from: &'a Mailbox,
    pub to: &'a Mailbox,
    pub subject: &'a str,
    pub body: &'a str,
    pub date: chrono::DateTime<chrono::FixedOffset>,
    pub charset: Charset,
}

#[derive(Clone, Debug)]
pub struct Rendered {
    pub message: String,
    pub message_id: String,
    /// What was used: ISO-2022-JP falls back to UTF-8 when the text has
    /// characters that charset cannot carry (e.g. ①, 髙, emoji), rather than
    /// sending a message with question marks.
    pub charset: Charset,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ComposeError {
    InvalidAddress(String),
}

impl std::fmt::Display for ComposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComposeError::InvalidAddress(a) => write!(f, "invalid address {a:?}"),
        }
    }
}

impl std::error::Error for ComposeError {}

/// An address safe to put between angle brackets and into an envelope:
/// one `@`, no spaces, controls or characters that end the bracket.
pub fn is_safe_address(addr: &str) -> bool {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && addr.len() <= 254
        && !addr
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>()[],;:\\\"".contains(c))
        && !domain.contains('@')
}

pub fn render(d: &Draft<'_>) -> Result<Rendered, ComposeError> {
    render_mail(&Outgoing {
        from: d.from,
        to: std::slice::from_ref(d.to),
        cc: &[],
        subject: d.subject,
        body: d.body,
        date: d.date,
        charset: d.charset,
        attachments: &[],
        in_reply_to: None,
        references: &[],
        // Replies to a notification should not loop between auto-responders.
        auto_submitted: true,
        html: None,
    })
}

/// A file sent with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A message a person writes: several recipients, attachments, a reply's
/// references. Bcc recipients go only into the envelope, never here.
pub struct Outgoing<'a> {
    pub from: &'a Mailbox,
    pub to: &'a [Mailbox],
    pub cc: &'a [Mailbox],
    pub subject: &'a str,
    /// The text; with `html`, the plain alternative of it.
    pub body: &'a str,
    /// An HTML version (already cleaned): the message becomes
    /// multipart/alternative, text first, as readers pick the last they can show.
    pub html: Option<&'a str>,
    pub date: chrono::DateTime<chrono::FixedOffset>,
    pub charset: Charset,
    pub attachments: &'a [Attachment],
    /// Message-IDs with their angle brackets.
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    pub auto_submitted: bool,
}

fn is_safe_msgid(id: &str) -> bool {
    id.starts_with('<')
        && id.ends_with('>')
        && id.len() <= 250
        && id.bytes().all(|b| (0x21..0x7f).contains(&b))
}

fn safe_content_type(ct: &str) -> String {
    let ct = ct.trim().to_ascii_lowercase();
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match ct.split_once('/') {
        Some((t, s)) if ok(t) && ok(s) => ct,
        _ => "application/octet-stream".into(),
    }
}

pub fn render_mail(d: &Outgoing<'_>) -> Result<Rendered, ComposeError> {
    for a in std::iter::once(d.from).chain(d.to).chain(d.cc) {
        if !is_safe_address(&a.addr) {
            return Err(ComposeError::InvalidAddress(a.addr.clone()));
        }
    }
    let names = std::iter::once(d.from)
        .chain(d.to)
        .chain(d.cc)
        .map(|m| m.name.as_str());
    let charset = match d.charset {
        Charset::Iso2022Jp
            if [d.subject, d.body]
                .into_iter()
                .chain(names)
                .all(fits_iso2022jp) =>
        {
            Charset::Iso2022Jp
        }
        _ => Charset::Utf8,
    };
    let domain = d.from.addr.rsplit_once('@').map(|(_, h)| h).unwrap_or("");
    let message_id = format!("<{}@{}>", random_token(), domain);

    let size: usize = d
        .attachments
        .iter()
        .map(|a| a.data.len() * 4 / 3 + 256)
        .sum();
    let mut m = String::with_capacity(d.body.len() * 2 + size + 1024);
    header(&mut m, "Date", &d.date.to_rfc2822());
    header(&mut m, "From", &mailbox(d.from, charset));
    let list = |l: &[Mailbox]| {
        l.iter()
            .map(|x| mailbox(x, charset))
            .collect::<Vec<_>>()
            .join(",\r\n ")
    };
    if !d.to.is_empty() {
        header(&mut m, "To", &list(d.to));
    }
    if !d.cc.is_empty() {
        header(&mut m, "Cc", &list(d.cc));
    }
    header(&mut m, "Subject", &unstructured(d.subject, charset, 9));
    header(&mut m, "Message-ID", &message_id);
    if let Some(r) = d.in_reply_to.filter(|r| is_safe_msgid(r)) {
        header(&mut m, "In-Reply-To", r);
    }
    let refs: Vec<&str> = d
        .references
        .iter()
        .map(String::as_str)
        .filter(|r| is_safe_msgid(r))
        .collect();
    if !refs.is_empty() {
        header(&mut m, "References", &refs.join("\r\n "));
    }
    header(&mut m, "MIME-Version", "1.0");
    if d.auto_submitted {
        header(&mut m, "Auto-Submitted", "auto-generated");
    }
    if d.attachments.is_empty() {
        body_parts(&mut m, d.body, d.html, charset);
    } else {
        let boundary = format!("=_tayori_{}", random_token());
        header(
            &mut m,
            "Content-Type",
            &format!("multipart/mixed; boundary=\"{boundary}\""),
        );
        m.push_str("\r\n");
        m.push_str(&format!("--{boundary}\r\n"));
        body_parts(&mut m, d.body, d.html, charset);
        for a in d.attachments {
            m.push_str(&format!("--{boundary}\r\n"));
            attachment_part(&mut m, a, charset);
        }
        m.push_str(&format!("--{boundary}--\r\n"));
    }
    Ok(Rendered {
        message: m,
        message_id,
        charset,
    })
}

/// The text, or the text and its HTML version as alternatives.
fn body_parts(m: &mut String, body: &str, html: Option<&str>, charset: Charset) {
    let Some(html) = html else {
        return text_part(m, body, charset);
    };
    let boundary = format!("=_tayori_alt_{}", random_token());
    header(
        m,
        "Content-Type",
        &format!("multipart/alternative; boundary=\"{boundary}\""),
    );
    m.push_str("\r\n");
    m.push_str(&format!("--{boundary}\r\n"));
    text_part(m, body, charset);
    m.push_str(&format!("--{boundary}\r\n"));
    // UTF-8 whatever the text's charset: the markup's characters need not
    // fit JIS, and every reader that shows HTML reads UTF-8.
    header(m, "Content-Type", "text/html; charset=UTF-8");
    header(m, "Content-Transfer-Encoding", "base64");
    m.push_str("\r\n");
    let page = format!(
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>{html}</body></html>\r\n"
    );
    base64_lines(m, normalise_newlines(&page).as_bytes());
    m.push_str(&format!("--{boundary}--\r\n"));
}

/// The text part's headers and body.
fn text_part(m: &mut String, body: &str, charset: Charset) {
    header(
        m,
        "Content-Type",
        &format!("text/plain; charset={}", charset.mime_name()),
    );
    match charset {
        Charset::Utf8 => {
            header(m, "Content-Transfer-Encoding", "base64");
            m.push_str("\r\n");
            base64_lines(m, normalise_newlines(body).as_bytes());
        }
        Charset::Iso2022Jp => {
            header(m, "Content-Transfer-Encoding", "7bit");
            m.push_str("\r\n");
            for line in normalise_newlines(body).split("\r\n") {
                for piece in split_chars(line, 300) {
                    // Each line is encoded on its own, so it starts and ends
                    // in ASCII as RFC 1468 requires; a long line is broken
                    // well under the 998-octet limit.
                    m.push_str(&iso2022jp(piece));
                    m.push_str("\r\n");
                }
            }
        }
    }
}

fn base64_lines(m: &mut String, data: &[u8]) {
    let encoded = B64.encode(data);
    for chunk in encoded.as_bytes().chunks(76) {
        m.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        m.push_str("\r\n");
    }
}

/// An attachment with its name twice: RFC 2231 `filename*` in the
/// disposition (split into numbered pieces at character boundaries, so no
/// line grows long and each piece decodes on its own) for current clients,
/// and one RFC 2047 word in the type's `name` for older Japanese ones that
/// read only that. The disposition carries no second, plain `filename`:
/// some readers would join the two.
fn attachment_part(m: &mut String, a: &Attachment, charset: Charset) {
    let name = one_line(&a.name).replace(['/', '\\'], "_");
    let name = if name.is_empty() {
        "attachment".to_owned()
    } else {
        name
    };
    let legacy = if is_plain(&name) && !name.contains('"') {
        name.clone()
    } else {
        let bytes = encode_bytes(&name, charset);
        if bytes.len() <= 600 {
            format!("=?{}?B?{}?=", charset.mime_name(), B64.encode(bytes))
        } else {
            encoded_words(&name, charset)
        }
    };
    header(
        m,
        "Content-Type",
        &format!(
            "{};\r\n name=\"{legacy}\"",
            safe_content_type(&a.content_type)
        ),
    );
    let pct = |c: char| {
        let mut buf = [0u8; 4];
        c.encode_utf8(&mut buf)
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let mut pieces: Vec<String> = vec![String::new()];
    for c in name.chars() {
        let e = pct(c);
        if pieces.last().is_some_and(|p| p.len() + e.len() > 60) {
            pieces.push(String::new());
        }
        if let Some(p) = pieces.last_mut() {
            p.push_str(&e);
        }
    }
    let mut disposition = "attachment".to_owned();
    if pieces.len() == 1 {
        disposition.push_str(&format!(";\r\n filename*=UTF-8''{}", pieces[0]));
    } else {
        for (i, p) in pieces.iter().enumerate() {
            let lead = if i == 0 { "UTF-8''" } else { "" };
            disposition.push_str(&format!(";\r\n filename*{i}*={lead}{p}"));
        }
    }
    header(m, "Content-Disposition", &disposition);
    header(m, "Content-Transfer-Encoding", "base64");
    m.push_str("\r\n");
    base64_lines(m, &a.data);
}

fn header(m: &mut String, name: &str, value: &str) {
    m.push_str(name);
    m.push_str(": ");
    m.push_str(value);
    m.push_str("\r\n");
}

fn normalise_newlines(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// A header value on one line: controls (CR and LF above all) become spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn is_plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b)) && !s.contains("=?")
}

/// An unstructured header value (Subject). `used` is what the header name
/// already takes on the first line.
fn unstructured(s: &str, charset: Charset, used: usize) -> String {
    let s = one_line(s);
    if is_plain(&s) && s.len() + used <= 78 {
        return s;
    }
    if is_plain(&s) {
        return fold_ascii(&s, used);
    }
    encoded_words(&s, charset)
}

fn fold_ascii(s: &str, used: usize) -> String {
    let mut out = String::new();
    let mut width = used;
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            if width + 1 + word.len() > 76 {
                out.push_str("\r\n ");
                width = 1;
            } else {
                out.push(' ');
                width += 1;
            }
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

/// RFC 2047 B-encoded words, each a whole run of characters (never half of
/// a multibyte character or of an ISO-2022-JP escape), folded onto
/// continuation lines. Words stay under 66 characters so that even the
/// first, after a header name, keeps the line within 78.
fn encoded_words(s: &str, charset: Charset) -> String {
    let prefix = format!("=?{}?B?", charset.mime_name());
    // base64 of n bytes is 4*ceil(n/3) characters.
    let max_b64 = 66 - prefix.len() - 2;
    let max_bytes = max_b64 / 4 * 3;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        let mut next = chunk.clone();
        next.push(c);
        if encode_bytes(&next, charset).len() > max_bytes && !chunk.is_empty() {
            words.push(chunk);
            chunk = c.to_string();
        } else {
            chunk = next;
        }
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| format!("{prefix}{}?=", B64.encode(encode_bytes(w, charset))))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

fn encode_bytes(s: &str, charset: Charset) -> Vec<u8> {
    match charset {
        Charset::Utf8 => s.as_bytes().to_vec(),
        Charset::Iso2022Jp => iso2022jp(s).into_bytes(),
    }
}

fn mailbox(mb: &Mailbox, charset: Charset) -> String {
    let name = one_line(&mb.name);
    if name.is_empty() {
        return format!("<{}>", mb.addr);
    }
    if is_plain(&name) {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{}>", mb.addr)
    } else {
        let words = encoded_words(&name, charset);
        let last = words.rsplit("\r\n").next().unwrap_or("").len();
        if last + mb.addr.len() + 3 > 76 {
            format!("{words}\r\n <{}>", mb.addr)
        } else {
            format!("{words} <{}>", mb.addr)
        }
    }
}

fn split_chars(s: &str, n: usize) -> Vec<&str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, _) in s.char_indices() {
        if count == n {
            out.push(&s[start..i]);
            start = i;
            count = 0;
        }
        count += 1;
    }
    out.push(&s[start..]);
    out
}

/// Whether every character has a place in ISO-2022-JP (JIS X 0208 and ASCII).
pub fn fits_iso2022jp(s: &str) -> bool {
    let (_, _, had_errors) = encoding_rs::ISO_2022_JP.encode(&jis_forms(s));
    !had_errors
}

/// The encoder follows the Windows mapping of JIS X 0208, which has no
/// place for some characters Japanese text uses every day (〜 in
/// 「10:00〜11:00」 above all); their Windows twins sit on the same JIS code,
/// which every mail client shows as the character meant.
fn jis_forms(s: &str) -> std::borrow::Cow<'_, str> {
    const TWINS: [(char, char); 7] = [
        ('\u{301C}', '\u{FF5E}'), // 〜 WAVE DASH
        ('\u{2016}', '\u{2225}'), // ‖ DOUBLE VERTICAL LINE
        ('\u{2212}', '\u{FF0D}'), // − MINUS SIGN
        ('\u{2014}', '\u{2015}'), // — EM DASH
        ('\u{00A2}', '\u{FFE0}'), // ¢
        ('\u{00A3}', '\u{FFE1}'), // £
        ('\u{00AC}', '\u{FFE2}'), // ¬
    ];
    if !s.chars().any(|c| TWINS.iter().any(|(a, _)| *a == c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| TWINS.iter().find(|(a, _)| *a == c).map_or(c, |(_, b)| *b))
            .collect(),
    )
}

/// ISO-2022-JP bytes of `s` (which fits), ending in ASCII. The encoder
/// widens half-width katakana, which ISO-2022-JP as mail uses it (RFC 1468)
/// does not carry.
fn iso2022jp(s: &str) -> String {
    let text = jis_forms(s);
    let (bytes, _, _) = encoding_rs::ISO_2022_JP.encode(&text);
    // The encoder's output is 7-bit by construction.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let a: u64 = rng.r#gen();
    let b: u64 = rng.r#gen();
    format!("{a:016x}{b:016x}.tayori")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_message_with_japanese_attachments_reads_back() {
        let from = Mailbox::new("山田 太郎", "yamada@example.test");
        let to = [
            Mailbox::new("佐藤", "sato@example.test"),
            Mailbox::new("", "bob@example.test"),
        ];
        let cc = [Mailbox::new("鈴木", "suzuki@example.test")];
        let long = format!("{}.pdf", "とても長い名前の見積書".repeat(12));
        let files = [
            Attachment {
                name: "見積書.pdf".into(),
                content_type: "application/pdf".into(),
                data: b"%PDF-1.4 x".to_vec(),
            },
            Attachment {
                name: long.clone(),
                content_type: "bad type\r\nX: y".into(),
                data: vec![0, 1, 2, 255],
            },
        ];
        for charset in [Charset::Utf8, Charset::Iso2022Jp] {
            let r = render_mail(&Outgoing {
                from: &from,
                to: &to,
                cc: &cc,
                subject: "お見積りの件",
                body: "お世話になっております。\n見積書を添付します。",
                date: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+09:00")
                    .expect("date"),
                charset,
                attachments: &files,
                in_reply_to: Some("<orig@example.test>"),
                references: &["<orig@example.test>".into(), "bad\r\nX: y".into()],
                auto_submitted: false,
                html: None,
            })
            .expect("render");
            assert_eq!(r.charset, charset);
            assert!(r.message.lines().all(|l| l.len() <= 998), "a line too long");
            assert!(!r.message.contains("X: y"), "{}", r.message);
            assert!(!r.message.contains("Auto-Submitted"));
            let m = crate::mime::read(r.message.as_bytes());
            assert_eq!(m.subject, "お見積りの件");
            assert_eq!(m.to, ["佐藤 <sato@example.test>", "bob@example.test"]);
            assert_eq!(m.cc, ["鈴木 <suzuki@example.test>"]);
            assert!(m.text.contains("見積書を添付します。"), "{}", m.text);
            let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["見積書.pdf", long.as_str()], "{charset:?}");
            assert_eq!(m.attachments[1].content_type, "application/octet-stream");
            let (_, _, data) =
                crate::mime::attachment(r.message.as_bytes(), 1).expect("attachment");
            assert_eq!(data, vec![0, 1, 2, 255]);
            assert!(r.message.contains("In-Reply-To: <orig@example.test>"));
        }
    }

    #[test]
    fn an_html_message_carries_its_text_and_html_as_alternatives() {
        let from = Mailbox::new("山田", "yamada@example.test");
        let to = [Mailbox::new("佐藤", "sato@example.test")];
        let file = [Attachment {
            name: "議事録.txt".into(),
            content_type: "text/plain".into(),
            data: "決定事項".as_bytes().to_vec(),
        }];
        for (charset, attachments) in [(Charset::Utf8, &file[..]), (Charset::Iso2022Jp, &[][..])] {
            let r = render_mail(&Outgoing {
                from: &from,
                to: &to,
                cc: &[],
                subject: "会議のお知らせ",
                body: "明日は会議です。",
                html: Some("<p>明日は<b>会議</b>です。①</p>"),
                date: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+09:00")
                    .expect("date"),
                charset,
                attachments,
                in_reply_to: None,
                references: &[],
                auto_submitted: false,
            })
            .expect("render");
            assert!(r.message.contains("multipart/alternative"), "{}", r.message);
            let m = crate::mime::read(r.message.as_bytes());
            assert!(
                m.text.contains("明日は会議です。"),
                "{charset:?}: {}",
                m.text
            );
            let html = m.html.expect("an HTML part");
            assert!(html.contains("<b>会議</b>です。①"), "{html}");
            let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            let expected: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(
                names, expected,
                "{charset:?}: the alternatives are no attachments"
            );
        }
    }

    fn draft<'a>(
        from: &'a Mailbox,
        to: &'a Mailbox,
        subject: &'a str,
        body: &'a str,
        charset: Charset,
    ) -> Draft<'a> {
        Draft {
            from,
            to,
            subject,
            body,
            date: chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00+09:00")
                .expect("fixed date"),
            charset,
        }
    }

    /// Decodes the encoded words of a header value (test oracle).
    fn decode_words(v: &str) -> String {
        let mut out = String::new();
        for part in v.split("\r\n ").flat_map(|l| l.split(' ')) {
            if let Some(rest) = part.strip_prefix("=?") {
                let mut it = rest.splitn(3, '?');
                let cs = it.next().unwrap();
                assert_eq!(it.next().unwrap(), "B");
                let data = it.next().unwrap().strip_suffix("?=").unwrap();
                let bytes = B64.decode(data).unwrap();
                let enc = encoding_rs::Encoding::for_label(cs.as_bytes()).unwrap();
                let (text, had_errors) = enc.decode_without_bom_handling(&bytes);
                assert!(!had_errors);
                out.push_str(&text);
            } else {
                if !out.is_empty() && !part.is_empty() {
                    out.push(' ');
                }
                out.push_str(part);
            }
        }
        out
    }

    fn header_of<'a>(m: &'a str, name: &str) -> &'a str {
        let start = m.find(&format!("\r\n{name}: ")).map(|i| i + 2).unwrap_or(0);
        let rest = &m[start + name.len() + 2..];
        let mut end = 0;
        for (i, _) in rest.match_indices("\r\n") {
            end = i;
            if !rest[i + 2..].starts_with(' ') {
                break;
            }
        }
        &rest[..end]
    }

    #[test]
    fn utf8_subject_round_trips_and_lines_stay_short() {
        let from = Mailbox::new("便り 通知", "notify@example.test");
        let to = Mailbox::new("山田 太郎", "taro@example.test");
        let subject = "【予定の追加】 2026年11月27日(金) 10:00 定例会議 ①について — 長い件名がいくつかの encoded-word に分かれることを確かめる";
        let r = render(&draft(
            &from,
            &to,
            subject,
            "本文です。\n二行目",
            Charset::Utf8,
        ))
        .unwrap();
        assert_eq!(r.charset, Charset::Utf8);
        let m = &r.message;
        assert!(m.is_ascii(), "headers and base64 body are 7-bit");
        for line in m.split("\r\n") {
            assert!(line.len() <= 78, "line too long: {line}");
        }
        assert_eq!(decode_words(header_of(m, "Subject")), subject);
        assert_eq!(
            decode_words(header_of(m, "To")),
            "山田 太郎 <taro@example.test>"
        );
        assert!(m.contains("Date: Fri, 27 Nov 2026 10:00:00 +0900\r\n"));
        assert!(r.message_id.ends_with("@example.test>"));
        let body = m.split("\r\n\r\n").nth(1).unwrap().replace("\r\n", "");
        assert_eq!(
            String::from_utf8(B64.decode(body).unwrap()).unwrap(),
            "本文です。\r\n二行目"
        );
    }

    #[test]
    fn no_field_can_inject_a_header() {
        let from = Mailbox::new("x\r\nBcc: evil@example.test", "notify@example.test");
        let to = Mailbox::new("a\"b", "taro@example.test");
        let r = render(&draft(
            &from,
            &to,
            "hi\r\nBcc: evil@example.test\nX: y",
            "body",
            Charset::Utf8,
        ))
        .unwrap();
        let head = r.message.split("\r\n\r\n").next().unwrap();
        assert!(!head.contains("\r\nBcc:"), "{head}");
        assert!(!head.contains("\r\nX:"), "{head}");
        assert!(
            head.contains("To: \"a\\\"b\" <taro@example.test>"),
            "{head}"
        );
        let bad = Mailbox::new("", "a@b>\r\nBcc: c@d");
        assert!(render(&draft(&from, &bad, "s", "b", Charset::Utf8)).is_err());
        assert!(!is_safe_address("a b@example.test"));
        assert!(is_safe_address("a.b+c@example.test"));
    }

    #[test]
    fn iso2022jp_is_valid_and_decodes() {
        let from = Mailbox::new("通知", "notify@example.test");
        let to = Mailbox::new("鈴木 花子", "hanako@example.test");
        let subject =
            "【予定の変更】 12月1日(火) 来客「応接室で打ち合わせ」の件について確認してください";
        let body = "日時: 2026年12月1日(火) 14:00〜15:00\n場所: 応接室\nｶﾀｶﾅ\n\n".to_owned()
            + &"長".repeat(700);
        let r = render(&draft(&from, &to, subject, &body, Charset::Iso2022Jp)).unwrap();
        assert_eq!(r.charset, Charset::Iso2022Jp);
        let m = &r.message;
        assert!(m.bytes().all(|b| b < 0x80), "7-bit only");
        assert!(m.contains("Content-Type: text/plain; charset=ISO-2022-JP\r\n"));
        for line in m.split("\r\n") {
            assert!(line.len() < 998);
            // Every line that leaves ASCII returns to it before its end.
            if let Some(i) = line.rfind('\x1b') {
                assert!(line[i..].starts_with("\x1b(B"), "{line:?}");
            }
        }
        assert_eq!(decode_words(header_of(m, "Subject")), subject);
        let raw_body = m.split_once("\r\n\r\n").unwrap().1;
        let (text, bad) = encoding_rs::ISO_2022_JP.decode_without_bom_handling(raw_body.as_bytes());
        assert!(!bad);
        let text = text.replace("\r\n", "\n");
        // Half-width katakana are carried as their full-width forms.
        // 〜 travels as JIS 0x2141, which this decoder reads as its Windows twin.
        assert!(text.starts_with("日時: 2026年12月1日(火) 14:00～15:00\n場所: 応接室\nカタカナ\n"));
        assert_eq!(text.matches('長').count(), 700);
    }

    #[test]
    fn iso2022jp_falls_back_to_utf8_for_characters_it_lacks() {
        let from = Mailbox::new("", "notify@example.test");
        let to = Mailbox::new("", "hanako@example.test");
        let r = render(&draft(&from, &to, "①髙橋さん", "😀", Charset::Iso2022Jp)).unwrap();
        assert_eq!(r.charset, Charset::Utf8);
        assert_eq!(decode_words(header_of(&r.message, "Subject")), "①髙橋さん");
    }

    #[test]
    fn plain_ascii_subject_is_left_readable() {
        let from = Mailbox::new("", "notify@example.test");
        let to = Mailbox::new("", "x@example.test");
        let r = render(&draft(&from, &to, "Meeting moved", "b", Charset::Utf8)).unwrap();
        assert!(r.message.contains("\r\nSubject: Meeting moved\r\n"));
        assert!(r.message.contains("\r\nTo: <x@example.test>\r\n"));
    }
}
