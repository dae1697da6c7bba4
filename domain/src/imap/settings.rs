//! The IMAP servers accounts may refer to: the one of 管理者設定 (the
//! admin's settings row) and ウェブメールIMAPのメールサーバー設定 (a row of
//! its own), and which one an IMAP account uses.
use mail::presets::Protection;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::audit::{self, Actor};
use crate::entity::kinds;
use crate::entity::mail_accounts::Source;
use crate::mailbox::Account;
use crate::mailbox::servers::Server;
use crate::mailserver::entity;
use crate::validate::Checks;
use crate::{Code, Error, Result};

/// Which shared IMAP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shared {
    /// 管理者設定のメールサーバー設定.
    Admin,
    /// ウェブメールIMAPのメールサーバー設定.
    Webmail,
}

/// The settings row of ウェブメールIMAPのメールサーバー設定 (rows 1 and 2
/// are the admin's and the POP webmail's).
pub const WEBMAIL_ROW: i32 = 3;

impl Shared {
    fn row(self) -> i32 {
        match self {
            Shared::Admin => crate::mailserver::Scope::Admin.row(),
            Shared::Webmail => WEBMAIL_ROW,
        }
    }
}

/// A shared IMAP server as set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapServer {
    pub host: String,
    pub port: u16,
    pub protection: Protection,
    /// 認証方式 XOAUTH2: accounts sign in at `oauth_server_id`.
    pub oauth: bool,
    pub oauth_server_id: Option<i32>,
    pub timeout_secs: u16,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for ImapServer {
    fn default() -> Self {
        ImapServer {
            host: String::new(),
            port: 993,
            protection: Protection::SslTls,
            oauth: false,
            oauth_server_id: None,
            timeout_secs: 10,
            updated_at: None,
        }
    }
}

/// The form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Input {
    pub host: String,
    pub port: String,
    /// "none", "ssl", "starttls" or "starttls-noverify".
    pub protection: String,
    /// "standard" or "xoauth2".
    pub auth: String,
    pub oauth_server_id: String,
    pub timeout_secs: String,
}

/// The shared server `which` (defaults before the first save).
pub async fn server(db: &DatabaseConnection, which: Shared) -> Result<ImapServer> {
    Ok(
        match entity::Entity::find_by_id(which.row()).one(db).await? {
            Some(m) => ImapServer {
                host: m.imap_host,
                port: u16::try_from(m.imap_port).unwrap_or(993),
                protection: m.imap_protection.into(),
                oauth: m.imap_oauth,
                oauth_server_id: m.oauth_server_id,
                timeout_secs: u16::try_from(m.timeout_secs).unwrap_or(10),
                updated_at: Some(m.updated_at),
            },
            None => ImapServer::default(),
        },
    )
}

pub fn check(input: &Input) -> Result<ImapServer> {
    let mut c = Checks::default();
    let host = crate::mailserver::check_host(&mut c, "imap_host", &input.host, true);
    let protection = Protection::parse(&input.protection);
    if protection.is_none() {
        c.push("imap_protection", Code::Unsupported);
    }
    let protection = protection.unwrap_or(Protection::SslTls);
    let port = if input.port.trim().is_empty() {
        if protection == Protection::SslTls {
            993
        } else {
            143
        }
    } else {
        crate::mailserver::check_port(&mut c, "imap_port", &input.port)
    };
    let timeout_secs = match input.timeout_secs.trim() {
        "" => 10,
        t => match t.parse::<u16>() {
            Ok(n @ 1..=300) => n,
            _ => {
                c.push("timeout_secs", Code::Range { min: 1, max: 300 });
                10
            }
        },
    };
    let oauth = match input.auth.as_str() {
        "" | "standard" => false,
        "xoauth2" => true,
        _ => {
            c.push("imap_auth", Code::Unsupported);
            false
        }
    };
    let oauth_server_id = input.oauth_server_id.trim().parse::<i32>().ok();
    if oauth && oauth_server_id.is_none() {
        c.push("oauth_server_id", Code::OAuthFirst);
    }
    c.finish()?;
    Ok(ImapServer {
        host,
        port,
        protection,
        oauth,
        oauth_server_id: if oauth { oauth_server_id } else { None },
        timeout_secs,
        updated_at: None,
    })
}

/// Saves ウェブメールIMAPのメールサーバー設定 (or the admin row's IMAP
/// server), leaving the row's POP and SMTP part as it is.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    which: Shared,
    input: &Input,
) -> Result<ImapServer> {
    let s = check(input)?;
    let txn = crate::db::write(db).await?;
    if let Some(id) = s.oauth_server_id
        && crate::oauth::entity::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(Error::field("oauth_server_id", Code::NotFound));
    }
    let now = chrono::Utc::now();
    let existing = entity::Entity::find_by_id(which.row()).one(&txn).await?;
    let protection: kinds::Protection = s.protection.into();
    match existing {
        Some(m) => {
            let mut am: entity::ActiveModel = m.into();
            am.imap_host = Set(s.host.clone());
            am.imap_port = Set(s.port.into());
            am.imap_protection = Set(protection);
            am.imap_oauth = Set(s.oauth);
            if which == Shared::Webmail {
                // Row 3 is IMAP's alone: its server and timeout are these.
                am.oauth_server_id = Set(s.oauth_server_id);
                am.timeout_secs = Set(s.timeout_secs.into());
            }
            am.updated_at = Set(now);
            am.updated_by = Set(actor.user_id);
            am.update(&txn).await?;
        }
        None => {
            let d = crate::mailserver::Settings::default();
            entity::ActiveModel {
                id: Set(which.row()),
                preset: Set(d.preset),
                pop_host: Set(String::new()),
                pop_port: Set(d.pop_port.into()),
                pop_protection: Set(d.pop_protection.into()),
                pop_auth: Set(kinds::PopAuth::Standard),
                smtp_host: Set(String::new()),
                smtp_port: Set(d.smtp_port.into()),
                smtp_protection: Set(d.smtp_protection.into()),
                smtp_auth: Set(d.smtp_auth),
                smtp_mechanism: Set(d.smtp_mechanism.into()),
                auth_user: Set(String::new()),
                auth_password_sealed: Set(None),
                timeout_secs: Set(s.timeout_secs.into()),
                notify_enabled: Set(false),
                from_mode: Set(d.from_mode),
                from_custom: Set(String::new()),
                notify_charset: Set(d.notify_charset),
                updated_at: Set(now),
                updated_by: Set(actor.user_id),
                oauth_server_id: Set(s.oauth_server_id),
                imap_host: Set(s.host.clone()),
                imap_port: Set(s.port.into()),
                imap_protection: Set(protection),
                imap_oauth: Set(s.oauth),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        actor,
        "imap_server.save",
        "mail_server_settings",
        &format!(
            "imap={}:{} {} oauth={}",
            s.host,
            s.port,
            s.protection.as_str(),
            s.oauth
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(ImapServer {
        updated_at: Some(now),
        ..s
    })
}

/// The IMAP server an account uses: 管理者設定, ウェブメールIMAPの設定 or
/// its own. A shared one nobody has set up is `NotConfigured`.
pub async fn resolve(db: &DatabaseConnection, acc: &Account) -> Result<Server> {
    let which = match acc.recv_source {
        Source::Admin => Shared::Admin,
        Source::Webmail => Shared::Webmail,
        Source::Own => {
            return Ok(Server {
                host: acc.imap_host.clone(),
                port: u16::try_from(acc.imap_port).map_err(|_| {
                    Error::Internal(format!("account {}: port {}", acc.id, acc.imap_port))
                })?,
                protection: acc.imap_protection.into(),
            });
        }
    };
    let s = server(db, which).await?;
    if s.updated_at.is_none() || s.host.is_empty() {
        return Err(Error::NotConfigured);
    }
    Ok(Server {
        host: s.host,
        port: s.port,
        protection: s.protection,
    })
}

/// 「接続テスト」 of the server as typed: every step (DNS, TCP, TLS,
/// greeting, capabilities, STARTTLS, login), the login only when a user
/// ID is given (accounts bring their own). Nothing is saved.
pub async fn test(
    input: &Input,
    user: &str,
    password: &str,
    trust: &mail::tls::Trust,
) -> Result<Vec<mail::diag::Step>> {
    let s = check(input)?;
    let login = mail::imap::ImapLogin {
        host: s.host,
        port: s.port,
        protection: s.protection,
        user: user.trim().to_owned(),
        auth: mail::imap::ImapAuth::Password(password.to_owned()),
        timeout: std::time::Duration::from_secs(s.timeout_secs.into()),
        trust: trust.clone(),
    };
    let mut steps = Vec::new();
    let mut on_step = |st: mail::diag::Step| steps.push(st);
    // The steps say what failed; the error itself adds nothing to them.
    let _ = mail::imap::diagnose(&login, &mut on_step).await;
    Ok(steps)
}
