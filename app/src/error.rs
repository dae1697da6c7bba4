//! The error every server function returns. It crosses the wire as JSON; the
//! browser turns it into a message in the user's language.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::Catalogue;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErr {
    pub field: String,
    pub code: String,
    pub param: Option<u32>,
}

/// What uses something that cannot be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InUse {
    AdminSettings,
    WebmailSettings,
    Account { name: String, login_id: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session (HTTP 401).
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but not allowed (HTTP 403).
    #[error("forbidden")]
    Forbidden,
    /// Signed in with a one-time password that must be changed first (403).
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    /// Validation failed; each entry names the form field.
    #[error("invalid input")]
    Invalid(Vec<FieldErr>),
    #[error("login failed")]
    LoginFailed,
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// The mail server refused or failed; its reply is kept for the admin.
    #[error("mail server: {0}")]
    Mail(String),
    /// Still used (an OAuth server that settings or accounts sign in
    /// with): by what, for the message.
    #[error("in use")]
    InUse(Vec<InUse>),
    /// Details are in the server log, never in the response.
    #[error("internal error")]
    Internal,
    /// The request did not reach the function (network, encoding).
    #[error("request failed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = crate::api::codec::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    pub fn field(&self, name: &str) -> Option<&FieldErr> {
        match self {
            AppError::Invalid(errs) => errs.iter().find(|e| e.field == name),
            _ => None,
        }
    }

    /// A message for the whole form (field errors are shown at their fields).
    pub fn message(&self, t: &Catalogue) -> String {
        match self {
            AppError::Unauthenticated => t.error_unauthenticated.into(),
            AppError::Forbidden => t.error_forbidden.into(),
            AppError::PasswordChangeRequired => t.password_change_required.into(),
            AppError::NotFound => t.error_not_found.into(),
            AppError::Invalid(errs) => errs
                .iter()
                .find(|e| e.field == "id")
                .map(|e| t.field_error(&e.code, e.param))
                .unwrap_or_default(),
            AppError::LoginFailed => t.login_failed.into(),
            AppError::Mail(reply) => format!("{} {reply}", t.mail_failed),
            AppError::Throttled(_) => t.login_throttled.into(),
            AppError::InUse(uses) => {
                let o = t.oauth();
                let names = uses
                    .iter()
                    .map(|u| match u {
                        InUse::AdminSettings => o.used_by_admin.to_owned(),
                        InUse::WebmailSettings => o.used_by_webmail.to_owned(),
                        InUse::Account { name, login_id } => {
                            format!("{}「{name}」（{login_id}）", o.used_by_account)
                        }
                    })
                    .collect::<Vec<_>>();
                format!("{} {}", o.in_use, names.join("、"))
            }
            AppError::Internal | AppError::Transport(_) => t.error_generic.into(),
        }
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Mail(_) => StatusCode::BAD_GATEWAY,
            AppError::InUse(_) => StatusCode::CONFLICT,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::Error> for AppError {
    fn from(e: domain::Error) -> Self {
        match e {
            domain::Error::Invalid(errs) => AppError::Invalid(
                errs.into_iter()
                    .map(|f| FieldErr {
                        field: f.field.to_owned(),
                        code: f.code.key().to_owned(),
                        param: f.code.param(),
                    })
                    .collect(),
            ),
            domain::Error::NotFound => AppError::NotFound,
            domain::Error::Forbidden => AppError::Forbidden,
            e @ (domain::Error::Pop3(_) | domain::Error::Smtp(_) | domain::Error::OAuth(_)) => {
                AppError::Mail(e.to_string())
            }
            domain::Error::InUse(uses) => AppError::InUse(
                uses.into_iter()
                    .map(|u| match u {
                        domain::oauth::Use::AdminSettings => InUse::AdminSettings,
                        domain::oauth::Use::WebmailSettings => InUse::WebmailSettings,
                        domain::oauth::Use::Account { name, login_id } => {
                            InUse::Account { name, login_id }
                        }
                    })
                    .collect(),
            ),
            domain::Error::Busy => AppError::Mail("busy".into()),
            // Tayori's own verdicts are worded by the reader's catalogue.
            e @ (domain::Error::QuotaFull { .. }
            | domain::Error::NotConfigured
            | domain::Error::NeedsReauth) => {
                let code = e.code().unwrap_or(domain::Code::NotConfigured);
                AppError::Invalid(vec![FieldErr {
                    field: "id".to_owned(),
                    code: code.key().to_owned(),
                    param: code.param(),
                }])
            }
            domain::Error::Throttled(s) => AppError::Throttled(s),
            other => {
                tracing::error!(error = %other, "service failed");
                AppError::Internal
            }
        }
    }
}
