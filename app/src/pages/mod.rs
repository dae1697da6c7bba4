//! One module per screen.
mod admin;
mod help;
mod home;
mod login;
mod schedule;

pub use crate::components::Layout;
pub use admin::{
    AdminIndexPage, CompanyPage, MailServerPage, OrgsPage, OutboxPage, ScheduleSettingsPage,
    UserEditPage, UserNewPage, UsersPage,
};
pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
pub use schedule::{MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage, saved_url};
