//! Server functions of 作成 / 返信 / 全員に返信 / 転送: the form filled for
//! the chosen mode, 送信 through the account's server, 下書き保存, and
//! address completion. Only the account's owner may use them.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, fail, require};

/// A file uploaded from the form (`POST /mail/upload`), as the server
/// stored it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadDto {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeDto {
    pub account: i32,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    /// The HTML version (a draft written in HTML); empty for text.
    pub html: String,
    pub charset: String,
    pub reply_to: i64,
    pub draft: i64,
    /// Attachments carried over from this message (a draft, or one being
    /// forwarded): names and sizes.
    pub carry: i64,
    pub carry_whole: bool,
    pub carried: Vec<(String, usize)>,
    /// Completion: the user directory and past correspondents.
    pub book: Vec<String>,
    /// What the attachments may add up to (ウェブメール設定), in MB.
    pub max_mb: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDto {
    pub sent: bool,
    /// The server's reply (sent) or its refusal (not sent).
    pub reply: String,
    pub draft: i64,
}

#[cfg(feature = "ssr")]
mod imp {
    use super::*;
    use domain::mailbox::view;

    /// `> ` before every line, as mail clients quote.
    pub fn quoted(text: &str) -> String {
        text.lines().map(|l| format!("> {l}\n")).collect()
    }

    pub fn prefixed(subject: &str, prefix: &str) -> String {
        let s = subject.trim();
        let lower = s.to_ascii_lowercase();
        if lower.starts_with(&prefix.to_ascii_lowercase()) {
            s.to_owned()
        } else {
            format!("{prefix} {s}")
        }
    }

    /// Addresses for completion: colleagues with a work address, then
    /// whoever wrote to this account recently.
    pub async fn book(db: &domain::DatabaseConnection, account: i32) -> Vec<String> {
        let mut out: Vec<String> = domain::users::list(db, None)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|u| !u.disabled)
            .filter_map(|u| u.email.map(|e| format!("{} <{e}>", u.name)))
            .collect();
        if let Ok((rows, _)) = view::page(
            db,
            account,
            domain::mailbox::INBOX,
            view::Sort::Date,
            true,
            None,
            300,
        )
        .await
        {
            for r in rows {
                if !r.from_addr.is_empty() && !out.contains(&r.from_addr) {
                    out.push(r.from_addr);
                }
            }
        }
        out.truncate(1000);
        out
    }

    /// What the form shows of a message's attachments.
    pub fn names_and_sizes(r: &mail::mime::Reading) -> Vec<(String, usize)> {
        r.attachments
            .iter()
            .map(|a| (a.name.clone(), a.size))
            .collect()
    }

    /// The attachments a draft or a forwarded message brings along.
    pub async fn carried(
        db: &domain::DatabaseConnection,
        account: i32,
        carry: i64,
        whole: bool,
    ) -> Result<Vec<mail::compose::Attachment>, AppError> {
        if carry <= 0 {
            return Ok(Vec::new());
        }
        let (row, raw) = done(view::message(db, account, carry).await)?;
        if whole {
            let name = if row.subject.trim().is_empty() {
                "message".to_owned()
            } else {
                row.subject.clone()
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
}

/// The form for `mode`: "new", "reply", "reply_all", "forward" (inline),
/// "forward_attach" (as an attachment) or "draft" (`id` is the message).
#[server(prefix = "/api", endpoint = "compose_form")]
pub async fn compose_form(
    account: i32,
    #[server(default)] mode: String,
    #[server(default)] id: i64,
) -> Result<ComposeDto, AppError> {
    use domain::mailbox::view;
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    // 作成 opened without an account (a bookmark, a typed URL) writes from
    // the default one, as the mail screen shows it.
    let account = if account > 0 {
        account
    } else {
        done(domain::webmail::accounts_of(&state.db, caller.user.id).await)?
            .first()
            .map(|a| a.id)
            .ok_or_else(|| fail(AppError::NotFound))?
    };
    let acc = done(view::mine(&state.db, caller.user.id, account).await)?;
    let mut f = ComposeDto {
        account,
        from: format!("{} <{}>", acc.display_name, acc.email),
        charset: "utf-8".into(),
        ..Default::default()
    };
    if mode != "new" && id > 0 {
        let (row, raw) = done(view::message(&state.db, account, id).await)?;
        let r = mail::mime::read(&raw);
        let me = acc.email.to_lowercase();
        let not_me = |a: &String| !a.to_lowercase().contains(&me);
        let header = format!(
            "\n\n-----Original Message-----\nFrom: {}\nDate: {}\nSubject: {}\n\n",
            r.from.join(", "),
            crate::api::mailbox::long_date_of(&state.db, r.date).await,
            r.subject
        );
        match mode.as_str() {
            "reply" | "reply_all" => {
                f.to = r.from.join(", ");
                if mode == "reply_all" {
                    f.to = r
                        .from
                        .iter()
                        .chain(r.to.iter().filter(|a| not_me(a)))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ");
                    f.cc =
                        r.cc.iter()
                            .filter(|a| not_me(a))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ");
                }
                f.subject = imp::prefixed(&r.subject, "Re:");
                f.body = format!("{header}{}", imp::quoted(&r.text));
                f.reply_to = id;
            }
            "forward" => {
                f.subject = imp::prefixed(&r.subject, "Fw:");
                f.body = format!("{header}{}", r.text);
                f.carry = id;
                f.carried = imp::names_and_sizes(&r);
            }
            "forward_attach" => {
                f.subject = imp::prefixed(&r.subject, "Fw:");
                f.carry = id;
                f.carry_whole = true;
                f.carried = vec![(format!("{}.eml", r.subject), raw.len())];
            }
            "draft" if row.folder == view::DRAFTS => {
                f.to = r.to.join(", ");
                f.cc = r.cc.join(", ");
                f.subject = r.subject.clone();
                f.body = r.text.clone();
                // The editor is part of our page, not a sandboxed frame:
                // the draft's HTML goes in cleaned and without remote images
                // (a message moved into 下書き could carry a tracker).
                f.html = r
                    .html
                    .as_deref()
                    .map(|h| mail::html::clean(h, &Default::default(), false).html)
                    .unwrap_or_default();
                f.draft = id;
                f.carry = id;
                f.carried = imp::names_and_sizes(&r);
            }
            _ => return Err(fail(AppError::NotFound)),
        }
    }
    f.book = imp::book(&state.db, account).await;
    f.max_mb = done(domain::webmail::settings(&state.db).await)?.attachment_max_mb;
    Ok(f)
}

/// A message as the compose form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outgoing {
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    /// The HTML editor's content; empty for a text message.
    pub html: String,
    pub charset: String,
    /// The message replied to or forwarded (0: none).
    pub reply_to: i64,
    /// The draft this message continues (0: none).
    pub draft: i64,
    /// A message whose attachments come along (転送), and whether it is
    /// attached whole.
    pub carry: i64,
    pub carry_whole: bool,
    /// Files uploaded for it before (`/mail/upload`).
    pub uploads: Vec<i64>,
    /// 下書き保存 instead of 送信.
    pub draft_only: bool,
}

/// 送信 (`draft_only` false) or 下書き保存 (true).
// JSON: the uploads are a list, which a URL-encoded form carries poorly.
// The files themselves were uploaded one by one before (`/mail/upload`).
#[server(prefix = "/api", endpoint = "send_mail", input = leptos::server_fn::codec::Json)]
pub async fn send_mail(
    account: i32,
    #[server(flatten)] message: Outgoing,
) -> Result<SendDto, AppError> {
    use domain::mailbox::{send, view};
    let m = message;
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let acc = done(view::mine(&state.db, caller.user.id, account).await)?;
    let mut attachments = imp::carried(&state.db, account, m.carry, m.carry_whole).await?;
    attachments.extend(done(
        domain::mailbox::uploads::take(&state.db, caller.user.id, &m.uploads).await,
    )?);
    let c = send::Compose {
        to: m.to,
        cc: m.cc,
        bcc: m.bcc,
        subject: m.subject,
        body: m.body,
        html: m.html,
        charset: m.charset,
        attachments,
        reply_to: (m.reply_to > 0).then_some(m.reply_to),
        draft: (m.draft > 0).then_some(m.draft),
    };
    if m.draft_only {
        let id = done(send::save_draft(&state.db, &acc, &c).await)?;
        return Ok(SendDto {
            sent: false,
            reply: String::new(),
            draft: id,
        });
    }
    match done(send::send(&state.db, &state.secrets, &acc, &c, &state.mail_trust).await)? {
        Ok(s) => {
            // Sent and stored in 送信済み: the files are in the copy there.
            let _ = domain::mailbox::uploads::forget(&state.db, caller.user.id, &m.uploads).await;
            Ok(SendDto {
                sent: true,
                reply: s.reply,
                draft: 0,
            })
        }
        Err(n) => Ok(SendDto {
            sent: false,
            reply: n.error,
            draft: n.draft,
        }),
    }
}
