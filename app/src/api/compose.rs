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
    /// The form coming back to a plain post (without JavaScript): the
    /// files it had uploaded, and why it was not sent or saved.
    pub uploaded: Vec<UploadDto>,
    pub error: Option<AppError>,
    /// The sending server's refusal (the message is kept in `draft`).
    pub refused: String,
    /// Just saved as a draft by a plain post.
    pub saved: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDto {
    pub sent: bool,
    /// The server's reply (sent) or its refusal (not sent).
    pub reply: String,
    pub draft: i64,
    /// Sent, but its copy could not be put in 送信済み (an IMAP server
    /// refused APPEND).
    pub not_filed: bool,
}

/// The form for `mode`: "new", "reply", "reply_all", "forward" (inline),
/// "forward_attach" (as an attachment) or "draft" (`id` is the message).
#[server(prefix = "/api", endpoint = "compose_form", output = crate::api::codec::Json)]
pub async fn compose_form(
    account: i32,
    #[server(default)] mode: String,
    #[server(default)] id: i64,
) -> Result<ComposeDto, AppError> {
    use domain::mailbox::reply::{self, Mode};
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
    let src = done(domain::mailbox::source::open(state.imap_ctx(), caller.user.id, account).await)?;
    let mode = match Mode::parse(&mode) {
        Some(m) => m,
        None if id > 0 => return Err(fail(AppError::NotFound)),
        None => Mode::New,
    };
    let p = done(reply::prefill(&src, mode, id).await)?;
    let f = done(frame(&state, &src).await)?;
    Ok(ComposeDto {
        to: p.to,
        cc: p.cc,
        subject: p.subject,
        body: p.body,
        html: p.html,
        reply_to: p.reply_to,
        draft: p.draft,
        carry: p.carry,
        carry_whole: p.carry_whole,
        carried: p.carried,
        ..f
    })
}

/// What a compose form of the account shows in every mode: the sender,
/// completion and the attachment limit.
#[cfg(feature = "ssr")]
pub async fn frame(
    state: &crate::server::state::AppState,
    src: &domain::mailbox::source::Source<'_>,
) -> domain::Result<ComposeDto> {
    use domain::mailbox::source::MailSource;
    let acc = src.account();
    Ok(ComposeDto {
        account: acc.id,
        from: format!("{} <{}>", acc.display_name, acc.email),
        charset: "utf-8".into(),
        // Completion is a convenience: the form opens without it.
        book: domain::mailbox::reply::address_book(&state.db, acc.id)
            .await
            .unwrap_or_default(),
        max_mb: domain::webmail::settings(&state.db)
            .await?
            .attachment_max_mb,
        ..Default::default()
    })
}

/// A compose form posted without JavaScript that was neither sent nor
/// saved, given to the page's render so it shows again with what was
/// typed and why (the server's `/mail/send`).
#[derive(Clone, Debug)]
pub struct Posted(pub ComposeDto);

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

#[cfg(feature = "ssr")]
impl From<Outgoing> for domain::mailbox::send::Written {
    fn from(m: Outgoing) -> Self {
        use domain::mailbox::send::Compose;
        Self {
            message: Compose {
                to: m.to,
                cc: m.cc,
                bcc: m.bcc,
                subject: m.subject,
                body: m.body,
                html: m.html,
                charset: m.charset,
                attachments: Vec::new(),
                reply_to: (m.reply_to > 0).then_some(m.reply_to),
                draft: (m.draft > 0).then_some(m.draft),
            },
            carry: m.carry,
            carry_whole: m.carry_whole,
            uploads: m.uploads,
            draft_only: m.draft_only,
        }
    }
}

/// 送信 (`draft_only` false) or 下書き保存 (true).
// JSON: the uploads are a list, which a URL-encoded form carries poorly.
// The files themselves were uploaded one by one before (`/mail/upload`).
#[server(prefix = "/api", endpoint = "send_mail", input = leptos::server_fn::codec::Json, output = crate::api::codec::Json)]
pub async fn send_mail(
    account: i32,
    #[server(flatten)] message: Outgoing,
) -> Result<SendDto, AppError> {
    use domain::mailbox::send::{self, Submitted};
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let src = done(domain::mailbox::source::open(state.imap_ctx(), caller.user.id, account).await)?;
    let r = send::submit(
        &src,
        &state.secrets,
        &state.mail_trust,
        caller.user.id,
        message.into(),
    );
    Ok(match done(r.await)? {
        Submitted::Draft(id) => SendDto {
            draft: id,
            ..Default::default()
        },
        Submitted::Sent(s) => SendDto {
            sent: true,
            reply: s.reply,
            draft: 0,
            not_filed: s.not_filed.is_some(),
        },
        Submitted::NotSent(n) => SendDto {
            sent: false,
            reply: n.error,
            draft: n.draft,
            not_filed: false,
        },
    })
}
