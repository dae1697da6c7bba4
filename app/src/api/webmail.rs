//! Server functions of ウェブメール: 機能管理 (admins), the account form
//! (admins, and users for themselves where allowed), 受信 with its progress,
//! and the receive/send logs.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Caller, Need, done, fail, redirect_form_post, require};

/// A stored receive failure: Tayori's own verdict as a code, worded by the
/// reader's catalogue, or a mail server's reply as the server wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    pub param: Option<u32>,
    pub text: String,
}

impl Problem {
    pub fn is_empty(&self) -> bool {
        self.code.is_empty() && self.text.is_empty()
    }
    pub fn words(&self, t: &crate::i18n::Catalogue) -> String {
        if self.code.is_empty() {
            self.text.clone()
        } else {
            t.field_error(&self.code, self.param)
        }
    }
    #[cfg(feature = "ssr")]
    fn of(stored: Option<&str>) -> Problem {
        match stored.map(domain::Stored::parse) {
            None => Problem::default(),
            Some(domain::Stored::Code { key, param }) => Problem {
                code: key.to_owned(),
                param,
                text: String::new(),
            },
            Some(domain::Stored::Text(text)) => Problem {
                text: text.to_owned(),
                ..Problem::default()
            },
        }
    }
}

/// One line of 個人アカウント設定 > アカウント設定.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRowDto {
    pub user_id: i32,
    pub login_id: String,
    pub name: String,
    pub enabled: bool,
    /// ウェブメールIMAP allowed.
    pub imap: bool,
    pub account: String,
    pub accounts: usize,
    /// メール受信: time of the last receive, or its error.
    pub last_received: String,
    pub last_error: Problem,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersDto {
    pub orgs: Vec<(i32, String)>,
    pub org: Option<i32>,
    pub users: Vec<UserRowDto>,
}

/// An account as lists show it (never a password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRowDto {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub server: String,
    pub is_default: bool,
    pub last_received: String,
    pub last_error: Problem,
}

/// A user's accounts, for the admin's or the user's own account page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccountsDto {
    pub user_id: i32,
    pub name: String,
    pub login_id: String,
    pub enabled: bool,
    pub quota_mb: String,
    pub used_bytes: i64,
    pub accounts: Vec<AccountRowDto>,
    /// The caller may add, change and delete these accounts.
    pub may_edit: bool,
    pub is_admin: bool,
}

/// The account form's values; passwords are never sent, only whether one
/// is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFormDto {
    pub id: Option<i32>,
    pub owner: i32,
    pub owner_name: String,
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub log_receive: bool,
    pub log_send: bool,
    pub recv_source: String,
    pub pop_host: String,
    pub pop_port: String,
    pub pop_protection: String,
    pub pop_user: String,
    pub pop_password_set: bool,
    pub pop_auth: String,
    pub timeout_secs: String,
    pub leave_on_server: bool,
    pub leave_days: String,
    /// サーバーに残す日数 0 is confirmed.
    pub delete_now_ok: bool,
    pub send_source: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    pub smtp_user: String,
    pub smtp_password_set: bool,
    /// Where the shared settings point, shown beside their choice.
    pub admin_pop: SharedServerDto,
    pub webmail_pop: SharedServerDto,
    pub admin_smtp: SharedServerDto,
    pub webmail_smtp: SharedServerDto,
    pub is_admin: bool,
    /// 個別に設定する is a choice (not when the admin allows none).
    pub own_offered: bool,
    /// The OAuth認可サーバー 認証方式 XOAUTH2 may choose from.
    pub oauth_servers: Vec<super::mail_server::OAuthChoice>,
    pub oauth_server_id: String,
    /// Who the account is signed in as, when it uses XOAUTH2.
    pub oauth: Option<super::mail_server::OAuthStatusDto>,
    /// "pop" (ウェブメール) or "imap" (ウェブメールIMAP).
    pub kind: String,
    /// Which kinds the owner may use (機能管理); an existing account's
    /// kind is fixed.
    pub pop_offered: bool,
    pub imap_offered: bool,
    pub imap_host: String,
    pub imap_port: String,
    pub imap_protection: String,
    pub imap_sent: String,
    pub imap_drafts: String,
    pub imap_trash: String,
    pub server_files_sent: bool,
    pub admin_imap: SharedServerDto,
    pub webmail_imap: SharedServerDto,
}

/// A shared server beside its choice in the account form: "host:port" and
/// the protection's code (empty when that row is not set up).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedServerDto {
    pub at: String,
    pub protection: String,
}

#[cfg(feature = "ssr")]
impl SharedServerDto {
    fn of(s: Option<domain::mailbox::servers::Server>) -> Self {
        s.map(|s| Self {
            at: format!("{}:{}", s.host, s.port),
            protection: s.protection.as_str().into(),
        })
        .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebmailSettingsDto {
    pub allow_user_edit: bool,
    pub receive_interval_min: u32,
    pub attachment_max_mb: u32,
    /// any | listed | none
    pub own_servers: String,
    /// One pattern per line.
    pub allowed_hosts: String,
    pub from_any: bool,
    /// 自動設定's ISPDB base URL (empty: not asked).
    pub autoconfig_ispdb: String,
    pub autoconfig_http: bool,
}

/// 受信: how far the account's receive is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveDto {
    pub running: bool,
    pub done: i32,
    pub total: i32,
    pub last_received: String,
    pub last_error: Problem,
}

/// The webmail's first screen: the accounts, the chosen one's state and its
/// newest messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailHomeDto {
    pub enabled: bool,
    pub accounts: Vec<AccountRowDto>,
    pub account: Option<i32>,
    pub state: ReceiveDto,
    pub may_edit: bool,
    pub used_bytes: i64,
    pub quota_mb: String,
    pub has_log: bool,
    /// The chosen account is read on its IMAP server: nothing to receive.
    pub imap: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLogDto {
    pub account: String,
    pub log_receive: bool,
    pub log_send: bool,
    pub receive_log: String,
    pub send_log: String,
}

/// What an import would do or did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDto {
    /// (line, login ID, 氏名, account name, address, updates an existing one)
    pub rows: Vec<(usize, String, String, String, String, bool)>,
    /// (line, column, code, param)
    pub errors: Vec<(usize, String, String, Option<u32>)>,
    pub added: usize,
    pub updated: usize,
    pub committed: bool,
}

/// メール索引の最適化.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexJobDto {
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub finished_at: String,
    pub error: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod imp {
    use super::*;
    use domain::webmail::Who;

    pub fn who(c: &Caller) -> Who {
        Who {
            user_id: c.user.id,
            admin: c.user.is_admin(),
        }
    }

    /// The installation's time zone, read once per request: every time
    /// on a page is shown in it.
    pub async fn zone(db: &domain::DatabaseConnection) -> chrono_tz::Tz {
        domain::locale::time_zone(db)
            .await
            .unwrap_or(chrono_tz::Asia::Tokyo)
    }

    pub fn local_time(tz: chrono_tz::Tz, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map(|t| t.with_timezone(&tz).format("%Y/%m/%d %H:%M").to_string())
            .unwrap_or_default()
    }

    pub async fn server_of(
        db: &domain::DatabaseConnection,
        a: &domain::mailbox::Account,
    ) -> String {
        use domain::mailbox::servers::{Direction, resolve};
        // A shared server nobody has set up yet shows as nothing.
        resolve(db, a, Direction::Receive)
            .await
            .map(|s| format!("{}:{}", s.host, s.port))
            .unwrap_or_default()
    }

    pub async fn row(
        db: &domain::DatabaseConnection,
        tz: chrono_tz::Tz,
        a: &domain::mailbox::Account,
    ) -> AccountRowDto {
        AccountRowDto {
            id: a.id,
            name: a.name.clone(),
            email: a.email.clone(),
            server: server_of(db, a).await,
            is_default: a.is_default,
            last_received: local_time(tz, a.last_received_at),
            last_error: Problem::of(a.last_error.as_deref()),
        }
    }

    /// Where a plain form post about `owner`'s accounts lands: the admin's
    /// page of that user, or the user's own アカウント設定.
    pub fn accounts_page(w: Who, owner: i32) -> String {
        if w.admin && owner != w.user_id {
            format!("/admin/webmail/users/{owner}")
        } else {
            "/mail/accounts".to_owned()
        }
    }

    pub fn receive_dto(tz: chrono_tz::Tz, a: &domain::mailbox::Account) -> ReceiveDto {
        let s = domain::webmail::receive_state(a);
        ReceiveDto {
            running: s.running,
            done: s.done,
            total: s.total,
            last_received: local_time(tz, s.last_received_at),
            last_error: Problem::of(s.last_error.as_deref()),
        }
    }
}

#[cfg(feature = "ssr")]
use super::is_on;
#[cfg(feature = "ssr")]
use imp::*;

#[server(prefix = "/api", endpoint = "webmail_users", output = crate::api::codec::Json)]
pub async fn webmail_users(#[server(default)] org: String) -> Result<UsersDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let org = org.trim().parse::<i32>().ok();
    let orgs = done(domain::orgs::list(&state.db).await)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let rows = done(domain::webmail::user_rows(&state.db, org).await)?;
    let tz = zone(&state.db).await;
    let mut users = Vec::with_capacity(rows.len());
    for r in rows {
        users.push(UserRowDto {
            user_id: r.user_id,
            login_id: r.login_id,
            name: r.name,
            enabled: r.enabled,
            imap: r.imap,
            account: r.account.unwrap_or_default(),
            accounts: r.accounts,
            last_received: local_time(tz, r.last_received_at),
            last_error: Problem::of(r.last_error.as_deref()),
        });
    }
    Ok(UsersDto { orgs, org, users })
}

/// 利用させる / 利用させない for the checked users (`user_ids[]`): `enable`
/// "on" / "off" for ウェブメール, "imap-on" / "imap-off" for ウェブメールIMAP.
#[server(prefix = "/api", endpoint = "webmail_enable", output = crate::api::codec::Json)]
pub async fn webmail_enable(
    #[server(default)] user_ids: Vec<i32>,
    #[server(default)] enable: String,
    #[server(default)] org: String,
) -> Result<u64, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    use domain::webmail::Feature;
    let (feature, on) = match enable.as_str() {
        "on" => (Feature::Webmail, true),
        "off" => (Feature::Webmail, false),
        "imap-on" => (Feature::Imap, true),
        "imap-off" => (Feature::Imap, false),
        _ => {
            return Err(fail(AppError::from(domain::Error::field(
                "enable",
                domain::Code::Unsupported,
            ))));
        }
    };
    let n = done(
        domain::webmail::set_feature(&state.db, &caller.actor(), &user_ids, feature, on).await,
    )?;
    redirect_form_post(&format!("/admin/webmail/users?org={org}"));
    Ok(n)
}

/// A user's accounts: the admin's view of anyone, a user's of themselves.
#[server(prefix = "/api", endpoint = "user_accounts", output = crate::api::codec::Json)]
pub async fn user_accounts(user_id: i32) -> Result<UserAccountsDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let w = who(&caller);
    if !w.admin && w.user_id != user_id {
        return Err(fail(AppError::NotFound));
    }
    let u = done(domain::users::get(&state.db, user_id).await)?;
    let may_edit = domain::webmail::may_manage(&state.db, w, user_id)
        .await
        .is_ok();
    let tz = zone(&state.db).await;
    let mut accounts = Vec::new();
    for a in done(domain::webmail::accounts_of(&state.db, user_id).await)? {
        accounts.push(row(&state.db, tz, &a).await);
    }
    Ok(UserAccountsDto {
        user_id,
        name: u.name,
        login_id: u.login_id,
        enabled: u.webmail_enabled,
        quota_mb: u.mail_quota_mb.map(|q| q.to_string()).unwrap_or_default(),
        used_bytes: done(domain::mailbox::usage(&state.db, user_id).await)?,
        accounts,
        may_edit,
        is_admin: w.admin,
    })
}

/// The account form: an existing account (`id`), or a new one for `owner`.
#[server(prefix = "/api", endpoint = "account_form", output = crate::api::codec::Json)]
pub async fn account_form(
    #[server(default)] id: Option<i32>,
    #[server(default)] owner: Option<i32>,
) -> Result<AccountFormDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let w = who(&caller);
    let tz = imp::zone(&state.db).await;
    let oauth = match id {
        Some(id) => done(
            domain::oauth::grants::status(&state.db, domain::oauth::grants::Owner::Account(id))
                .await,
        )?
        .map(|s| super::mail_server::OAuthStatusDto::of(s, tz)),
        None => None,
    };
    let (owner, input, pop_set, smtp_set) = match id {
        Some(id) => {
            let a = done(domain::webmail::account_for(&state.db, w, id).await)?;
            (
                a.user_id,
                Some(domain::webmail::AccountInput::of(&a)),
                a.pop_password_sealed.is_some(),
                a.smtp_password_sealed.is_some(),
            )
        }
        None => (owner.unwrap_or(w.user_id), None, false, false),
    };
    done(domain::webmail::may_manage(&state.db, w, owner).await)?;
    let owner_user = done(domain::users::get(&state.db, owner).await)?;
    let input = input.unwrap_or_else(|| domain::webmail::AccountInput::new_for(&owner_user));
    let shared = done(domain::mailbox::servers::shared_servers(&state.db).await)?;
    let own_offered = done(domain::webmail::own_servers_offered(&state.db, w).await)?;
    Ok(AccountFormDto {
        id,
        owner,
        owner_name: owner_user.name,
        name: input.name,
        display_name: input.display_name,
        email: input.email,
        log_receive: input.log_receive,
        log_send: input.log_send,
        recv_source: input.recv_source,
        pop_host: input.pop_host,
        pop_port: input.pop_port,
        pop_protection: input.pop_protection,
        pop_user: input.pop_user,
        pop_password_set: pop_set,
        pop_auth: input.pop_auth,
        timeout_secs: input.timeout_secs,
        leave_on_server: input.leave_on_server,
        leave_days: input.leave_days,
        delete_now_ok: input.delete_now_ok,
        send_source: input.send_source,
        smtp_host: input.smtp_host,
        smtp_port: input.smtp_port,
        smtp_protection: input.smtp_protection,
        smtp_auth: input.smtp_auth,
        smtp_mechanism: input.smtp_mechanism,
        smtp_user: input.smtp_user,
        smtp_password_set: smtp_set,
        admin_pop: SharedServerDto::of(shared.admin_pop),
        webmail_pop: SharedServerDto::of(shared.webmail_pop),
        admin_smtp: SharedServerDto::of(shared.admin_smtp),
        webmail_smtp: SharedServerDto::of(shared.webmail_smtp),
        is_admin: w.admin,
        own_offered,
        oauth_servers: super::mail_server::oauth_choices(&state.db).await?,
        oauth_server_id: input.oauth_server_id,
        oauth,
        pop_offered: owner_user.webmail_enabled,
        imap_offered: owner_user.imap_enabled,
        kind: if id.is_none() && !owner_user.webmail_enabled && owner_user.imap_enabled {
            "imap".into()
        } else {
            input.kind
        },
        imap_host: input.imap_host,
        imap_port: input.imap_port,
        imap_protection: input.imap_protection,
        imap_sent: input.imap_sent,
        imap_drafts: input.imap_drafts,
        imap_trash: input.imap_trash,
        server_files_sent: input.server_files_sent,
        admin_imap: SharedServerDto::of(shared.admin_imap),
        webmail_imap: SharedServerDto::of(shared.webmail_imap),
    })
}

/// The account form as posted: every field as typed (the server checks
/// them); checkboxes are present when checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountFields {
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub log_receive: Option<String>,
    pub log_send: Option<String>,
    pub recv_source: String,
    pub pop_host: String,
    pub pop_port: String,
    pub pop_protection: String,
    pub pop_user: String,
    pub pop_password: String,
    pub pop_auth: String,
    pub timeout_secs: String,
    pub leave_on_server: Option<String>,
    pub leave_days: String,
    pub delete_now_ok: Option<String>,
    pub send_source: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    pub smtp_user: String,
    pub smtp_password: String,
    pub oauth_server_id: String,
    pub kind: String,
    pub imap_host: String,
    pub imap_port: String,
    pub imap_protection: String,
    pub imap_sent: String,
    pub imap_drafts: String,
    pub imap_trash: String,
    pub server_files_sent: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<AccountFields> for domain::webmail::AccountInput {
    fn from(f: AccountFields) -> Self {
        domain::webmail::AccountInput {
            name: f.name,
            display_name: f.display_name,
            email: f.email,
            log_receive: is_on(&f.log_receive),
            log_send: is_on(&f.log_send),
            recv_source: f.recv_source,
            pop_host: f.pop_host,
            pop_port: f.pop_port,
            pop_protection: f.pop_protection,
            pop_user: f.pop_user,
            pop_password: f.pop_password,
            pop_auth: f.pop_auth,
            timeout_secs: f.timeout_secs,
            leave_on_server: is_on(&f.leave_on_server),
            leave_days: f.leave_days,
            delete_now_ok: is_on(&f.delete_now_ok),
            send_source: f.send_source,
            smtp_host: f.smtp_host,
            smtp_port: f.smtp_port,
            smtp_protection: f.smtp_protection,
            smtp_auth: f.smtp_auth,
            smtp_mechanism: f.smtp_mechanism,
            smtp_user: f.smtp_user,
            smtp_password: f.smtp_password,
            oauth_server_id: f.oauth_server_id,
            kind: f.kind,
            imap_host: f.imap_host,
            imap_port: f.imap_port,
            imap_protection: f.imap_protection,
            imap_sent: f.imap_sent,
            imap_drafts: f.imap_drafts,
            imap_trash: f.imap_trash,
            server_files_sent: is_on(&f.server_files_sent),
        }
    }
}

/// アカウントの追加 (no `id`) or the change of an account.
#[server(prefix = "/api", endpoint = "save_account", output = crate::api::codec::Json)]
pub async fn save_account(
    owner: i32,
    #[server(default)] id: Option<i32>,
    #[server(flatten)] form: AccountFields,
) -> Result<i32, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let input = domain::webmail::AccountInput::from(form);
    let w = who(&caller);
    let oauth = input.pop_auth == "xoauth2" || input.smtp_auth == "xoauth2";
    let saved = done(
        domain::webmail::save_account(
            &state.db,
            &state.secrets,
            &caller.actor(),
            w,
            owner,
            id,
            &input,
        )
        .await,
    )?;
    // A new XOAUTH2 account is signed in on its own page next (the
    // sign-in belongs to the saved account).
    if oauth && id.is_none() && owner == w.user_id {
        redirect_form_post(&format!("/mail/accounts/{}", saved.id));
    } else {
        redirect_form_post(&accounts_page(w, owner));
    }
    Ok(saved.id)
}

#[server(prefix = "/api", endpoint = "delete_account", output = crate::api::codec::Json)]
pub async fn delete_account(owner: i32, id: i32) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let w = who(&caller);
    done(domain::webmail::delete_account(&state.db, &caller.actor(), w, owner, id).await)?;
    redirect_form_post(&accounts_page(w, owner));
    Ok(())
}

/// 通常使用するアカウントの変更.
#[server(prefix = "/api", endpoint = "set_default_account", output = crate::api::codec::Json)]
pub async fn set_default_account(owner: i32, id: i32) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let w = who(&caller);
    done(domain::webmail::set_default(&state.db, w, owner, id).await)?;
    redirect_form_post(&accounts_page(w, owner));
    Ok(())
}

#[server(prefix = "/api", endpoint = "set_mail_quota", output = crate::api::codec::Json)]
pub async fn set_mail_quota(
    user_id: i32,
    #[server(default)] quota_mb: String,
) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::webmail::set_quota(&state.db, &caller.actor(), user_id, &quota_mb).await)?;
    redirect_form_post(&format!("/admin/webmail/users/{user_id}"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "get_webmail_settings", output = crate::api::codec::Json)]
pub async fn get_webmail_settings() -> Result<WebmailSettingsDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let s = done(domain::webmail::settings(&state.db).await)?;
    Ok(settings_dto(s))
}

#[cfg(feature = "ssr")]
fn settings_dto(s: domain::webmail::Settings) -> WebmailSettingsDto {
    WebmailSettingsDto {
        allow_user_edit: s.allow_user_edit,
        receive_interval_min: s.receive_interval_min,
        attachment_max_mb: s.attachment_max_mb,
        own_servers: s.own_servers.as_str().to_owned(),
        allowed_hosts: s.allowed_hosts.join("\n"),
        from_any: s.from_any,
        autoconfig_ispdb: s.autoconfig_ispdb,
        autoconfig_http: s.autoconfig_http,
    }
}

/// ウェブメール設定 as posted: checkboxes are present ("on") or absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebmailSettingsForm {
    pub allow_user_edit: Option<String>,
    pub receive_interval_min: String,
    pub attachment_max_mb: String,
    pub own_servers: String,
    pub allowed_hosts: String,
    pub from_any: Option<String>,
    pub autoconfig_ispdb: String,
    pub autoconfig_http: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<WebmailSettingsForm> for domain::webmail::SettingsInput {
    fn from(f: WebmailSettingsForm) -> Self {
        domain::webmail::SettingsInput {
            allow_user_edit: is_on(&f.allow_user_edit),
            receive_interval_min: f.receive_interval_min,
            attachment_max_mb: f.attachment_max_mb,
            own_servers: f.own_servers,
            allowed_hosts: f.allowed_hosts,
            from_any: is_on(&f.from_any),
            autoconfig_ispdb: f.autoconfig_ispdb,
            autoconfig_http: is_on(&f.autoconfig_http),
        }
    }
}

#[server(prefix = "/api", endpoint = "save_webmail_settings", output = crate::api::codec::Json)]
pub async fn save_webmail_settings(
    #[server(flatten)] form: WebmailSettingsForm,
) -> Result<WebmailSettingsDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::webmail::SettingsInput::from(form);
    let s = done(domain::webmail::save_settings(&state.db, &caller.actor(), &input).await)?;
    Ok(settings_dto(s))
}

/// The webmail's first screen for the caller: their accounts (the default
/// one unless `account` names another) and its newest messages.
#[server(prefix = "/api", endpoint = "mail_home", output = crate::api::codec::Json)]
pub async fn mail_home(#[server(default)] account: Option<i32>) -> Result<MailHomeDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let w = who(&caller);
    if !domain::webmail::uses_mail(&caller.user) {
        return Ok(MailHomeDto::default());
    }
    let mut all = done(domain::webmail::accounts_of(&state.db, w.user_id).await)?;
    // Only the kinds 機能管理 allows this user.
    all.retain(|a| match a.kind {
        domain::webmail::Kind::Pop => caller.user.webmail_enabled,
        domain::webmail::Kind::Imap => caller.user.imap_enabled,
    });
    let chosen = match account {
        Some(id) => Some(
            all.iter()
                .find(|a| a.id == id)
                .ok_or_else(|| fail(AppError::NotFound))?,
        ),
        None => all.first(),
    };
    let tz = zone(&state.db).await;
    let mut accounts = Vec::with_capacity(all.len());
    for a in &all {
        accounts.push(row(&state.db, tz, a).await);
    }
    let st = chosen.map(|a| receive_dto(tz, a)).unwrap_or_default();
    Ok(MailHomeDto {
        enabled: true,
        accounts,
        account: chosen.map(|a| a.id),
        state: st,
        may_edit: domain::webmail::may_manage(&state.db, w, w.user_id)
            .await
            .is_ok(),
        used_bytes: done(domain::mailbox::usage(&state.db, w.user_id).await)?,
        quota_mb: caller
            .user
            .mail_quota_mb
            .map(|q| q.to_string())
            .unwrap_or_default(),
        has_log: chosen.is_some_and(|a| a.log_receive || a.log_send),
        imap: chosen.is_some_and(|a| a.kind == domain::webmail::Kind::Imap),
    })
}

/// 「受信」: starts receiving the account now.
#[server(prefix = "/api", endpoint = "receive_now", output = crate::api::codec::Json)]
pub async fn receive_now(account: i32) -> Result<ReceiveDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let a = done(domain::webmail::account_for(&state.db, who(&caller), account).await)?;
    if a.user_id != caller.user.id {
        // Admins may look at others' accounts, not receive their mail.
        return Err(fail(AppError::NotFound));
    }
    if !caller.user.webmail_enabled {
        // Admins too receive only once webmail is enabled for them.
        return Err(fail(AppError::Forbidden));
    }
    state.background.receive(account).await;
    redirect_form_post(&format!("/mail?account={account}"));
    let mut dto = receive_dto(zone(&state.db).await, &a);
    dto.running = true;
    dto.done = 0;
    dto.total = 0;
    Ok(dto)
}

#[server(prefix = "/api", endpoint = "receive_status", output = crate::api::codec::Json)]
pub async fn receive_status(account: i32) -> Result<ReceiveDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let a = done(domain::webmail::account_for(&state.db, who(&caller), account).await)?;
    Ok(receive_dto(zone(&state.db).await, &a))
}

/// 受信時のログ / 送信時のログ: for the account's owner and admins.
#[server(prefix = "/api", endpoint = "account_log", output = crate::api::codec::Json)]
pub async fn account_log(id: i32) -> Result<AccountLogDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let a = done(domain::webmail::account_for(&state.db, who(&caller), id).await)?;
    Ok(AccountLogDto {
        account: a.name,
        log_receive: a.log_receive,
        log_send: a.log_send,
        receive_log: a.receive_log.unwrap_or_default(),
        send_log: a.send_log.unwrap_or_default(),
    })
}

/// アカウントのインポート: `data` is the file in base64; `commit` false
/// shows what would happen, true saves (all rows or none).
#[server(prefix = "/api", endpoint = "import_accounts", output = crate::api::codec::Json)]
pub async fn import_accounts(
    data: String,
    #[server(default)] encoding: String,
    #[server(default)] commit: bool,
) -> Result<ImportDto, AppError> {
    use base64::Engine;
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| {
            fail(AppError::Invalid(vec![crate::error::FieldErr {
                field: "file".into(),
                code: "required".into(),
                param: None,
            }]))
        })?;
    let o = done(
        domain::webmail::csv::import(
            &state.db,
            &state.secrets,
            &caller.actor(),
            &bytes,
            domain::webmail::csv::CsvEncoding::parse(&encoding),
            commit,
        )
        .await,
    )?;
    Ok(ImportDto {
        rows: o
            .rows
            .into_iter()
            .map(|r| (r.line, r.login_id, r.user_name, r.name, r.email, r.update))
            .collect(),
        errors: o
            .errors
            .into_iter()
            .map(|e| (e.line, e.column, e.code.key().to_owned(), e.code.param()))
            .collect(),
        added: o.added,
        updated: o.updated,
        committed: o.committed,
    })
}

/// Starts メール索引の最適化 (one job per process at a time).
#[server(prefix = "/api", endpoint = "optimize_index", output = crate::api::codec::Json)]
pub async fn optimize_index() -> Result<IndexJobDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    state.background.optimize_index(caller.actor());
    index_status().await
}

#[server(prefix = "/api", endpoint = "index_status", output = crate::api::codec::Json)]
pub async fn index_status() -> Result<IndexJobDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let s = state.background.index_status();
    Ok(IndexJobDto {
        running: s.running,
        done: s.done,
        total: s.total,
        finished_at: local_time(zone(&state.db).await, s.finished_at),
        error: s.error.unwrap_or_default(),
    })
}
