//! What ウェブメール設定 lets users choose for themselves: their own mail
//! servers (any, only the listed hosts, none) and a From address other
//! than their own.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebmailSettings {
    Table,
    OwnServers,
    AllowedHosts,
    FromAny,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebmailSettings as W;
        // One column per statement: SQLite alters one at a time.
        for col in [
            ColumnDef::new(W::OwnServers)
                .string_len(16)
                .not_null()
                .default("listed")
                .to_owned(),
            ColumnDef::new(W::AllowedHosts)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(W::FromAny)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(W::Table).add_column(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebmailSettings as W;
        for col in [W::OwnServers, W::AllowedHosts, W::FromAny] {
            manager
                .alter_table(Table::alter().table(W::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
