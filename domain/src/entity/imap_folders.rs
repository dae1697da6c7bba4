//! The `imap_folders` table: an IMAP folder Tayori has listed, under one
//! UIDVALIDITY. A new UIDVALIDITY is a new row (new message IDs), so an
//! old ID can never name another message.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imap_folders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    /// The name on the wire (modified UTF-7).
    pub wire: String,
    pub uid_validity: i64,
    pub highest_modseq: Option<i64>,
    pub uid_next: Option<i64>,
    pub exists: i64,
    /// Every UID below this that the server holds has its row cached.
    pub cached_below: i64,
    pub checked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
