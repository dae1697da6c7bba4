//! One module per screen.
mod admin;
mod help;
mod home;
mod login;

pub use crate::components::Layout;
pub use admin::{
    AdminIndexPage, CompanyPage, MailServerPage, OrgsPage, UserEditPage, UserNewPage, UsersPage,
};
pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
