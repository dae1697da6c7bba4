//! The closed sets that mail server settings and accounts store as text.
//! Each column is read through one of these, so a stored value Tayori does
//! not know fails the read instead of turning silently into "no TLS" or
//! "no authentication". The mail crate keeps its own enums (it has no
//! database); the conversions below are total in both directions.
use mail::presets;
use sea_orm::entity::prelude::*;

/// 通信の保護, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Protection {
    #[sea_orm(string_value = "none")]
    None,
    #[sea_orm(string_value = "ssl")]
    SslTls,
    #[sea_orm(string_value = "starttls")]
    StartTls,
    #[sea_orm(string_value = "starttls-noverify")]
    StartTlsNoVerify,
}

impl Protection {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        presets::Protection::from(self).as_str()
    }
}

impl From<Protection> for presets::Protection {
    fn from(p: Protection) -> Self {
        match p {
            Protection::None => presets::Protection::None,
            Protection::SslTls => presets::Protection::SslTls,
            Protection::StartTls => presets::Protection::StartTls,
            Protection::StartTlsNoVerify => presets::Protection::StartTlsNoVerify,
        }
    }
}

impl From<presets::Protection> for Protection {
    fn from(p: presets::Protection) -> Self {
        match p {
            presets::Protection::None => Protection::None,
            presets::Protection::SslTls => Protection::SslTls,
            presets::Protection::StartTls => Protection::StartTls,
            presets::Protection::StartTlsNoVerify => Protection::StartTlsNoVerify,
        }
    }
}

/// SMTP AUTH mechanism (標準 negotiates the strongest), as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Mechanism {
    #[sea_orm(string_value = "standard")]
    Standard,
    #[sea_orm(string_value = "cram-md5")]
    CramMd5,
    #[sea_orm(string_value = "login")]
    Login,
    #[sea_orm(string_value = "plain")]
    Plain,
}

impl Mechanism {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        presets::SmtpMechanism::from(self).as_str()
    }
}

impl From<Mechanism> for presets::SmtpMechanism {
    fn from(m: Mechanism) -> Self {
        match m {
            Mechanism::Standard => presets::SmtpMechanism::Standard,
            Mechanism::CramMd5 => presets::SmtpMechanism::CramMd5,
            Mechanism::Login => presets::SmtpMechanism::Login,
            Mechanism::Plain => presets::SmtpMechanism::Plain,
        }
    }
}

impl From<presets::SmtpMechanism> for Mechanism {
    fn from(m: presets::SmtpMechanism) -> Self {
        match m {
            presets::SmtpMechanism::Standard => Mechanism::Standard,
            presets::SmtpMechanism::CramMd5 => Mechanism::CramMd5,
            presets::SmtpMechanism::Login => Mechanism::Login,
            presets::SmtpMechanism::Plain => Mechanism::Plain,
        }
    }
}

/// メール送信時の認証.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SmtpAuthMode {
    #[sea_orm(string_value = "none")]
    None,
    #[sea_orm(string_value = "pop-before-smtp")]
    PopBeforeSmtp,
    #[sea_orm(string_value = "smtp")]
    Smtp,
    #[sea_orm(string_value = "xoauth2")]
    XOAuth2,
}

impl SmtpAuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpAuthMode::None => "none",
            SmtpAuthMode::PopBeforeSmtp => "pop-before-smtp",
            SmtpAuthMode::Smtp => "smtp",
            SmtpAuthMode::XOAuth2 => "xoauth2",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        <Self as sea_orm::Iterable>::iter().find(|m| m.as_str() == s)
    }
}

/// Whether users may set their own servers (個別に設定する), as the
/// administrator decides in ウェブメール設定.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OwnServers {
    /// 制限しない
    #[sea_orm(string_value = "any")]
    Any,
    /// Only hosts that match the list (by default the shared servers').
    #[default]
    #[sea_orm(string_value = "listed")]
    Listed,
    /// 許可しない: accounts use the shared servers only.
    #[sea_orm(string_value = "none")]
    None,
}

impl OwnServers {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnServers::Any => "any",
            OwnServers::Listed => "listed",
            OwnServers::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        <Self as sea_orm::Iterable>::iter().find(|m| m.as_str() == s)
    }
}

/// POP3 の認証方式 of a settings row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PopAuth {
    #[sea_orm(string_value = "standard")]
    Standard,
    #[sea_orm(string_value = "apop")]
    Apop,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored words are the mail crate's names, so rows written before
    /// these types existed read back unchanged.
    #[test]
    fn stored_words_are_the_mail_crates_names() {
        for p in <Protection as sea_orm::Iterable>::iter() {
            assert_eq!(p.to_value(), presets::Protection::from(p).as_str());
            assert_eq!(Protection::from(presets::Protection::from(p)), p);
        }
        for m in <Mechanism as sea_orm::Iterable>::iter() {
            assert_eq!(m.to_value(), presets::SmtpMechanism::from(m).as_str());
            assert_eq!(Mechanism::from(presets::SmtpMechanism::from(m)), m);
        }
        for a in <SmtpAuthMode as sea_orm::Iterable>::iter() {
            assert_eq!(a.to_value(), a.as_str());
            assert_eq!(SmtpAuthMode::parse(a.as_str()), Some(a));
        }
        assert!(Protection::try_from_value(&"tls".to_string()).is_err());
    }
}
