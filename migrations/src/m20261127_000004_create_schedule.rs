//! スケジュール: entries, their participants (users, and the organisations
//! chosen when they were registered), the ▼選択 list of common titles, 伝言
//! (in-app messages), the installation's time zone, and the notification
//! charset.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScheduleEntries {
    Table,
    Id,
    Title,
    Place,
    Body,
    StartsAt,
    EndsAt,
    AllDay,
    NotifyMethod,
    NotifySelf,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScheduleParticipants {
    Table,
    EntryId,
    UserId,
}

#[derive(DeriveIden)]
enum ScheduleEntryOrgs {
    Table,
    EntryId,
    OrganisationId,
}

#[derive(DeriveIden)]
enum ScheduleTitles {
    Table,
    Id,
    Label,
    Position,
}

#[derive(DeriveIden)]
enum Memos {
    Table,
    Id,
    UserId,
    SenderId,
    EntryId,
    Subject,
    Body,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum LocaleSettings {
    Table,
    Id,
    TimeZone,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum MailServerSettings {
    Table,
    NotifyCharset,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

/// The ▼選択 list a new installation starts with; the admin edits it.
const TITLES: [&str; 7] = ["会議", "打合せ", "来客", "外出", "出張", "休暇", "在宅勤務"];

fn ts<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().to_owned()
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScheduleEntries as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(
                        ColumnDef::new(E::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(E::Title).string_len(100).not_null())
                    .col(ColumnDef::new(E::Place).string_len(200).not_null())
                    .col(ColumnDef::new(E::Body).text().not_null())
                    .col(ts(E::StartsAt).not_null())
                    .col(ts(E::EndsAt).not_null())
                    .col(ColumnDef::new(E::AllDay).boolean().not_null())
                    .col(ColumnDef::new(E::NotifyMethod).string_len(16).not_null())
                    .col(ColumnDef::new(E::NotifySelf).boolean().not_null())
                    .col(ColumnDef::new(E::CreatedBy).integer().null())
                    .col(ColumnDef::new(E::UpdatedBy).integer().null())
                    .col(ts(E::CreatedAt).not_null())
                    .col(ts(E::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_schedule_created_by")
                            .from(E::Table, E::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_schedule_starts")
                    .table(E::Table)
                    .col(E::StartsAt)
                    .to_owned(),
            )
            .await?;

        use ScheduleParticipants as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::EntryId).integer().not_null())
                    .col(ColumnDef::new(P::UserId).integer().not_null())
                    .primary_key(Index::create().col(P::EntryId).col(P::UserId))
                    .foreign_key(&mut cascade(
                        "fk_participant_entry",
                        (P::Table, P::EntryId),
                        (E::Table, E::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_participant_user",
                        (P::Table, P::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A person's week is found from the user's side.
        manager
            .create_index(
                Index::create()
                    .name("idx_participant_user")
                    .table(P::Table)
                    .col(P::UserId)
                    .col(P::EntryId)
                    .to_owned(),
            )
            .await?;

        use ScheduleEntryOrgs as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(ColumnDef::new(O::EntryId).integer().not_null())
                    .col(ColumnDef::new(O::OrganisationId).integer().not_null())
                    .primary_key(Index::create().col(O::EntryId).col(O::OrganisationId))
                    .foreign_key(&mut cascade(
                        "fk_entry_org_entry",
                        (O::Table, O::EntryId),
                        (E::Table, E::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_entry_org_org",
                        (O::Table, O::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        use ScheduleTitles as T;
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
                    .col(ColumnDef::new(T::Label).string_len(50).not_null())
                    .col(ColumnDef::new(T::Position).integer().not_null())
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(T::Table)
            .columns([T::Label, T::Position])
            .to_owned();
        for (i, label) in TITLES.iter().enumerate() {
            insert.values_panic([(*label).into(), (i as i32).into()]);
        }
        manager.exec_stmt(insert).await?;

        use Memos as M;
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
                    .col(ColumnDef::new(M::UserId).integer().not_null())
                    .col(ColumnDef::new(M::SenderId).integer().null())
                    .col(ColumnDef::new(M::EntryId).integer().null())
                    .col(ColumnDef::new(M::Subject).string_len(300).not_null())
                    .col(ColumnDef::new(M::Body).text().not_null())
                    .col(ts(M::CreatedAt).not_null())
                    .col(ts(M::ReadAt).null())
                    .foreign_key(&mut cascade(
                        "fk_memo_user",
                        (M::Table, M::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memo_user")
                    .table(M::Table)
                    .col(M::UserId)
                    .col(M::Id)
                    .to_owned(),
            )
            .await?;

        use LocaleSettings as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(ColumnDef::new(L::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(L::TimeZone).string_len(64).not_null())
                    .col(ts(L::UpdatedAt).not_null())
                    .col(ColumnDef::new(L::UpdatedBy).integer().null())
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(MailServerSettings::Table)
                    .add_column(
                        ColumnDef::new(MailServerSettings::NotifyCharset)
                            .string_len(16)
                            .not_null()
                            .default("utf-8"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailServerSettings::Table)
                    .drop_column(MailServerSettings::NotifyCharset)
                    .to_owned(),
            )
            .await?;
        for t in [
            LocaleSettings::Table.into_iden(),
            Memos::Table.into_iden(),
            ScheduleTitles::Table.into_iden(),
            ScheduleEntryOrgs::Table.into_iden(),
            ScheduleParticipants::Table.into_iden(),
            ScheduleEntries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
