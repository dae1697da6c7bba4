//! The two IMAP servers IMAP accounts may refer to, and their connection
//! test: ウェブメール > ウェブメールIMAPのメールサーバー設定 (scope
//! `webmail`) and 管理者設定 > メールサーバー設定（IMAP） (scope `admin`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, redirect_form_post, require};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapServerDto {
    /// "admin" or "webmail": which of the two servers.
    pub scope: String,
    pub host: String,
    pub port: String,
    pub protection: String,
    /// "standard" or "xoauth2".
    pub auth: String,
    pub oauth_server_id: String,
    pub timeout_secs: String,
    pub oauth_servers: Vec<super::mail_server::OAuthChoice>,
    /// When it was last saved (company time), empty before the first save.
    pub updated_at: String,
}

/// The form as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImapServerFields {
    pub host: String,
    pub port: String,
    pub protection: String,
    pub auth: String,
    pub oauth_server_id: String,
    pub timeout_secs: String,
}

#[cfg(feature = "ssr")]
impl From<ImapServerFields> for domain::imap::settings::Input {
    fn from(f: ImapServerFields) -> Self {
        domain::imap::settings::Input {
            host: f.host,
            port: f.port,
            protection: f.protection,
            auth: f.auth,
            oauth_server_id: f.oauth_server_id,
            timeout_secs: f.timeout_secs,
        }
    }
}

/// The stored server a scope names: `admin` is 管理者設定's, anything
/// else ウェブメールIMAP's.
#[cfg(feature = "ssr")]
fn shared(scope: &str) -> domain::imap::settings::Shared {
    use domain::imap::settings::Shared;
    if scope == "admin" {
        Shared::Admin
    } else {
        Shared::Webmail
    }
}

/// The page of a scope.
pub fn page_of(scope: &str) -> &'static str {
    if scope == "admin" {
        "/admin/mail-server/imap"
    } else {
        "/admin/webmail/imap-server"
    }
}

/// One step of the connection test, as the page lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDto {
    pub kind: String,
    pub ok: bool,
    pub detail: String,
}

#[server(prefix = "/api", endpoint = "imap_server", output = crate::api::codec::Json)]
pub async fn imap_server(#[server(default)] scope: String) -> Result<ImapServerDto, AppError> {
    use domain::imap::settings::server;
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let s = done(server(&state.db, shared(&scope)).await)?;
    let tz = crate::api::webmail::imp::zone(&state.db).await;
    Ok(ImapServerDto {
        scope: if scope == "admin" { "admin" } else { "webmail" }.into(),
        host: s.host,
        port: s.port.to_string(),
        protection: s.protection.as_str().into(),
        auth: if s.oauth { "xoauth2" } else { "standard" }.into(),
        oauth_server_id: s.oauth_server_id.map(|i| i.to_string()).unwrap_or_default(),
        timeout_secs: s.timeout_secs.to_string(),
        oauth_servers: super::mail_server::oauth_choices(&state.db).await?,
        updated_at: crate::api::webmail::imp::local_time(tz, s.updated_at),
    })
}

#[server(prefix = "/api", endpoint = "save_imap_server", output = crate::api::codec::Json)]
pub async fn save_imap_server(
    #[server(default)] scope: String,
    #[server(flatten)] fields: ImapServerFields,
) -> Result<(), AppError> {
    use domain::imap::settings::save;
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(save(&state.db, &caller.actor(), shared(&scope), &fields.into()).await)?;
    redirect_form_post(&format!("{}?saved=1", page_of(&scope)));
    Ok(())
}

/// 接続テスト with the fields as typed (and, to try a login, an account's
/// user ID and password, which are not kept).
#[server(prefix = "/api", endpoint = "test_imap_server", output = crate::api::codec::Json)]
pub async fn test_imap_server(
    #[server(flatten)] fields: ImapServerFields,
    #[server(default)] test_user: String,
    #[server(default)] test_password: String,
) -> Result<Vec<StepDto>, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let steps = done(
        domain::imap::settings::test(
            &fields.into(),
            &test_user,
            &test_password,
            &state.mail_trust,
        )
        .await,
    )?;
    Ok(steps
        .into_iter()
        .map(|s| StepDto {
            kind: s.kind.as_str().into(),
            ok: s.ok,
            detail: s.detail,
        })
        .collect())
}
