//! One module per screen.
// A bundle of one area links only its own screens; the others stay compiled.
#![cfg_attr(feature = "split", allow(unused_imports, dead_code))]

/// Screens this bundle leaves to another: each renders `Elsewhere`.
#[allow(unused_macros)]
macro_rules! elsewhere {
    ($($name:ident),*) => {
        $(
            #[leptos::component]
            pub fn $name() -> impl leptos::IntoView {
                leptos::view! { <crate::components::Elsewhere /> }
            }
        )*
    };
}
mod admin;
pub mod compose;
mod help;
mod home;
mod login;
pub mod mailview;
mod schedule;
pub mod webmail;

pub use crate::components::Layout;
pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
pub use schedule::saved_url;

// The browser gets one bundle per area (`split`, see scripts/build-site.sh):
// each hydrates the common screens and those of its area; a screen of
// another area is `Elsewhere`, which loads that page from the server (and
// with it that area's bundle). The server and unsplit builds have them all.
#[cfg(any(not(feature = "split"), feature = "area-admin"))]
pub use admin::{
    AdminIndexPage, CompanyPage, MailServerPage, OrgsPage, OutboxPage, ScheduleSettingsPage,
    UserEditPage, UserNewPage, UsersPage, WebmailAdminPage, WebmailImportPage, WebmailIndexPage,
    WebmailServerPage, WebmailUserPage, WebmailUsersPage,
};
#[cfg(all(feature = "split", not(feature = "area-admin")))]
elsewhere!(
    AdminIndexPage,
    CompanyPage,
    MailServerPage,
    OrgsPage,
    OutboxPage,
    ScheduleSettingsPage,
    UserEditPage,
    UserNewPage,
    UsersPage,
    WebmailAdminPage,
    WebmailImportPage,
    WebmailIndexPage,
    WebmailServerPage,
    WebmailUserPage,
    WebmailUsersPage
);

#[cfg(any(not(feature = "split"), feature = "area-schedule"))]
pub use schedule::{MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage};
#[cfg(all(feature = "split", not(feature = "area-schedule")))]
elsewhere!(MemosPage, ScheduleEntryPage, ScheduleNewPage, SchedulePage);

#[cfg(any(not(feature = "split"), feature = "area-mail"))]
pub use compose::ComposePage;
#[cfg(any(not(feature = "split"), feature = "area-mail"))]
pub use webmail::{AccountFormPage, AccountLogPage, MailPage, MyAccountsPage};
#[cfg(all(feature = "split", not(feature = "area-mail")))]
elsewhere!(
    ComposePage,
    AccountFormPage,
    AccountLogPage,
    MailPage,
    MyAccountsPage
);
