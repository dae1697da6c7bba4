//! The `mail_messages` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i32,
    pub uidl: String,
    pub folder: String,
    pub size: i32,
    pub subject: String,
    pub from_addr: String,
    pub sent_at: Option<DateTimeUtc>,
    pub message_id: Option<String>,
    pub received_at: DateTimeUtc,
    pub seen: bool,
    pub flagged: bool,
    pub has_attachment: bool,
    /// The first recipients, for 送信済み and 下書き.
    pub to_addr: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
