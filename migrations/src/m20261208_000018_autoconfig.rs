//! 自動設定: the ISPDB-style database it may ask (empty: none, as an
//! intranet has no internet) and whether autoconfig documents may come
//! over plain http.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebmailSettings {
    Table,
    AutoconfigIspdb,
    AutoconfigHttp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebmailSettings as W;
        // One column per statement: SQLite alters one at a time.
        for col in [
            ColumnDef::new(W::AutoconfigIspdb)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(W::AutoconfigHttp)
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
        for col in [W::AutoconfigIspdb, W::AutoconfigHttp] {
            manager
                .alter_table(Table::alter().table(W::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
