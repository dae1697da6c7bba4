//! Schema migrations, applied in order on every start (`Migrator::up`).
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_core_tables;
mod m20261127_000002_create_mail_server_settings;
mod m20261127_000003_create_outbox;
mod m20261127_000004_create_schedule;
mod m20261127_000005_create_mail_store;
mod m20261127_000006_add_receive_log;
mod m20261128_000007_webmail_accounts;
mod m20261128_000008_create_mail_folders;
mod m20261128_000009_mail_uploads;
mod m20261206_000010_uidls_per_server;
mod m20261206_000011_webmail_policy;
mod m20261206_000012_account_stored_bytes;
mod m20261207_000013_oauth;
mod m20261207_000014_imap;
mod m20261207_000015_imap_row_words;
mod m20261208_000016_imap_row_words_index;
mod m20261208_000017_trusted_certificates;
mod m20261208_000018_autoconfig;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_core_tables::Migration),
            Box::new(m20261127_000002_create_mail_server_settings::Migration),
            Box::new(m20261127_000003_create_outbox::Migration),
            Box::new(m20261127_000004_create_schedule::Migration),
            Box::new(m20261127_000005_create_mail_store::Migration),
            Box::new(m20261127_000006_add_receive_log::Migration),
            Box::new(m20261128_000007_webmail_accounts::Migration),
            Box::new(m20261128_000008_create_mail_folders::Migration),
            Box::new(m20261128_000009_mail_uploads::Migration),
            Box::new(m20261206_000010_uidls_per_server::Migration),
            Box::new(m20261206_000011_webmail_policy::Migration),
            Box::new(m20261206_000012_account_stored_bytes::Migration),
            Box::new(m20261207_000013_oauth::Migration),
            Box::new(m20261207_000014_imap::Migration),
            Box::new(m20261207_000015_imap_row_words::Migration),
            Box::new(m20261208_000016_imap_row_words_index::Migration),
            Box::new(m20261208_000017_trusted_certificates::Migration),
            Box::new(m20261208_000018_autoconfig::Migration),
        ]
    }
}
