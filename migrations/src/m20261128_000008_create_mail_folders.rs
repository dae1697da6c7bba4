//! The webmail proper: user folders, the list's flag and attachment marks,
//! sort orders that page at any depth, unread counts from a small index,
//! senders whose remote images are always shown, and the search index of
//! two-character pieces (SQLite FTS5 / a PostgreSQL GIN array), which is
//! derived from the stored mail: メール索引の最適化 rebuilds it.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailFolders {
    Table,
    Id,
    AccountId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    AccountId,
    Folder,
    Id,
    Flagged,
    HasAttachment,
    ToAddr,
    FromAddr,
    Subject,
    Size,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum MailIndex {
    Table,
    Grams,
}

#[derive(DeriveIden)]
enum MailImageSenders {
    Table,
    UserId,
    Sender,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailMessages as M;
        manager
            .create_table(
                Table::create()
                    .table(MailFolders::Table)
                    .col(
                        ColumnDef::new(MailFolders::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MailFolders::AccountId).integer().not_null())
                    .col(ColumnDef::new(MailFolders::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(MailFolders::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_folder_account")
                            .from(MailFolders::Table, MailFolders::AccountId)
                            .to(MailAccounts::Table, MailAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_folder_name")
                    .table(MailFolders::Table)
                    .col(MailFolders::AccountId)
                    .col(MailFolders::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for col in [
            ColumnDef::new(M::Flagged)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(M::HasAttachment)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(M::ToAddr)
                .text()
                .not_null()
                .default("")
                .to_owned(),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(M::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        // Each sort order of the list has its own index, so a page costs
        // the same at any depth in every order (keyset pagination). Arrival
        // order is ID order (IDs and receive times grow together), which
        // compares exactly on both databases, unlike stored timestamps.
        manager
            .drop_index(
                Index::drop()
                    .name("idx_mail_message_list")
                    .table(M::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_message_arrival")
                    .table(M::Table)
                    .col(M::AccountId)
                    .col(M::Folder)
                    .col(M::Id)
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_mail_message_from", M::FromAddr),
            ("idx_mail_message_subject", M::Subject),
            ("idx_mail_message_size", M::Size),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(M::Table)
                        .col(M::AccountId)
                        .col(M::Folder)
                        .col(col)
                        .col(M::Id)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        // Unread counts read only the unread rows.
        db.execute_unprepared(
            "CREATE INDEX idx_mail_message_unread ON mail_messages (account_id, folder) WHERE NOT seen",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailImageSenders::Table)
                    .col(
                        ColumnDef::new(MailImageSenders::UserId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MailImageSenders::Sender)
                            .string_len(254)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(MailImageSenders::UserId)
                            .col(MailImageSenders::Sender),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_image_sender_user")
                            .from(MailImageSenders::Table, MailImageSenders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                manager
                    .alter_table(
                        Table::alter()
                            .table(MailIndex::Table)
                            .add_column(
                                ColumnDef::new(MailIndex::Grams)
                                    .array(ColumnType::Text)
                                    .not_null()
                                    .default(Expr::cust("'{}'")),
                            )
                            .to_owned(),
                    )
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_mail_index_grams ON mail_index USING GIN (grams)",
                )
                .await?;
            }
            _ => {
                // Contentless (the text is in mail_index already), no
                // positions (a hit is confirmed against that text), and the
                // `ascii` tokenizer: the pieces are made by the application
                // (mail::search) and only split at spaces here.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE mail_fts USING fts5(grams, content='', contentless_delete=1, detail=none, tokenize='ascii')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                manager
                    .alter_table(
                        Table::alter()
                            .table(MailIndex::Table)
                            .drop_column(MailIndex::Grams)
                            .to_owned(),
                    )
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE mail_fts").await?;
            }
        }
        manager
            .drop_table(Table::drop().table(MailImageSenders::Table).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_message_list")
                    .table(MailMessages::Table)
                    .col(MailMessages::AccountId)
                    .col(MailMessages::Folder)
                    .col((MailMessages::ReceivedAt, IndexOrder::Desc))
                    .col((MailMessages::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        for name in [
            "idx_mail_message_arrival",
            "idx_mail_message_unread",
            "idx_mail_message_from",
            "idx_mail_message_subject",
            "idx_mail_message_size",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(MailMessages::Table)
                        .to_owned(),
                )
                .await?;
        }
        for col in [
            MailMessages::Flagged,
            MailMessages::HasAttachment,
            MailMessages::ToAddr,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MailMessages::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(MailFolders::Table).to_owned())
            .await
    }
}
