//! What the message list needs from a received message, read with
//! mail-parser (RFC 5322/MIME with RFC 2047 words in any charset, including
//! ISO-2022-JP and Shift_JIS).

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
    let Some(m) = mail_parser::MessageParser::default().parse_headers(raw) else {
        return Summary::default();
    };
    let from = m
        .from()
        .and_then(|a| a.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(n), Some(addr)) => format!("{n} <{addr}>"),
            (None, Some(addr)) => addr.to_owned(),
            (Some(n), None) => n.to_owned(),
            (None, None) => String::new(),
        })
        .unwrap_or_default();
    let date = m
        .date()
        .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0));
    Summary {
        subject: m.subject().unwrap_or_default().to_owned(),
        from,
        date,
        message_id: m.message_id().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn garbage_is_stored_with_empty_fields() {
        assert_eq!(summary(b"\xff\xfe not a message"), Summary::default());
        assert_eq!(summary(b""), Summary::default());
    }
}
