//! ウェブメール > 機能管理: who may use webmail, their accounts (the
//! アカウントの追加 form with its three server sources), the default
//! account, storage quotas and webmail's own settings.
//!
//! Accounts are managed by admins for anyone, and by users for themselves
//! when the admin allows it (ユーザーによるアカウント設定).
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
pub use crate::entity::mail_accounts::{Kind, Source};
use crate::mailbox::{self, Account, account};
use crate::mailserver::{Scope, SmtpAuthMode, check_host, check_port as port};
use crate::secrets::SecretBox;
use crate::users::entity as users;
use crate::validate::{Checks, is_email};
use crate::{Code, Error, Result};
use mail::presets::{Protection, SmtpMechanism};

pub mod csv;

pub use crate::entity::webmail_settings as settings;

pub(crate) const SMTP_SECRET_LABEL: &str = "mail_account.smtp_password";

pub use crate::entity::kinds::OwnServers;

/// ウェブメール設定.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Users may add and edit their own accounts.
    pub allow_user_edit: bool,
    /// Background receiving of every account, in minutes.
    pub receive_interval_min: u32,
    /// What the attachments of one message may add up to, in MB.
    pub attachment_max_mb: u32,
    /// Whether users may set their own servers, and which.
    pub own_servers: OwnServers,
    /// With `Listed`: host patterns (`*.example.co.jp` for its subdomains);
    /// empty means the hosts of 管理者設定 and ウェブメールのメールサーバー設定.
    pub allowed_hosts: Vec<String>,
    /// Users may send from an address other than their own.
    pub from_any: bool,
    /// 自動設定: the ISPDB-style database's base URL (empty: not asked).
    pub autoconfig_ispdb: String,
    /// 自動設定: autoconfig documents over plain http too.
    pub autoconfig_http: bool,
}

/// ウェブメール設定 as the form sends it.
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub allow_user_edit: bool,
    pub receive_interval_min: String,
    pub attachment_max_mb: String,
    /// any | listed | none (empty: listed).
    pub own_servers: String,
    /// Patterns separated by lines, spaces or commas.
    pub allowed_hosts: String,
    pub from_any: bool,
    pub autoconfig_ispdb: String,
    pub autoconfig_http: bool,
}

/// Host patterns a form may list.
const ALLOWED_HOSTS_MAX: usize = 100;

/// Whether `host` matches one of `patterns` (`*.example.co.jp` matches its
/// subdomains, anything else only itself; case does not matter).
pub fn host_allowed(patterns: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    patterns.iter().any(|p| match p.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => host == *p,
    })
}

/// The host patterns of a form, checked: each a host name, or `*.` and one.
fn host_patterns(c: &mut Checks, text: &str) -> Vec<String> {
    let patterns: Vec<String> = text
        .split(|ch: char| ch.is_whitespace() || ch == ',')
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    let valid = |p: &str| {
        let host = p.strip_prefix("*.").unwrap_or(p);
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|l| {
                !l.is_empty() && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            })
    };
    if patterns.len() > ALLOWED_HOSTS_MAX {
        c.push(
            "allowed_hosts",
            Code::TooMany {
                max: ALLOWED_HOSTS_MAX as u32,
            },
        );
    } else if !patterns.iter().all(|p| valid(p)) {
        c.push("allowed_hosts", Code::InvalidHost);
    }
    patterns
}

/// The attachment limit an admin may choose, in MB: mail servers commonly
/// refuse messages over 25–50 MB, and base64 adds a third on the way.
pub const ATTACHMENT_MAX_MB: u32 = 100;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_user_edit: true,
            receive_interval_min: 5,
            attachment_max_mb: 20,
            own_servers: OwnServers::Listed,
            allowed_hosts: Vec::new(),
            from_any: false,
            autoconfig_ispdb: String::new(),
            autoconfig_http: false,
        }
    }
}

impl Settings {
    pub fn attachment_max_bytes(&self) -> usize {
        (self.attachment_max_mb as usize) << 20
    }
}

pub async fn settings(db: &DatabaseConnection) -> Result<Settings> {
    Ok(match settings::Entity::find_by_id(1).one(db).await? {
        Some(m) => Settings {
            allow_user_edit: m.allow_user_edit,
            receive_interval_min: m.receive_interval_min.max(1) as u32,
            attachment_max_mb: m.attachment_max_mb.clamp(1, ATTACHMENT_MAX_MB as i32) as u32,
            own_servers: m.own_servers,
            allowed_hosts: m.allowed_hosts.lines().map(str::to_owned).collect(),
            from_any: m.from_any,
            autoconfig_ispdb: m.autoconfig_ispdb,
            autoconfig_http: m.autoconfig_http,
        },
        None => Settings::default(),
    })
}

/// The hosts users may set their own accounts to: the admin's list, else
/// the hosts of the two shared server settings.
async fn allowed_hosts(db: &DatabaseConnection, s: &Settings) -> Result<Vec<String>> {
    if !s.allowed_hosts.is_empty() {
        return Ok(s.allowed_hosts.clone());
    }
    let mut hosts = Vec::new();
    for scope in [Scope::Admin, Scope::Webmail] {
        let v = crate::mailserver::view_scoped(db, scope).await?.settings;
        hosts.extend(
            [v.pop_host, v.smtp_host]
                .into_iter()
                .filter(|h| !h.is_empty())
                .map(|h| h.to_ascii_lowercase()),
        );
    }
    Ok(hosts)
}

/// Whether the account form offers 個別に設定する to `who`: always to an
/// administrator, to a user unless ウェブメール設定 allows no servers of
/// their own (a choice the save would refuse is not shown).
pub async fn own_servers_offered(db: &DatabaseConnection, who: Who) -> Result<bool> {
    Ok(who.admin || settings(db).await?.own_servers != OwnServers::None)
}

/// What ウェブメール設定 lets a user choose on their own account: servers
/// of their own (and which hosts), and a From address other than their
/// own address or their receiving user ID.
async fn check_user_choices(
    db: &DatabaseConnection,
    owner: i32,
    input: &AccountInput,
) -> Result<()> {
    let s = settings(db).await?;
    let mut c = Checks::default();
    let hosts = match s.own_servers {
        OwnServers::Listed => allowed_hosts(db, &s).await?,
        _ => Vec::new(),
    };
    for (source_field, source, host_field, host) in [
        (
            "recv_source",
            &input.recv_source,
            "pop_host",
            &input.pop_host,
        ),
        (
            "send_source",
            &input.send_source,
            "smtp_host",
            &input.smtp_host,
        ),
    ] {
        if Source::parse(source.trim()) != Some(Source::Own) {
            continue;
        }
        let host = check_host(&mut Checks::default(), host_field, host, false);
        match s.own_servers {
            OwnServers::Any => {}
            OwnServers::None => c.push(source_field, Code::NotAllowed),
            OwnServers::Listed if !host.is_empty() && !host_allowed(&hosts, &host) => {
                c.push(host_field, Code::NotAllowed)
            }
            OwnServers::Listed => {}
        }
    }
    if !s.from_any {
        let u = user(db, owner).await?;
        let email = input.email.trim().to_ascii_lowercase();
        let own = [
            u.email.unwrap_or_default().trim().to_ascii_lowercase(),
            input.pop_user.trim().to_ascii_lowercase(),
        ];
        if !email.is_empty() && !own.contains(&email) {
            c.push("email", Code::NotAllowed);
        }
    }
    c.finish()
}

pub async fn save_settings(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &SettingsInput,
) -> Result<Settings> {
    let allow_user_edit = input.allow_user_edit;
    let receive_interval_min = input.receive_interval_min.as_str();
    let attachment_max_mb = input.attachment_max_mb.as_str();
    let mut c = Checks::default();
    let own_servers = match input.own_servers.trim() {
        "" => OwnServers::Listed,
        v => OwnServers::parse(v).unwrap_or_else(|| {
            c.push("own_servers", Code::Required);
            OwnServers::Listed
        }),
    };
    let allowed_hosts = host_patterns(&mut c, &input.allowed_hosts);
    let interval = match receive_interval_min.trim().parse::<u32>() {
        Ok(m) if (1..=1440).contains(&m) => m,
        _ => {
            c.push("receive_interval_min", Code::Range { min: 1, max: 1440 });
            5
        }
    };
    let max_mb = match attachment_max_mb.trim().parse::<u32>() {
        Ok(m) if (1..=ATTACHMENT_MAX_MB).contains(&m) => m,
        _ => {
            c.push(
                "attachment_max_mb",
                Code::Range {
                    min: 1,
                    max: ATTACHMENT_MAX_MB,
                },
            );
            20
        }
    };
    // An ISPDB over https (or http when plain http is allowed); empty: off.
    let ispdb = input.autoconfig_ispdb.trim().to_owned();
    if !ispdb.is_empty() {
        match url::Url::parse(&ispdb) {
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() => {}
            Ok(u) if u.scheme() == "http" && u.host_str().is_some() => {
                if !input.autoconfig_http {
                    c.push("autoconfig_ispdb", Code::HttpsRequired);
                }
            }
            _ => c.push("autoconfig_ispdb", Code::InvalidUrl),
        }
    }
    c.finish()?;
    let txn = crate::db::write(db).await?;
    let am = settings::ActiveModel {
        id: Set(1),
        allow_user_edit: Set(allow_user_edit),
        receive_interval_min: Set(interval as i32),
        attachment_max_mb: Set(max_mb as i32),
        own_servers: Set(own_servers),
        allowed_hosts: Set(allowed_hosts.join("\n")),
        from_any: Set(input.from_any),
        autoconfig_ispdb: Set(ispdb.clone()),
        autoconfig_http: Set(input.autoconfig_http),
        updated_at: Set(chrono::Utc::now()),
    };
    if settings::Entity::find_by_id(1).one(&txn).await?.is_some() {
        am.update(&txn).await?;
    } else {
        am.insert(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        "webmail.settings",
        "webmail_settings",
        &format!(
            "allow_user_edit={allow_user_edit} interval_min={interval} attachment_max_mb={max_mb} \
             own_servers={} allowed_hosts={} from_any={} autoconfig_ispdb={ispdb} autoconfig_http={}",
            own_servers.as_str(),
            allowed_hosts.join(","),
            input.from_any,
            input.autoconfig_http
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Settings {
        allow_user_edit,
        receive_interval_min: interval,
        attachment_max_mb: max_mb,
        own_servers,
        allowed_hosts,
        from_any: input.from_any,
        autoconfig_ispdb: ispdb,
        autoconfig_http: input.autoconfig_http,
    })
}

/// Who asks: a signed-in user, and whether they are an admin.
#[derive(Clone, Copy, Debug)]
pub struct Who {
    pub user_id: i32,
    pub admin: bool,
}

async fn user(db: &DatabaseConnection, id: i32) -> Result<crate::users::User> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// May `who` change the accounts of `owner`? Admins always; a user their
/// own, when webmail is enabled for them and the admin allows it.
pub async fn may_manage(db: &DatabaseConnection, who: Who, owner: i32) -> Result<()> {
    if who.admin {
        user(db, owner).await?;
        return Ok(());
    }
    if who.user_id != owner {
        return Err(Error::Forbidden);
    }
    let u = user(db, owner).await?;
    if !uses_mail(&u) || !settings(db).await?.allow_user_edit {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// The account, if `who` may see it (its owner with webmail enabled, or an
/// admin). Someone else's account is "not found", not "forbidden", so IDs
/// reveal nothing.
pub async fn account_for(db: &DatabaseConnection, who: Who, id: i32) -> Result<Account> {
    let a = account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if who.admin {
        return Ok(a);
    }
    if a.user_id != who.user_id {
        return Err(Error::NotFound);
    }
    if !uses_mail(&user(db, who.user_id).await?) {
        return Err(Error::Forbidden);
    }
    Ok(a)
}

/// A user's accounts, the default first, then by name.
pub async fn accounts_of(db: &DatabaseConnection, user_id: i32) -> Result<Vec<Account>> {
    Ok(account::Entity::find()
        .filter(account::Column::UserId.eq(user_id))
        .order_by_desc(account::Column::IsDefault)
        .order_by_asc(account::Column::Name)
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?)
}

/// One line of 個人アカウント設定 > アカウント設定.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user_id: i32,
    pub login_id: String,
    pub name: String,
    pub enabled: bool,
    /// ウェブメールIMAP allowed.
    pub imap: bool,
    /// The default account's name.
    pub account: Option<String>,
    pub accounts: usize,
    /// メール受信: the default account's last receive, or its error.
    pub last_received_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    pub quota_mb: Option<i32>,
}

/// The users of an organisation (None: everyone), by name.
pub async fn user_rows(db: &DatabaseConnection, org: Option<i32>) -> Result<Vec<UserRow>> {
    let mut q = users::Entity::find().filter(users::Column::Disabled.eq(false));
    if let Some(org) = org {
        q = q.filter(users::Column::OrganisationId.eq(org));
    }
    let people = q
        .order_by_asc(users::Column::Name)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = people.iter().map(|u| u.id).collect();
    let mut accounts: Vec<Account> = Vec::new();
    for chunk in ids.chunks(500) {
        accounts.extend(
            account::Entity::find()
                .filter(account::Column::UserId.is_in(chunk.to_vec()))
                .order_by_desc(account::Column::IsDefault)
                .order_by_asc(account::Column::Id)
                .all(db)
                .await?,
        );
    }
    // Grouped once: a page of many users must not scan every account for
    // each of them.
    let mut by_user: std::collections::HashMap<i32, Vec<&Account>> = Default::default();
    for a in &accounts {
        by_user.entry(a.user_id).or_default().push(a);
    }
    Ok(people
        .into_iter()
        .map(|u| {
            let mine = by_user.remove(&u.id).unwrap_or_default();
            let first = mine.first();
            UserRow {
                user_id: u.id,
                login_id: u.login_id,
                name: u.name,
                enabled: u.webmail_enabled,
                imap: u.imap_enabled,
                account: first.map(|a| a.name.clone()),
                accounts: mine.len(),
                last_received_at: first.and_then(|a| a.last_received_at),
                last_error: first.and_then(|a| a.last_error.clone()),
                quota_mb: u.mail_quota_mb,
            }
        })
        .collect())
}

/// 利用させる / 利用させない (ウェブメール) for the checked users.
pub async fn set_enabled(
    db: &DatabaseConnection,
    actor: &Actor,
    user_ids: &[i32],
    on: bool,
) -> Result<u64> {
    set_feature(db, actor, user_ids, Feature::Webmail, on).await
}

/// The webmail features 機能管理 allows user by user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// ウェブメール: POP accounts.
    Webmail,
    /// ウェブメールIMAP: IMAP accounts.
    Imap,
}

/// Whether a user may use the webmail at all (either feature).
pub fn uses_mail(u: &users::Model) -> bool {
    u.webmail_enabled || u.imap_enabled
}

/// 利用させる / 利用させない of `feature` for the checked users.
pub async fn set_feature(
    db: &DatabaseConnection,
    actor: &Actor,
    user_ids: &[i32],
    feature: Feature,
    on: bool,
) -> Result<u64> {
    if user_ids.is_empty() {
        return Err(Error::field("user_ids", Code::Required));
    }
    let txn = crate::db::write(db).await?;
    let mut n = 0;
    for chunk in user_ids.chunks(500) {
        let column = match feature {
            Feature::Webmail => users::Column::WebmailEnabled,
            Feature::Imap => users::Column::ImapEnabled,
        };
        n += users::Entity::update_many()
            .col_expr(column, Expr::value(on))
            .filter(users::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    audit::record(
        &txn,
        actor,
        match (feature, on) {
            (Feature::Webmail, true) => "webmail.enable",
            (Feature::Webmail, false) => "webmail.disable",
            (Feature::Imap, true) => "webmail_imap.enable",
            (Feature::Imap, false) => "webmail_imap.disable",
        },
        "users",
        &format!("{user_ids:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// The storage quota of a user in MB; empty = no limit.
pub async fn set_quota(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    quota_mb: &str,
) -> Result<Option<i32>> {
    let quota = match quota_mb.trim() {
        "" => None,
        v => match v.parse::<i32>() {
            Ok(q) if (1..=1_000_000).contains(&q) => Some(q),
            _ => {
                return Err(Error::field(
                    "quota_mb",
                    Code::Range {
                        min: 1,
                        max: 1_000_000,
                    },
                ));
            }
        },
    };
    user(db, user_id).await?;
    let txn = crate::db::write(db).await?;
    users::Entity::update_many()
        .col_expr(users::Column::MailQuotaMb, Expr::value(quota))
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "webmail.quota",
        &format!("users/{user_id}"),
        &format!("{quota:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(quota)
}

/// The account form as typed (every value a string, as posted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInput {
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub log_receive: bool,
    pub log_send: bool,
    /// admin | webmail | own
    pub recv_source: String,
    pub pop_host: String,
    pub pop_port: String,
    pub pop_protection: String,
    pub pop_user: String,
    /// Empty: keep the stored one.
    pub pop_password: String,
    /// standard | apop | xoauth2
    pub pop_auth: String,
    pub timeout_secs: String,
    pub leave_on_server: bool,
    /// Empty: keep forever.
    pub leave_days: String,
    /// 0 days confirmed: mail is deleted from the server right after it
    /// is received.
    #[serde(default)]
    pub delete_now_ok: bool,
    pub send_source: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_protection: String,
    /// none | pop-before-smtp | smtp | xoauth2
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    /// Empty: the receiving user ID and password.
    pub smtp_user: String,
    pub smtp_password: String,
    /// The OAuth認可サーバー of XOAUTH2 (receiving or sending).
    #[serde(default)]
    pub oauth_server_id: String,
    /// "pop" (ウェブメール, the default) or "imap" (ウェブメールIMAP).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub imap_host: String,
    #[serde(default)]
    pub imap_port: String,
    #[serde(default)]
    pub imap_protection: String,
    /// Folders (as shown) for sent mail, drafts and deleted mail; empty:
    /// found on the server.
    #[serde(default)]
    pub imap_sent: String,
    #[serde(default)]
    pub imap_drafts: String,
    #[serde(default)]
    pub imap_trash: String,
    /// The server files sent mail itself (Microsoft 365, Google).
    #[serde(default)]
    pub server_files_sent: bool,
}

impl AccountInput {
    /// The form of a stored account (passwords left empty: unchanged).
    pub fn of(a: &Account) -> Self {
        AccountInput {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            email: a.email.clone(),
            log_receive: a.log_receive,
            log_send: a.log_send,
            recv_source: a.recv_source.as_str().to_owned(),
            pop_host: a.pop_host.clone(),
            pop_port: a.pop_port.to_string(),
            pop_protection: a.pop_protection.as_str().into(),
            pop_user: a.pop_user.clone(),
            pop_password: String::new(),
            pop_auth: if a.pop_oauth {
                "xoauth2"
            } else if a.pop_apop {
                "apop"
            } else {
                "standard"
            }
            .into(),
            timeout_secs: a.timeout_secs.to_string(),
            leave_on_server: a.leave_on_server,
            // Saved with 0 days: confirmed when it was saved.
            delete_now_ok: a.leave_on_server && a.leave_days == Some(0),
            leave_days: a.leave_days.map(|d| d.to_string()).unwrap_or_default(),
            send_source: a.send_source.as_str().to_owned(),
            smtp_host: a.smtp_host.clone(),
            smtp_port: a.smtp_port.to_string(),
            smtp_protection: a.smtp_protection.as_str().into(),
            smtp_auth: a.smtp_auth.as_str().into(),
            smtp_mechanism: a.smtp_mechanism.as_str().into(),
            smtp_user: a.smtp_user.clone(),
            smtp_password: String::new(),
            oauth_server_id: a
                .oauth_server_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            kind: a.kind.as_str().into(),
            imap_host: a.imap_host.clone(),
            imap_port: a.imap_port.to_string(),
            imap_protection: a.imap_protection.as_str().into(),
            imap_sent: mail::imap::utf7::shown(&a.imap_sent),
            imap_drafts: mail::imap::utf7::shown(&a.imap_drafts),
            imap_trash: mail::imap::utf7::shown(&a.imap_trash),
            server_files_sent: a.server_files_sent,
        }
    }

    /// A new account's form: the admin's servers, standard login.
    pub fn new_default() -> Self {
        AccountInput {
            recv_source: "admin".into(),
            pop_port: "110".into(),
            pop_protection: "none".into(),
            pop_auth: "standard".into(),
            timeout_secs: "30".into(),
            send_source: "admin".into(),
            smtp_port: "587".into(),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            kind: "pop".into(),
            imap_port: "993".into(),
            imap_protection: "ssl".into(),
            ..Default::default()
        }
    }

    /// The form of a new account of `owner`: the defaults, with the
    /// owner's own name and work address (also as the POP3 user ID, which
    /// most servers take).
    pub fn new_for(owner: &crate::users::User) -> Self {
        let email = owner.email.clone().unwrap_or_default();
        AccountInput {
            display_name: owner.name.clone(),
            pop_user: email.clone(),
            email,
            ..AccountInput::new_default()
        }
    }
}

/// The form, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Valid {
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub recv_source: Source,
    pub pop_host: String,
    pub pop_port: u16,
    pub pop_protection: Protection,
    pub pop_user: String,
    pub pop_apop: bool,
    pub timeout_secs: u16,
    pub leave_days: Option<u16>,
    pub send_source: Source,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_protection: Protection,
    pub smtp_auth: SmtpAuthMode,
    pub smtp_mechanism: SmtpMechanism,
    pub smtp_user: String,
    /// 認証方式 XOAUTH2 for receiving.
    pub pop_oauth: bool,
    /// The OAuth認可サーバー, when receiving or sending uses XOAUTH2.
    pub oauth_server_id: Option<i32>,
    pub kind: Kind,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_protection: Protection,
    /// Wire names (modified UTF-7); empty: found on the server.
    pub imap_sent: String,
    pub imap_drafts: String,
    pub imap_trash: String,
    pub server_files_sent: bool,
}

fn source(c: &mut Checks, field: &'static str, v: &str) -> Source {
    Source::parse(v.trim()).unwrap_or_else(|| {
        c.push(field, Code::Required);
        Source::Admin
    })
}

fn protection(c: &mut Checks, field: &'static str, v: &str, pop: bool) -> Protection {
    match Protection::parse(v.trim()) {
        Some(Protection::StartTlsNoVerify) if pop => {
            c.push(field, Code::Unsupported);
            Protection::None
        }
        Some(p) => p,
        None => {
            c.push(field, Code::Required);
            Protection::None
        }
    }
}

fn credential(c: &mut Checks, field: &'static str, v: &str, required: bool) -> String {
    let v = v.trim().to_owned();
    if required && v.is_empty() {
        c.push(field, Code::Required);
    } else if v.chars().count() > 254 {
        c.push(field, Code::TooLong { max: 254 });
    } else if v.chars().any(char::is_control) {
        c.push(field, Code::InvalidChars);
    }
    v
}

/// Whether the receiving server or user ID of `a` differs from the form's.
fn receiving_moved(a: &Account, v: &Valid) -> bool {
    a.recv_source != v.recv_source
        || a.kind != v.kind
        || !a.pop_host.eq_ignore_ascii_case(&v.pop_host)
        || a.pop_port != i32::from(v.pop_port)
        || !a.imap_host.eq_ignore_ascii_case(&v.imap_host)
        || a.imap_port != i32::from(v.imap_port)
        || a.pop_user != v.pop_user
}

/// A folder name as typed, on the wire; empty stays empty.
fn folder_field(c: &mut Checks, field: &'static str, v: &str) -> String {
    let v = v.trim();
    if v.chars().count() > 200 {
        c.push(field, Code::TooLong { max: 200 });
    } else if v.chars().any(char::is_control) {
        c.push(field, Code::InvalidChars);
    }
    mail::imap::utf7::encode(v)
}

/// Whether the sending server or user ID of `a` differs from the form's.
fn sending_moved(a: &Account, v: &Valid) -> bool {
    a.send_source != v.send_source
        || !a.smtp_host.eq_ignore_ascii_case(&v.smtp_host)
        || a.smtp_port != i32::from(v.smtp_port)
        || a.smtp_user != v.smtp_user
}

/// Validates the form. `stored` is the account as saved (None for a new
/// one): a password left empty keeps its stored one only while the server
/// and user ID it was saved for stay the same.
pub fn check(i: &AccountInput, stored: Option<&Account>) -> Result<Valid> {
    let pop_password_stored = stored.is_some_and(|a| a.pop_password_sealed.is_some());
    let mut c = Checks::default();
    let name = c.text("name", &i.name, 100);
    let display_name = i.display_name.trim().to_owned();
    if display_name.chars().count() > 100 {
        c.push("display_name", Code::TooLong { max: 100 });
    } else if display_name.chars().any(char::is_control) {
        c.push("display_name", Code::InvalidChars);
    }
    let email = i.email.trim().to_owned();
    if email.is_empty() {
        c.push("email", Code::Required);
    } else if email.chars().count() > 254 || !is_email(&email) {
        c.push("email", Code::InvalidEmail);
    }

    let kind = match i.kind.trim() {
        "" => stored.map_or(Kind::Pop, |a| a.kind),
        "pop" => Kind::Pop,
        "imap" => Kind::Imap,
        _ => {
            c.push("kind", Code::Required);
            Kind::Pop
        }
    };
    if let Some(a) = stored
        && a.kind != kind
    {
        // The mail of a POP account is in Tayori's store, an IMAP
        // account's on the server: an account stays what it was made.
        c.push("kind", Code::NotAllowed);
    }
    let imap = kind == Kind::Imap;
    let recv_source = source(&mut c, "recv_source", &i.recv_source);
    let own = recv_source == Source::Own;
    let (imap_host, imap_port, imap_protection) = if own && imap {
        (
            check_host(&mut c, "imap_host", &i.imap_host, true),
            port(&mut c, "imap_port", &i.imap_port),
            protection(&mut c, "imap_protection", &i.imap_protection, false),
        )
    } else {
        (String::new(), 993, Protection::SslTls)
    };
    let (imap_sent, imap_drafts, imap_trash) = if imap {
        (
            folder_field(&mut c, "imap_sent", &i.imap_sent),
            folder_field(&mut c, "imap_drafts", &i.imap_drafts),
            folder_field(&mut c, "imap_trash", &i.imap_trash),
        )
    } else {
        Default::default()
    };
    let (pop_host, pop_port, pop_protection) = if own && !imap {
        (
            check_host(&mut c, "pop_host", &i.pop_host, true),
            port(&mut c, "pop_port", &i.pop_port),
            protection(&mut c, "pop_protection", &i.pop_protection, true),
        )
    } else {
        (String::new(), 110, Protection::None)
    };
    let pop_oauth = i.pop_auth.trim() == "xoauth2";
    // With XOAUTH2 the token names the mailbox: a user ID is optional (a
    // shared mailbox signed in by its delegate) and there is no password.
    let pop_user = credential(&mut c, "pop_user", &i.pop_user, !pop_oauth);
    if !pop_oauth {
        if i.pop_password.is_empty() && !pop_password_stored {
            c.push("pop_password", Code::Required);
        } else if i.pop_password.contains(['\r', '\n']) {
            c.push("pop_password", Code::InvalidChars);
        }
    }
    let pop_apop = match i.pop_auth.trim() {
        "" | "standard" | "xoauth2" => false,
        "apop" if !imap => true,
        _ => {
            c.push("pop_auth", Code::Required);
            false
        }
    };
    let timeout_secs = match i.timeout_secs.trim().parse::<u16>() {
        Ok(t) if (1..=300).contains(&t) => t,
        _ => {
            c.push("timeout_secs", Code::Range { min: 1, max: 300 });
            30
        }
    };
    let leave_days = match i.leave_days.trim() {
        "" => None,
        v => match v.parse::<u16>() {
            Ok(d) if d <= 3650 => Some(d),
            _ => {
                c.push("leave_days", Code::Range { min: 0, max: 3650 });
                None
            }
        },
    };
    if i.leave_on_server && leave_days == Some(0) && !i.delete_now_ok && i.kind != "imap" {
        c.push("leave_days", Code::ConfirmDeleteNow);
    }

    let send_source = source(&mut c, "send_source", &i.send_source);
    let (smtp_host, smtp_port, smtp_protection) = if send_source == Source::Own {
        (
            check_host(&mut c, "smtp_host", &i.smtp_host, true),
            port(&mut c, "smtp_port", &i.smtp_port),
            protection(&mut c, "smtp_protection", &i.smtp_protection, false),
        )
    } else {
        (String::new(), 587, Protection::StartTls)
    };
    let smtp_auth = match i.smtp_auth.trim() {
        "" => SmtpAuthMode::Smtp,
        a => match SmtpAuthMode::parse(a) {
            Some(mode) => mode,
            None => {
                c.push("smtp_auth", Code::Required);
                SmtpAuthMode::None
            }
        },
    };
    let smtp_mechanism = match i.smtp_mechanism.trim() {
        "" => SmtpMechanism::Standard,
        m => SmtpMechanism::parse(m).unwrap_or_else(|| {
            c.push("smtp_mechanism", Code::Required);
            SmtpMechanism::Standard
        }),
    };
    let smtp_user = credential(&mut c, "smtp_user", &i.smtp_user, false);
    if i.smtp_password.contains(['\r', '\n']) {
        c.push("smtp_password", Code::InvalidChars);
    }
    let oauth_server_id = if pop_oauth || smtp_auth == SmtpAuthMode::XOAuth2 {
        match i.oauth_server_id.trim().parse::<i32>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                c.push("oauth_server_id", Code::Required);
                None
            }
        }
    } else {
        None
    };
    let v = Valid {
        name,
        display_name,
        email,
        recv_source,
        pop_host,
        pop_port,
        pop_protection,
        pop_user,
        pop_apop,
        timeout_secs,
        leave_days,
        send_source,
        smtp_host,
        smtp_port,
        smtp_protection,
        smtp_auth,
        smtp_mechanism,
        smtp_user,
        pop_oauth,
        oauth_server_id,
        kind,
        imap_host,
        imap_port,
        imap_protection,
        imap_sent,
        imap_drafts,
        imap_trash,
        server_files_sent: imap && i.server_files_sent,
    };
    if let Some(a) = stored {
        let sending_moved = sending_moved(a, &v);
        // SMTP AUTH takes the receiving password unless the account has a
        // sending user ID and password of its own (`mailbox::send`).
        let own_smtp = !v.smtp_user.is_empty()
            && (!i.smtp_password.is_empty() || a.smtp_password_sealed.is_some());
        let pop_goes_to_smtp = v.smtp_auth == SmtpAuthMode::Smtp && !own_smtp;
        if i.pop_password.is_empty()
            && !v.pop_oauth
            && a.pop_password_sealed.is_some()
            && (receiving_moved(a, &v) || (sending_moved && pop_goes_to_smtp))
        {
            c.push("pop_password", Code::PasswordAgain);
        }
        if i.smtp_password.is_empty()
            && a.smtp_password_sealed.is_some()
            && !v.smtp_user.is_empty()
            && sending_moved
        {
            c.push("smtp_password", Code::PasswordAgain);
        }
    }
    c.finish()?;
    Ok(v)
}

/// Checks what needs the database: the name is the user's only one of that
/// name, and a shared server source has been set up.
async fn check_with_db<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: i32,
    id: Option<i32>,
    v: &Valid,
) -> Result<()> {
    let mut c = Checks::default();
    let mut same = account::Entity::find()
        .filter(account::Column::UserId.eq(user_id))
        .filter(account::Column::Name.eq(v.name.clone()));
    if let Some(id) = id {
        same = same.filter(account::Column::Id.ne(id));
    }
    if same.one(conn).await?.is_some() {
        c.push("name", Code::Duplicate);
    }
    if let Some(server) = v.oauth_server_id
        && crate::oauth::entity::Entity::find_by_id(server)
            .one(conn)
            .await?
            .is_none()
    {
        c.push("oauth_server_id", Code::NotFound);
    }
    let imap = v.kind == Kind::Imap;
    for (field, src, receiving) in [
        ("recv_source", v.recv_source, true),
        ("send_source", v.send_source, false),
    ] {
        let row_id = match (src, receiving && imap) {
            (Source::Own, _) => continue,
            (Source::Admin, _) => Scope::Admin.row(),
            (Source::Webmail, false) => Scope::Webmail.row(),
            // ウェブメールIMAPのメールサーバー設定.
            (Source::Webmail, true) => crate::imap::settings::WEBMAIL_ROW,
        };
        let row = crate::mailserver::entity::Entity::find_by_id(row_id)
            .one(conn)
            .await?;
        let set_up = row.is_some_and(|r| match (receiving, imap) {
            (true, false) => !r.pop_host.is_empty(),
            (true, true) => !r.imap_host.is_empty(),
            (false, _) => !r.smtp_host.is_empty(),
        });
        if !set_up {
            c.push(field, Code::NotConfigured);
        }
    }
    c.finish()
}

/// Adds (`id` None) or changes an account of `owner`. Passwords left empty
/// keep the stored ones. The first account becomes the default.
pub async fn save_account(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    actor: &Actor,
    who: Who,
    owner: i32,
    id: Option<i32>,
    input: &AccountInput,
) -> Result<Account> {
    may_manage(db, who, owner).await?;
    let txn = crate::db::write(db).await?;
    let existing = match id {
        Some(id) => Some(
            account::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|a| a.user_id == owner)
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    if !who.admin {
        check_user_choices(db, owner, input).await?;
    }
    let saved = save_in(&txn, secrets, actor, owner, existing, input).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Saves inside the caller's transaction (the CSV import saves a whole
/// file in one): validates, seals new passwords, writes the audit entry.
/// `existing` must belong to `owner`.
pub async fn save_in(
    txn: &sea_orm::DatabaseTransaction,
    secrets: &SecretBox,
    actor: &Actor,
    owner: i32,
    existing: Option<Account>,
    input: &AccountInput,
) -> Result<Account> {
    let id = existing.as_ref().map(|a| a.id);
    let v = check(input, existing.as_ref())?;
    check_with_db(txn, owner, id, &v).await?;
    // Passwords left empty stay only with the servers they were saved for
    // (`check` has refused the cases where one would then be missing).
    let pop_sealed = if input.pop_password.is_empty() {
        existing
            .as_ref()
            .filter(|a| !receiving_moved(a, &v))
            .and_then(|a| a.pop_password_sealed.clone())
    } else {
        Some(secrets.seal(mailbox::SECRET_LABEL, &input.pop_password)?)
    };
    let smtp_sealed = if input.smtp_password.is_empty() {
        existing
            .as_ref()
            .filter(|a| !sending_moved(a, &v))
            .and_then(|a| a.smtp_password_sealed.clone())
    } else {
        Some(secrets.seal(SMTP_SECRET_LABEL, &input.smtp_password)?)
    };
    let is_first = account::Entity::find()
        .filter(account::Column::UserId.eq(owner))
        .one(txn)
        .await?
        .is_none();
    let now = chrono::Utc::now();
    let mut am = match &existing {
        Some(a) => account::ActiveModel::from(a.clone()),
        None => account::ActiveModel {
            user_id: Set(owner),
            is_default: Set(is_first),
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.name = Set(v.name.clone());
    am.display_name = Set(v.display_name.clone());
    am.email = Set(v.email.clone());
    am.log_receive = Set(input.log_receive);
    am.log_send = Set(input.log_send);
    am.recv_source = Set(v.recv_source);
    am.pop_host = Set(v.pop_host.clone());
    am.pop_port = Set(v.pop_port.into());
    am.pop_protection = Set(v.pop_protection.into());
    am.pop_user = Set(v.pop_user.clone());
    am.pop_password_sealed = Set(pop_sealed);
    am.pop_apop = Set(v.pop_apop);
    am.timeout_secs = Set(v.timeout_secs.into());
    am.leave_on_server = Set(input.leave_on_server);
    am.leave_days = Set(v.leave_days.map(i32::from));
    am.send_source = Set(v.send_source);
    am.smtp_host = Set(v.smtp_host.clone());
    am.smtp_port = Set(v.smtp_port.into());
    am.smtp_protection = Set(v.smtp_protection.into());
    am.smtp_auth = Set(v.smtp_auth);
    am.smtp_mechanism = Set(v.smtp_mechanism.into());
    am.smtp_user = Set(v.smtp_user.clone());
    am.smtp_password_sealed = Set(smtp_sealed);
    am.pop_oauth = Set(v.pop_oauth);
    am.oauth_server_id = Set(v.oauth_server_id);
    am.kind = Set(v.kind);
    am.imap_host = Set(v.imap_host.clone());
    am.imap_port = Set(v.imap_port.into());
    am.imap_protection = Set(v.imap_protection.into());
    am.imap_sent = Set(v.imap_sent.clone());
    am.imap_drafts = Set(v.imap_drafts.clone());
    am.imap_trash = Set(v.imap_trash.clone());
    am.server_files_sent = Set(v.server_files_sent);
    am.updated_at = Set(now);
    if !input.log_receive {
        am.receive_log = Set(None);
    }
    if !input.log_send {
        am.send_log = Set(None);
    }
    let saved = if existing.is_some() {
        am.update(txn).await?
    } else {
        am.insert(txn).await?
    };
    // A sign-in holds for the server it was made at only.
    let owner_key = crate::oauth::grants::Owner::Account(saved.id);
    if crate::oauth::grants::server_of(txn, owner_key).await? != v.oauth_server_id {
        crate::oauth::grants::forget(txn, owner_key).await?;
    }
    audit::record(
        txn,
        actor,
        if existing.is_some() {
            "webmail.account.update"
        } else {
            "webmail.account.create"
        },
        &format!("mail_accounts/{}", saved.id),
        &format!(
            "user={owner} name={} recv={} send={} password_changed={}",
            saved.name,
            saved.recv_source.as_str(),
            saved.send_source.as_str(),
            !input.pop_password.is_empty() || !input.smtp_password.is_empty()
        ),
    )
    .await?;
    Ok(saved)
}

/// Deletes an account with the mail stored for it. When it was the default,
/// the user's oldest remaining account becomes the default.
pub async fn delete_account(
    db: &DatabaseConnection,
    actor: &Actor,
    who: Who,
    owner: i32,
    id: i32,
) -> Result<()> {
    may_manage(db, who, owner).await?;
    let txn = crate::db::write(db).await?;
    let a = account::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.user_id == owner)
        .ok_or(Error::NotFound)?;
    if a.receiving_until.is_some_and(|t| t > chrono::Utc::now()) {
        return Err(Error::Busy);
    }
    account::Entity::delete_by_id(id).exec(&txn).await?;
    if a.is_default
        && let Some(next) = account::Entity::find()
            .filter(account::Column::UserId.eq(owner))
            .order_by_asc(account::Column::Id)
            .one(&txn)
            .await?
    {
        account::Entity::update_many()
            .col_expr(account::Column::IsDefault, Expr::value(true))
            .filter(account::Column::Id.eq(next.id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        "webmail.account.delete",
        &format!("mail_accounts/{id}"),
        &format!("user={owner} name={}", a.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// 通常使用するアカウントの変更.
pub async fn set_default(db: &DatabaseConnection, who: Who, owner: i32, id: i32) -> Result<()> {
    if !(who.admin || who.user_id == owner) {
        return Err(Error::Forbidden);
    }
    let txn = crate::db::write(db).await?;
    account::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.user_id == owner)
        .ok_or(Error::NotFound)?;
    account::Entity::update_many()
        .col_expr(
            account::Column::IsDefault,
            sea_orm::sea_query::ExprTrait::eq(Expr::col(account::Column::Id), id),
        )
        .filter(account::Column::UserId.eq(owner))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The state of an account's receive, for the progress bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveState {
    pub running: bool,
    pub done: i32,
    pub total: i32,
    pub last_received_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
}

pub fn receive_state(a: &Account) -> ReceiveState {
    ReceiveState {
        running: a.receiving_until.is_some_and(|t| t > chrono::Utc::now()),
        done: a.progress_done,
        total: a.progress_total,
        last_received_at: a.last_received_at,
        last_error: a.last_error.clone(),
    }
}
