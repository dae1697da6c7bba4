//! The `imap_rows` table: the list's line of an IMAP message, as its
//! folder's UID FETCH gave it. Never the message itself.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imap_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub folder_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub uid: i64,
    pub subject: String,
    pub from_addr: String,
    pub to_addr: String,
    pub sent_at: Option<DateTimeUtc>,
    pub internal_date: DateTimeUtc,
    pub size: i32,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub has_attachment: bool,
    /// Subject, From and To in the search index's normal form
    /// (`mail::search::normalize`): what a 件名・差出人・宛先 search matches.
    pub words: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
