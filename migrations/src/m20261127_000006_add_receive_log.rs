//! 受信時のログ: the last receive's dialogue (masked), when the account keeps
//! one.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    ReceiveLog,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .add_column(ColumnDef::new(MailAccounts::ReceiveLog).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .drop_column(MailAccounts::ReceiveLog)
                    .to_owned(),
            )
            .await
    }
}
