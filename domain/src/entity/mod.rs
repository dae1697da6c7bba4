//! Every table as a sea-orm entity, one module per table (named after it).
//! The services re-export the ones they own under their own name
//! (`users::entity`, `mailbox::account`, …).
pub mod audit_log;
pub mod company;
pub mod imap_folders;
pub mod imap_rows;
pub mod kinds;
pub mod locale_settings;
pub mod mail_accounts;
pub mod mail_bodies;
pub mod mail_folders;
pub mod mail_index;
pub mod mail_messages;
pub mod mail_server_settings;
pub mod mail_uploads;
pub mod memos;
pub mod oauth_grants;
pub mod oauth_pending;
pub mod oauth_servers;
pub mod organisations;
pub mod outbox;
pub mod pop_uidls;
pub mod schedule_entries;
pub mod schedule_entry_orgs;
pub mod schedule_participants;
pub mod schedule_titles;
pub mod sessions;
pub mod trusted_certificates;
pub mod users;
pub mod webmail_settings;
