//! One module per screen. Every page is rendered by the server; the browser
//! runs only islands. Each island is one only where its area's switch is on
//! (`#[cfg_attr(island_<area>, island)]`, set by app/build.rs, areas as in
//! `crate::area_of`): in another area's bundle it is a plain component that
//! nothing calls, so the linker leaves it out.
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
pub use compose::ComposePage;
pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
pub use schedule::{MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage, saved_url};
pub use webmail::{AccountFormPage, AccountLogPage, MailPage, MyAccountsPage};
