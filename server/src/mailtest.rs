//! 「接続テスト」: runs a real SMTP session with the values on screen (saved or
//! not) and streams each step to the browser as one JSON line, ending with a
//! verdict that names the field to change.
use std::collections::HashMap;
use std::convert::Infallible;

use app::server::auth::{SESSION_COOKIE, cookie};
use app::server::state::AppState;
use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::mailserver::{self, Input};
use http::{HeaderMap, StatusCode, header};
use mail::diag::{Step, StepKind};
use mail::net::NetError;
use mail::pop3::Pop3Error;
use mail::presets::Protection;
use mail::smtp::{self, SmtpError};
use mail::tls::TlsError;
use serde_json::json;

pub fn input_from_form(f: &HashMap<String, String>) -> Input {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    Input {
        preset: get("preset"),
        pop_host: get("pop_host"),
        pop_port: get("pop_port"),
        pop_protection: get("pop_protection"),
        pop_auth: get("pop_auth"),
        smtp_host: get("smtp_host"),
        smtp_port: get("smtp_port"),
        smtp_protection: get("smtp_protection"),
        smtp_auth: get("smtp_auth"),
        smtp_mechanism: get("smtp_mechanism"),
        auth_user: get("auth_user"),
        password: get("password"),
        timeout_secs: get("timeout_secs"),
        notify_enabled: f
            .get("notify_enabled")
            .is_some_and(|v| v == "on" || v == "true"),
        from_mode: get("from_mode"),
        from_custom: get("from_custom"),
        notify_charset: get("notify_charset"),
    }
}

fn step_name(k: StepKind) -> &'static str {
    match k {
        StepKind::Dns => "dns",
        StepKind::Tcp => "tcp",
        StepKind::Tls => "tls",
        StepKind::Greeting => "greeting",
        StepKind::Capabilities => "capabilities",
        StepKind::StartTls => "starttls",
        StepKind::PopLogin => "pop_login",
        StepKind::Login => "login",
        StepKind::Send => "send",
    }
}

/// Advice for a failure to reach the server, and the field to change
/// (`host` and `port` are the form's names for this protocol).
fn net_advice(
    e: &NetError,
    host: &'static str,
    port: &'static str,
) -> (&'static str, &'static str) {
    match e {
        NetError::Dns { .. } => ("dns", host),
        NetError::Connect(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            ("connection_refused", port)
        }
        NetError::Connect(_) => ("connection_failed", host),
        NetError::Timeout(..) => ("timeout", host),
    }
}

/// Advice for a failed TLS handshake: the certificate's problem, or (no
/// certificate seen) a port that does not speak TLS the way `protection`
/// expects.
fn tls_advice(
    t: &TlsError,
    protection: Protection,
    [host, protection_field, port]: [&'static str; 3],
) -> (&'static str, &'static str) {
    match t.certificate_problem() {
        Some(p) if p.contains("NotValidForName") => ("certificate_name", host),
        Some(p) if p.contains("Expired") => ("certificate_expired", protection_field),
        Some(_) => ("certificate_untrusted", protection_field),
        None if protection == Protection::SslTls => ("wrong_port_for_protection", port),
        None => ("tls_failed", protection_field),
    }
}

/// What went wrong, as an advice key the UI words, and the field to change.
pub fn advice(err: &SmtpError, protection: Protection, port: u16) -> (&'static str, &'static str) {
    // A server that stays silent after connect, or answers in TLS, is most
    // likely an implicit-TLS port (465) used without SSL/TLS.
    let implicit_port = port == 465 || protection != Protection::SslTls;
    match err {
        SmtpError::Net(e) => net_advice(e, "smtp_host", "smtp_port"),
        SmtpError::Timeout(_, "greeting") if implicit_port => {
            ("wrong_port_for_protection", "smtp_port")
        }
        SmtpError::Timeout(..) => ("timeout", "smtp_host"),
        SmtpError::Tls(t) => {
            tls_advice(t, protection, ["smtp_host", "smtp_protection", "smtp_port"])
        }
        SmtpError::StartTlsNotOffered => ("starttls_not_offered", "smtp_protection"),
        SmtpError::MechanismNotOffered { .. } => ("mechanism_not_offered", "smtp_mechanism"),
        SmtpError::AuthFailed(_) => ("auth_failed", "password"),
        SmtpError::Pop(_) => ("pop_login_failed", "pop_host"),
        SmtpError::Protocol(..) | SmtpError::Closed(_) if implicit_port => {
            ("wrong_port_for_protection", "smtp_port")
        }
        SmtpError::Reply {
            during: "MAIL FROM" | "RCPT TO" | "DATA",
            ..
        } => ("rejected", "from_custom"),
        _ => ("server_error", "smtp_host"),
    }
}

fn line(v: serde_json::Value) -> Result<Bytes, Infallible> {
    let mut s = v.to_string();
    s.push('\n');
    Ok(Bytes::from(s))
}

/// Checks that the caller is a signed-in administrator.
/// The signed-in user of a plain HTTP route (not a server function): 401
/// without a session, 403 while the password must still be changed.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<domain::users::User, Response> {
    let user = match cookie(headers, SESSION_COOKIE) {
        Some(t) => domain::sessions::lookup(&state.db, &t).await.map_err(|e| {
            tracing::error!(error = %e, "session lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        })?,
        None => None,
    };
    match user {
        None => Err((
            StatusCode::UNAUTHORIZED,
            axum::Json(json!("Unauthenticated")),
        )
            .into_response()),
        Some(u) if u.must_change_password => {
            Err((StatusCode::FORBIDDEN, axum::Json(json!("Forbidden"))).into_response())
        }
        Some(u) => Ok(u),
    }
}

pub(crate) async fn admin_only(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<domain::users::User, Response> {
    match signed_in(state, headers).await? {
        u if !u.is_admin() => {
            Err((StatusCode::FORBIDDEN, axum::Json(json!("Forbidden"))).into_response())
        }
        u => Ok(u),
    }
}

pub(crate) fn invalid(e: domain::Error) -> Response {
    let body: app::error::AppError = e.into();
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// Which server the connection test checks.
#[derive(serde::Deserialize)]
pub struct Target {
    #[serde(default)]
    target: Option<String>,
}

/// Advice for a failed POP3 test, and the field to change.
fn pop_advice(err: &Pop3Error, protection: Protection) -> (&'static str, &'static str) {
    use Pop3Error as E;
    match err {
        E::Net(e) => net_advice(e, "pop_host", "pop_port"),
        E::Tls(t) => tls_advice(t, protection, ["pop_host", "pop_protection", "pop_port"]),
        E::Timeout(..) => ("timeout", "pop_host"),
        E::Protocol {
            command: "STLS", ..
        } => ("starttls_not_offered", "pop_protection"),
        E::Refused {
            command: "PASS" | "APOP" | "USER",
            ..
        } => ("auth_failed", "password"),
        E::Protocol {
            command: "greeting",
            ..
        }
        | E::Closed(_) => ("wrong_port_for_protection", "pop_port"),
        _ => ("server_error", "pop_host"),
    }
}

/// POST /api/mail_server/test[?target=pop3] — form fields as the settings
/// form; an empty password means the stored one.
pub async fn connection_test(
    State(state): State<AppState>,
    Query(target): Query<Target>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(resp) = admin_only(&state, &headers).await {
        return resp;
    }
    let input = input_from_form(&form);
    let stored = mailserver::view(&state.db)
        .await
        .map(|v| v.password_set)
        .unwrap_or(false);
    let settings = match mailserver::check(&input, stored) {
        Ok(s) => s,
        Err(e) => return invalid(e),
    };
    let password = match mailserver::password_for(&state.db, &state.secrets, &input.password).await
    {
        Ok(p) => p,
        Err(e) => return invalid(e),
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, Infallible>>();
    if target.target.as_deref() == Some("pop3") {
        if settings.pop_host.is_empty() {
            return invalid(domain::Error::field("pop_host", domain::Code::Required));
        }
        let login = mail::pop3::PopLogin {
            host: settings.pop_host.clone(),
            port: settings.pop_port,
            protection: settings.pop_protection,
            user: settings.auth_user.clone(),
            password,
            apop: settings.pop_apop,
            timeout: std::time::Duration::from_secs(settings.timeout_secs.into()),
            trust: state.mail_trust.clone(),
        };
        tokio::spawn(async move {
            let step_tx = tx.clone();
            let mut on_step = move |s: Step| {
                let _ = step_tx.send(step_line(&s));
            };
            let verdict = match mail::pop3::diagnose(&login, &mut on_step).await {
                Ok(caps) => json!({ "verdict": "ok", "capabilities": caps }),
                Err(e) => {
                    let (advice, field) = pop_advice(&e, login.protection);
                    json!({ "verdict": "fail", "advice": advice, "field": field, "error": e.to_string() })
                }
            };
            let _ = tx.send(line(verdict));
        });
        return ndjson_response(rx);
    }
    let smtp = mailserver::smtp_settings(&settings, password, &state.mail_trust);
    tokio::spawn(async move {
        let step_tx = tx.clone();
        let mut on_step = move |s: Step| {
            let _ = step_tx.send(step_line(&s));
        };
        let verdict = match smtp::session(&smtp, None, &mut on_step).await {
            Ok(o) => json!({
                "verdict": "ok",
                "mechanism": o.mechanism,
                "auth": o.capabilities.auth,
                "starttls": o.capabilities.starttls,
                "size": o.capabilities.size,
                "pipelining": o.capabilities.pipelining,
            }),
            Err(e) => {
                let (advice, field) = advice(&e, smtp.protection, smtp.port);
                let offered = match &e {
                    SmtpError::MechanismNotOffered { offered, .. } => offered.clone(),
                    _ => vec![],
                };
                json!({
                    "verdict": "fail",
                    "advice": advice,
                    "field": field,
                    "error": e.to_string(),
                    "offered": offered,
                })
            }
        };
        let _ = tx.send(line(verdict));
    });
    ndjson_response(rx)
}

fn step_line(s: &Step) -> Result<Bytes, Infallible> {
    line(json!({
        "step": step_name(s.kind),
        "ok": s.ok,
        "ms": s.elapsed_ms,
        "detail": s.detail,
    }))
}

fn ndjson_response(
    rx: tokio::sync::mpsc::UnboundedReceiver<Result<Bytes, Infallible>>,
) -> Response {
    let stream = tokio_stream_from(rx);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Result<Bytes, Infallible>>,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError;

    fn tls(e: CertificateError) -> SmtpError {
        SmtpError::Tls(TlsError::Handshake(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(e),
        )))
    }

    #[test]
    fn pop3_advice_names_pop3_fields() {
        let refused = Pop3Error::Net(NetError::Connect(
            std::io::ErrorKind::ConnectionRefused.into(),
        ));
        assert_eq!(
            pop_advice(&refused, Protection::SslTls),
            ("connection_refused", "pop_port")
        );
        let dns = Pop3Error::Net(NetError::Dns {
            host: "nowhere.invalid".into(),
            source: std::io::ErrorKind::NotFound.into(),
        });
        assert_eq!(pop_advice(&dns, Protection::None), ("dns", "pop_host"));
        let SmtpError::Tls(untrusted) = tls(CertificateError::UnknownIssuer) else {
            unreachable!()
        };
        assert_eq!(
            pop_advice(&Pop3Error::Tls(untrusted), Protection::StartTls),
            ("certificate_untrusted", "pop_protection")
        );
        let no_tls = Pop3Error::Tls(TlsError::Handshake(std::io::ErrorKind::InvalidData.into()));
        assert_eq!(
            pop_advice(&no_tls, Protection::SslTls),
            ("wrong_port_for_protection", "pop_port")
        );
    }

    #[test]
    fn advice_names_the_field_to_change() {
        let refused = SmtpError::Net(NetError::Connect(
            std::io::ErrorKind::ConnectionRefused.into(),
        ));
        assert_eq!(
            advice(&refused, Protection::StartTls, 587),
            ("connection_refused", "smtp_port")
        );
        assert_eq!(
            advice(
                &tls(CertificateError::NotValidForName),
                Protection::SslTls,
                465
            ),
            ("certificate_name", "smtp_host")
        );
        assert_eq!(
            advice(&tls(CertificateError::Expired), Protection::StartTls, 587),
            ("certificate_expired", "smtp_protection")
        );
        assert_eq!(
            advice(
                &tls(CertificateError::UnknownIssuer),
                Protection::StartTls,
                587
            ),
            ("certificate_untrusted", "smtp_protection")
        );
        let silent = SmtpError::Timeout(std::time::Duration::from_secs(10), "greeting");
        assert_eq!(
            advice(&silent, Protection::StartTls, 465),
            ("wrong_port_for_protection", "smtp_port")
        );
        assert_eq!(
            advice(&SmtpError::AuthFailed("535".into()), Protection::None, 25),
            ("auth_failed", "password")
        );
    }
}
