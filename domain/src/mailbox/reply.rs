//! What the compose form starts with for 返信 / 全員に返信 / 転送 / 下書き:
//! who it goes to, the subject with its prefix, the quoted text, and the
//! attachments that come along. The rules are those of the mail clients
//! Japanese offices use (Outlook, Becky!, Thunderbird): 返信 answers the
//! sender, 全員に返信 also everyone else on To and Cc but the account itself,
//! a prefix is not doubled, and a forwarded message keeps its attachments.
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;

use super::source::{MailSource, Source};
use super::view;
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    New,
    Reply,
    ReplyAll,
    /// 転送 with the text inline and the attachments carried over.
    Forward,
    /// 転送 with the whole message attached (.eml).
    ForwardAttached,
    /// A saved draft, opened again.
    Draft,
}

impl Mode {
    /// The mode named in a URL; `None` for a name the form does not know.
    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "" | "new" => Mode::New,
            "reply" => Mode::Reply,
            "reply_all" => Mode::ReplyAll,
            "forward" => Mode::Forward,
            "forward_attach" => Mode::ForwardAttached,
            "draft" => Mode::Draft,
            _ => return None,
        })
    }
}

/// The filled-in fields. Ids are 0 when not set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
    /// The draft's HTML, cleaned by the reading allow-list.
    pub html: String,
    pub reply_to: i64,
    pub draft: i64,
    /// The message whose attachments come along, and whether it is
    /// attached whole.
    pub carry: i64,
    pub carry_whole: bool,
    /// Names and sizes of what comes along.
    pub carried: Vec<(String, usize)>,
}

/// The form for `mode` on message `id` of `account`. A draft is opened only
/// from 下書き; any other folder's message as a draft is "not found".
pub async fn prefill(src: &Source<'_>, mode: Mode, id: i64) -> Result<Prefill> {
    let db = src.db();
    let account = src.account();
    let mut f = Prefill::default();
    if mode == Mode::New || id <= 0 {
        return Ok(f);
    }
    let (row, raw) = src.message(id).await?;
    let r = mail::mime::read(&raw);
    let tz = crate::locale::time_zone(db).await?;
    let me = account.email.to_lowercase();
    let not_me = |a: &&String| !a.to_lowercase().contains(&me);
    let header = quote_header(&r, tz);
    match mode {
        Mode::New => {}
        Mode::Reply | Mode::ReplyAll => {
            f.to = r.from.join(", ");
            if mode == Mode::ReplyAll {
                f.to = join(r.from.iter().chain(r.to.iter().filter(not_me)));
                f.cc = join(r.cc.iter().filter(not_me));
            }
            f.subject = prefixed(&r.subject, "Re:");
            f.body = format!("{header}{}", quoted(&r.text));
            f.reply_to = id;
        }
        Mode::Forward => {
            f.subject = prefixed(&r.subject, "Fw:");
            f.body = format!("{header}{}", r.text);
            f.carry = id;
            f.carried = names_and_sizes(&r);
        }
        Mode::ForwardAttached => {
            f.subject = prefixed(&r.subject, "Fw:");
            f.carry = id;
            f.carry_whole = true;
            f.carried = vec![(format!("{}.eml", r.subject), raw.len())];
        }
        Mode::Draft if row.folder == view::DRAFTS => {
            f.to = r.to.join(", ");
            f.cc = r.cc.join(", ");
            f.subject = r.subject.clone();
            f.body = r.text.clone();
            // The editor is part of our page, not a sandboxed frame: the
            // draft's HTML goes in cleaned and without remote images (a
            // message moved into 下書き could carry a tracker).
            f.html = r
                .html
                .as_deref()
                .map(|h| mail::html::clean(h, &Default::default(), false).html)
                .unwrap_or_default();
            f.draft = id;
            f.carry = id;
            f.carried = names_and_sizes(&r);
        }
        Mode::Draft => return Err(Error::NotFound),
    }
    Ok(f)
}

fn join<'a>(addrs: impl Iterator<Item = &'a String>) -> String {
    addrs.cloned().collect::<Vec<_>>().join(", ")
}

/// `> ` before every line, as mail clients quote.
pub fn quoted(text: &str) -> String {
    text.lines().map(|l| format!("> {l}\n")).collect()
}

/// `subject` with `prefix` before it, unless it already starts with it
/// (in any case): 「Re: Re: Re:」 chains do not grow.
pub fn prefixed(subject: &str, prefix: &str) -> String {
    let s = subject.trim();
    if s.to_ascii_lowercase()
        .starts_with(&prefix.to_ascii_lowercase())
    {
        s.to_owned()
    } else {
        format!("{prefix} {s}")
    }
}

/// 「2026年11月28日(土) 10:00」 in the installation's zone: the quoted
/// message's date.
/// The lines above a quoted or forwarded message, in the form Japanese
/// mail clients write (Outlook's 「元のメッセージ」 block).
fn quote_header(r: &mail::mime::Reading, tz: Tz) -> String {
    let mut h = format!(
        "\n\n-----元のメッセージ-----\n差出人: {}\n送信日時: {}\n宛先: {}\n",
        r.from.join(", "),
        long_date(tz, r.date),
        r.to.join(", "),
    );
    if !r.cc.is_empty() {
        h.push_str(&format!("CC: {}\n", r.cc.join(", ")));
    }
    h.push_str(&format!("件名: {}\n\n", r.subject));
    h
}

fn long_date(tz: Tz, t: Option<DateTime<Utc>>) -> String {
    const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    let Some(t) = t.map(|t| t.with_timezone(&tz)) else {
        return String::new();
    };
    let wd = WEEKDAYS[t.weekday().num_days_from_monday() as usize];
    format!("{}({wd}) {}", t.format("%Y年%-m月%-d日"), t.format("%H:%M"))
}

fn names_and_sizes(r: &mail::mime::Reading) -> Vec<(String, usize)> {
    r.attachments
        .iter()
        .map(|a| (a.name.clone(), a.size))
        .collect()
}

/// Addresses for completion: colleagues with a work address, then whoever
/// wrote to this account recently (at most 1,000 in all).
pub async fn address_book(db: &DatabaseConnection, account: i32) -> Result<Vec<String>> {
    let mut out: Vec<String> = crate::users::list(db, None)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .filter_map(|u| u.email.map(|e| format!("{} <{e}>", u.name)))
        .collect();
    let (rows, _) =
        view::page(db, account, super::INBOX, view::Sort::Date, true, None, 300).await?;
    for r in rows {
        if !r.from_addr.is_empty() && !out.contains(&r.from_addr) {
            out.push(r.from_addr);
        }
    }
    out.truncate(1000);
    Ok(out)
}

/// The attachments a draft or a forwarded message brings along: its own
/// attachments, or the whole message as one .eml.
pub async fn carried(
    src: &Source<'_>,
    carry: i64,
    whole: bool,
) -> Result<Vec<mail::compose::Attachment>> {
    if carry <= 0 {
        return Ok(Vec::new());
    }
    let (row, raw) = src.message(carry).await?;
    if whole {
        let name = if row.subject.trim().is_empty() {
            "message"
        } else {
            row.subject.as_str()
        };
        return Ok(vec![mail::compose::Attachment {
            name: format!("{name}.eml"),
            content_type: "message/rfc822".into(),
            data: raw,
        }]);
    }
    let n = mail::mime::read(&raw).attachments.len();
    Ok((0..n)
        .filter_map(|i| mail::mime::attachment(&raw, i))
        .map(|(name, content_type, data)| mail::compose::Attachment {
            name,
            content_type,
            data,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_not_doubled_in_any_case() {
        assert_eq!(prefixed("会議", "Re:"), "Re: 会議");
        assert_eq!(prefixed("RE: 会議", "Re:"), "RE: 会議");
        assert_eq!(prefixed(" fw: 資料 ", "Fw:"), "fw: 資料");
    }

    #[test]
    fn every_line_is_quoted() {
        assert_eq!(quoted("a\n\nb"), "> a\n> \n> b\n");
    }

    #[test]
    fn the_quoted_message_is_introduced_in_japanese_in_the_company_time() {
        let raw = "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.test>\r\nTo: sato@example.test\r\n\
                   Cc: ito@example.test\r\nSubject: =?UTF-8?B?5Lya6K2w?=\r\n\
                   Date: Mon, 7 Dec 2026 01:30:00 +0000\r\n\r\nbody\r\n";
        let r = mail::mime::read(raw.as_bytes());
        let h = quote_header(&r, chrono_tz::Asia::Tokyo);
        assert!(h.contains("-----元のメッセージ-----\n差出人: "), "{h}");
        assert!(h.contains("yamada@example.test"), "{h}");
        assert!(h.contains("送信日時: 2026年12月7日(月) 10:30\n"), "{h}");
        assert!(
            h.contains("宛先: sato@example.test\nCC: ito@example.test\n件名: 会議\n"),
            "{h}"
        );
        assert!(!h.contains("Original"), "{h}");
    }

    #[test]
    fn modes_are_named_as_in_the_urls() {
        assert_eq!(Mode::parse("reply_all"), Some(Mode::ReplyAll));
        assert_eq!(Mode::parse("forward_attach"), Some(Mode::ForwardAttached));
        assert_eq!(Mode::parse(""), Some(Mode::New));
        assert_eq!(Mode::parse("delete"), None);
    }
}
