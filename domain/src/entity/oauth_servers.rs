//! The `oauth_servers` table (OAuth認可サーバー設定).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_servers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// `microsoft`, `google` or `generic`.
    pub kind: String,
    /// Microsoft 365: `organizations`, `common` or the tenant's ID.
    pub tenant: String,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    pub discovery_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub issuer: String,
    /// Space-separated, as the authorization request carries them.
    pub scopes: String,
    /// `auto`, `xoauth2` or `oauthbearer`.
    pub mechanism: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
