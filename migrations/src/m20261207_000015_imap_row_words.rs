//! The IMAP list cache keeps, per row, its subject and addresses in the
//! search index's normal form (`mail::search::normalize`), so 件名・差出人・
//! 宛先 searches are answered from the cache the way the local store's are.
//! Rows cached before have no such words: the cache is emptied and filled
//! again from the server (it holds nothing the server does not).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImapRows {
    Table,
    Words,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM imap_rows").await?;
        db.execute_unprepared("UPDATE imap_folders SET cached_below = 1")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ImapRows::Table)
                    .add_column(
                        ColumnDef::new(ImapRows::Words)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImapRows::Table)
                    .drop_column(ImapRows::Words)
                    .to_owned(),
            )
            .await
    }
}
