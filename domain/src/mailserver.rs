//! 管理者設定 > メールサーバー設定: receiving (POP3) and sending (SMTP) servers,
//! メール送信時の認証 and メール通知設定. One current row; the password is sealed
//! at rest and never leaves this module except into a mail session.
use mail::presets::{self, Protection, SmtpMechanism};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::audit::{self, Actor};
use crate::secrets::SecretBox;
use crate::validate::{Checks, is_email};
use crate::{Code, Result};

pub mod connection_test;

pub use crate::entity::mail_server_settings as entity;

/// Which settings row: the admin's メールサーバー設定 (also notification
/// mail), or ウェブメールのメールサーバー設定 that webmail accounts may use
/// instead. Same shape; webmail's has no credentials or notification part
/// (each account brings its own user ID and password).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    #[default]
    Admin,
    Webmail,
}

impl Scope {
    pub(crate) fn row(self) -> i32 {
        match self {
            Scope::Admin => 1,
            Scope::Webmail => 2,
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "webmail" {
            Scope::Webmail
        } else {
            Scope::Admin
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Webmail => "webmail",
        }
    }
}
const SECRET_LABEL: &str = "mail_server.auth_password";

use crate::entity::kinds::PopAuth;
pub use crate::entity::kinds::SmtpAuthMode;

/// Everything the form carries; strings as typed. An empty password means
/// "unchanged".
#[derive(Clone, Debug, Default)]
pub struct Input {
    pub preset: String,
    pub pop_host: String,
    pub pop_port: String,
    pub pop_protection: String,
    /// "standard" or "apop".
    pub pop_auth: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    pub auth_user: String,
    pub password: String,
    pub timeout_secs: String,
    pub notify_enabled: bool,
    /// "user", "company" or "custom".
    pub from_mode: String,
    pub from_custom: String,
    /// "utf-8" (default) or "iso-2022-jp".
    pub notify_charset: String,
    /// The OAuth認可サーバー of XOAUTH2認証 (its ID).
    pub oauth_server_id: String,
}

/// Checked values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub preset: String,
    pub pop_host: String,
    pub pop_port: u16,
    pub pop_protection: Protection,
    pub pop_apop: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_protection: Protection,
    pub smtp_auth: SmtpAuthMode,
    pub smtp_mechanism: SmtpMechanism,
    pub auth_user: String,
    pub timeout_secs: u16,
    pub notify_enabled: bool,
    pub from_mode: String,
    pub from_custom: String,
    /// "utf-8" (default) or "iso-2022-jp".
    pub notify_charset: String,
    /// The OAuth認可サーバー XOAUTH2認証 signs in with.
    pub oauth_server_id: Option<i32>,
}

/// What the screen shows: the settings, whether a password is stored, and
/// who changed them when.
#[derive(Clone, Debug)]
pub struct View {
    pub settings: Settings,
    pub password_set: bool,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub updated_by: Option<i32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            preset: "custom".into(),
            pop_host: String::new(),
            pop_port: 110,
            pop_protection: Protection::None,
            pop_apop: false,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_protection: Protection::StartTls,
            smtp_auth: SmtpAuthMode::Smtp,
            smtp_mechanism: SmtpMechanism::Standard,
            auth_user: String::new(),
            timeout_secs: 10,
            notify_enabled: false,
            from_mode: "company".into(),
            from_custom: String::new(),
            notify_charset: "utf-8".into(),
            oauth_server_id: None,
        }
    }
}

/// A host name or IP address as typed; a pasted URL is reduced to its host.
pub fn check_host(checks: &mut Checks, field: &'static str, value: &str, required: bool) -> String {
    let host = presets::host_from_input(value);
    if host.is_empty() {
        if required {
            checks.push(field, Code::Required);
        }
    } else if host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        checks.push(field, Code::InvalidHost);
    }
    host
}

pub(crate) fn check_port(checks: &mut Checks, field: &'static str, value: &str) -> u16 {
    match value.trim().parse::<u16>() {
        Ok(p) if p > 0 => p,
        _ if value.trim().is_empty() => {
            checks.push(field, Code::Required);
            0
        }
        _ => {
            checks.push(field, Code::InvalidPort);
            0
        }
    }
}

/// Splits `"表示名" <addr>`, `<addr>` or `addr` into its address.
pub fn address_of(from: &str) -> Option<&str> {
    let from = from.trim();
    if let Some(start) = from.rfind('<') {
        let rest = &from[start + 1..];
        let end = rest.find('>')?;
        if !rest[end + 1..].trim().is_empty() {
            return None;
        }
        Some(rest[..end].trim())
    } else {
        Some(from)
    }
}

/// Validates the form. `stored` is the settings a stored password was
/// saved with, if one is stored: an empty password field falls back to it
/// only while the servers and user ID are those.
pub fn check(input: &Input, stored: Option<&Settings>) -> Result<Settings> {
    check_scoped(input, stored, Scope::Admin)
}

/// 受信メールサーバー (the wizard's step ②) as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receiving {
    pub host: String,
    pub port: u16,
    pub protection: Protection,
    pub apop: bool,
}

fn receiving_fields(c: &mut Checks, input: &Input, host_required: bool) -> Receiving {
    let host = check_host(c, "pop_host", &input.pop_host, host_required);
    let port = if host.is_empty() && input.pop_port.trim().is_empty() {
        110
    } else {
        check_port(c, "pop_port", &input.pop_port)
    };
    let protection = Protection::parse(input.pop_protection.trim()).unwrap_or_else(|| {
        c.push("pop_protection", Code::Required);
        Protection::None
    });
    if protection == Protection::StartTlsNoVerify {
        c.push("pop_protection", Code::Unsupported);
    }
    Receiving {
        host,
        port,
        protection,
        apop: input.pop_auth.trim() == "apop",
    }
}

/// The receiving server's fields alone, for its 接続テスト on step ②:
/// what the later steps hold (sending server, user ID) is not asked for.
pub fn check_receiving(input: &Input) -> Result<Receiving> {
    let mut c = Checks::default();
    let r = receiving_fields(&mut c, input, true);
    c.finish()?;
    Ok(r)
}

/// Whether a password saved with `saved` may be used with `now`: the same
/// user ID at the same receiving and sending servers.
pub fn same_servers(saved: &Settings, now: &Settings) -> bool {
    saved.auth_user == now.auth_user
        && saved.smtp_host.eq_ignore_ascii_case(&now.smtp_host)
        && saved.smtp_port == now.smtp_port
        && saved.pop_host.eq_ignore_ascii_case(&now.pop_host)
        && saved.pop_port == now.pop_port
}

/// As `check`, for either settings row.
pub fn check_scoped(input: &Input, stored: Option<&Settings>, scope: Scope) -> Result<Settings> {
    let mut c = Checks::default();
    let preset = presets::preset(input.preset.trim()).unwrap_or_else(|| {
        c.push("preset", Code::NotFound);
        &presets::PRESETS[0]
    });
    let protection = |c: &mut Checks, field, v: &str| {
        Protection::parse(v).unwrap_or_else(|| {
            c.push(field, Code::Required);
            Protection::None
        })
    };
    let smtp_auth = SmtpAuthMode::parse(input.smtp_auth.trim()).unwrap_or_else(|| {
        c.push("smtp_auth", Code::Required);
        SmtpAuthMode::None
    });
    let pop_needed = smtp_auth == SmtpAuthMode::PopBeforeSmtp;
    let Receiving {
        host: pop_host,
        port: pop_port,
        protection: pop_protection,
        ..
    } = receiving_fields(&mut c, input, pop_needed);
    let smtp_host = check_host(&mut c, "smtp_host", &input.smtp_host, true);
    let smtp_port = check_port(&mut c, "smtp_port", &input.smtp_port);
    let smtp_protection = protection(&mut c, "smtp_protection", input.smtp_protection.trim());
    let smtp_mechanism = SmtpMechanism::parse(input.smtp_mechanism.trim()).unwrap_or_else(|| {
        c.push("smtp_mechanism", Code::Required);
        SmtpMechanism::Standard
    });
    let oauth_server_id = match smtp_auth {
        SmtpAuthMode::XOAuth2 => match input.oauth_server_id.trim().parse::<i32>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                c.push("oauth_server_id", Code::Required);
                None
            }
        },
        _ => None,
    };
    match smtp_auth {
        SmtpAuthMode::PopBeforeSmtp if !preset.pop_before_smtp => {
            c.push("smtp_auth", Code::Unsupported)
        }
        SmtpAuthMode::Smtp
            if smtp_mechanism != SmtpMechanism::Standard
                && !preset.smtp_mechanisms.is_empty()
                && !preset.smtp_mechanisms.contains(&smtp_mechanism) =>
        {
            c.push("smtp_mechanism", Code::Unsupported)
        }
        _ => {}
    }
    let needs_credentials = scope == Scope::Admin
        && matches!(smtp_auth, SmtpAuthMode::Smtp | SmtpAuthMode::PopBeforeSmtp);
    let auth_user = input.auth_user.trim().to_owned();
    if needs_credentials && auth_user.is_empty() {
        c.push("auth_user", Code::Required);
    } else if auth_user.chars().count() > 254 {
        c.push("auth_user", Code::TooLong { max: 254 });
    } else if auth_user.chars().any(char::is_control) {
        c.push("auth_user", Code::InvalidChars);
    }
    if needs_credentials && input.password.is_empty() {
        match stored {
            None => c.push("password", Code::Required),
            Some(saved)
                if saved.auth_user != auth_user
                    || !saved.smtp_host.eq_ignore_ascii_case(&smtp_host)
                    || saved.smtp_port != smtp_port
                    || !saved.pop_host.eq_ignore_ascii_case(&pop_host)
                    || saved.pop_port != pop_port =>
            {
                c.push("password", Code::PasswordAgain)
            }
            Some(_) => {}
        }
    } else if input.password.chars().any(|ch| ch == '\r' || ch == '\n') {
        c.push("password", Code::InvalidChars);
    }
    let timeout_secs = match input.timeout_secs.trim().parse::<u16>() {
        Ok(t) if (1..=300).contains(&t) => t,
        _ => {
            c.push("timeout_secs", Code::Range { min: 1, max: 300 });
            10
        }
    };
    let from_mode = match input.from_mode.trim() {
        "" if scope == Scope::Webmail => "company".to_owned(),
        m => m.to_owned(),
    };
    let from_custom = input.from_custom.trim().to_owned();
    match from_mode.as_str() {
        // A token proves one mailbox: another user's address as the
        // sender is refused by the server (SendAs is the mailbox's own).
        "user" if smtp_auth == SmtpAuthMode::XOAuth2 => c.push("from_mode", Code::Unsupported),
        "user" | "company" => {}
        "custom" => {
            if from_custom.is_empty() {
                c.push("from_custom", Code::Required);
            } else if from_custom.chars().any(char::is_control)
                || !address_of(&from_custom).is_some_and(is_email)
            {
                c.push("from_custom", Code::InvalidEmail);
            }
        }
        _ => c.push("from_mode", Code::Required),
    }
    let notify_charset = match input.notify_charset.trim() {
        "" => "utf-8".to_owned(),
        cs => match mail::compose::Charset::parse(cs) {
            Some(cs) => cs.as_str().to_owned(),
            None => {
                c.push("notify_charset", Code::Required);
                String::new()
            }
        },
    };
    c.finish()?;
    Ok(Settings {
        preset: preset.id.to_owned(),
        pop_host,
        pop_port,
        pop_protection,
        pop_apop: input.pop_auth.trim() == "apop",
        smtp_host,
        smtp_port,
        smtp_protection,
        smtp_auth,
        smtp_mechanism,
        auth_user,
        timeout_secs,
        notify_enabled: input.notify_enabled,
        from_mode,
        from_custom,
        notify_charset,
        oauth_server_id,
    })
}

fn to_settings(m: &entity::Model) -> Settings {
    Settings {
        preset: m.preset.clone(),
        pop_host: m.pop_host.clone(),
        pop_port: m.pop_port as u16,
        pop_protection: m.pop_protection.into(),
        pop_apop: m.pop_auth == PopAuth::Apop,
        smtp_host: m.smtp_host.clone(),
        smtp_port: m.smtp_port as u16,
        smtp_protection: m.smtp_protection.into(),
        smtp_auth: m.smtp_auth,
        smtp_mechanism: m.smtp_mechanism.into(),
        auth_user: m.auth_user.clone(),
        timeout_secs: m.timeout_secs as u16,
        notify_enabled: m.notify_enabled,
        from_mode: m.from_mode.clone(),
        from_custom: m.from_custom.clone(),
        notify_charset: m.notify_charset.clone(),
        oauth_server_id: m.oauth_server_id,
    }
}

async fn row(db: &DatabaseConnection, scope: Scope) -> Result<Option<entity::Model>> {
    Ok(entity::Entity::find_by_id(scope.row()).one(db).await?)
}

/// The settings for the screen (defaults before the first save).
pub async fn view(db: &DatabaseConnection) -> Result<View> {
    view_scoped(db, Scope::Admin).await
}

pub async fn view_scoped(db: &DatabaseConnection, scope: Scope) -> Result<View> {
    Ok(match row(db, scope).await? {
        Some(m) => View {
            settings: to_settings(&m),
            password_set: m.auth_password_sealed.is_some(),
            updated_at: Some(m.updated_at),
            updated_by: m.updated_by,
        },
        None => View {
            settings: Settings::default(),
            password_set: false,
            updated_at: None,
            updated_by: None,
        },
    })
}

/// The password to use with `settings`: the one typed now, else the
/// stored one if it was saved for these servers and user ID, else none.
pub async fn password_for(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    typed: &str,
    settings: &Settings,
) -> Result<String> {
    if !typed.is_empty() {
        return Ok(typed.to_owned());
    }
    match row(db, Scope::Admin).await? {
        Some(m) if same_servers(&to_settings(&m), settings) => match m.auth_password_sealed {
            Some(sealed) => secrets.open(SECRET_LABEL, &sealed),
            None => Ok(String::new()),
        },
        _ => Ok(String::new()),
    }
}

/// The settings a stored password of this row was saved with.
fn stored_with(m: &entity::Model) -> Option<Settings> {
    m.auth_password_sealed.as_ref().map(|_| to_settings(m))
}

pub async fn save(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    actor: &Actor,
    input: &Input,
) -> Result<View> {
    save_scoped(db, secrets, actor, input, Scope::Admin).await
}

pub async fn save_scoped(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    actor: &Actor,
    input: &Input,
    scope: Scope,
) -> Result<View> {
    let txn = crate::db::write(db).await?;
    let existing = entity::Entity::find_by_id(scope.row()).one(&txn).await?;
    let saved = existing.as_ref().and_then(stored_with);
    let s = check_scoped(input, saved.as_ref(), scope)?;
    if let Some(id) = s.oauth_server_id
        && crate::oauth::entity::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(crate::Error::field("oauth_server_id", Code::NotFound));
    }
    // A sign-in holds for the server it was made at only (the admin may
    // sign in before saving, so the grant's own server is what counts).
    let owner = crate::oauth::grants::Owner::Settings(scope);
    if crate::oauth::grants::server_of(&txn, owner).await? != s.oauth_server_id {
        crate::oauth::grants::forget(&txn, owner).await?;
    }
    // A password left empty stays only with the servers it was saved for.
    let sealed = if input.password.is_empty() {
        existing
            .as_ref()
            .and_then(|m| m.auth_password_sealed.clone())
            .filter(|_| saved.as_ref().is_some_and(|p| same_servers(p, &s)))
    } else {
        Some(secrets.seal(SECRET_LABEL, &input.password)?)
    };
    let now = chrono::Utc::now();
    let am = entity::ActiveModel {
        id: Set(scope.row()),
        preset: Set(s.preset.clone()),
        pop_host: Set(s.pop_host.clone()),
        pop_port: Set(s.pop_port.into()),
        pop_protection: Set(s.pop_protection.into()),
        pop_auth: Set(if s.pop_apop {
            PopAuth::Apop
        } else {
            PopAuth::Standard
        }),
        smtp_host: Set(s.smtp_host.clone()),
        smtp_port: Set(s.smtp_port.into()),
        smtp_protection: Set(s.smtp_protection.into()),
        smtp_auth: Set(s.smtp_auth),
        smtp_mechanism: Set(s.smtp_mechanism.into()),
        auth_user: Set(s.auth_user.clone()),
        auth_password_sealed: Set(sealed.clone()),
        timeout_secs: Set(s.timeout_secs.into()),
        notify_enabled: Set(s.notify_enabled),
        from_mode: Set(s.from_mode.clone()),
        from_custom: Set(s.from_custom.clone()),
        notify_charset: Set(s.notify_charset.clone()),
        oauth_server_id: Set(s.oauth_server_id),
        updated_at: Set(now),
        updated_by: Set(actor.user_id),
        // The IMAP server of this row is saved by its own screen.
        imap_host: Set(existing
            .as_ref()
            .map(|m| m.imap_host.clone())
            .unwrap_or_default()),
        imap_port: Set(existing.as_ref().map_or(993, |m| m.imap_port)),
        imap_protection: Set(existing
            .as_ref()
            .map_or(crate::entity::kinds::Protection::SslTls, |m| {
                m.imap_protection
            })),
        imap_oauth: Set(existing.as_ref().is_some_and(|m| m.imap_oauth)),
    };
    if existing.is_some() {
        am.update(&txn).await?;
    } else {
        am.insert(&txn).await?;
    }
    // The audit entry names what changed, never the password itself.
    audit::record(
        &txn,
        actor,
        match scope {
            Scope::Admin => "mail_server.save",
            Scope::Webmail => "webmail_server.save",
        },
        "mail_server_settings",
        &format!(
            "smtp={}:{} {} auth={} password_changed={}",
            s.smtp_host,
            s.smtp_port,
            s.smtp_protection.as_str(),
            s.smtp_auth.as_str(),
            !input.password.is_empty()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(View {
        settings: s,
        password_set: sealed.is_some(),
        updated_at: Some(now),
        updated_by: actor.user_id,
    })
}

/// The sender of notification mail as メール通知設定 says: the acting user's
/// work address, the company address (with the company name), or the
/// address the admin typed. None when the chosen one does not exist.
pub fn notification_from(
    s: &Settings,
    company: &crate::company::CompanyInfo,
    user: Option<(&str, Option<&str>)>,
) -> Option<mail::compose::Mailbox> {
    use mail::compose::Mailbox;
    let mb = match s.from_mode.as_str() {
        "custom" => {
            let addr = address_of(&s.from_custom)?.to_owned();
            let name = match s.from_custom.trim().rfind('<') {
                Some(i) => s.from_custom.trim()[..i]
                    .trim()
                    .trim_matches('"')
                    .to_owned(),
                None => String::new(),
            };
            Mailbox::new(name, addr)
        }
        "user" => {
            let (name, email) = user?;
            Mailbox::new(name, email?)
        }
        _ => Mailbox::new(company.name.clone(), company.email.clone()?),
    };
    (is_email(&mb.addr) && mail::compose::is_safe_address(&mb.addr)).then_some(mb)
}

/// 「テストメール送信」 with the saved settings: delivers a real message to
/// `to`, from the sender notification mail uses, rendered as notification
/// mail is (the charset of メール通知設定, ISO-2022-JP included), and
/// returns the server's reply. `user_email` is the acting user's work
/// address, for 「メール送信ユーザーの職場用メールアドレス」.
pub async fn send_test_mail(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    trust: &mail::tls::Trust,
    actor: &Actor,
    user_email: Option<&str>,
    to: &str,
) -> Result<String> {
    use crate::Error;
    let to = to.trim();
    if !is_email(to) || !mail::compose::is_safe_address(to) {
        return Err(Error::field("to", Code::InvalidEmail));
    }
    let view = view(db).await?;
    if view.updated_at.is_none() {
        return Err(Error::field("to", Code::NotFound));
    }
    let s = view.settings;
    let company = crate::company::get(db).await?;
    let from = notification_from(&s, &company, Some(("", user_email)))
        .ok_or_else(|| Error::field("from", Code::NoSender))?;
    let charset =
        mail::compose::Charset::parse(&s.notify_charset).unwrap_or(mail::compose::Charset::Utf8);
    let tz = crate::locale::time_zone(db).await?;
    let body = format!(
        "このメールは便りの「メールサーバー設定」から送信したテストメールです。\n\
         This is a test message sent from Tayori's mail server settings.\n\n\
         送信サーバー / server: {}:{}\n",
        s.smtp_host, s.smtp_port
    );
    let rendered = mail::compose::render(&mail::compose::Draft {
        from: &from,
        to: &mail::compose::Mailbox::new(String::new(), to),
        subject: "便り テストメール / Tayori test message",
        body: &body,
        date: chrono::Utc::now().with_timezone(&tz).fixed_offset(),
        charset,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let login = login_for(db, secrets, trust, Scope::Admin, "", &s).await?;
    let smtp = smtp_settings(&s, login, trust);
    let recipients = [to.to_owned()];
    let envelope = mail::smtp::Envelope {
        from: &from.addr,
        to: &recipients,
        data: rendered.message.as_bytes(),
    };
    let outcome = mail::smtp::session(&smtp, Some(envelope), &mut |_| {}).await?;
    audit::record(db, actor, "mail_server.test_mail", to, "").await?;
    Ok(outcome.accepted.map(|r| r.text()).unwrap_or_default())
}

/// What a setting logs in with: a password, or an OAuth access token.
#[derive(Clone, Debug)]
pub enum Login {
    Password(String),
    Bearer(crate::oauth::grants::Bearer),
}

/// The HTTP client of the OAuth flows, as trusting as the mail clients.
pub fn oauth_http(trust: &mail::tls::Trust, timeout_secs: u16) -> mail::oauth::Http {
    mail::oauth::Http {
        trust: trust.clone(),
        timeout: std::time::Duration::from_secs(timeout_secs.clamp(5, 60).into()),
    }
}

/// The login of `s` (the settings row `scope`): the password typed now or
/// stored for these servers, or for XOAUTH2認証 the setting's access token
/// (refreshed when it is about to expire).
pub async fn login_for(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    trust: &mail::tls::Trust,
    scope: Scope,
    typed: &str,
    s: &Settings,
) -> Result<Login> {
    if s.smtp_auth != SmtpAuthMode::XOAuth2 {
        return Ok(Login::Password(password_for(db, secrets, typed, s).await?));
    }
    let http = oauth_http(trust, s.timeout_secs);
    let owner = crate::oauth::grants::Owner::Settings(scope);
    Ok(Login::Bearer(
        crate::oauth::grants::access_token(db, secrets, &http, owner).await?,
    ))
}

/// Why notification mail cannot be sent now without trying: XOAUTH2認証
/// whose sign-in is missing or gone (再認証が必要). Such mail waits in the
/// outbox, using up none of its attempts, until the admin signs in.
pub async fn sending_held(db: &DatabaseConnection) -> Result<Option<crate::Code>> {
    let Some(m) = row(db, Scope::Admin).await? else {
        return Ok(None);
    };
    if m.smtp_auth != SmtpAuthMode::XOAuth2 {
        return Ok(None);
    }
    let owner = crate::oauth::grants::Owner::Settings(Scope::Admin);
    Ok(match crate::oauth::grants::status(db, owner).await? {
        Some(g) if !g.needs_reauth => None,
        _ => Some(crate::Code::NeedsReauth),
    })
}

/// After the SMTP server refused `smtp`'s access token: the same settings
/// with a refreshed token, or `None` when the grant is gone (it is then
/// marked 再認証が必要 and the caller holds its mail).
pub async fn renewed_after_refusal(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    smtp: &mail::smtp::SmtpSettings,
) -> Result<Option<mail::smtp::SmtpSettings>> {
    let mail::smtp::SmtpAuth::Bearer {
        mechanism,
        user,
        token,
    } = &smtp.auth
    else {
        return Ok(None);
    };
    let http = mail::oauth::Http {
        trust: smtp.trust.clone(),
        timeout: smtp.timeout,
    };
    let owner = crate::oauth::grants::Owner::Settings(Scope::Admin);
    match crate::oauth::grants::after_refusal(db, secrets, &http, owner, token).await {
        Ok(b) => {
            let mut renewed = smtp.clone();
            renewed.auth = mail::smtp::SmtpAuth::Bearer {
                mechanism: *mechanism,
                user: user.clone(),
                token: b.token,
            };
            Ok(Some(renewed))
        }
        Err(crate::Error::NeedsReauth) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The SMTP session these settings describe.
pub fn smtp_settings(
    s: &Settings,
    login: Login,
    trust: &mail::tls::Trust,
) -> mail::smtp::SmtpSettings {
    use mail::smtp::SmtpAuth;
    let timeout = std::time::Duration::from_secs(s.timeout_secs.into());
    let (password, bearer) = match login {
        Login::Password(p) => (p, None),
        Login::Bearer(b) => (String::new(), Some(b)),
    };
    let auth = match (s.smtp_auth, bearer) {
        (SmtpAuthMode::XOAuth2, Some(b)) => SmtpAuth::Bearer {
            mechanism: b.mechanism,
            // The ユーザーID when given (a shared mailbox signed in by its
            // delegate), else the mailbox the token was issued for.
            user: if s.auth_user.is_empty() {
                b.user
            } else {
                s.auth_user.clone()
            },
            token: b.token,
        },
        (SmtpAuthMode::None | SmtpAuthMode::XOAuth2, _) => SmtpAuth::None,
        (SmtpAuthMode::PopBeforeSmtp, _) => SmtpAuth::PopBeforeSmtp(mail::pop3::PopLogin {
            host: s.pop_host.clone(),
            port: s.pop_port,
            protection: s.pop_protection,
            user: s.auth_user.clone(),
            auth: mail::pop3::PopAuth::password(s.pop_apop, password),
            timeout,
            trust: trust.clone(),
        }),
        (SmtpAuthMode::Smtp, _) => SmtpAuth::Smtp {
            mechanism: s.smtp_mechanism,
            user: s.auth_user.clone(),
            password,
        },
    };
    mail::smtp::SmtpSettings {
        host: s.smtp_host.clone(),
        port: s.smtp_port,
        protection: s.smtp_protection,
        auth,
        timeout,
        trust: trust.clone(),
        helo_name: "tayori".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input {
            preset: "custom".into(),
            smtp_host: "https://Mail.Example.co.jp/login".into(),
            smtp_port: "587".into(),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            auth_user: "notice@example.co.jp".into(),
            password: "pw".into(),
            pop_protection: "none".into(),
            timeout_secs: "10".into(),
            from_mode: "custom".into(),
            from_custom: "\"デスクネッツ商事\" <desknets@example.com>".into(),
            ..Default::default()
        }
    }

    fn codes(i: &Input, stored: bool) -> Vec<(&'static str, Code)> {
        let saved = check(&input(), None).unwrap();
        match check(i, stored.then_some(&saved)) {
            Ok(_) => vec![],
            Err(crate::Error::Invalid(v)) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn pasted_url_becomes_host_and_from_forms_parse() {
        let s = check(&input(), None).unwrap();
        assert_eq!(s.smtp_host, "mail.example.co.jp");
        assert_eq!(
            address_of("\"表示名\" <a@example.com>"),
            Some("a@example.com")
        );
        assert_eq!(address_of("<a@example.com>"), Some("a@example.com"));
        assert_eq!(address_of("a@example.com"), Some("a@example.com"));
        assert_eq!(address_of("x <a@example.com> y"), None);
    }

    #[test]
    fn field_errors() {
        let mut i = input();
        i.smtp_port = "99999".into();
        i.from_custom = "nobody".into();
        i.password.clear();
        assert_eq!(
            codes(&i, false),
            vec![
                ("smtp_port", Code::InvalidPort),
                ("password", Code::Required),
                ("from_custom", Code::InvalidEmail)
            ]
        );
        assert!(
            !codes(&i, true).contains(&("password", Code::Required)),
            "stored password kept"
        );
    }

    /// A stored password goes only to the servers and user ID it was saved
    /// with: change any of them and it must be typed again.
    #[test]
    fn a_stored_password_stays_with_its_servers() {
        let mut i = input();
        i.password.clear();
        assert_eq!(codes(&i, true), vec![]);
        for change in [
            |i: &mut Input| i.smtp_host = "mail.elsewhere.test".into(),
            |i: &mut Input| i.smtp_port = "465".into(),
            |i: &mut Input| {
                i.pop_host = "pop.elsewhere.test".into();
                i.pop_port = "110".into();
            },
            |i: &mut Input| i.auth_user = "someone-else".into(),
        ] {
            let mut changed = i.clone();
            change(&mut changed);
            assert_eq!(
                codes(&changed, true),
                vec![("password", Code::PasswordAgain)],
                "{changed:?}"
            );
            changed.password = "typed again".into();
            assert_eq!(codes(&changed, true), vec![]);
        }
        let mut upper = i.clone();
        upper.smtp_host = "MAIL.EXAMPLE.CO.JP".into();
        assert_eq!(codes(&upper, true), vec![], "host names ignore case");
    }

    #[test]
    fn provider_limits_and_oauth() {
        let mut i = input();
        i.preset = "cybermail".into();
        i.smtp_mechanism = "cram-md5".into();
        assert_eq!(
            codes(&i, false),
            vec![("smtp_mechanism", Code::Unsupported)]
        );
        i.smtp_mechanism = "login".into();
        assert_eq!(codes(&i, false), vec![]);
        i.smtp_auth = "pop-before-smtp".into();
        i.pop_host = "example.cybermail.jp".into();
        i.pop_port = "110".into();
        assert_eq!(codes(&i, false), vec![("smtp_auth", Code::Unsupported)]);
        i.smtp_auth = "xoauth2".into();
        assert_eq!(codes(&i, false), vec![("oauth_server_id", Code::Required)]);
        i.oauth_server_id = "3".into();
        assert_eq!(codes(&i, false), vec![]);
        // A token proves one mailbox: not the acting user's address.
        i.from_mode = "user".into();
        assert_eq!(codes(&i, false), vec![("from_mode", Code::Unsupported)]);
    }
}
