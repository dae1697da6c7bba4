//! 管理者設定 > メールサーバー設定: the one current row of receiving and
//! sending server settings and メール通知設定.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailServerSettings {
    Table,
    Id,
    Preset,
    PopHost,
    PopPort,
    PopProtection,
    PopAuth,
    SmtpHost,
    SmtpPort,
    SmtpProtection,
    SmtpAuth,
    SmtpMechanism,
    AuthUser,
    AuthPasswordSealed,
    TimeoutSecs,
    NotifyEnabled,
    FromMode,
    FromCustom,
    UpdatedAt,
    UpdatedBy,
}

fn text(col: MailServerSettings, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailServerSettings as M;
        use MailServerSettings::*;
        manager
            .create_table(
                sea_orm_migration::prelude::Table::create()
                    .table(M::Table)
                    .col(ColumnDef::new(Id).integer().not_null().primary_key())
                    .col(text(Preset, 32))
                    .col(text(PopHost, 253))
                    .col(ColumnDef::new(PopPort).integer().not_null())
                    .col(text(PopProtection, 32))
                    .col(text(PopAuth, 16))
                    .col(text(SmtpHost, 253))
                    .col(ColumnDef::new(SmtpPort).integer().not_null())
                    .col(text(SmtpProtection, 32))
                    .col(text(SmtpAuth, 32))
                    .col(text(SmtpMechanism, 16))
                    .col(text(AuthUser, 254))
                    .col(ColumnDef::new(AuthPasswordSealed).text().null())
                    .col(ColumnDef::new(TimeoutSecs).integer().not_null())
                    .col(ColumnDef::new(NotifyEnabled).boolean().not_null())
                    .col(text(FromMode, 16))
                    .col(text(FromCustom, 400))
                    .col(
                        ColumnDef::new(UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UpdatedBy).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailServerSettings::Table).to_owned())
            .await
    }
}
