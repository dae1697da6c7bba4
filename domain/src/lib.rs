//! Tayori's business rules: entities, services and their validation.
//!
//! Everything here is independent of Leptos; `#[server]` functions in `app`
//! authenticate the caller and then call exactly one service from this crate.
#![forbid(unsafe_code)]

pub mod audit;
pub mod autoconfig;
pub mod certificates;
pub mod company;
pub mod db;
pub mod entity;
pub mod error;
pub mod imap;
pub mod locale;
pub mod mailbox;
pub mod mailserver;
pub mod memos;
pub mod notify;
pub mod oauth;
pub mod orgs;
pub mod outbox;
pub mod password;
pub mod schedule;
pub mod secrets;
pub mod sessions;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod throttle;
pub mod users;
pub mod validate;
pub mod webmail;

pub use error::{Code, Error, FieldError, Result, Stored};
pub use sea_orm::{self, DatabaseConnection, DbErr};
