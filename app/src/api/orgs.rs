//! 組織管理: the organisation tree (read by everyone signed in, changed by admins).
use leptos::prelude::*;

use super::OrgDto;
#[cfg(feature = "ssr")]
use super::opt_id;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

#[server(prefix = "/api", endpoint = "list_orgs", output = crate::api::codec::Json)]
pub async fn list_orgs() -> Result<Vec<OrgDto>, AppError> {
    // Everyone signed in may see the organisation tree (it is the directory).
    let state = crate::server::auth::state()?;
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

#[server(prefix = "/api", endpoint = "create_org", output = crate::api::codec::Json)]
pub async fn create_org(name: String, parent: String) -> Result<i32, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let parent = opt_id("parent_id", &parent)?;
    Ok(done(domain::orgs::create(&state.db, &caller.actor(), &name, parent).await)?.id)
}

#[server(prefix = "/api", endpoint = "rename_org", output = crate::api::codec::Json)]
pub async fn rename_org(id: i32, name: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::orgs::rename(&state.db, &caller.actor(), id, &name).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "move_org", output = crate::api::codec::Json)]
pub async fn move_org(id: i32, parent: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let parent = opt_id("parent_id", &parent)?;
    done(domain::orgs::move_to(&state.db, &caller.actor(), id, parent).await).map(|_| ())
}

#[server(prefix = "/api", endpoint = "delete_org", output = crate::api::codec::Json)]
pub async fn delete_org(id: i32) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::orgs::delete(&state.db, &caller.actor(), id).await)
}
