//! The `webmail_settings` table.
use super::kinds::OwnServers;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webmail_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub allow_user_edit: bool,
    pub receive_interval_min: i32,
    pub updated_at: DateTimeUtc,
    pub attachment_max_mb: i32,
    pub own_servers: OwnServers,
    /// Host patterns, one per line (`*.example.co.jp` for its subdomains);
    /// empty: the hosts of the two shared server settings.
    pub allowed_hosts: String,
    pub from_any: bool,
    /// 自動設定's ISPDB base URL; empty: not asked.
    pub autoconfig_ispdb: String,
    /// Autoconfig documents may come over plain http.
    pub autoconfig_http: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
