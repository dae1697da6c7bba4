//! ウェブメールIMAP: who may use it, the IMAP server of each settings row
//! (管理者設定, and row 3: ウェブメールIMAPのメールサーバー設定), IMAP
//! accounts with their folder choices, and the only thing Tayori keeps of
//! an IMAP mailbox: a cache of list rows per (account, folder,
//! UIDVALIDITY), dropped with its folder row when UIDVALIDITY changes.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    ImapEnabled,
}

#[derive(DeriveIden)]
enum MailServerSettings {
    Table,
    ImapHost,
    ImapPort,
    ImapProtection,
    ImapOauth,
}

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    Id,
    Kind,
    ImapHost,
    ImapPort,
    ImapProtection,
    ImapSent,
    ImapDrafts,
    ImapTrash,
    ServerFilesSent,
}

#[derive(DeriveIden)]
enum ImapFolders {
    Table,
    Id,
    AccountId,
    Wire,
    UidValidity,
    HighestModseq,
    UidNext,
    Exists,
    /// Every UID below this one that the server holds has its row cached.
    CachedBelow,
    CheckedAt,
}

#[derive(DeriveIden)]
enum ImapRows {
    Table,
    FolderId,
    Uid,
    Subject,
    FromAddr,
    ToAddr,
    SentAt,
    InternalDate,
    Size,
    Seen,
    Flagged,
    Answered,
    HasAttachment,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    col: ColumnDef,
) -> Result<(), DbErr> {
    // SQLite alters one column at a time.
    let mut col = col;
    manager
        .alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            Users::Table,
            ColumnDef::new(Users::ImapEnabled)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        )
        .await?;
        use MailServerSettings as S;
        for col in [
            ColumnDef::new(S::ImapHost)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(S::ImapPort)
                .integer()
                .not_null()
                .default(993)
                .to_owned(),
            ColumnDef::new(S::ImapProtection)
                .string_len(20)
                .not_null()
                .default("ssl")
                .to_owned(),
            ColumnDef::new(S::ImapOauth)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            add(manager, S::Table, col).await?;
        }
        use MailAccounts as A;
        for col in [
            ColumnDef::new(A::Kind)
                .string_len(10)
                .not_null()
                .default("pop")
                .to_owned(),
            ColumnDef::new(A::ImapHost)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(A::ImapPort)
                .integer()
                .not_null()
                .default(993)
                .to_owned(),
            ColumnDef::new(A::ImapProtection)
                .string_len(20)
                .not_null()
                .default("ssl")
                .to_owned(),
            // Empty: found by SPECIAL-USE, then by the usual names.
            ColumnDef::new(A::ImapSent)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(A::ImapDrafts)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(A::ImapTrash)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(A::ServerFilesSent)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            add(manager, A::Table, col).await?;
        }
        use ImapFolders as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(
                        ColumnDef::new(F::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(F::AccountId).integer().not_null())
                    .col(ColumnDef::new(F::Wire).string_len(1000).not_null())
                    .col(ColumnDef::new(F::UidValidity).big_integer().not_null())
                    .col(ColumnDef::new(F::HighestModseq).big_integer())
                    .col(ColumnDef::new(F::UidNext).big_integer())
                    .col(
                        ColumnDef::new(F::Exists)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(F::CachedBelow)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ColumnDef::new(F::CheckedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::AccountId)
                            .to(A::Table, A::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("imap_folders_account_wire")
                    .table(F::Table)
                    .col(F::AccountId)
                    .col(F::Wire)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use ImapRows as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(ColumnDef::new(R::FolderId).integer().not_null())
                    .col(ColumnDef::new(R::Uid).big_integer().not_null())
                    .col(ColumnDef::new(R::Subject).text().not_null())
                    .col(ColumnDef::new(R::FromAddr).text().not_null())
                    .col(ColumnDef::new(R::ToAddr).text().not_null())
                    .col(ColumnDef::new(R::SentAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(R::InternalDate)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(R::Size).integer().not_null())
                    .col(ColumnDef::new(R::Seen).boolean().not_null())
                    .col(ColumnDef::new(R::Flagged).boolean().not_null())
                    .col(ColumnDef::new(R::Answered).boolean().not_null())
                    .col(ColumnDef::new(R::HasAttachment).boolean().not_null())
                    .primary_key(Index::create().col(R::FolderId).col(R::Uid))
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::FolderId)
                            .to(F::Table, F::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [ImapRows::Table.into_iden(), ImapFolders::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        // SQLite drops one column at a time.
        let drops: [(DynIden, DynIden); 13] = [
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::Kind.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapHost.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapPort.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapProtection.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapSent.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapDrafts.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ImapTrash.into_iden(),
            ),
            (
                MailAccounts::Table.into_iden(),
                MailAccounts::ServerFilesSent.into_iden(),
            ),
            (
                MailServerSettings::Table.into_iden(),
                MailServerSettings::ImapHost.into_iden(),
            ),
            (
                MailServerSettings::Table.into_iden(),
                MailServerSettings::ImapPort.into_iden(),
            ),
            (
                MailServerSettings::Table.into_iden(),
                MailServerSettings::ImapProtection.into_iden(),
            ),
            (
                MailServerSettings::Table.into_iden(),
                MailServerSettings::ImapOauth.into_iden(),
            ),
            (Users::Table.into_iden(), Users::ImapEnabled.into_iden()),
        ];
        for (table, column) in drops {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
