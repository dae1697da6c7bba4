//! The `mail_server_settings` table.
use super::kinds::{Mechanism, PopAuth, Protection, SmtpAuthMode};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_server_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub preset: String,
    pub pop_host: String,
    pub pop_port: i32,
    pub pop_protection: Protection,
    pub pop_auth: PopAuth,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_protection: Protection,
    pub smtp_auth: SmtpAuthMode,
    pub smtp_mechanism: Mechanism,
    pub auth_user: String,
    pub auth_password_sealed: Option<String>,
    pub timeout_secs: i32,
    pub notify_enabled: bool,
    pub from_mode: String,
    pub from_custom: String,
    pub notify_charset: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<i32>,
    /// The OAuth認可サーバー XOAUTH2 sending signs in with.
    pub oauth_server_id: Option<i32>,
    /// The IMAP server accounts of ウェブメールIMAP may refer to.
    pub imap_host: String,
    pub imap_port: i32,
    pub imap_protection: Protection,
    /// 認証方式 XOAUTH2 for IMAP (with `oauth_server_id`).
    pub imap_oauth: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
