//! 自動設定 for the forms (メールサーバー設定, ウェブメールのメールサーバー設定,
//! アカウントの追加): an address in, each source's step out as it ends,
//! then a proposal of the form's values. Nothing is saved here; the form
//! shows what was found and the administrator presses 保存.
use std::time::Duration;

use mail::autoconfig::Login;
use mail::discover::{self, Found, Step};
use mail::presets::Service;
use sea_orm::DatabaseConnection;

use crate::{Code, Error, Result};

/// Each lookup, request and probe.
const TIMEOUT: Duration = Duration::from_secs(5);

/// One server as the form takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposed {
    pub host: String,
    pub port: u16,
    /// `Protection::as_str`: none | ssl | starttls.
    pub protection: &'static str,
    /// The source says OAuth2 (and nothing this product logs in with
    /// otherwise): 認証方式 XOAUTH2.
    pub oauth: bool,
}

/// What a source found, for the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// preset | autoconfig | ispdb | srv | probe
    pub source: &'static str,
    pub origin: String,
    /// The preset to choose, when the source is one.
    pub preset: Option<&'static str>,
    pub pop3: Option<Proposed>,
    pub imap: Option<Proposed>,
    pub smtp: Option<Proposed>,
    /// The user ID the source names (the address, usually).
    pub username: String,
    /// Services the domain says it does not offer ("pop3", "imap", "smtp").
    pub not_offered: Vec<&'static str>,
    /// Hosts a third party named: confirmed by the administrator before a
    /// password is sent there.
    pub confirm_hosts: bool,
}

fn service_key(s: Service) -> &'static str {
    match s {
        Service::Pop3 => "pop3",
        Service::Imap => "imap",
        Service::Smtp => "smtp",
    }
}

fn proposed(found: &Found, service: Service) -> Option<Proposed> {
    let s = found.best(service)?;
    let usable = |l: &Login| matches!(l, Login::Password | Login::Encrypted | Login::None);
    Some(Proposed {
        host: s.host.clone(),
        port: s.port,
        protection: s.protection.as_str(),
        oauth: s.logins.contains(&Login::OAuth2) && !s.logins.iter().any(usable),
    })
}

impl Proposal {
    fn of(found: &Found) -> Self {
        let username = found
            .servers
            .iter()
            .map(|s| s.username.clone())
            .find(|u| !u.is_empty())
            .unwrap_or_default();
        Proposal {
            source: found.source.as_str(),
            origin: found.origin.clone(),
            preset: found.preset,
            pop3: proposed(found, Service::Pop3),
            imap: proposed(found, Service::Imap),
            smtp: proposed(found, Service::Smtp),
            username,
            not_offered: found.not_offered.iter().map(|s| service_key(*s)).collect(),
            confirm_hosts: found.confirm_hosts,
        }
    }
}

/// Checks the address before anything is looked up: a refusal names the
/// field `autoconfig_address`.
pub fn check_address(address: &str) -> Result<String> {
    let a = address.trim();
    if a.is_empty() {
        return Err(Error::field("autoconfig_address", Code::Required));
    }
    if a.len() > 254 || discover::domain_of(a).is_none() || !crate::validate::is_email(a) {
        return Err(Error::field("autoconfig_address", Code::InvalidEmail));
    }
    Ok(a.to_owned())
}

/// Runs every source for `address` (checked by [`check_address`]) as
/// ウェブメール設定 allows (ISPDB, plain http), calling `on_step` as each
/// ends. None when no source found a server.
pub async fn run(
    db: &DatabaseConnection,
    trust: &mail::tls::Trust,
    address: &str,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Option<Proposal>> {
    let s = crate::webmail::settings(db).await?;
    let opts = discover::Options {
        timeout: TIMEOUT,
        ispdb: s.autoconfig_ispdb,
        allow_http: s.autoconfig_http,
        ports: discover::Ports::default(),
        trust: trust.clone(),
    };
    Ok(discover::discover(address, &opts, on_step)
        .await
        .as_ref()
        .map(Proposal::of))
}
