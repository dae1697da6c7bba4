//! Charsets as Japanese mail readers treat them: the labels old and odd
//! senders write (ISO-2022-JP's relatives, Microsoft's names for CP932,
//! UTF-7), and a guess for bytes that carry no label at all — raw header
//! bytes from old MUAs and phones, text parts that name no charset.
use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS, UTF_8, WINDOWS_1252};

/// How bytes of a label are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// ISO-2022-JP and its relatives (-1, -2, -3, -MS, CP50220–50222):
    /// JIS X 0208 with the NEC and IBM extensions, JIS X 0212, half-width
    /// kana by `ESC ( I` or SO/SI, Latin-1 by single shift.
    Jis,
    /// UTF-7 (RFC 2152), still written by a few old clients.
    Utf7,
    /// Anything the Encoding Standard reads (Shift_JIS there is CP932).
    Encoding(&'static Encoding),
}

/// The charset a label names, or None for no label, `x-unknown` and
/// labels nobody knows (their bytes are guessed, see [`guess`]).
pub fn label(label: &str) -> Option<Charset> {
    let l = label.trim().trim_matches('"').to_ascii_lowercase();
    let l = l.as_str();
    if matches!(
        l,
        "iso-2022-jp"
            | "csiso2022jp"
            | "iso-2022-jp-1"
            | "iso-2022-jp-2"
            | "csiso2022jp2"
            | "iso-2022-jp-3"
            | "iso-2022-jp-2004"
            | "iso-2022-jp-ms"
            | "cp50220"
            | "cp50221"
            | "cp50222"
            | "x-cp50220"
            | "x-cp50221"
            | "x-cp50222"
            | "jis"
    ) {
        return Some(Charset::Jis);
    }
    if matches!(
        l,
        "utf-7" | "utf7" | "unicode-1-1-utf-7" | "csunicode11utf7" | "x-unicode-2-0-utf-7"
    ) {
        return Some(Charset::Utf7);
    }
    let enc = match l {
        "cp932" | "windows-31j" | "ms932" | "x-sjis" | "sjis" | "shift-jis" | "shift_jis"
        | "x-ms-cp932" | "csshiftjis" | "ms_kanji" | "shift_jisx0213" | "shift_jis-2004"
        | "sjis-open" | "sjis-win" => SHIFT_JIS,
        "euc-jp"
        | "x-euc-jp"
        | "eucjp"
        | "euc-jp-ms"
        | "eucjp-ms"
        | "eucjp-win"
        | "euc-jisx0213"
        | "euc-jis-2004"
        | "cseucpkdfmtjapanese" => EUC_JP,
        "" | "x-unknown" | "unknown" | "unknown-8bit" | "x-user-defined" | "default" | "8bit"
        | "charset" => return None,
        other => Encoding::for_label(other.as_bytes())?,
    };
    Some(Charset::Encoding(enc))
}

/// `bytes` read as `cs`; with `strict`, None at the first byte sequence
/// the charset does not define (otherwise it reads as U+FFFD).
pub fn decode(cs: Charset, bytes: &[u8], strict: bool) -> Option<String> {
    match cs {
        Charset::Jis => jis(bytes, strict),
        Charset::Utf7 => utf7(bytes, strict),
        Charset::Encoding(e) if strict => e
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned()),
        Charset::Encoding(e) => Some(e.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

/// `bytes` read as `cs` with nothing replaced: a byte the charset does
/// not define is written `\xNN`, so the text shows every byte received
/// (ソースを表示). ISO-2022-JP and UTF-7 are read a line at a time: a line
/// they cannot read keeps its ASCII and escapes the rest.
pub fn decode_escaped(cs: Charset, bytes: &[u8]) -> String {
    match cs {
        Charset::Encoding(e) => escaped_encoding(e, bytes),
        Charset::Jis | Charset::Utf7 => {
            let mut out = String::with_capacity(bytes.len());
            for line in bytes.split_inclusive(|b| *b == b'\n') {
                match decode(cs, line, true) {
                    Some(s) => out.push_str(&s),
                    None => {
                        for &b in line {
                            if b < 0x80 && b != 0x1b {
                                out.push(char::from(b));
                            } else {
                                escape_byte(&mut out, b);
                            }
                        }
                    }
                }
            }
            out
        }
    }
}

fn escape_byte(out: &mut String, b: u8) {
    use std::fmt::Write;
    let _ = write!(out, "\\x{b:02x}");
}

fn escaped_encoding(e: &'static Encoding, bytes: &[u8]) -> String {
    use encoding_rs::DecoderResult;
    let mut d = e.new_decoder_without_bom_handling();
    let mut out = String::new();
    let mut rest = bytes;
    loop {
        // Room for the rest at once (or, for the few decoders that cannot
        // say, a generous guess; a full buffer only means another turn).
        let room = d
            .max_utf8_buffer_length_without_replacement(rest.len())
            .unwrap_or(rest.len() * 3 + 16);
        out.reserve(room);
        let (result, read) = d.decode_to_string_without_replacement(rest, &mut out, true);
        match result {
            DecoderResult::InputEmpty => return out,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(bad, after) => {
                // The malformed bytes end `after` bytes before what was read.
                let end = read - usize::from(after);
                let start = end - usize::from(bad);
                for &b in &rest[start..end] {
                    escape_byte(&mut out, b);
                }
            }
        }
        rest = &rest[read..];
    }
}

/// The charset to show raw bytes in when the message declares `declared`
/// (or nothing): what it declares, else ISO-2022-JP when escape sequences
/// are present, UTF-8 when valid, else CP932 or EUC-JP as [`guess`] picks.
pub fn sniff(bytes: &[u8], declared: Option<Charset>) -> Charset {
    if let Some(cs) = declared {
        return cs;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return if bytes.contains(&0x1b) {
            Charset::Jis
        } else {
            Charset::Encoding(UTF_8)
        };
    }
    let best = [SHIFT_JIS, EUC_JP]
        .into_iter()
        .map(|e| (japanese(&e.decode_without_bom_handling(bytes).0), e))
        .reduce(|a, b| if b.0 > a.0 { b } else { a });
    Charset::Encoding(best.map_or(SHIFT_JIS, |(_, e)| e))
}

/// Bytes that name no charset, read the way Japanese mail readers do:
/// ISO-2022-JP when escape sequences are present; UTF-8 when valid;
/// otherwise CP932 or EUC-JP, whichever reads without error and looks
/// like Japanese; then `hint` (the charset of the message's text), then
/// windows-1252, which reads any byte.
pub fn guess(bytes: &[u8], hint: Option<Charset>) -> String {
    if bytes.contains(&0x1b) {
        return jis(bytes, false).unwrap_or_default();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let best = [SHIFT_JIS, EUC_JP]
        .into_iter()
        .filter_map(|e| e.decode_without_bom_handling_and_without_replacement(bytes))
        .map(|s| (japanese(&s), s))
        .filter(|(score, _)| *score > 0)
        // The first of equals wins: CP932 is what Japanese PCs write.
        .reduce(|a, b| if b.0 > a.0 { b } else { a });
    if let Some((_, s)) = best {
        return s.into_owned();
    }
    if let Some(s) = hint
        .filter(|h| *h != Charset::Encoding(UTF_8))
        .and_then(|h| decode(h, bytes, true))
    {
        return s;
    }
    WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// How much a text reads like Japanese: kana, kanji and Japanese
/// punctuation count for it; half-width kana (what EUC-JP's bytes look
/// like when read as Shift_JIS), other private-use characters and other
/// scripts against.
fn japanese(s: &str) -> i64 {
    s.chars()
        .map(|c| match c as u32 {
            0..=0x7f => 0,
            0x3040..=0x309f => 3,
            0x30a0..=0x30ff | 0x4e00..=0x9fff | 0x3000..=0x303f => 2,
            0xff01..=0xff5e | 0x2460..=0x24ff | 0x3200..=0x33ff => 1,
            0xff61..=0xff9f => -1,
            // CP932's user-defined area: phones' pictograms and 外字, no
            // evidence either way.
            0xe000..=0xe757 => 0,
            0xe758..=0xf8ff => -4,
            _ => -2,
        })
        .sum()
}

/// ISO-2022-JP and its relatives, read through EUC-JP (whose decoder has
/// the same JIS X 0208 table with the NEC and IBM extensions, and JIS X
/// 0212): two-byte characters become EUC-JP pairs, half-width kana EUC-JP
/// kana, Latin-1 by single shift (ISO-2022-JP-2) is written directly.
fn jis(bytes: &[u8], strict: bool) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Set {
        Ascii,
        X0208,
        X0212,
        Kana,
        /// A set we cannot read (GB 2312, KS C 5601 in ISO-2022-JP-2).
        Other,
    }
    let mut out = String::with_capacity(bytes.len());
    let mut euc: Vec<u8> = Vec::new();
    let flush = |euc: &mut Vec<u8>, out: &mut String| -> Option<()> {
        if !euc.is_empty() {
            out.push_str(&decode(Charset::Encoding(EUC_JP), euc, strict)?);
            euc.clear();
        }
        Some(())
    };
    let (mut set, mut shifted, mut latin1) = (Set::Ascii, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x1b {
            let rest = &bytes[i + 1..];
            let (next, len) = match rest {
                [b'(', b'B' | b'J' | b'H', ..] => (Some(Set::Ascii), 3),
                [b'(', b'I', ..] => (Some(Set::Kana), 3),
                [b'$', b'@' | b'B', ..] => (Some(Set::X0208), 3),
                // JIS X 0213 plane 1 is JIS X 0208 where both define a
                // character.
                [b'$', b'(', b'Q' | b'O' | b'B', ..] => (Some(Set::X0208), 4),
                [b'$', b'(', b'D', ..] => (Some(Set::X0212), 4),
                [b'$', b'A', ..] => (Some(Set::Other), 3),
                [b'$', b'(', _, ..] => (Some(Set::Other), 4),
                [b'&', b'@', ..] => (None, 3),
                [b'.', b'A', ..] => {
                    latin1 = true;
                    (None, 3)
                }
                [b'.', _, ..] => {
                    latin1 = false;
                    (None, 3)
                }
                [b'N', c, ..] if latin1 => {
                    flush(&mut euc, &mut out)?;
                    out.push(char::from(c | 0x80));
                    (None, 3)
                }
                _ => {
                    if strict {
                        return None;
                    }
                    euc.push(b'?');
                    (None, 1)
                }
            };
            if let Some(s) = next {
                set = s;
                shifted = false;
            }
            i += len;
            continue;
        }
        match b {
            0x0e => shifted = true,
            0x0f => shifted = false,
            // Line ends and other controls are themselves in every set.
            0x00..=0x20 | 0x7f => {
                euc.push(b);
            }
            0x21..=0x7e if shifted || set == Set::Kana => {
                euc.extend_from_slice(&[0x8e, b | 0x80]);
            }
            0x21..=0x7e if set == Set::X0208 || set == Set::X0212 || set == Set::Other => {
                let Some(&t) = bytes.get(i + 1).filter(|t| (0x21..=0x7e).contains(*t)) else {
                    if strict {
                        return None;
                    }
                    euc.push(b'?');
                    i += 1;
                    continue;
                };
                match set {
                    Set::X0208 => match super::pictograms::kddi_jis(b, t, false) {
                        Some(c) => {
                            flush(&mut euc, &mut out)?;
                            out.push(c);
                        }
                        None => euc.extend_from_slice(&[b | 0x80, t | 0x80]),
                    },
                    Set::X0212 => euc.extend_from_slice(&[0x8f, b | 0x80, t | 0x80]),
                    _ => {
                        if strict {
                            return None;
                        }
                        flush(&mut euc, &mut out)?;
                        out.push('\u{fffd}');
                    }
                }
                i += 2;
                continue;
            }
            0x21..=0x7e => euc.push(b),
            _ => {
                // An eight-bit byte has no place in ISO-2022-JP.
                if strict {
                    return None;
                }
                flush(&mut euc, &mut out)?;
                out.push('\u{fffd}');
            }
        }
        i += 1;
    }
    flush(&mut euc, &mut out)?;
    Some(out)
}

/// UTF-7 (RFC 2152): `+` starts modified base64 of UTF-16, `-` or any
/// character outside base64 ends it, `+-` is a plus sign.
fn utf7(bytes: &[u8], strict: bool) -> Option<String> {
    fn sextet(b: u8) -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b != b'+' {
            if b >= 0x80 {
                if strict {
                    return None;
                }
                out.push('\u{fffd}');
            } else {
                out.push(char::from(b));
            }
            continue;
        }
        if bytes.get(i) == Some(&b'-') {
            out.push('+');
            i += 1;
            continue;
        }
        let (mut bits, mut nbits, mut units) = (0u32, 0u32, Vec::new());
        while let Some(v) = bytes.get(i).and_then(|&c| sextet(c)) {
            bits = (bits << 6) | v;
            nbits += 6;
            if nbits >= 16 {
                nbits -= 16;
                units.push(((bits >> nbits) & 0xffff) as u16);
            }
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => out.push(c),
                Err(_) if strict => return None,
                Err(_) => out.push('\u{fffd}'),
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_japanese_label_old_senders_write_is_known() {
        for l in [
            "ISO-2022-JP-2",
            "ISO-2022-JP-3",
            "ISO-2022-JP-MS",
            "CP50220",
            "CP50221",
            "CP50222",
        ] {
            assert_eq!(label(l), Some(Charset::Jis), "{l}");
        }
        for l in ["cp932", "windows-31j", "x-sjis", "shift-jis", "Shift_JIS"] {
            assert_eq!(label(l), Some(Charset::Encoding(SHIFT_JIS)), "{l}");
        }
        assert_eq!(label("x-euc-jp"), Some(Charset::Encoding(EUC_JP)));
        assert_eq!(label("UNICODE-1-1-UTF-7"), Some(Charset::Utf7));
        assert_eq!(
            label("ks_c_5601-1987"),
            Some(Charset::Encoding(encoding_rs::EUC_KR))
        );
        for l in ["x-unknown", "", "\"\"", "no-such-charset"] {
            assert_eq!(label(l), None, "{l}");
        }
    }

    #[test]
    fn jis_relatives_read_through_euc_jp() {
        // 日本 in JIS X 0208, ｱ by SO/SI (CP50222), 丂 in JIS X 0212, é by
        // single shift (ISO-2022-JP-2).
        let b = b"\x1b$BF|K\\\x1b(B \x0e1\x0f \x1b$(D0!\x1b(B \x1b.A\x1bNi";
        assert_eq!(jis(b, true).as_deref(), Some("日本 ｱ 丂 é"));
        assert_eq!(jis(b"\x1b$B\xff", true), None);
    }

    #[test]
    fn escaped_decoding_keeps_every_byte() {
        let mut sjis = SHIFT_JIS.encode("お知らせ\r\n").0.into_owned();
        sjis.extend_from_slice(b"bad \x82\r\n\xff end");
        let shown = decode_escaped(Charset::Encoding(SHIFT_JIS), &sjis);
        assert_eq!(shown, "お知らせ\r\nbad \\x82\r\n\\xff end");
        // Read as UTF-8 the same bytes are all escapes, never U+FFFD.
        let as_utf8 = decode_escaped(Charset::Encoding(UTF_8), &sjis);
        assert!(!as_utf8.contains('\u{fffd}'), "{as_utf8}");
        assert!(as_utf8.starts_with("\\x82\\xa8"), "{as_utf8}");
        // ISO-2022-JP: a line it reads, and one with an eight-bit byte.
        let jis = b"\x1b$B$*CN$i$;\x1b(B\r\nx\xe9y\r\n";
        assert_eq!(decode_escaped(Charset::Jis, jis), "お知らせ\r\nx\\xe9y\r\n");
    }

    #[test]
    fn undeclared_bytes_are_shown_in_the_charset_they_read_as() {
        let (sjis, _, _) = SHIFT_JIS.encode("会議のお知らせ");
        let (euc, _, _) = EUC_JP.encode("会議のお知らせ");
        assert_eq!(sniff(&sjis, None), Charset::Encoding(SHIFT_JIS));
        assert_eq!(sniff(&euc, None), Charset::Encoding(EUC_JP));
        assert_eq!(sniff(b"\x1b$B$*\x1b(B", None), Charset::Jis);
        assert_eq!(sniff(b"plain", None), Charset::Encoding(UTF_8));
        assert_eq!(sniff(&sjis, Some(Charset::Jis)), Charset::Jis);
    }

    #[test]
    fn utf7_reads_plus_runs_as_utf16() {
        assert_eq!(
            utf7(b"Hi +ZeVnLA- 1+-1", true).as_deref(),
            Some("Hi 日本 1+1")
        );
    }

    #[test]
    fn unlabelled_bytes_are_guessed_as_japanese_readers_do() {
        let (sjis, _, _) = SHIFT_JIS.encode("お知らせ");
        let (euc, _, _) = EUC_JP.encode("お知らせ");
        assert_eq!(guess(&sjis, None), "お知らせ");
        assert_eq!(guess(&euc, None), "お知らせ");
        assert_eq!(guess("お知らせ".as_bytes(), None), "お知らせ");
        assert_eq!(guess(b"\x1b$B$*CN$i$;\x1b(B", None), "お知らせ");
        // Latin text: neither Japanese charset reads it as Japanese.
        assert_eq!(guess(b"caf\xe9 M\xfcller", None), "café Müller");
        // Polish in ISO-8859-2: the message's own charset comes next.
        let latin2 = Some(Charset::Encoding(encoding_rs::ISO_8859_2));
        assert_eq!(guess(b"\xa3\xf3d\xbc", latin2), "Łódź");
    }
}
