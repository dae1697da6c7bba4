//! Server functions of 管理者設定 > メールサーバー設定.
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
    /// The registered OAuth認可サーバー, for XOAUTH2認証's select.
    pub oauth_servers: Vec<OAuthChoice>,
    pub oauth_server_id: Option<i32>,
    /// The sign-in of these settings, when there is one.
    pub oauth: Option<OAuthStatusDto>,
}

/// An OAuth認可サーバー as a select offers it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthChoice {
    pub id: i32,
    pub name: String,
    /// `microsoft`, `google` or `generic`: the presets pick by it.
    pub kind: String,
}

/// Who a setting or account is signed in as, and until when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthStatusDto {
    pub server_id: i32,
    pub signed_in_as: String,
    pub valid_until: Option<String>,
    pub needs_reauth: bool,
}

#[cfg(feature = "ssr")]
impl OAuthStatusDto {
    pub(crate) fn of(s: domain::oauth::grants::Status, tz: chrono_tz::Tz) -> Self {
        OAuthStatusDto {
            server_id: s.server_id,
            signed_in_as: s.signed_in_as,
            valid_until: s
                .access_until
                .map(|t| crate::api::webmail::imp::local_time(tz, Some(t))),
            needs_reauth: s.needs_reauth,
        }
    }
}

/// The servers XOAUTH2認証 may choose from.
#[cfg(feature = "ssr")]
pub(crate) async fn oauth_choices(
    db: &domain::DatabaseConnection,
) -> Result<Vec<OAuthChoice>, AppError> {
    Ok(done(domain::oauth::list(db).await)?
        .into_iter()
        .map(|v| OAuthChoice {
            id: v.id,
            name: v.name,
            kind: v.kind.as_str().to_owned(),
        })
        .collect())
}

#[cfg(feature = "ssr")]
impl MailServerDto {
    async fn load(
        v: domain::mailserver::View,
        state: &crate::server::state::AppState,
        scope: domain::mailserver::Scope,
    ) -> Result<Self, AppError> {
        let company = done(domain::company::get(&state.db).await)?;
        let updated_by = match v.updated_by {
            Some(id) => domain::users::get(&state.db, id)
                .await
                .map(|u| u.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let tz = crate::api::webmail::imp::zone(&state.db).await;
        let mut dto = Self::from_view(v, company.email.unwrap_or_default(), tz);
        dto.updated_by = updated_by;
        dto.oauth_servers = oauth_choices(&state.db).await?;
        dto.scope = scope.as_str().into();
        let owner = domain::oauth::grants::Owner::Settings(scope);
        dto.oauth = done(domain::oauth::grants::status(&state.db, owner).await)?
            .map(|s| OAuthStatusDto::of(s, tz));
        Ok(dto)
    }

    fn from_view(v: domain::mailserver::View, company_email: String, tz: chrono_tz::Tz) -> Self {
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
                .map(|t| crate::api::webmail::imp::local_time(tz, Some(t))),
            updated_by: String::new(),
            company_email,
            scope: String::new(),
            oauth_servers: Vec::new(),
            oauth_server_id: s.oauth_server_id,
            oauth: None,
        }
    }
}

#[server(prefix = "/api", endpoint = "get_mail_server", output = crate::api::codec::Json)]
pub async fn get_mail_server(#[server(default)] scope: String) -> Result<MailServerDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let scope = domain::mailserver::Scope::parse(&scope);
    let view = done(domain::mailserver::view_scoped(&state.db, scope).await)?;
    MailServerDto::load(view, &state, scope).await
}

/// The settings form as posted: every field as typed (the server checks
/// them). Both 保存 and 接続テスト take it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailServerForm {
    pub preset: String,
    pub pop_host: String,
    pub pop_port: String,
    pub pop_protection: String,
    pub pop_auth: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    pub auth_user: String,
    /// Empty: keep (or use) the stored one.
    pub password: String,
    pub timeout_secs: String,
    /// A checkbox: present when checked.
    pub notify_enabled: Option<String>,
    pub from_mode: String,
    pub from_custom: String,
    pub notify_charset: String,
    /// The OAuth認可サーバー of XOAUTH2認証.
    pub oauth_server_id: String,
    /// Which settings row: the admin's (empty) or ウェブメールの設定.
    pub scope: String,
}

#[cfg(feature = "ssr")]
impl From<MailServerForm> for domain::mailserver::Input {
    fn from(f: MailServerForm) -> Self {
        domain::mailserver::Input {
            notify_enabled: super::is_on(&f.notify_enabled),
            preset: f.preset,
            pop_host: f.pop_host,
            pop_port: f.pop_port,
            pop_protection: f.pop_protection,
            pop_auth: f.pop_auth,
            smtp_host: f.smtp_host,
            smtp_port: f.smtp_port,
            smtp_protection: f.smtp_protection,
            smtp_auth: f.smtp_auth,
            smtp_mechanism: f.smtp_mechanism,
            auth_user: f.auth_user,
            password: f.password,
            timeout_secs: f.timeout_secs,
            from_mode: f.from_mode,
            from_custom: f.from_custom,
            notify_charset: f.notify_charset,
            oauth_server_id: f.oauth_server_id,
        }
    }
}

#[server(prefix = "/api", endpoint = "save_mail_server", output = crate::api::codec::Json)]
pub async fn save_mail_server(
    #[server(flatten)] form: MailServerForm,
) -> Result<MailServerDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let scope = form.scope.clone();
    let input = domain::mailserver::Input::from(form);
    let scope = domain::mailserver::Scope::parse(&scope);
    let view = done(
        domain::mailserver::save_scoped(&state.db, &state.secrets, &caller.actor(), &input, scope)
            .await,
    )?;
    MailServerDto::load(view, &state, scope).await
}

/// 「テストメール送信」 with the saved settings: delivers a real message to
/// `to` and returns the server's reply.
#[server(prefix = "/api", endpoint = "send_test_mail", output = crate::api::codec::Json)]
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

/// 「接続テスト」 of the form's values (saved or not): one JSON line per step
/// as it happens, then the verdict with the field to change. `target`
/// "pop3" tests the receiving server, anything else the sending one. A
/// refused form (field errors, signed out) answers before any connection.
///
/// Server-side only: the page posts its form to this URL and reads the
/// lines itself (`browser::stream`), as a plain form post without
/// JavaScript does, so the browser bundle needs no client for it.
#[cfg(feature = "ssr")]
#[server(
    prefix = "/api",
    endpoint = "mail_server/test",
    output = leptos::server_fn::codec::StreamingText
)]
pub async fn connection_test(
    #[server(flatten)] form: MailServerForm,
    #[server(default)] target: String,
) -> Result<leptos::server_fn::codec::TextStream<AppError>, AppError> {
    use domain::mailserver::connection_test::{self, Target};
    use futures::StreamExt;
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let input = domain::mailserver::Input::from(form);
    let test = done(
        connection_test::prepare(
            &state.db,
            &state.secrets,
            &state.mail_trust,
            &input,
            Target::parse(&target),
        )
        .await,
    )?;
    crate::server::ndjson::answer();
    // Unbounded is bounded here: one line per step of one session (at most
    // a dozen) and the verdict, each from a client whose reads are bounded.
    let (tx, rx) = futures::channel::mpsc::unbounded::<String>();
    tokio::spawn(async move {
        let steps = tx.clone();
        let verdict = test
            .run(&mut move |s| {
                let _ = steps.unbounded_send(crate::server::ndjson::line(&step_json(&s)));
            })
            .await;
        let _ = tx.unbounded_send(crate::server::ndjson::line(&verdict_json(&verdict)));
    });
    Ok(leptos::server_fn::codec::TextStream::new(rx.map(Ok)))
}

/// One step as a line: what it was, whether it passed, when, and what the
/// server said.
#[cfg(feature = "ssr")]
fn step_json(s: &mail::diag::Step) -> serde_json::Value {
    serde_json::json!({
        "step": s.kind.as_str(),
        "ok": s.ok,
        "ms": s.elapsed_ms,
        "detail": s.detail,
    })
}

#[cfg(feature = "ssr")]
fn verdict_json(v: &domain::mailserver::connection_test::Verdict) -> serde_json::Value {
    use domain::mailserver::connection_test::Verdict;
    match v {
        Verdict::Pop3Ok {
            capabilities,
            recommend,
        } => {
            serde_json::json!({ "verdict": "ok", "capabilities": capabilities, "recommend": recommend })
        }
        Verdict::SmtpOk {
            mechanism,
            capabilities,
            recommend,
        } => serde_json::json!({
            "verdict": "ok",
            "mechanism": mechanism,
            "auth": capabilities.auth,
            "starttls": capabilities.starttls,
            "size": capabilities.size,
            "pipelining": capabilities.pipelining,
            "recommend": recommend,
        }),
        Verdict::Failed {
            advice,
            field,
            error,
            offered,
        } => serde_json::json!({
            "verdict": "fail",
            "advice": advice,
            "field": field,
            "error": error,
            "offered": offered,
        }),
    }
}
