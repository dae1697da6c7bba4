//! The `oauth_grants` table: the tokens one setting or account signs in
//! with, sealed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `settings:<row>` or `account:<id>`.
    pub owner: String,
    pub server_id: i32,
    pub signed_in_as: String,
    pub refresh_sealed: Option<String>,
    pub access_sealed: Option<String>,
    pub access_expires_at: Option<DateTimeUtc>,
    pub refreshed_at: Option<DateTimeUtc>,
    /// 再認証が必要: the grant is gone until someone signs in again.
    pub needs_reauth: bool,
    pub last_error: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
