//! The screens, one folder per area of the menu: `portal` (sign-in, home,
//! help), `mail` (ウェブメール), `schedule` (スケジュール, 伝言) and `admin`
//! (管理者設定). Every page is rendered by the server; the browser runs
//! only islands. Each island is one only where its area's switch is on
//! (`#[cfg_attr(island_<area>, island)]`, set by app/build.rs, areas as in
//! `crate::area_of`): in another area's bundle it is a plain component that
//! nothing calls, so the linker leaves it out.
pub(crate) mod admin;
pub mod mail;
mod portal;
mod schedule;

pub use crate::components::Layout;
pub use admin::{
    AdminImapServerPage, AdminIndexPage, CertificatesPage, CompanyPage, ImapServerPage,
    MailServerPage, OAuthServerFormPage, OAuthServersPage, OrgsPage, OutboxPage,
    ScheduleSettingsPage, UserEditPage, UserNewPage, UsersPage, WebmailAdminPage,
    WebmailImportPage, WebmailIndexPage, WebmailServerPage, WebmailUserPage, WebmailUsersPage,
};
pub use mail::{AccountFormPage, AccountLogPage, ComposePage, MailPage, MyAccountsPage};
pub use portal::{HelpPage, HomePage, LoginPage, NotFoundPage, PasswordPage};
pub use schedule::{MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage};
