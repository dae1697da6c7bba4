//! Server functions of 管理者設定 > メールサーバー設定.
// A server function's arguments are its form's fields, one per input.
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

/// The settings as the form shows them. The password never leaves the
/// server: `password_set` says whether one is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailServerDto {
    pub preset: String,
    pub pop_host: String,
    pub pop_port: u16,
    pub pop_protection: String,
    pub pop_apop: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    pub auth_user: String,
    pub password_set: bool,
    pub timeout_secs: u16,
    pub notify_enabled: bool,
    pub from_mode: String,
    pub from_custom: String,
    pub notify_charset: String,
    /// Never saved yet: the wizard walks through the steps.
    pub first_time: bool,
    pub updated_at: Option<String>,
    /// 氏名 of who saved last.
    pub updated_by: String,
    pub company_email: String,
    /// "admin" (メールサーバー設定) or "webmail" (ウェブメールのメールサーバー設定).
    pub scope: String,
}

#[cfg(feature = "ssr")]
impl MailServerDto {
    async fn load(
        v: domain::mailserver::View,
        state: &crate::server::state::AppState,
    ) -> Result<Self, AppError> {
        let company = done(domain::company::get(&state.db).await)?;
        let updated_by = match v.updated_by {
            Some(id) => domain::users::get(&state.db, id)
                .await
                .map(|u| u.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let mut dto = Self::from_view(v, company.email.unwrap_or_default());
        dto.updated_by = updated_by;
        Ok(dto)
    }

    fn from_view(v: domain::mailserver::View, company_email: String) -> Self {
        let s = v.settings;
        MailServerDto {
            preset: s.preset,
            pop_host: s.pop_host,
            pop_port: s.pop_port,
            pop_protection: s.pop_protection.as_str().into(),
            pop_apop: s.pop_apop,
            smtp_host: s.smtp_host,
            smtp_port: s.smtp_port,
            smtp_protection: s.smtp_protection.as_str().into(),
            smtp_auth: s.smtp_auth.as_str().into(),
            smtp_mechanism: s.smtp_mechanism.as_str().into(),
            auth_user: s.auth_user,
            password_set: v.password_set,
            timeout_secs: s.timeout_secs,
            notify_enabled: s.notify_enabled,
            from_mode: s.from_mode,
            from_custom: s.from_custom,
            notify_charset: s.notify_charset,
            first_time: v.updated_at.is_none(),
            updated_at: v
                .updated_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            updated_by: String::new(),
            company_email,
            scope: String::new(),
        }
    }
}

#[server(prefix = "/api", endpoint = "get_mail_server")]
pub async fn get_mail_server(#[server(default)] scope: String) -> Result<MailServerDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let scope = domain::mailserver::Scope::parse(&scope);
    let view = done(domain::mailserver::view_scoped(&state.db, scope).await)?;
    let mut dto = MailServerDto::load(view, &state).await?;
    dto.scope = scope.as_str().into();
    Ok(dto)
}

#[server(prefix = "/api", endpoint = "save_mail_server")]
pub async fn save_mail_server(
    preset: String,
    pop_host: String,
    pop_port: String,
    pop_protection: String,
    pop_auth: String,
    smtp_host: String,
    smtp_port: String,
    smtp_protection: String,
    smtp_auth: String,
    smtp_mechanism: String,
    auth_user: String,
    password: String,
    timeout_secs: String,
    notify_enabled: Option<String>,
    from_mode: String,
    from_custom: String,
    #[server(default)] notify_charset: String,
    #[server(default)] scope: String,
) -> Result<MailServerDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::mailserver::Input {
        preset,
        pop_host,
        pop_port,
        pop_protection,
        pop_auth,
        smtp_host,
        smtp_port,
        smtp_protection,
        smtp_auth,
        smtp_mechanism,
        auth_user,
        password,
        timeout_secs,
        notify_enabled: super::is_on(&notify_enabled),
        from_mode,
        from_custom,
        notify_charset,
    };
    let scope = domain::mailserver::Scope::parse(&scope);
    let view = done(
        domain::mailserver::save_scoped(&state.db, &state.secrets, &caller.actor(), &input, scope)
            .await,
    )?;
    let mut dto = MailServerDto::load(view, &state).await?;
    dto.scope = scope.as_str().into();
    Ok(dto)
}

/// 「テストメール送信」 with the saved settings: delivers a real message to
/// `to` and returns the server's reply.
#[server(prefix = "/api", endpoint = "send_test_mail")]
pub async fn send_test_mail(to: String) -> Result<String, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(
        domain::mailserver::send_test_mail(
            &state.db,
            &state.secrets,
            &state.mail_trust,
            &caller.actor(),
            caller.user.email.as_deref(),
            &to,
        )
        .await,
    )
}
