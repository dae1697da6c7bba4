//! Mailbox names on the wire: IMAP's modified UTF-7 (RFC 3501 §5.1.3).
//! 「送信済みアイテム」 travels as `&kAFP4W4IMH8wojCkMMYw4A-`; the folder pane
//! shows the decoded name and every command sends the encoded one.
use base64::Engine;
use base64::alphabet::IMAP_MUTF7;
use base64::engine::general_purpose::GeneralPurposeConfig;
use base64::engine::{DecodePaddingMode, GeneralPurpose};

const B64: GeneralPurpose = GeneralPurpose::new(
    &IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// The wire form of a mailbox name.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&B64.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// The name a wire form stands for; `None` when it is not valid modified
/// UTF-7 (a server that sends raw UTF-8 names, or garbage: the caller
/// shows it as it came).
pub fn decode(wire: &str) -> Option<String> {
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(at) = rest.find('&') {
        let (plain, tail) = rest.split_at(at);
        if !plain.chars().all(|c| (' '..='~').contains(&c)) {
            return None;
        }
        out.push_str(plain);
        let end = tail.find('-')?;
        let run = &tail[1..end];
        if run.is_empty() {
            out.push('&');
        } else {
            let bytes = B64.decode(run).ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]));
            let text = char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()?;
            // A run must carry what could not be written plainly.
            if text.chars().any(|c| (' '..='~').contains(&c)) {
                return None;
            }
            out.push_str(&text);
        }
        rest = &tail[end + 1..];
    }
    if !rest.chars().all(|c| (' '..='~').contains(&c)) {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

/// What the folder pane shows for a wire name: decoded, or as it came.
pub fn shown(wire: &str) -> String {
    decode(wire).unwrap_or_else(|| wire.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_names_round_trip_as_other_clients_write_them() {
        // As Thunderbird and Outlook name the folders on a Japanese server.
        assert_eq!(encode("送信済みアイテム"), "&kAFP4W4IMH8wojCkMMYw4A-");
        assert_eq!(
            decode("&kAFP4W4IMH8wojCkMMYw4A-").as_deref(),
            Some("送信済みアイテム")
        );
        assert_eq!(encode("ごみ箱"), "&MFQwf3ux-");
        assert_eq!(encode("仕事/会議 & 予定"), "&TtVOiw-/&TxqLcA- &- &Tohbmg-");
        for name in [
            "INBOX",
            "A&B",
            "日本語",
            "😀 emoji",
            "a~b",
            "送信済み/2026年",
        ] {
            assert_eq!(decode(&encode(name)).as_deref(), Some(name), "{name}");
        }
    }

    #[test]
    fn what_is_not_modified_utf7_is_shown_as_it_came() {
        assert_eq!(decode("&Jjo"), None);
        assert_eq!(decode("&Jjo!-"), None);
        assert_eq!(decode("&AGE-"), None, "a run carrying plain ASCII");
        assert_eq!(shown("生のUTF-8"), "生のUTF-8");
    }
}
