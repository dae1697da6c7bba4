//! Attachments uploaded while a message is written (each file on its own,
//! so the browser can show its progress), and the admin's limit on what
//! one message may carry.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailUploads {
    Table,
    Id,
    UserId,
    Name,
    ContentType,
    Size,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebmailSettings {
    Table,
    AttachmentMaxMb,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailUploads as U;
        manager
            .create_table(
                Table::create()
                    .table(U::Table)
                    .col(
                        ColumnDef::new(U::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(U::UserId).integer().not_null())
                    .col(ColumnDef::new(U::Name).string_len(255).not_null())
                    .col(ColumnDef::new(U::ContentType).string_len(255).not_null())
                    .col(ColumnDef::new(U::Size).big_integer().not_null())
                    .col(ColumnDef::new(U::Data).binary().not_null())
                    .col(
                        ColumnDef::new(U::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_upload_user")
                            .from(U::Table, U::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Uploads nobody sent are swept by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_upload_created")
                    .table(U::Table)
                    .col(U::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebmailSettings::Table)
                    .add_column(
                        ColumnDef::new(WebmailSettings::AttachmentMaxMb)
                            .integer()
                            .not_null()
                            .default(20),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebmailSettings::Table)
                    .drop_column(WebmailSettings::AttachmentMaxMb)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MailUploads::Table).to_owned())
            .await
    }
}
