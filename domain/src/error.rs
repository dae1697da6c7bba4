//! One error type for every service, with field-level validation failures
//! that the UI turns into messages in the user's language.
use sea_orm::DbErr;
use serde::{Deserialize, Serialize};

/// What was wrong with a field. The UI owns the wording (one catalogue per
/// language), so this is a code plus the numbers the message needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Code {
    Required,
    TooLong {
        max: u32,
    },
    TooShort {
        min: u32,
    },
    InvalidEmail,
    InvalidLoginId,
    InvalidChars,
    Duplicate,
    NotFound,
    HasChildren,
    HasUsers,
    WouldCycle,
    WrongPassword,
    PasswordMismatch,
    LastAdmin,
    NotYourself,
    InvalidHost,
    InvalidPort,
    Range {
        min: u32,
        max: u32,
    },
    /// The chosen provider does not support this choice.
    Unsupported,
    /// XOAUTH2 needs an OAuth認可サーバー registered first.
    OAuthFirst,
    /// Not a date (YYYY-MM-DD).
    InvalidDate,
    /// Not a time of day (HH:MM).
    InvalidTime,
    /// The end lies before the start.
    EndBeforeStart,
    /// Not a time zone name of the IANA database.
    InvalidTimeZone,
    /// Refers to settings nobody has saved yet (a shared mail server).
    NotConfigured,
    /// Mail needs a sender address and none is set (会社情報設定's address,
    /// or the one 通知メールの差出人 names).
    NoSender,
    /// A CSV line has the wrong number of columns.
    ColumnCount {
        expected: u32,
    },
    /// Files add up to more than the limit, in MB.
    TooLarge {
        max_mb: u32,
    },
    /// The owner's mail storage (its limit in MB) is full.
    QuotaFull {
        limit_mb: u32,
    },
    /// The server or user ID changed: a stored password is never sent to a
    /// server it was not saved for, so it must be typed again.
    PasswordAgain,
    /// サーバーに残す日数 0 deletes mail from the server right after it is
    /// received: asked to be confirmed before it is saved.
    ConfirmDeleteNow,
    /// Not a certificate in PEM form (信頼するCA証明書).
    InvalidCertificate,
    /// A message on the server is larger than its listed size allows or
    /// than the largest message taken (in MB): receiving stopped there.
    MessageTooLarge {
        limit_mb: u32,
    },
    /// The mail server's answer went on past any sensible length.
    AnswerTooLong,
    /// More items than allowed (attachments of one message, say).
    TooMany {
        max: u32,
    },
    /// The administrator does not let users choose this (a server of their
    /// own, another host, another From address).
    NotAllowed,
    /// Not a URL.
    InvalidUrl,
    /// A URL that must use https (anything but this machine).
    HttpsRequired,
    /// The address could not be read (a discovery document).
    Unreachable,
    /// 再認証が必要: the OAuth sign-in is gone (revoked, expired, refused
    /// twice); someone must sign in again.
    NeedsReauth,
    /// The OAuth sign-in was cancelled, refused or did not come back
    /// to the session that started it.
    SignInFailed,
}

impl Code {
    /// Stable key used by the message catalogues and the tests.
    pub fn key(&self) -> &'static str {
        match self {
            Code::Required => "required",
            Code::TooLong { .. } => "too_long",
            Code::TooShort { .. } => "too_short",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidLoginId => "invalid_login_id",
            Code::InvalidChars => "invalid_chars",
            Code::Duplicate => "duplicate",
            Code::NotFound => "not_found",
            Code::HasChildren => "has_children",
            Code::HasUsers => "has_users",
            Code::WouldCycle => "would_cycle",
            Code::WrongPassword => "wrong_password",
            Code::PasswordMismatch => "password_mismatch",
            Code::LastAdmin => "last_admin",
            Code::NotYourself => "not_yourself",
            Code::InvalidHost => "invalid_host",
            Code::InvalidPort => "invalid_port",
            Code::Range { .. } => "range",
            Code::Unsupported => "unsupported",
            Code::OAuthFirst => "oauth_first",
            Code::InvalidDate => "invalid_date",
            Code::InvalidTime => "invalid_time",
            Code::EndBeforeStart => "end_before_start",
            Code::InvalidTimeZone => "invalid_time_zone",
            Code::NotConfigured => "not_configured",
            Code::NoSender => "no_sender",
            Code::ColumnCount { .. } => "column_count",
            Code::TooLarge { .. } => "too_large",
            Code::QuotaFull { .. } => "quota_full",
            Code::PasswordAgain => "password_again",
            Code::ConfirmDeleteNow => "confirm_delete_now",
            Code::InvalidCertificate => "invalid_certificate",
            Code::MessageTooLarge { .. } => "message_too_large",
            Code::AnswerTooLong => "answer_too_long",
            Code::TooMany { .. } => "too_many",
            Code::NotAllowed => "not_allowed",
            Code::InvalidUrl => "invalid_url",
            Code::HttpsRequired => "https_required",
            Code::Unreachable => "unreachable",
            Code::NeedsReauth => "needs_reauth",
            Code::SignInFailed => "sign_in_failed",
        }
    }

    /// The number a message interpolates (a length limit), if any.
    pub fn param(&self) -> Option<u32> {
        match self {
            Code::TooLong { max } => Some(*max),
            Code::TooShort { min } => Some(*min),
            Code::Range { max, .. } => Some(*max),
            Code::ColumnCount { expected } => Some(*expected),
            Code::TooLarge { max_mb } => Some(*max_mb),
            Code::QuotaFull { limit_mb } => Some(*limit_mb),
            Code::MessageTooLarge { limit_mb } => Some(*limit_mb),
            Code::TooMany { max } => Some(*max),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: Code,
}

impl FieldError {
    pub fn new(field: &'static str, code: Code) -> Self {
        Self { field, code }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    /// The caller may not change this record.
    #[error("forbidden")]
    Forbidden,
    /// Another receive of the same account is running.
    #[error("a receive of this account is already running")]
    Busy,
    /// The POP3 server failed or refused; its reply is kept.
    #[error(transparent)]
    Pop3(#[from] mail::pop3::Pop3Error),
    /// The SMTP server (or POP before SMTP) failed or refused.
    #[error(transparent)]
    Smtp(#[from] mail::smtp::SmtpError),
    /// The IMAP server failed or refused; its reply is kept.
    #[error(transparent)]
    Imap(#[from] mail::imap::ImapError),
    /// The owner's storage is full: receiving stopped, the mail stays on
    /// the server.
    #[error("the mail storage quota ({limit_mb} MB) is full; the mail stays on the server")]
    QuotaFull { limit_mb: i32 },
    /// The account uses server settings that nobody has saved yet.
    #[error("the shared mail server settings are not saved yet")]
    NotConfigured,
    #[error("too many failed attempts; retry in {0} s")]
    Throttled(u64),
    /// Something still uses this (an OAuth server used by settings and
    /// accounts): it cannot be deleted.
    #[error("in use by {0:?}")]
    InUse(Vec<crate::oauth::Use>),
    /// 再認証が必要: the OAuth grant of this setting or account is gone
    /// until someone signs in again. Nothing is retried until then.
    #[error("the OAuth sign-in must be renewed (再認証が必要)")]
    NeedsReauth,
    /// The authorization server failed or refused (not the grant itself).
    #[error(transparent)]
    OAuth(#[from] mail::oauth::OAuthError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    /// Worth trying again later without changing anything: a mail server
    /// that was unreachable, slow or cut the connection, a 4xx reply, a
    /// receive already running.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Pop3(e) => e.is_transient(),
            Error::Smtp(e) => e.is_transient(),
            Error::Imap(e) => e.is_transient(),
            Error::Busy => true,
            Error::OAuth(e) => e.is_transient(),
            _ => false,
        }
    }
    /// Retrying will not help until settings or data change: a refusal,
    /// refused credentials, a certificate, a 5xx reply, invalid input.
    pub fn is_permanent(&self) -> bool {
        match self {
            Error::Pop3(e) => e.is_permanent(),
            Error::Smtp(e) => e.is_permanent(),
            Error::Imap(e) => e.is_permanent(),
            Error::Invalid(_)
            | Error::NotFound
            | Error::Forbidden
            | Error::NotConfigured
            | Error::NeedsReauth => true,
            Error::OAuth(e) => !e.is_transient(),
            _ => false,
        }
    }
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Pop3(e) => e.is_timeout(),
            Error::Smtp(e) => e.is_timeout(),
            Error::Imap(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// The code the UI words this failure with, when it is Tayori's own
    /// verdict rather than a mail server's reply.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::QuotaFull { limit_mb } => Some(Code::QuotaFull {
                limit_mb: u32::try_from(*limit_mb).unwrap_or_default(),
            }),
            Error::NotConfigured => Some(Code::NotConfigured),
            Error::NeedsReauth => Some(Code::NeedsReauth),
            Error::Pop3(mail::pop3::Pop3Error::TooLong {
                command: "RETR",
                limit,
            }) => Some(Code::MessageTooLarge {
                limit_mb: u32::try_from(limit.div_ceil(1 << 20)).unwrap_or(u32::MAX),
            }),
            Error::Pop3(mail::pop3::Pop3Error::TooLong { .. })
            | Error::Imap(mail::imap::ImapError::TooLong { .. }) => Some(Code::AnswerTooLong),
            _ => None,
        }
    }

    /// What an account keeps of a failed receive or send (`last_error`):
    /// the code of Tayori's own verdict, so each reader sees it in their
    /// language, or the failure as it happened (a server's reply is shown
    /// as the server wrote it).
    pub fn stored(&self) -> String {
        match self.code() {
            Some(code) => Stored::Code {
                key: code.key(),
                param: code.param(),
            }
            .to_string(),
            None => self.to_string(),
        }
    }

    pub fn field(field: &'static str, code: Code) -> Self {
        Error::Invalid(vec![FieldError::new(field, code)])
    }

    /// A unique index caught a race that the service's own check missed
    /// (two requests creating the same login ID at once).
    pub(crate) fn unique_violation_as(err: DbErr, field: &'static str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Error::field(field, Code::Duplicate)
            }
            _ => Error::Db(err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A stored account error read back: `code:<key>[:<number>]` or free text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored<'a> {
    Code { key: &'a str, param: Option<u32> },
    Text(&'a str),
}

const CODE_PREFIX: &str = "code:";

impl<'a> Stored<'a> {
    pub fn parse(s: &'a str) -> Stored<'a> {
        let Some(rest) = s.strip_prefix(CODE_PREFIX) else {
            return Stored::Text(s);
        };
        match rest.split_once(':') {
            Some((key, n)) => Stored::Code {
                key,
                param: n.parse().ok(),
            },
            None => Stored::Code {
                key: rest,
                param: None,
            },
        }
    }
}

impl std::fmt::Display for Stored<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::Code {
                key,
                param: Some(n),
            } => write!(f, "{CODE_PREFIX}{key}:{n}"),
            Stored::Code { key, param: None } => write!(f, "{CODE_PREFIX}{key}"),
            Stored::Text(t) => f.write_str(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_stored_as_its_code_and_read_back() {
        let e = Error::QuotaFull { limit_mb: 100 };
        assert_eq!(e.stored(), "code:quota_full:100");
        assert_eq!(
            Stored::parse(&e.stored()),
            Stored::Code {
                key: "quota_full",
                param: Some(100)
            }
        );
        assert_eq!(Error::NotConfigured.stored(), "code:not_configured");
        assert_eq!(
            Stored::parse("-ERR [AUTH] Authentication failed."),
            Stored::Text("-ERR [AUTH] Authentication failed.")
        );
    }
}
