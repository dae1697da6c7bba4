//! The `mail_accounts` table.
use super::kinds::{Mechanism, Protection, SmtpAuthMode};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub pop_host: String,
    pub pop_port: i32,
    pub pop_protection: Protection,
    pub pop_user: String,
    pub pop_password_sealed: Option<String>,
    pub pop_apop: bool,
    pub timeout_secs: i32,
    pub leave_on_server: bool,
    pub leave_days: Option<i32>,
    pub log_receive: bool,
    pub is_default: bool,
    pub receiving_owner: Option<String>,
    pub receiving_until: Option<DateTimeUtc>,
    pub last_received_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub receive_log: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Where the receiving server comes from.
    pub recv_source: Source,
    /// Where the sending server comes from.
    pub send_source: Source,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_protection: Protection,
    pub smtp_auth: SmtpAuthMode,
    pub smtp_mechanism: Mechanism,
    /// Empty: the receiving user ID and password are used.
    pub smtp_user: String,
    pub smtp_password_sealed: Option<String>,
    pub log_send: bool,
    pub send_log: Option<String>,
    /// The running (or last) receive: messages stored of those new.
    pub progress_done: i32,
    pub progress_total: i32,
    /// Bytes of the mail stored for the account (kept with every message
    /// stored or deleted; `mailbox::usage` adds these up).
    pub stored_bytes: i64,
    /// The OAuth認可サーバー an XOAUTH2 account signs in with.
    pub oauth_server_id: Option<i32>,
    /// 認証方式 XOAUTH2 for receiving: the account's access token instead
    /// of a password.
    pub pop_oauth: bool,
    /// POP (mail received into Tayori's store) or IMAP (read on the server).
    pub kind: Kind,
    pub imap_host: String,
    pub imap_port: i32,
    pub imap_protection: Protection,
    /// Folders (wire names) sent mail, drafts and deleted mail go to; empty:
    /// found by SPECIAL-USE, then by the names clients use.
    pub imap_sent: String,
    pub imap_drafts: String,
    pub imap_trash: String,
    /// The server files sent mail itself (Microsoft 365, Google): Tayori
    /// appends nothing, so nothing is there twice.
    pub server_files_sent: bool,
}

/// Where an account's mail lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    /// ウェブメール: received over POP3 into Tayori's store.
    #[default]
    #[sea_orm(string_value = "pop")]
    Pop,
    /// ウェブメールIMAP: read on the server, nothing copied but list rows.
    #[sea_orm(string_value = "imap")]
    Imap,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pop => "pop",
            Kind::Imap => "imap",
        }
    }
}

/// Which server an account uses in one direction. Stored as its name; a
/// stored value Tayori does not know is an error when the row is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Source {
    /// 管理者設定のメールサーバー設定
    #[sea_orm(string_value = "admin")]
    Admin,
    /// ウェブメールのメールサーバー設定
    #[sea_orm(string_value = "webmail")]
    Webmail,
    /// 個別に設定する: the account's own pop_* / smtp_* columns.
    #[sea_orm(string_value = "own")]
    Own,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Admin => "admin",
            Source::Webmail => "webmail",
            Source::Own => "own",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "admin" => Some(Source::Admin),
            "webmail" => Some(Source::Webmail),
            "own" => Some(Source::Own),
            _ => None,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
