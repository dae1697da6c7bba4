//! 「接続テスト」: a real session with the values on screen (saved or not),
//! every step reported as it happens, ending with a verdict that names the
//! field to change and an advice key the UI words.
use mail::diag::{Step, StepKind};
use mail::net::NetError;
use mail::pop3::Pop3Error;
use mail::presets::Protection;
use mail::smtp::{Capabilities, SmtpError};
use mail::tls::{TlsError, Trust};
use sea_orm::DatabaseConnection;

use super::{Input, Scope, SmtpAuthMode, check, check_receiving, login_for, smtp_settings, view};
use crate::oauth::grants::{self, Owner};
use crate::secrets::SecretBox;
use crate::{Error, Result};

/// Which server the test checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Smtp,
    Pop3,
}

impl Target {
    /// "pop3" is the receiving server; anything else the sending one.
    pub fn parse(s: &str) -> Target {
        if s.trim() == "pop3" {
            Target::Pop3
        } else {
            Target::Smtp
        }
    }
}

/// A test ready to run: the form checked and the password resolved (an
/// empty field means the stored one), or for XOAUTH2認証 the access token
/// fetched (refreshed when about to expire), as its own step.
pub struct Prepared {
    session: Session,
    token: Option<TokenStep>,
    /// Whom the OAuth sign-in is for, to tell a refusal for another
    /// mailbox (the ユーザーID names someone else) from an expired token.
    signed_in_as: Option<String>,
}

enum Session {
    Pop3(mail::pop3::PopLogin),
    Smtp(mail::smtp::SmtpSettings),
    /// No token: nothing to connect with.
    NoToken {
        advice: &'static str,
        error: String,
    },
}

/// What getting the access token did, reported before the connection.
struct TokenStep {
    ok: bool,
    detail: String,
}

/// How a test ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pop3Ok {
        capabilities: Vec<String>,
        /// An advice key for a setting that works but could be safer:
        /// "starttls" when the server offers STARTTLS and なし is chosen.
        recommend: Option<&'static str>,
    },
    SmtpOk {
        mechanism: Option<&'static str>,
        capabilities: Capabilities,
        recommend: Option<&'static str>,
    },
    Failed {
        /// The advice's key in the UI's catalogue.
        advice: &'static str,
        /// The form field to change.
        field: &'static str,
        error: String,
        /// The mechanisms the server offers, when the chosen one is not.
        offered: Vec<String>,
    },
}

/// Checks `input` as 保存 would, without saving: field errors come back
/// before any connection is made.
pub async fn prepare(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    trust: &Trust,
    input: &Input,
    target: Target,
) -> Result<Prepared> {
    if target == Target::Pop3 {
        // Step ② alone: connection, protection, greeting and CAPA. The
        // receiving server has no user of its own (accounts bring theirs;
        // POP before SMTP logs in as part of the sending test).
        let r = check_receiving(input)?;
        let timeout = input
            .timeout_secs
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|t| (1..=300).contains(t))
            .unwrap_or(10);
        return Ok(Prepared {
            session: Session::Pop3(mail::pop3::PopLogin {
                host: r.host,
                port: r.port,
                protection: r.protection,
                user: String::new(),
                auth: mail::pop3::PopAuth::password(r.apop, String::new()),
                timeout: std::time::Duration::from_secs(timeout.into()),
                trust: trust.clone(),
            }),
            token: None,
            signed_in_as: None,
        });
    }
    let mut token = None;
    let mut signed_in_as = None;
    let saved = view(db).await?;
    let settings = check(input, saved.password_set.then_some(&saved.settings))?;
    let session = match settings.smtp_auth {
        SmtpAuthMode::XOAuth2 => {
            let owner = Owner::Settings(Scope::Admin);
            let before = grants::status(db, owner).await?;
            match login_for(db, secrets, trust, Scope::Admin, "", &settings).await {
                Ok(login) => {
                    let after = grants::status(db, owner).await?;
                    signed_in_as = after.as_ref().map(|a| a.signed_in_as.clone());
                    token = Some(TokenStep {
                        ok: true,
                        detail: token_detail(before.as_ref(), after.as_ref()),
                    });
                    Session::Smtp(smtp_settings(&settings, login, trust))
                }
                Err(e @ (Error::NeedsReauth | Error::OAuth(_))) => {
                    let status = grants::status(db, owner).await?;
                    let error = match status {
                        Some(s) if !s.last_error.is_empty() => s.last_error,
                        _ => e.to_string(),
                    };
                    token = Some(TokenStep {
                        ok: false,
                        detail: error.clone(),
                    });
                    Session::NoToken {
                        advice: "needs_reauth",
                        error,
                    }
                }
                Err(e) => return Err(e),
            }
        }
        _ => {
            let login =
                login_for(db, secrets, trust, Scope::Admin, &input.password, &settings).await?;
            Session::Smtp(smtp_settings(&settings, login, trust))
        }
    };
    Ok(Prepared {
        session,
        token,
        signed_in_as,
    })
}

/// 「なし」 where the server offers STARTTLS: it works, but the password
/// and the mail cross the network in clear, and one choice fixes that.
fn starttls_unused(chosen: Protection, offered: bool) -> Option<&'static str> {
    (chosen == Protection::None && offered).then_some("starttls")
}

/// The token step's words: who it signs in as, whether it was refreshed
/// now, and until when it is good.
fn token_detail(before: Option<&grants::Status>, after: Option<&grants::Status>) -> String {
    let Some(after) = after else {
        return String::new();
    };
    let refreshed = before.map(|b| b.refreshed_at) != Some(after.refreshed_at);
    let until = after
        .access_until
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "?".into());
    format!(
        "{} — {} (valid until {until})",
        after.signed_in_as,
        if refreshed { "refreshed" } else { "stored" },
    )
}

impl Prepared {
    /// Runs the session (no mail is sent), calling `on_step` as each step
    /// ends, the failing one included.
    pub async fn run(self, on_step: &mut (dyn FnMut(Step) + Send)) -> Verdict {
        if let Some(t) = self.token {
            on_step(Step {
                kind: StepKind::Token,
                ok: t.ok,
                elapsed_ms: 0,
                detail: t.detail,
            });
        }
        match self.session {
            Session::NoToken { advice, error } => Verdict::Failed {
                advice,
                field: "oauth_server_id",
                error,
                offered: Vec::new(),
            },
            Session::Pop3(login) => match mail::pop3::diagnose(&login, on_step).await {
                Ok(capabilities) => Verdict::Pop3Ok {
                    recommend: starttls_unused(
                        login.protection,
                        capabilities.iter().any(|c| c.eq_ignore_ascii_case("STLS")),
                    ),
                    capabilities,
                },
                Err(e) => {
                    let (advice, field) = pop_advice(&e, login.protection);
                    Verdict::Failed {
                        advice,
                        field,
                        error: e.to_string(),
                        offered: Vec::new(),
                    }
                }
            },
            Session::Smtp(smtp) => match mail::smtp::session(&smtp, None, on_step).await {
                Ok(o) => Verdict::SmtpOk {
                    recommend: starttls_unused(smtp.protection, o.capabilities.starttls),
                    mechanism: o.mechanism,
                    capabilities: o.capabilities,
                },
                Err(e) => {
                    let (advice, field) = match (&e, &smtp.auth, &self.signed_in_as) {
                        (
                            SmtpError::TokenRefused { .. },
                            mail::smtp::SmtpAuth::Bearer { user, .. },
                            Some(signed_in),
                        ) if !user.eq_ignore_ascii_case(signed_in) => {
                            ("token_other_mailbox", "auth_user")
                        }
                        _ => smtp_advice(&e, smtp.protection, smtp.port),
                    };
                    let offered = match &e {
                        SmtpError::MechanismNotOffered { offered, .. } => offered.clone(),
                        _ => Vec::new(),
                    };
                    Verdict::Failed {
                        advice,
                        field,
                        error: e.to_string(),
                        offered,
                    }
                }
            },
        }
    }
}

/// Advice for a refused access token, from the server's reply and the
/// reason it gave in its challenge (decoded JSON):
/// - `535 5.7.139`: Microsoft 365 has SMTP AUTH turned off for the tenant
///   or the mailbox;
/// - `5.7.3` (Microsoft's "Authentication unsuccessful" for a token it
///   accepted as a token), or a 400 status: the token is good but not for
///   this mailbox (signed in as another user, or a user without one);
/// - a 403 status, `insufficient_scope`, or a scope named in the reason
///   with a refusal that is not an expiry: a scope the mail server needs
///   is missing from the grant;
/// - anything else: the token was not accepted (expired or revoked).
pub fn token_advice(reply: &str, refusal: &mail::sasl::Refusal) -> &'static str {
    let status = refusal.status.as_deref().unwrap_or("");
    if reply.contains("5.7.139") {
        "smtp_auth_disabled"
    } else if status == "403" || status == "insufficient_scope" {
        "token_scope"
    } else if reply.contains("5.7.3") || status == "400" {
        "token_other_mailbox"
    } else {
        "token_refused"
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

/// What went wrong with SMTP, as an advice key, and the field to change.
pub fn smtp_advice(
    err: &SmtpError,
    protection: Protection,
    port: u16,
) -> (&'static str, &'static str) {
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
        SmtpError::AuthFailed(text) if text.contains("5.7.139") => {
            ("smtp_auth_disabled", "smtp_auth")
        }
        SmtpError::AuthFailed(_) => ("auth_failed", "password"),
        SmtpError::TokenRefused { refusal, reply } => {
            (token_advice(reply, refusal), "oauth_server_id")
        }
        SmtpError::Reply { text, .. }
            if text.contains("5.2.252") || text.contains("SendAsDenied") =>
        {
            ("send_as_denied", "from_custom")
        }
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

/// What went wrong with POP3, as an advice key, and the field to change.
pub fn pop_advice(err: &Pop3Error, protection: Protection) -> (&'static str, &'static str) {
    use Pop3Error as E;
    match err {
        E::Net(e) => net_advice(e, "pop_host", "pop_port"),
        E::Tls(t) => tls_advice(t, protection, ["pop_host", "pop_protection", "pop_port"]),
        E::Timeout(..) => ("timeout", "pop_host"),
        E::Protocol {
            command: "STLS", ..
        } => ("starttls_not_offered", "pop_protection"),
        E::TokenRefused { refusal, reply } => (token_advice(reply, refusal), "oauth_server_id"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use mail::smtp::SmtpError;
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
    fn refused_tokens_are_told_apart_by_reply_and_reason() {
        let google = mail::sasl::Refusal::from_challenge(
            "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
        );
        assert_eq!(google.status.as_deref(), Some("400"));
        assert_eq!(token_advice("535 5.7.8", &google), "token_other_mailbox");
        let none = mail::sasl::Refusal::default();
        assert_eq!(
            token_advice("535 5.7.139 Authentication unsuccessful", &none),
            "smtp_auth_disabled"
        );
        assert_eq!(
            token_advice("535 5.7.3 Authentication unsuccessful", &none),
            "token_other_mailbox"
        );
        let scope = mail::sasl::Refusal {
            status: Some("insufficient_scope".into()),
            ..Default::default()
        };
        assert_eq!(token_advice("535 5.7.8", &scope), "token_scope");
        let expired = mail::sasl::Refusal {
            status: Some("401".into()),
            ..Default::default()
        };
        assert_eq!(token_advice("535 5.7.8", &expired), "token_refused");
        let disabled = SmtpError::AuthFailed(
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled".into(),
        );
        assert_eq!(
            smtp_advice(&disabled, Protection::StartTls, 587),
            ("smtp_auth_disabled", "smtp_auth")
        );
        let send_as = SmtpError::Reply {
            during: "MAIL FROM",
            code: 554,
            text: "5.2.252 SendAsDenied; user@example.com not allowed to send as other@example.com"
                .into(),
        };
        assert_eq!(
            smtp_advice(&send_as, Protection::StartTls, 587),
            ("send_as_denied", "from_custom")
        );
    }

    #[test]
    fn advice_names_the_field_to_change() {
        let refused = SmtpError::Net(NetError::Connect(
            std::io::ErrorKind::ConnectionRefused.into(),
        ));
        assert_eq!(
            smtp_advice(&refused, Protection::StartTls, 587),
            ("connection_refused", "smtp_port")
        );
        assert_eq!(
            smtp_advice(
                &tls(CertificateError::NotValidForName),
                Protection::SslTls,
                465
            ),
            ("certificate_name", "smtp_host")
        );
        assert_eq!(
            smtp_advice(&tls(CertificateError::Expired), Protection::StartTls, 587),
            ("certificate_expired", "smtp_protection")
        );
        assert_eq!(
            smtp_advice(
                &tls(CertificateError::UnknownIssuer),
                Protection::StartTls,
                587
            ),
            ("certificate_untrusted", "smtp_protection")
        );
        let silent = SmtpError::Timeout(std::time::Duration::from_secs(10), "greeting");
        assert_eq!(
            smtp_advice(&silent, Protection::StartTls, 465),
            ("wrong_port_for_protection", "smtp_port")
        );
        assert_eq!(
            smtp_advice(&SmtpError::AuthFailed("535".into()), Protection::None, 25),
            ("auth_failed", "password")
        );
    }
}
