//! ウェブメール administration: who may use webmail and how much they may
//! store, the account form's sending settings and logs, receive progress
//! that every server process can read, webmail's own settings, and the
//! search index (derived from the stored mail, so it can be rebuilt).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    WebmailEnabled,
    MailQuotaMb,
}

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    Id,
    UserId,
    RecvSource,
    SendSource,
    SmtpHost,
    SmtpPort,
    SmtpProtection,
    SmtpAuth,
    SmtpMechanism,
    SmtpUser,
    SmtpPasswordSealed,
    LogSend,
    SendLog,
    ProgressDone,
    ProgressTotal,
}

#[derive(DeriveIden)]
enum WebmailSettings {
    Table,
    Id,
    AllowUserEdit,
    ReceiveIntervalMin,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MailIndex {
    Table,
    MessageId,
    AccountId,
    Body,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    Id,
    Raw,
}

#[derive(DeriveIden)]
enum MailBodies {
    Table,
    MessageId,
    Raw,
}

fn add(table: impl IntoIden, col: &mut ColumnDef) -> TableAlterStatement {
    // One column per statement: SQLite alters one thing at a time.
    Table::alter().table(table).add_column(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailAccounts as A;
        let s = |c: A, len: u32, default: &str| {
            ColumnDef::new(c)
                .string_len(len)
                .not_null()
                .default(default)
                .to_owned()
        };
        let alters = [
            add(
                Users::Table,
                ColumnDef::new(Users::WebmailEnabled)
                    .boolean()
                    .not_null()
                    .default(false),
            ),
            add(
                Users::Table,
                ColumnDef::new(Users::MailQuotaMb).integer().null(),
            ),
            add(A::Table, &mut s(A::RecvSource, 16, "own")),
            add(A::Table, &mut s(A::SendSource, 16, "own")),
            add(A::Table, &mut s(A::SmtpHost, 253, "")),
            add(
                A::Table,
                ColumnDef::new(A::SmtpPort).integer().not_null().default(25),
            ),
            add(A::Table, &mut s(A::SmtpProtection, 32, "none")),
            add(A::Table, &mut s(A::SmtpAuth, 32, "none")),
            add(A::Table, &mut s(A::SmtpMechanism, 32, "standard")),
            add(A::Table, &mut s(A::SmtpUser, 254, "")),
            add(
                A::Table,
                ColumnDef::new(A::SmtpPasswordSealed).text().null(),
            ),
            add(
                A::Table,
                ColumnDef::new(A::LogSend)
                    .boolean()
                    .not_null()
                    .default(false),
            ),
            add(A::Table, ColumnDef::new(A::SendLog).text().null()),
            add(
                A::Table,
                ColumnDef::new(A::ProgressDone)
                    .integer()
                    .not_null()
                    .default(0),
            ),
            add(
                A::Table,
                ColumnDef::new(A::ProgressTotal)
                    .integer()
                    .not_null()
                    .default(0),
            ),
        ];
        for a in alters {
            manager.alter_table(a).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_account_user")
                    .table(A::Table)
                    .col(A::UserId)
                    .col(A::Id)
                    .to_owned(),
            )
            .await?;

        use WebmailSettings as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(ColumnDef::new(W::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(W::AllowUserEdit).boolean().not_null())
                    .col(ColumnDef::new(W::ReceiveIntervalMin).integer().not_null())
                    .col(
                        ColumnDef::new(W::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        // The raw message moves to a table of its own: a row holding a large
        // blob before the list's columns makes SQLite walk the blob's
        // overflow pages to read a subject, so a page of the list would
        // read every message on it.
        use MailBodies as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(
                        ColumnDef::new(B::MessageId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(B::Raw).binary().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_body_message")
                            .from(B::Table, B::MessageId)
                            .to(MailMessages::Table, MailMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO mail_bodies (message_id, raw) SELECT id, raw FROM mail_messages",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailMessages::Table)
                    .drop_column(MailMessages::Raw)
                    .to_owned(),
            )
            .await?;

        use MailIndex as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(
                        ColumnDef::new(I::MessageId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(I::AccountId).integer().not_null())
                    .col(ColumnDef::new(I::Body).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_index_message")
                            .from(I::Table, I::MessageId)
                            .to(MailMessages::Table, MailMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_index_account")
                    .table(I::Table)
                    .col(I::AccountId)
                    .col(I::MessageId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailAccounts as A;
        manager
            .drop_table(Table::drop().table(MailIndex::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailMessages::Table)
                    .add_column(ColumnDef::new(MailMessages::Raw).binary().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE mail_messages SET raw = (SELECT raw FROM mail_bodies WHERE message_id = mail_messages.id)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MailBodies::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebmailSettings::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_mail_account_user")
                    .table(A::Table)
                    .to_owned(),
            )
            .await?;
        let cols: [(DynIden, DynIden); 15] = [
            (Users::Table.into_iden(), Users::WebmailEnabled.into_iden()),
            (Users::Table.into_iden(), Users::MailQuotaMb.into_iden()),
            (A::Table.into_iden(), A::RecvSource.into_iden()),
            (A::Table.into_iden(), A::SendSource.into_iden()),
            (A::Table.into_iden(), A::SmtpHost.into_iden()),
            (A::Table.into_iden(), A::SmtpPort.into_iden()),
            (A::Table.into_iden(), A::SmtpProtection.into_iden()),
            (A::Table.into_iden(), A::SmtpAuth.into_iden()),
            (A::Table.into_iden(), A::SmtpMechanism.into_iden()),
            (A::Table.into_iden(), A::SmtpUser.into_iden()),
            (A::Table.into_iden(), A::SmtpPasswordSealed.into_iden()),
            (A::Table.into_iden(), A::LogSend.into_iden()),
            (A::Table.into_iden(), A::SendLog.into_iden()),
            (A::Table.into_iden(), A::ProgressDone.into_iden()),
            (A::Table.into_iden(), A::ProgressTotal.into_iden()),
        ];
        for (t, c) in cols {
            manager
                .alter_table(Table::alter().table(t).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}
