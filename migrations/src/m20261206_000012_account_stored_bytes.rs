//! Each account keeps the bytes of the mail stored for it, maintained with
//! every message stored or deleted, so the storage a user has used (shown
//! on every mail page, checked against the quota) is a sum over their few
//! accounts rather than over every message they hold.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    StoredBytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .add_column(
                        ColumnDef::new(MailAccounts::StoredBytes)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE mail_accounts SET stored_bytes = \
                 (SELECT COALESCE(SUM(size), 0) FROM mail_messages \
                  WHERE mail_messages.account_id = mail_accounts.id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .drop_column(MailAccounts::StoredBytes)
                    .to_owned(),
            )
            .await
    }
}
