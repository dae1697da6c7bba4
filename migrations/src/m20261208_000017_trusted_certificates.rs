//! 信頼するCA証明書: certificates of in-house certification authorities the
//! admin adds in the UI. Every mail connection (POP3, SMTP, IMAP, OAuth)
//! trusts them besides the public roots, in every server process.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrustedCertificates {
    Table,
    Id,
    Subject,
    Issuer,
    NotAfter,
    Fingerprint,
    Pem,
    CreatedAt,
    CreatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TrustedCertificates as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(
                        ColumnDef::new(T::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(T::Subject).text().not_null())
                    .col(ColumnDef::new(T::Issuer).text().not_null())
                    .col(ColumnDef::new(T::NotAfter).timestamp_with_time_zone())
                    // SHA-256 of the DER, hex: one row per certificate.
                    .col(
                        ColumnDef::new(T::Fingerprint)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(T::Pem).text().not_null())
                    .col(
                        ColumnDef::new(T::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(T::CreatedBy).integer())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrustedCertificates::Table).to_owned())
            .await
    }
}
