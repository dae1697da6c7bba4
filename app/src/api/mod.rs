//! Server functions: authenticate, authorise, validate, call one service.
//! URLs are fixed (`/api/<name>`) so tests and scripts can call them.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{Need, done, fail, require};
use crate::error::AppError;

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

/// Form selects send "" for "none"; anything else must be an id.
#[cfg(feature = "ssr")]
fn opt_id(field: &'static str, v: &str) -> Result<Option<i32>, AppError> {
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

// ---------------------------------------------------------------- session

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    let caller = crate::auth::current_user().await.map_err(fail)?;
    Ok(caller.map(|c| Me::from(&c.user)))
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(login_id: String, password: String) -> Result<(), AppError> {
    use crate::auth::{client_ip, is_https, parts, session_cookie, set_cookie, state};
    use std::time::Instant;

    let state = state()?;
    let parts = parts().await?;
    let ip = client_ip(&parts, state.trust_proxy).unwrap_or_else(|| "unknown".into());
    if let Some(wait) = state.throttle.retry_after(&login_id, &ip, Instant::now()) {
        return Err(fail(AppError::Throttled(wait.as_secs().max(1))));
    }
    let user = done(domain::users::authenticate(&state.db, &login_id, &password).await)?;
    let actor = domain::audit::Actor {
        user_id: user.as_ref().map(|u| u.id),
        ip: Some(ip.clone()),
    };
    let Some(user) = user else {
        state.throttle.failed(&login_id, &ip, Instant::now());
        let target: String = login_id.chars().take(64).collect();
        done(domain::audit::record(&state.db, &actor, "login.failed", &target, "").await)?;
        return Err(fail(AppError::LoginFailed));
    };
    state.throttle.succeeded(&login_id);
    let token = done(domain::sessions::create(&state.db, user.id, Some(ip)).await)?;
    done(
        domain::audit::record(&state.db, &actor, "login", &format!("user:{}", user.id), "").await,
    )?;
    let https = is_https(&parts, &state);
    set_cookie(session_cookie(
        &token,
        https,
        domain::sessions::LIFETIME.num_seconds(),
    ));
    set_cookie(crate::auth::lang_cookie(&user.language, https));
    crate::auth::redirect_form_post(if user.must_change_password {
        "/password"
    } else {
        "/"
    });
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::{SESSION_COOKIE, cookie, is_https, parts, session_cookie, set_cookie, state};
    let state = state()?;
    let parts = parts().await?;
    if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        done(domain::sessions::delete(&state.db, &token).await)?;
    }
    set_cookie(session_cookie("", is_https(&parts, &state), 0));
    crate::auth::redirect_form_post("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(language: String) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::SignedIn).await?;
    done(domain::users::set_language(&state.db, caller.user.id, &language).await)?;
    let parts = crate::auth::parts().await?;
    crate::auth::set_cookie(crate::auth::lang_cookie(
        &language,
        crate::auth::is_https(&parts, &state),
    ));
    Ok(())
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::SignedIn).await?;
    done(
        domain::users::change_own_password(
            &state.db,
            &caller.actor(),
            caller.user.id,
            &current,
            &new_password,
            &confirm,
        )
        .await,
    )?;
    crate::auth::redirect_form_post("/");
    Ok(())
}

// ---------------------------------------------------------- organisations

#[server(prefix = "/api", endpoint = "list_orgs")]
pub async fn list_orgs() -> Result<Vec<OrgDto>, AppError> {
    // Everyone signed in may see the organisation tree (it is the directory).
    let state = crate::auth::state()?;
    require(Need::User).await?;
    let orgs = done(domain::orgs::list(&state.db).await)?;
    Ok(orgs
        .into_iter()
        .map(|o| OrgDto {
            id: o.id,
            name: o.name,
            parent_id: o.parent_id,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "create_org")]
pub async fn create_org(name: String, parent: String) -> Result<i32, AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    let parent = opt_id("parent_id", &parent)?;
    Ok(done(domain::orgs::create(&state.db, &caller.actor(), &name, parent).await)?.id)
}

#[server(prefix = "/api", endpoint = "rename_org")]
pub async fn rename_org(id: i32, name: String) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::orgs::rename(&state.db, &caller.actor(), id, &name).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "move_org")]
pub async fn move_org(id: i32, parent: String) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    let parent = opt_id("parent_id", &parent)?;
    done(domain::orgs::move_to(&state.db, &caller.actor(), id, parent).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "delete_org")]
pub async fn delete_org(id: i32) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::orgs::delete(&state.db, &caller.actor(), id).await)
}

// ------------------------------------------------------------------ users

/// `org`: "" = all, "none" = without organisation, else an organisation id.
#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users(org: String) -> Result<Vec<UserDto>, AppError> {
    let state = crate::auth::state()?;
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
    let state = crate::auth::state()?;
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
    let state = crate::auth::state()?;
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
    crate::auth::redirect_form_post("/admin/users");
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
    let state = crate::auth::state()?;
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
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::users::reset_password(&state.db, &caller.actor(), id, &password).await)
}

// ---------------------------------------------------------------- company

#[server(prefix = "/api", endpoint = "get_company")]
pub async fn get_company() -> Result<CompanyDto, AppError> {
    let state = crate::auth::state()?;
    require(Need::Admin).await?;
    let c = done(domain::company::get(&state.db).await)?;
    Ok(CompanyDto {
        name: c.name,
        email: c.email.unwrap_or_default(),
    })
}

#[server(prefix = "/api", endpoint = "save_company")]
pub async fn save_company(name: String, email: String) -> Result<(), AppError> {
    let state = crate::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::company::save(&state.db, &caller.actor(), &name, &email).await).map(|_| ())
}
