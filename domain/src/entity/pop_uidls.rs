//! The `pop_uidls` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pop_uidls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i32,
    /// The server the UIDL came from (`mailbox::server_identity`); empty
    /// for rows from before it was kept, adopted by the next receive.
    #[sea_orm(primary_key, auto_increment = false)]
    pub server: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub uidl: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
