//! 送信 from the webmail: a message written by the account's owner goes
//! out through the account's sending server (管理者設定 / ウェブメールの設定
//! / its own) with the account's 送信時の認証; a copy is kept in 送信済み.
//! When the server refuses, its reply is the error and the message stays
//! in 下書き, so nothing written is lost. 送信時のログ records the dialogue
//! with credentials masked.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::source::{MailSource, Source};
use super::view::DRAFTS;
use super::{Account, account};
use crate::error::Code;
use crate::secrets::SecretBox;
use crate::{Error, Result};
use mail::compose::{Attachment, Mailbox};

/// 送信時のログ keeps the last dialogue up to this size.
const LOG_MAX: usize = 64 * 1024;

/// What the compose form sends.
#[derive(Clone, Debug, Default)]
pub struct Compose {
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    /// The HTML version written in the editor (empty: a text message). It
    /// is cleaned before it is sent or stored; `body` is its plain text.
    pub html: String,
    /// "utf-8" (default) or "iso-2022-jp".
    pub charset: String,
    pub attachments: Vec<Attachment>,
    /// The message answered (its In-Reply-To / References).
    pub reply_to: Option<i64>,
    /// The draft this message was written in: replaced when saved again,
    /// deleted once sent.
    pub draft: Option<i64>,
}

/// An address list as people type it: `名前 <a@example.jp>`, bare
/// addresses, separated by commas (also 、), semicolons or new lines;
/// quoted names may contain commas.
pub fn addresses(field: &'static str, s: &str) -> Result<Vec<Mailbox>> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' | ';' | '\n' | '\r' | '、' if !quoted => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    items.push(cur);
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        let (name, addr) = match (item.rfind('<'), item.rfind('>')) {
            (Some(a), Some(b)) if a < b => (
                item[..a].trim().trim_matches('"').trim(),
                item[a + 1..b].trim(),
            ),
            _ => ("", item),
        };
        if !crate::validate::is_email(addr) || !mail::compose::is_safe_address(addr) {
            return Err(Error::field(field, Code::InvalidEmail));
        }
        out.push(Mailbox::new(name, addr));
    }
    Ok(out)
}

struct Parts {
    to: Vec<Mailbox>,
    cc: Vec<Mailbox>,
    bcc: Vec<Mailbox>,
}

/// The files a message carries: those carried over from `carry` (a draft
/// or a forwarded message) and the writer's uploads, together within the
/// limit of ウェブメール設定, which is checked before any upload is read.
pub async fn attachments(
    src: &Source<'_>,
    user_id: i32,
    carry: i64,
    carry_whole: bool,
    uploads: &[i64],
) -> Result<Vec<mail::compose::Attachment>> {
    let db = src.db();
    let max = attachments_max(db).await?;
    let mut files = super::reply::carried(src, carry, carry_whole).await?;
    let used: usize = files.iter().map(|a| a.data.len()).sum();
    files.extend(super::uploads::take(db, user_id, uploads, max.saturating_sub(used)).await?);
    Ok(files)
}

/// The attachment limit of ウェブメール設定, in bytes.
async fn attachments_max(db: &DatabaseConnection) -> Result<usize> {
    Ok(crate::webmail::settings(db).await?.attachment_max_bytes())
}

fn check(c: &Compose, sending: bool, attachments_max: usize) -> Result<Parts> {
    let mut errors = Vec::new();
    let mut list = |field: &'static str, s: &str| match addresses(field, s) {
        Ok(l) => l,
        Err(Error::Invalid(mut e)) => {
            errors.append(&mut e);
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    let p = Parts {
        to: list("to", &c.to),
        cc: list("cc", &c.cc),
        bcc: list("bcc", &c.bcc),
    };
    if sending && errors.is_empty() && p.to.is_empty() && p.cc.is_empty() && p.bcc.is_empty() {
        errors.push(crate::error::FieldError::new("to", Code::Required));
    }
    if c.subject.chars().count() > 998 {
        errors.push(crate::error::FieldError::new(
            "subject",
            Code::TooLong { max: 998 },
        ));
    }
    let size: usize = c.attachments.iter().map(|a| a.data.len()).sum();
    if size > attachments_max {
        errors.push(crate::error::FieldError::new(
            "attachments",
            Code::TooLarge {
                max_mb: (attachments_max >> 20) as u32,
            },
        ));
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(Error::Invalid(errors))
    }
}

async fn render(src: &Source<'_>, c: &Compose, p: &Parts) -> Result<mail::compose::Rendered> {
    let db = src.db();
    let acc = src.account();
    let (in_reply_to, references) = match c.reply_to {
        Some(id) => {
            let (_, raw) = src.message(id).await?;
            mail::mime::references(&raw)
        }
        None => (None, Vec::new()),
    };
    let from = Mailbox::new(acc.display_name.clone(), acc.email.clone());
    let html = (!c.html.trim().is_empty()).then(|| mail::html::outgoing(&c.html));
    let tz = crate::locale::time_zone(db)
        .await
        .unwrap_or(chrono_tz::Asia::Tokyo);
    let now = chrono::Utc::now().with_timezone(&tz).fixed_offset();
    mail::compose::render_mail(&mail::compose::Outgoing {
        from: &from,
        to: &p.to,
        cc: &p.cc,
        subject: &c.subject,
        body: &c.body,
        date: now,
        charset: mail::compose::Charset::parse(&c.charset).unwrap_or(mail::compose::Charset::Utf8),
        attachments: &c.attachments,
        in_reply_to: in_reply_to.as_deref(),
        references: &references,
        auto_submitted: false,
        html: html.as_deref(),
    })
    .map_err(|_| Error::field("from", Code::InvalidEmail))
}

/// Stores the message as a draft, replacing the one it was written in.
pub(crate) async fn keep_draft(
    db: &DatabaseConnection,
    acc: &Account,
    raw: Vec<u8>,
    old: Option<i64>,
) -> Result<i64> {
    let id = super::store(db, acc.id, DRAFTS, vec![raw])
        .await?
        .first()
        .copied()
        .ok_or_else(|| Error::Internal("draft not stored".into()))?;
    if let Some(old) = old {
        purge_draft(db, acc.id, old).await?;
    }
    Ok(id)
}

pub(crate) async fn purge_draft(db: &DatabaseConnection, account_id: i32, id: i64) -> Result<()> {
    let (row, _) = match super::view::message(db, account_id, id).await {
        Ok(x) => x,
        Err(Error::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    if row.folder == DRAFTS {
        // Into ごみ箱 and out of it: a draft is replaced, not kept twice.
        super::view::move_to(db, account_id, &[id], super::view::TRASH).await?;
        super::view::delete(db, account_id, &[id]).await?;
    }
    Ok(())
}

/// 下書き保存 (also the automatic one): returns the draft's ID.
pub async fn save_draft(src: &Source<'_>, c: &Compose) -> Result<i64> {
    let p = check(c, false, attachments_max(src.db()).await?)?;
    let r = render(src, c, &p).await?;
    src.keep_draft(r.message.into_bytes(), c.draft).await
}

/// The account's sending server and credentials.
pub async fn smtp_settings(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
) -> Result<mail::smtp::SmtpSettings> {
    use crate::entity::kinds::SmtpAuthMode;
    use mail::smtp::SmtpAuth;
    let server = super::servers::resolve(db, acc, super::servers::Direction::Send).await?;
    let timeout = std::time::Duration::from_secs(acc.timeout_secs.clamp(1, 300) as u64);
    let auth = match acc.smtp_auth {
        SmtpAuthMode::None => SmtpAuth::None,
        SmtpAuthMode::PopBeforeSmtp => {
            SmtpAuth::PopBeforeSmtp(super::pop_login(db, secrets, acc, trust).await?)
        }
        SmtpAuthMode::XOAuth2 => {
            let b = super::account_bearer(db, secrets, acc, trust).await?;
            let user = [&acc.smtp_user, &acc.pop_user]
                .into_iter()
                .find(|u| !u.is_empty())
                .cloned()
                .unwrap_or(b.user);
            SmtpAuth::Bearer {
                mechanism: b.mechanism,
                user,
                token: b.token,
            }
        }
        SmtpAuthMode::Smtp => {
            let (user, password) = match &acc.smtp_password_sealed {
                Some(sealed) if !acc.smtp_user.is_empty() => (
                    acc.smtp_user.clone(),
                    secrets.open(crate::webmail::SMTP_SECRET_LABEL, sealed)?,
                ),
                _ => {
                    // The receiving login's user ID and password.
                    let (user, secret) = match acc.kind {
                        crate::entity::mail_accounts::Kind::Pop => {
                            let pop = super::pop_login(db, secrets, acc, trust).await?;
                            (pop.user, pop.auth.secret().to_owned())
                        }
                        crate::entity::mail_accounts::Kind::Imap => {
                            let l = crate::imap::login(db, secrets, acc, trust).await?;
                            (l.user, l.auth.secret().to_owned())
                        }
                    };
                    let user = if acc.smtp_user.is_empty() {
                        user
                    } else {
                        acc.smtp_user.clone()
                    };
                    (user, secret)
                }
            };
            SmtpAuth::Smtp {
                mechanism: acc.smtp_mechanism.into(),
                user,
                password,
            }
        }
    };
    Ok(mail::smtp::SmtpSettings {
        host: server.host,
        port: server.port,
        protection: server.protection,
        auth,
        timeout,
        trust: trust.clone(),
        helo_name: "tayori".into(),
    })
}

/// What a send did.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The copy in 送信済み (0: the server files it, or it was not filed).
    pub id: i64,
    /// The server's reply to the message.
    pub reply: String,
    /// Why the copy could not be put in 送信済み (IMAP), if it could not.
    pub not_filed: Option<String>,
}

/// Why a send failed, with the draft the message was kept in.
#[derive(Clone, Debug)]
pub struct NotSent {
    pub error: String,
    pub draft: i64,
}

/// 送信. Field errors come back as `Err`; a server that refuses gives
/// `Ok(Err(NotSent))` with its reply, the message kept in 下書き.
pub async fn send(
    src: &Source<'_>,
    secrets: &SecretBox,
    c: &Compose,
    trust: &mail::tls::Trust,
) -> Result<std::result::Result<Sent, NotSent>> {
    let db = src.db();
    let acc = src.account();
    let p = check(c, true, attachments_max(db).await?)?;
    let r = render(src, c, &p).await?;
    let raw = r.message.into_bytes();
    let rcpts: Vec<String> =
        p.to.iter()
            .chain(&p.cc)
            .chain(&p.bcc)
            .map(|m| m.addr.clone())
            .collect();
    let mut settings = smtp_settings(db, secrets, acc, trust).await?;
    let data = raw.clone();
    let from = acc.email.clone();
    // A refused access token is refreshed and tried once more.
    let opened = match mail::smtp::open(&settings, &mut |_| {}).await {
        Err(mail::smtp::SmtpError::TokenRefused { .. }) => {
            if let mail::smtp::SmtpAuth::Bearer { token, .. } = &mut settings.auth {
                let b = super::renewed_token(db, secrets, acc, trust, token).await?;
                *token = b.token;
            }
            match mail::smtp::open(&settings, &mut |_| {}).await {
                Err(e @ mail::smtp::SmtpError::TokenRefused { .. }) => {
                    return Err(super::refused_again(db, acc, &e.to_string()).await);
                }
                other => other,
            }
        }
        other => other,
    };
    let outcome = async {
        let mut s = opened?;
        let sent = s.send(&from, &rcpts, &data).await;
        let transcript = s.transcript().lines.clone();
        let _ = s.quit().await;
        Ok::<_, mail::smtp::SmtpError>((sent, transcript))
    }
    .await;
    let (result, lines) = match outcome {
        Ok((sent, lines)) => (sent.map_err(|e| e.to_string()), lines),
        Err(e) => (Err(e.to_string()), vec![format!("-- {e}")]),
    };
    if acc.log_send {
        let mut log = String::new();
        for l in lines.iter().rev() {
            if log.len() + l.len() + 1 > LOG_MAX {
                break;
            }
            log.insert_str(0, &format!("{l}\n"));
        }
        account::Entity::update_many()
            .col_expr(account::Column::SendLog, Expr::value(log))
            .filter(account::Column::Id.eq(acc.id))
            .exec(db)
            .await?;
    }
    match result {
        Ok(reply) => {
            // Sent is sent: a copy that cannot be filed (an IMAP server
            // refusing APPEND) is reported with the success.
            let (id, not_filed) = match src.file_sent(raw, c.draft).await {
                Ok(id) => (id, None),
                Err(e) if acc.kind == crate::entity::mail_accounts::Kind::Imap => {
                    tracing::warn!(account = acc.id, error = %e, "sent, but the copy was not filed");
                    (0, Some(e.to_string()))
                }
                Err(e) => return Err(e),
            };
            Ok(Ok(Sent {
                id,
                reply: reply.text(),
                not_filed,
            }))
        }
        Err(error) => {
            let draft = src.keep_draft(raw, c.draft).await?;
            Ok(Err(NotSent { error, draft }))
        }
    }
}

/// The compose form as posted, by the hydrated page or by a plain form:
/// the message (its `attachments` gathered by `submit`), the files it
/// carries and whether it is 送信 or 下書き保存.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub message: Compose,
    /// A message whose attachments come along (転送), attached whole or not.
    pub carry: i64,
    pub carry_whole: bool,
    /// Files uploaded for it (`uploads::put`).
    pub uploads: Vec<i64>,
    pub draft_only: bool,
}

/// What became of a posted message.
#[derive(Clone, Debug)]
pub enum Submitted {
    /// 下書き保存: the draft's ID.
    Draft(i64),
    Sent(Sent),
    /// The server refused it; it is kept in 下書き.
    NotSent(NotSent),
}

/// 送信 or 下書き保存 of the compose form: the files are gathered (carried
/// over and uploaded), the message goes out or into 下書き, and uploads
/// that are now in 送信済み are forgotten.
pub async fn submit(
    src: &Source<'_>,
    secrets: &SecretBox,
    trust: &mail::tls::Trust,
    user_id: i32,
    w: Written,
) -> Result<Submitted> {
    let mut c = w.message;
    c.attachments = attachments(src, user_id, w.carry, w.carry_whole, &w.uploads).await?;
    if w.draft_only {
        return Ok(Submitted::Draft(save_draft(src, &c).await?));
    }
    Ok(match send(src, secrets, &c, trust).await? {
        Ok(s) => {
            // The files are in the copy in 送信済み now.
            let _ = super::uploads::forget(src.db(), user_id, &w.uploads).await;
            Submitted::Sent(s)
        }
        Err(n) => Submitted::NotSent(n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lists_as_people_type_them() {
        let l = addresses(
            "to",
            "山田 <yamada@example.test>、bob@example.test; \"Sato, Ichiro\" <sato@example.test>\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = l
            .iter()
            .map(|m| (m.name.as_str(), m.addr.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("山田", "yamada@example.test"),
                ("", "bob@example.test"),
                ("Sato, Ichiro", "sato@example.test")
            ]
        );
        assert!(addresses("cc", "").unwrap().is_empty());
        let e = addresses("cc", "ok@example.test, broken@").unwrap_err();
        assert!(
            matches!(e, Error::Invalid(ref v) if v[0].field == "cc"),
            "{e:?}"
        );
        assert!(addresses("to", "a@example.test\r\nBcc: x@example.test").is_err());
    }
}
