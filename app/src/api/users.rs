//! ユーザー管理: users, their roles and passwords (admins only).
use leptos::prelude::*;

use super::UserDto;
#[cfg(feature = "ssr")]
use super::{opt_id, role};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

/// `org`: "" = all, "none" = without organisation, else an organisation id.
#[server(prefix = "/api", endpoint = "list_users")]
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

#[server(prefix = "/api", endpoint = "get_user")]
pub async fn get_user(id: i32) -> Result<UserDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    done(domain::users::get(&state.db, id).await).map(UserDto::from)
}

#[server(prefix = "/api", endpoint = "create_user")]
#[allow(clippy::too_many_arguments)]
pub async fn create_user(
    login_id: String,
    name: String,
    email: String,
    role: String,
    password: String,
    organisation: String,
    language: String,
) -> Result<i32, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::users::NewUser {
        login_id,
        name,
        email,
        role: self::role(&role),
        password,
        organisation_id: opt_id("organisation_id", &organisation)?,
        language,
    };
    let user = done(domain::users::create(&state.db, &caller.actor(), input, true).await)?;
    crate::server::auth::redirect_form_post("/admin/users");
    Ok(user.id)
}

#[server(prefix = "/api", endpoint = "update_user")]
#[allow(clippy::too_many_arguments)]
pub async fn update_user(
    id: i32,
    name: String,
    email: String,
    role: String,
    organisation: String,
    language: String,
    disabled: Option<String>,
) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let input = domain::users::UserUpdate {
        name,
        email,
        role: self::role(&role),
        organisation_id: opt_id("organisation_id", &organisation)?,
        disabled: disabled.is_some_and(|v| !v.is_empty() && v != "false"),
        language,
    };
    done(domain::users::update(&state.db, &caller.actor(), id, input).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(id: i32, password: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::users::reset_password(&state.db, &caller.actor(), id, &password).await)
}
