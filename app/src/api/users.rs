//! ユーザー管理: users, their roles and passwords (admins only).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::UserDto;
#[cfg(feature = "ssr")]
use super::{opt_id, role};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

/// `org`: "" = all, "none" = without organisation, else an organisation id.
#[server(prefix = "/api", endpoint = "list_users", output = crate::api::codec::Json)]
pub async fn list_users(org: String) -> Result<Vec<UserDto>, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let filter = match org.trim() {
        "" => None,
        "none" => Some(None),
        id => Some(opt_id("org", id)?),
    };
    let users = done(domain::users::list(&state.db, filter).await)?;
    Ok(users.into_iter().map(UserDto::from).collect())
}

#[server(prefix = "/api", endpoint = "get_user", output = crate::api::codec::Json)]
pub async fn get_user(id: i32) -> Result<UserDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    done(domain::users::get(&state.db, id).await).map(UserDto::from)
}

/// ユーザーを追加 as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    pub login_id: String,
    pub name: String,
    pub email: String,
    /// "admin" or "user".
    pub role: String,
    pub password: String,
    /// An organisation ID, or "" for none.
    pub organisation: String,
    pub language: String,
}

#[server(prefix = "/api", endpoint = "create_user", output = crate::api::codec::Json)]
pub async fn create_user(#[server(flatten)] form: NewUserForm) -> Result<i32, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::users::NewUser {
        role: role(&form.role),
        organisation_id: opt_id("organisation_id", &form.organisation)?,
        login_id: form.login_id,
        name: form.name,
        email: form.email,
        password: form.password,
        language: form.language,
    };
    let user = done(domain::users::create(&state.db, &caller.actor(), input, true).await)?;
    crate::server::auth::redirect_form_post("/admin/users");
    Ok(user.id)
}

/// A user's change as posted (ユーザーの変更).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: String,
    pub language: String,
    /// A checkbox: present when checked.
    pub disabled: Option<String>,
}

#[server(prefix = "/api", endpoint = "update_user", output = crate::api::codec::Json)]
pub async fn update_user(id: i32, #[server(flatten)] form: UserForm) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::users::UserUpdate {
        role: role(&form.role),
        organisation_id: opt_id("organisation_id", &form.organisation)?,
        disabled: form.disabled.is_some_and(|v| !v.is_empty() && v != "false"),
        name: form.name,
        email: form.email,
        language: form.language,
    };
    done(domain::users::update(&state.db, &caller.actor(), id, input).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "reset_password", output = crate::api::codec::Json)]
pub async fn reset_password(id: i32, password: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::users::reset_password(&state.db, &caller.actor(), id, &password).await)
}
