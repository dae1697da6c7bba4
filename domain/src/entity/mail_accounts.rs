//! The `mail_accounts` table.
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
    pub pop_protection: String,
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
    /// Where the receiving server comes from: "admin" (管理者設定),
    /// "webmail" (ウェブメールの設定) or "own" (the pop_* columns).
    pub recv_source: String,
    pub send_source: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_protection: String,
    pub smtp_auth: String,
    pub smtp_mechanism: String,
    /// Empty: the receiving user ID and password are used.
    pub smtp_user: String,
    pub smtp_password_sealed: Option<String>,
    pub log_send: bool,
    pub send_log: Option<String>,
    /// The running (or last) receive: messages stored of those new.
    pub progress_done: i32,
    pub progress_total: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
