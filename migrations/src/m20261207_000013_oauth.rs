//! OAuth認可サーバー設定: the registered authorization servers, the grants
//! (sealed refresh and access tokens) held for the admin's and webmail's
//! server settings and for accounts, the authorizations under way, and the
//! server each setting or account signs in with.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthServers {
    Table,
    Id,
    Name,
    Kind,
    Tenant,
    ClientId,
    ClientSecretSealed,
    DiscoveryUrl,
    AuthorizationUrl,
    TokenUrl,
    RevocationUrl,
    Issuer,
    Scopes,
    Mechanism,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthGrants {
    Table,
    Id,
    Owner,
    ServerId,
    SignedInAs,
    RefreshSealed,
    AccessSealed,
    AccessExpiresAt,
    RefreshedAt,
    NeedsReauth,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthPending {
    Table,
    State,
    UserId,
    SessionId,
    Owner,
    ServerId,
    VerifierSealed,
    RedirectUri,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailServerSettings {
    Table,
    OauthServerId,
}

#[derive(DeriveIden)]
enum MailAccounts {
    Table,
    OauthServerId,
    PopOauth,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OauthServers as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(
                        ColumnDef::new(S::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(S::Name).string_len(100).not_null())
                    .col(ColumnDef::new(S::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(S::Tenant)
                            .string_len(100)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(S::ClientId).string_len(255).not_null())
                    .col(ColumnDef::new(S::ClientSecretSealed).text())
                    .col(
                        ColumnDef::new(S::DiscoveryUrl)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(S::AuthorizationUrl).text().not_null())
                    .col(ColumnDef::new(S::TokenUrl).text().not_null())
                    .col(
                        ColumnDef::new(S::RevocationUrl)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(S::Issuer).text().not_null().default(""))
                    .col(ColumnDef::new(S::Scopes).text().not_null())
                    .col(
                        ColumnDef::new(S::Mechanism)
                            .string_len(16)
                            .not_null()
                            .default("auto"),
                    )
                    .col(
                        ColumnDef::new(S::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(S::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_server_name")
                    .table(S::Table)
                    .col(S::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use OauthGrants as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(
                        ColumnDef::new(G::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // `settings:1`, `settings:2` (admin, webmail) or
                    // `account:<id>`: one grant per thing that signs in.
                    .col(
                        ColumnDef::new(G::Owner)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(G::ServerId).integer().not_null())
                    .col(
                        ColumnDef::new(G::SignedInAs)
                            .string_len(320)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(G::RefreshSealed).text())
                    .col(ColumnDef::new(G::AccessSealed).text())
                    .col(ColumnDef::new(G::AccessExpiresAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(G::RefreshedAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(G::NeedsReauth)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(G::LastError).text().not_null().default(""))
                    .col(
                        ColumnDef::new(G::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grant_server")
                            .from(G::Table, G::ServerId)
                            .to(S::Table, S::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        use OauthPending as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(
                        ColumnDef::new(P::State)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(P::UserId).integer().not_null())
                    .col(ColumnDef::new(P::SessionId).string_len(128).not_null())
                    .col(ColumnDef::new(P::Owner).string_len(40).not_null())
                    .col(ColumnDef::new(P::ServerId).integer().not_null())
                    .col(ColumnDef::new(P::VerifierSealed).text().not_null())
                    .col(ColumnDef::new(P::RedirectUri).text().not_null())
                    .col(
                        ColumnDef::new(P::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_pending_server")
                            .from(P::Table, P::ServerId)
                            .to(S::Table, S::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(MailServerSettings::Table)
                    .add_column(ColumnDef::new(MailServerSettings::OauthServerId).integer())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .add_column(ColumnDef::new(MailAccounts::OauthServerId).integer())
                    .to_owned(),
            )
            .await?;
        // 認証方式 XOAUTH2 for receiving (SQLite alters one column at a time).
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .add_column(
                        ColumnDef::new(MailAccounts::PopOauth)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .drop_column(MailAccounts::PopOauth)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailAccounts::Table)
                    .drop_column(MailAccounts::OauthServerId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailServerSettings::Table)
                    .drop_column(MailServerSettings::OauthServerId)
                    .to_owned(),
            )
            .await?;
        for t in [
            OauthPending::Table.into_iden(),
            OauthGrants::Table.into_iden(),
            OauthServers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
