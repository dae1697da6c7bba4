//! One module per screen.
mod admin;
pub mod compose;
mod help;
mod home;
mod login;
pub mod mailview;
mod schedule;
pub mod webmail;

pub use crate::components::Layout;
pub use admin::{
    AdminIndexPage, CompanyPage, MailServerPage, OrgsPage, OutboxPage, ScheduleSettingsPage,
    UserEditPage, UserNewPage, UsersPage, WebmailAdminPage, WebmailImportPage, WebmailIndexPage,
    WebmailServerPage, WebmailUserPage, WebmailUsersPage,
};
pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
pub use schedule::{MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage, saved_url};
pub use webmail::{AccountFormPage, AccountLogPage, MailPage, MyAccountsPage};
