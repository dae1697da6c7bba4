//! ウェブメール (POP): accounts, the received messages, and the UIDLs seen on
//! each account's server (kept apart from the messages, so a message the
//! user deletes is not fetched again while it is still on the server).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    Id,
    UserId,
    Name,
    DisplayName,
    Email,
    PopHost,
    PopPort,
    PopProtection,
    PopUser,
    PopPasswordSealed,
    PopApop,
    TimeoutSecs,
    LeaveOnServer,
    LeaveDays,
    LogReceive,
    IsDefault,
    ReceivingOwner,
    ReceivingUntil,
    LastReceivedAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    Id,
    AccountId,
    Uidl,
    Folder,
    Raw,
    Size,
    Subject,
    FromAddr,
    SentAt,
    MessageId,
    ReceivedAt,
    Seen,
}

#[derive(DeriveIden)]
enum PopUidls {
    Table,
    AccountId,
    Uidl,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn ts<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailAccounts as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(
                        ColumnDef::new(A::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(A::UserId).integer().not_null())
                    .col(ColumnDef::new(A::Name).string_len(100).not_null())
                    .col(ColumnDef::new(A::DisplayName).string_len(100).not_null())
                    .col(ColumnDef::new(A::Email).string_len(254).not_null())
                    .col(ColumnDef::new(A::PopHost).string_len(253).not_null())
                    .col(ColumnDef::new(A::PopPort).integer().not_null())
                    .col(ColumnDef::new(A::PopProtection).string_len(32).not_null())
                    .col(ColumnDef::new(A::PopUser).string_len(254).not_null())
                    .col(ColumnDef::new(A::PopPasswordSealed).text().null())
                    .col(ColumnDef::new(A::PopApop).boolean().not_null())
                    .col(ColumnDef::new(A::TimeoutSecs).integer().not_null())
                    .col(ColumnDef::new(A::LeaveOnServer).boolean().not_null())
                    .col(ColumnDef::new(A::LeaveDays).integer().null())
                    .col(ColumnDef::new(A::LogReceive).boolean().not_null())
                    .col(ColumnDef::new(A::IsDefault).boolean().not_null())
                    .col(ColumnDef::new(A::ReceivingOwner).string_len(64).null())
                    .col(ts(A::ReceivingUntil).null())
                    .col(ts(A::LastReceivedAt).null())
                    .col(ColumnDef::new(A::LastError).text().null())
                    .col(ts(A::CreatedAt).not_null())
                    .col(ts(A::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_account_user")
                            .from(A::Table, A::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        use MailMessages as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(
                        ColumnDef::new(M::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(M::AccountId).integer().not_null())
                    .col(ColumnDef::new(M::Uidl).string_len(100).not_null())
                    .col(ColumnDef::new(M::Folder).string_len(32).not_null())
                    .col(ColumnDef::new(M::Raw).binary().not_null())
                    .col(ColumnDef::new(M::Size).integer().not_null())
                    .col(ColumnDef::new(M::Subject).text().not_null())
                    .col(ColumnDef::new(M::FromAddr).text().not_null())
                    .col(ts(M::SentAt).null())
                    .col(ColumnDef::new(M::MessageId).text().null())
                    .col(ts(M::ReceivedAt).not_null())
                    .col(ColumnDef::new(M::Seen).boolean().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_message_account")
                            .from(M::Table, M::AccountId)
                            .to(A::Table, A::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A page of a folder costs the same however large it grows.
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_message_list")
                    .table(M::Table)
                    .col(M::AccountId)
                    .col(M::Folder)
                    .col((M::ReceivedAt, IndexOrder::Desc))
                    .col((M::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        use PopUidls as U;
        manager
            .create_table(
                Table::create()
                    .table(U::Table)
                    .col(ColumnDef::new(U::AccountId).integer().not_null())
                    .col(ColumnDef::new(U::Uidl).string_len(100).not_null())
                    .col(ts(U::ReceivedAt).not_null())
                    .primary_key(Index::create().col(U::AccountId).col(U::Uidl))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pop_uidl_account")
                            .from(U::Table, U::AccountId)
                            .to(A::Table, A::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PopUidls::Table.into_iden(),
            MailMessages::Table.into_iden(),
            MailAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
