//! Server functions, one module per area: authenticate, authorise, decode
//! the input, call one domain service, map the error. URLs are fixed
//! (`/api/<name>`) so tests and scripts can call them. No module here
//! imports screen code.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::server::auth::fail;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i32,
    pub login_id: String,
    pub name: String,
    pub is_admin: bool,
    pub language: String,
    pub must_change_password: bool,
    /// Unread 伝言, shown as a count in the header.
    #[serde(default)]
    pub memos_unread: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDto {
    pub id: i32,
    pub name: String,
    pub parent_id: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDto {
    pub id: i32,
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub organisation_id: Option<i32>,
    pub disabled: bool,
    pub language: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDto {
    pub name: String,
    pub email: String,
}

#[cfg(feature = "ssr")]
impl From<&domain::users::User> for Me {
    fn from(u: &domain::users::User) -> Self {
        Me {
            id: u.id,
            login_id: u.login_id.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin(),
            language: u.language.clone(),
            must_change_password: u.must_change_password,
            memos_unread: 0,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::users::User> for UserDto {
    fn from(u: domain::users::User) -> Self {
        UserDto {
            is_admin: u.is_admin(),
            id: u.id,
            login_id: u.login_id,
            name: u.name,
            email: u.email.unwrap_or_default(),
            organisation_id: u.organisation_id,
            disabled: u.disabled,
            language: u.language,
        }
    }
}

#[cfg(feature = "ssr")]
/// A checkbox as a form posts it: present ("on") when checked; "true" from
/// a hydrated form's serialisation.
pub(crate) fn is_on(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| v == "on" || v == "true")
}

/// Form selects send "" for "none"; anything else must be an id.
#[cfg(feature = "ssr")]
fn opt_id(field: &'static str, v: &str) -> Result<Option<i32>, crate::error::AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| fail(domain::Error::field(field, domain::Code::NotFound).into()))
}

#[cfg(feature = "ssr")]
fn role(v: &str) -> Option<domain::users::Role> {
    domain::users::Role::parse(v.trim())
}

pub mod autoconfig;
pub mod certificates;
pub mod codec;
mod company;
pub mod compose;
mod form;
pub mod imap;
pub mod mail_server;
pub mod mailbox;
pub mod oauth;
mod orgs;
pub mod schedule;
mod session;
mod users;
pub mod webmail;

pub use company::*;
pub use orgs::*;
pub use session::*;
pub use users::*;
