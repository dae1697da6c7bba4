//! Remembered UIDLs belong to the server they came from (host, port and
//! user ID), so that an account pointed elsewhere for a while, or a
//! server that once listed nothing, does not make Tayori forget what it
//! has received: pointed back, the account downloads nothing twice. Rows
//! from before carry an empty server and are adopted by the account's
//! next receive.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PopUidls {
    Table,
    AccountId,
    Server,
    Uidl,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum PopUidlsOld {
    Table,
}

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    AccountId,
    MessageId,
}

/// Finds a message the account already holds by its Message-ID (a copy
/// listed again is not stored twice).
const BY_MESSAGE_ID: &str = "idx_mail_message_account_mid";

/// The table's shape, with or without the server column.
fn table(with_server: bool) -> TableCreateStatement {
    use PopUidls as U;
    let mut t = Table::create();
    t.table(U::Table)
        .col(ColumnDef::new(U::AccountId).integer().not_null());
    let mut key = Index::create();
    key.col(U::AccountId);
    if with_server {
        t.col(
            ColumnDef::new(U::Server)
                .string_len(400)
                .not_null()
                .default(""),
        );
        key.col(U::Server);
        // The old table's key (renamed away) still holds the usual name
        // until it is dropped.
        key.name("pop_uidls_server_pkey");
    } else {
        key.name("pop_uidls_account_pkey");
    }
    key.col(U::Uidl);
    t.col(ColumnDef::new(U::Uidl).string_len(100).not_null())
        .col(
            ColumnDef::new(U::ReceivedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .primary_key(&mut key)
        .foreign_key(
            ForeignKey::create()
                .name(if with_server {
                    "fk_pop_uidl_server_account"
                } else {
                    "fk_pop_uidl_account_only"
                })
                .from(U::Table, U::AccountId)
                .to(MailAccounts::Table, MailAccounts::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    t.to_owned()
}

async fn rebuild(manager: &SchemaManager<'_>, with_server: bool, copy: &str) -> Result<(), DbErr> {
    manager
        .rename_table(
            Table::rename()
                .table(PopUidls::Table, PopUidlsOld::Table)
                .to_owned(),
        )
        .await?;
    manager.create_table(table(with_server)).await?;
    manager.get_connection().execute_unprepared(copy).await?;
    manager
        .drop_table(Table::drop().table(PopUidlsOld::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(
            manager,
            true,
            "INSERT INTO pop_uidls (account_id, server, uidl, received_at) \
             SELECT account_id, '', uidl, received_at FROM pop_uidls_old",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_MESSAGE_ID)
                    .table(MailMessages::Table)
                    .col(MailMessages::AccountId)
                    .col(MailMessages::MessageId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(BY_MESSAGE_ID)
                    .table(MailMessages::Table)
                    .to_owned(),
            )
            .await?;
        rebuild(
            manager,
            false,
            "INSERT INTO pop_uidls (account_id, uidl, received_at) \
             SELECT account_id, uidl, MAX(received_at) FROM pop_uidls_old \
             GROUP BY account_id, uidl",
        )
        .await
    }
}
