//! The `oauth_pending` table: authorizations started and not yet back,
//! each bound to the session that started it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_pending")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state: String,
    pub user_id: i32,
    /// The digest of the session token, as the `sessions` table keeps it.
    pub session_id: String,
    pub owner: String,
    pub server_id: i32,
    pub verifier_sealed: String,
    pub redirect_uri: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
