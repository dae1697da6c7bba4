//! The notification outbox: each row is a rendered message, committed in the
//! same transaction as the change that caused it, then sent by a dispatcher.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    EnvelopeFrom,
    Recipient,
    Subject,
    Message,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    LastReply,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Outbox as O;
        let ts = |c: O| ColumnDef::new(c).timestamp_with_time_zone().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(
                        ColumnDef::new(O::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(O::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(O::EnvelopeFrom).string_len(254).not_null())
                    .col(ColumnDef::new(O::Recipient).string_len(254).not_null())
                    .col(ColumnDef::new(O::Subject).text().not_null())
                    .col(ColumnDef::new(O::Message).text().not_null())
                    .col(ColumnDef::new(O::Status).string_len(16).not_null())
                    .col(ColumnDef::new(O::Attempts).integer().not_null().default(0))
                    .col(ts(O::NextAttemptAt).not_null())
                    .col(ts(O::LeaseUntil).null())
                    .col(ColumnDef::new(O::LeaseOwner).string_len(64).null())
                    .col(ColumnDef::new(O::LastReply).text().null())
                    .col(ts(O::CreatedAt).not_null())
                    .col(ts(O::SentAt).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(O::Table)
                    .col(O::Status)
                    .col(O::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}
