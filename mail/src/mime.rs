//! What the message list and the reading pane need from a received
//! message, read with mail-parser (RFC 5322/MIME with RFC 2047 words in any
//! charset, including ISO-2022-JP and Shift_JIS) after [`repair`] has put
//! legacy and odd mail in the shape it reads correctly.
mod charset;
mod pictograms;
mod repair;

/// The carrier whose pictograms the message's private-use characters are.
fn carrier_of(m: &mail_parser::Message) -> Option<pictograms::Carrier> {
    m.from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(pictograms::carrier)
}

/// Text of the message with its carrier pictograms as emoji.
fn shown(s: &str, carrier: Option<pictograms::Carrier>) -> String {
    pictograms::emoji(s, carrier).into_owned()
}

/// Parses `raw` as [`repair`] puts it (`chosen`: the charset the reader
/// picked for bytes that name none) and gives the message to `f`.
fn parsed<T>(
    raw: &[u8],
    chosen: Option<charset::Charset>,
    f: impl FnOnce(&mail_parser::Message) -> T,
) -> Option<T> {
    let fixed = repair::repair(raw, chosen);
    mail_parser::MessageParser::default()
        .parse(&fixed[..])
        .map(|m| f(&m))
}

/// The list's view of a message; missing or broken headers give empty
/// values, never an error: a message is stored whatever it looks like.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub subject: String,
    /// `表示名 <address>`, or the address alone.
    pub from: String,
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    pub message_id: Option<String>,
}

pub fn summary(raw: &[u8]) -> Summary {
    parsed(raw, None, summary_of).unwrap_or_default()
}

fn address_text(a: &mail_parser::Addr) -> String {
    match (a.name(), a.address()) {
        (Some(n), Some(addr)) => format!("{n} <{addr}>"),
        (None, Some(addr)) => addr.to_owned(),
        (Some(n), None) => n.to_owned(),
        (None, None) => String::new(),
    }
}

fn summary_of(m: &mail_parser::Message) -> Summary {
    let from = m
        .from()
        .and_then(|a| a.first())
        .map(address_text)
        .unwrap_or_default();
    let date = m
        .date()
        .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0));
    let carrier = carrier_of(m);
    Summary {
        subject: shown(m.subject().unwrap_or_default(), carrier),
        from: shown(&from, carrier),
        date,
        message_id: m.message_id().map(str::to_owned),
    }
}

/// Everything a receive derives from a message, from one parse: the list's
/// fields and the search text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Digest {
    pub summary: Summary,
    /// The first recipients, as the 送信済み list shows them.
    pub to: String,
    pub has_attachment: bool,
    /// See [`index_text`].
    pub text: String,
}

pub fn digest(raw: &[u8]) -> Digest {
    parsed(raw, None, |m| {
        let mut to: String = names(m.to()).join(", ");
        cut_at(&mut to, 1000);
        Digest {
            summary: summary_of(m),
            to,
            has_attachment: !listed(m).is_empty(),
            text: text_of(m),
        }
    })
    .unwrap_or_default()
}

/// The list's fields from a header block alone (an IMAP ENVELOPE put back
/// into header lines): the same decoding as a whole message, without a
/// body to look at.
pub fn header_digest(header: &[u8]) -> (Summary, String) {
    parsed(header, None, |m| {
        let mut to: String = names(m.to()).join(", ");
        cut_at(&mut to, 1000);
        (summary_of(m), to)
    })
    .unwrap_or_default()
}

/// Searchable text kept per message, in bytes (about 10,000 Japanese
/// characters): the headers and the start of the text, where what people
/// search for lives; long tails are mostly quoted history and logs, and
/// would double what a receive writes.
pub const INDEX_MAX: usize = 32 * 1024;

/// The searchable text of a message: subject, the From/To/Cc names and
/// addresses, and the text of its body parts (HTML reduced to text),
/// normalized as a search query is ([`crate::search::normalize`]: case
/// and full-width forms folded) so that a search compares it as it is.
pub fn index_text(raw: &[u8]) -> String {
    parsed(raw, None, text_of).unwrap_or_default()
}

fn text_of(m: &mail_parser::Message) -> String {
    let mut out = String::new();
    out.push_str(m.subject().unwrap_or_default());
    for addrs in [m.from(), m.to(), m.cc()].into_iter().flatten() {
        for a in addrs.iter() {
            out.push('\n');
            out.push_str(a.name().unwrap_or_default());
            out.push(' ');
            out.push_str(a.address().unwrap_or_default());
        }
    }
    for i in 0..m.text_body.len() {
        if out.len() >= INDEX_MAX {
            break;
        }
        if let Some(t) = m.body_text(i) {
            out.push('\n');
            out.push_str(&t);
        }
    }
    // Cut before folding (no need to fold what is dropped), and again
    // after, as folding may lengthen a few characters.
    cut_at(&mut out, INDEX_MAX);
    let mut text = crate::search::normalize(&pictograms::emoji(&out, carrier_of(m)));
    cut_at(&mut text, INDEX_MAX);
    text
}

fn cut_at(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_every_byte_in_the_declared_or_chosen_charset() {
        let (body, _, _) = encoding_rs::SHIFT_JIS.encode("会議のお知らせ");
        let mut raw = b"Subject: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=\r\n\
Content-Type: text/plain; charset=Shift_JIS\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(&body);
        raw.extend_from_slice(b"\r\n\x81\r\n");
        let own = source_text(&raw, "");
        // Encoded words stay as written; the body reads as declared.
        assert!(own.starts_with("Subject: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=\r\n"));
        assert!(own.ends_with("会議のお知らせ\r\n\\x81\r\n"), "{own}");
        let euc = source_text(&raw, "euc-jp");
        assert!(!euc.contains('\u{fffd}') && !euc.contains("会議"), "{euc}");
        assert!(euc.contains("\\x"), "{euc}");
        assert_eq!(source_text(&raw, "Shift_JIS"), own);
    }

    #[test]
    fn japanese_headers_in_any_charset() {
        let raw = b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.test>\r\n\
Subject: =?UTF-8?B?5L6/44KK44Gu44OG44K544OI?=\r\n\
Date: Fri, 27 Nov 2026 10:00:00 +0900\r\n\
Message-ID: <abc@example.test>\r\n\r\nbody";
        let s = summary(raw);
        assert_eq!(s.subject, "便りのテスト");
        assert_eq!(s.from, "山田 <yamada@example.test>");
        assert_eq!(s.message_id.as_deref(), Some("abc@example.test"));
        assert_eq!(
            s.date.map(|d| d.to_rfc3339()),
            Some("2026-11-27T01:00:00+00:00".into())
        );
    }

    #[test]
    fn index_text_has_headers_and_decoded_body() {
        let raw = "From: =?UTF-8?B?5bGx55Sw?= <Yamada@Example.test>\r\n\
To: bob@example.test\r\n\
Subject: =?UTF-8?B?5L6/44KK44Gu44OG44K544OI?=\r\n\
Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\
\x1b$B$3$s$K$A$O\x1b(B Hello\r\n";
        let t = index_text(raw.as_bytes());
        assert!(t.contains("便りのテスト"), "{t}");
        assert!(t.contains("山田 yamada@example.test"), "{t}");
        assert!(t.contains("bob@example.test"), "{t}");
        assert!(t.contains("こんにちは hello"), "{t}");
        assert_eq!(index_text(b""), "");
        let long = format!("Subject: x\r\n\r\n{}", "長い本文".repeat(20_000));
        let t = index_text(long.as_bytes());
        assert!(
            t.len() <= INDEX_MAX && t.len() > INDEX_MAX - 4,
            "{}",
            t.len()
        );
    }

    #[test]
    fn a_wrong_charset_can_be_overridden() {
        // Shift_JIS text labelled ISO-8859-1, and a message with no type.
        let mut raw =
            b"Subject: x\r\nContent-Type: text/plain; charset=\"iso-8859-1\"\r\n\r\n".to_vec();
        raw.extend_from_slice(&[0x93, 0xfa, 0x96, 0x7b]); // 日本 in Shift_JIS
        assert_ne!(read(&raw).text.trim(), "日本");
        assert_eq!(read(&with_charset(&raw, "shift_jis")).text.trim(), "日本");
        let mut bare = b"Subject: y\r\n\r\n".to_vec();
        bare.extend_from_slice(&[0xc6, 0xfc, 0xcb, 0xdc]); // 日本 in EUC-JP
        assert_eq!(read(&with_charset(&bare, "EUC-JP")).text.trim(), "日本");
        assert_eq!(with_charset(&raw, "x-unknown"), raw);
    }

    #[test]
    fn garbage_is_stored_with_empty_fields() {
        assert_eq!(summary(b"\xff\xfe not a message"), Summary::default());
        assert_eq!(summary(b""), Summary::default());
    }
}

/// A message as the reading pane shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    pub subject: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    /// The plain text (an HTML-only message reduced to text).
    pub text: String,
    /// The HTML part as sent, unsanitised: never shown without cleaning.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The sender's display name shows an address that is not the
    /// sender's (「support@bank.example」 <someone@elsewhere.test>): the
    /// address the name shows, and the real one.
    pub impersonated: Option<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    /// The decoded file name (RFC 2231 `filename*`, RFC 2047 words, or
    /// raw bytes in the message's charset); empty when none was given.
    pub name: String,
    pub content_type: String,
    pub size: usize,
    /// A forwarded message (message/rfc822), readable in its turn.
    pub message: Option<Box<Reading>>,
}

fn names(a: Option<&mail_parser::Address>) -> Vec<String> {
    a.map(|a| a.iter().map(address_text).collect())
        .unwrap_or_default()
}

/// The parts offered for download, in the order they come: the parser's
/// attachments, and a text part shown as the message's text that also
/// carries a file name; not a zero-byte part with neither name nor type
/// (an empty part some senders leave between others).
fn listed<'m>(m: &'m mail_parser::Message) -> Vec<&'m mail_parser::MessagePart<'m>> {
    use mail_parser::MimeHeaders;
    let mut ids: Vec<u32> = m.attachments.clone();
    ids.extend(
        m.text_body
            .iter()
            .chain(&m.html_body)
            .filter(|&&i| m.part(i).and_then(|p| p.attachment_name()).is_some()),
    );
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|i| m.part(i))
        .filter(|p| !(p.is_empty() && p.attachment_name().is_none() && p.content_type().is_none()))
        .collect()
}

fn reading_of(m: &mail_parser::Message) -> Reading {
    use mail_parser::{MimeHeaders, PartType};
    let text = (0..m.text_body.len())
        .filter_map(|i| m.body_text(i))
        .collect::<Vec<_>>()
        .join("\n");
    let html = (!m.html_body.is_empty())
        .then(|| m.body_html(0).map(|h| h.into_owned()))
        .flatten()
        // mail-parser converts a text-only message to HTML; only a real
        // HTML part counts.
        .filter(|_| {
            m.html_body.iter().any(|&i| {
                matches!(
                    m.parts.get(i as usize).map(|p| &p.body),
                    Some(PartType::Html(_))
                )
            })
        });
    let attachments = listed(m)
        .into_iter()
        .map(|p| Attachment {
            name: p.attachment_name().unwrap_or_default().to_owned(),
            content_type: p
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{s}", c.ctype()),
                    None => c.ctype().to_owned(),
                })
                .unwrap_or_default(),
            size: p.len(),
            message: p.message().map(|inner| Box::new(reading_of(inner))),
        })
        .collect();
    let carrier = carrier_of(m);
    let all = |v: Vec<String>| v.iter().map(|s| shown(s, carrier)).collect();
    Reading {
        subject: shown(m.subject().unwrap_or_default(), carrier),
        from: all(names(m.from())),
        to: all(names(m.to())),
        cc: all(names(m.cc())),
        date: m
            .date()
            .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0)),
        text: shown(&text, carrier),
        html: html.map(|h| shown(&h, carrier)),
        attachments,
        impersonated: m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| impersonated(a.name()?, a.address()?)),
    }
}

/// An address written in a display name that differs from the address
/// the message really comes from, as (shown, real). Full-width forms
/// (`ｓｕｐｐｏｒｔ＠ｂａｎｋ．ｊｐ`) count as what they look like.
fn impersonated(name: &str, address: &str) -> Option<(String, String)> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = name.nfkc().collect();
    let real = address.trim().to_lowercase();
    name.split(|c: char| c.is_whitespace() || "<>()[]\"',;:".contains(c))
        .map(|w| w.trim_matches('.'))
        .filter(|w| {
            let Some((local, domain)) = w.rsplit_once('@') else {
                return false;
            };
            !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
        })
        .find(|w| w.to_lowercase() != real)
        .map(|w| (w.to_owned(), address.trim().to_owned()))
}

/// Reads a stored message for display. Legacy Japanese mail decodes as
/// Japanese mail clients do: ISO-2022-JP with the NEC and IBM extensions
/// (①, ㈱) and half-width kana, Shift_JIS as CP932, EUC-JP; encoded words
/// in any of them. Malformed input gives what could be read, never a panic.
pub fn read(raw: &[u8]) -> Reading {
    parsed(raw, None, reading_of).unwrap_or_else(|| Reading {
        text: String::from_utf8_lossy(raw).into_owned(),
        ..Default::default()
    })
}

/// [`read`] as if the message were in `chosen` (文字コードを指定して表示,
/// one of [`CHARSETS`]; empty: as it says): every `charset=` parameter
/// is taken as `chosen`, and so are the header bytes and parts that name
/// none.
pub fn read_as(raw: &[u8], chosen: &str) -> Reading {
    let Some(cs) = CHARSETS
        .iter()
        .find(|c| c.eq_ignore_ascii_case(chosen))
        .and_then(|c| charset::label(c))
    else {
        return read(raw);
    };
    let relabelled = with_charset(raw, chosen);
    parsed(&relabelled, Some(cs), reading_of).unwrap_or_default()
}

/// An attachment's bytes, as downloaded: (decoded file name, content type,
/// contents). `n` counts as [`Reading::attachments`] does.
pub fn attachment(raw: &[u8], n: usize) -> Option<(String, String, Vec<u8>)> {
    use mail_parser::MimeHeaders;
    parsed(raw, None, |m| {
        let p = *listed(m).get(n)?;
        let ctype = p
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{s}", c.ctype()),
                None => c.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        Some((
            p.attachment_name().unwrap_or_default().to_owned(),
            ctype,
            p.contents().to_vec(),
        ))
    })
    .flatten()
}

/// The inline images of a message by Content-ID, as data: URIs for the
/// HTML view (at most `max` bytes of them, so a huge image cannot bloat
/// the page).
pub fn inline_images(raw: &[u8], max: usize) -> std::collections::HashMap<String, String> {
    use base64::Engine;
    use mail_parser::MimeHeaders;
    let mut out = std::collections::HashMap::new();
    let Some(m) = mail_parser::MessageParser::default().parse(raw) else {
        return out;
    };
    let mut left = max;
    for p in &m.parts {
        let (Some(id), Some(ct)) = (p.content_id(), p.content_type()) else {
            continue;
        };
        let sub = ct.subtype().unwrap_or_default().to_ascii_lowercase();
        if !ct.ctype().eq_ignore_ascii_case("image") || sub.contains("svg") {
            continue;
        }
        let bytes = p.contents();
        if bytes.len() > left {
            continue;
        }
        left -= bytes.len();
        out.insert(
            id.trim_matches(['<', '>']).to_owned(),
            format!(
                "data:image/{sub};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
        );
    }
    out
}

/// What a reply to this message carries: In-Reply-To (its Message-ID) and
/// References (its References, then its Message-ID), with angle brackets.
pub fn references(raw: &[u8]) -> (Option<String>, Vec<String>) {
    let Some(m) = mail_parser::MessageParser::default().parse_headers(raw) else {
        return (None, Vec::new());
    };
    let id = m.message_id().map(|i| format!("<{i}>"));
    let mut refs: Vec<String> = match m.references() {
        mail_parser::HeaderValue::Text(t) => vec![format!("<{t}>")],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| format!("<{t}>")).collect(),
        _ => Vec::new(),
    };
    // A long thread keeps its first message and the latest ones.
    if refs.len() > 20 {
        let tail = refs.split_off(refs.len() - 19);
        refs.truncate(1);
        refs.extend(tail);
    }
    refs.extend(id.clone());
    (id, refs)
}

/// ソースを表示: the whole message as text, read as `chosen` (one of
/// [`CHARSETS`]) or else as the charset its text declares. Bytes that
/// charset does not define are written `\xNN` (never replaced), so the
/// text is the message as received, byte for byte.
pub fn source_text(raw: &[u8], chosen: &str) -> String {
    let cs = CHARSETS
        .iter()
        .find(|c| c.eq_ignore_ascii_case(chosen))
        .and_then(|c| charset::label(c))
        .unwrap_or_else(|| charset::sniff(raw, declared_charset(raw)));
    charset::decode_escaped(cs, raw)
}

/// The charset the message's first text part (or the message itself)
/// declares, when it is one we read.
fn declared_charset(raw: &[u8]) -> Option<charset::Charset> {
    use mail_parser::MimeHeaders;
    let m = mail_parser::MessageParser::default().parse(raw)?;
    let part = m
        .text_body
        .first()
        .or(m.html_body.first())
        .and_then(|&i| m.parts.get(i as usize));
    part.and_then(|p| p.content_type())
        .or(m.content_type())
        .and_then(|c| c.attribute("charset"))
        .and_then(charset::label)
}

/// The charsets 「文字コードを指定して表示」 offers.
pub const CHARSETS: [&str; 4] = ["ISO-2022-JP", "Shift_JIS", "EUC-JP", "UTF-8"];

/// The message as if its text said it was in `charset` (for mail that
/// names the wrong one, or none): every `charset=` parameter is replaced,
/// and a message without a Content-Type gets one. Anything but the
/// charsets offered leaves the message as it is.
pub fn with_charset(raw: &[u8], charset: &str) -> Vec<u8> {
    let Some(cs) = CHARSETS.iter().find(|c| c.eq_ignore_ascii_case(charset)) else {
        return raw.to_vec();
    };
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 1))
        .unwrap_or(raw.len());
    let has_type = raw[..head_end]
        .split(|&b| b == b'\n')
        .any(|l| l.len() > 13 && l[..13].eq_ignore_ascii_case(b"content-type:"));
    let mut out = Vec::with_capacity(raw.len() + 64);
    if !has_type {
        out.extend_from_slice(format!("Content-Type: text/plain; charset={cs}\r\n").as_bytes());
    }
    let mut i = 0;
    let key = b"charset=";
    while i < raw.len() {
        if raw.len() - i >= key.len() && raw[i..i + key.len()].eq_ignore_ascii_case(key) {
            out.extend_from_slice(key);
            i += key.len();
            let quoted = raw.get(i) == Some(&b'"');
            if quoted {
                i += 1;
            }
            while i < raw.len() && !matches!(raw[i], b'"' | b';' | b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            if quoted && raw.get(i) == Some(&b'"') {
                i += 1;
            }
            out.extend_from_slice(cs.as_bytes());
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}
