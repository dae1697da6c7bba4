//! 会社情報設定: the company name and its address (admins only).
use leptos::prelude::*;

use super::CompanyDto;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

#[server(prefix = "/api", endpoint = "get_company", output = crate::api::codec::Json)]
pub async fn get_company() -> Result<CompanyDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let c = done(domain::company::get(&state.db).await)?;
    Ok(CompanyDto {
        name: c.name,
        email: c.email.unwrap_or_default(),
    })
}

#[server(prefix = "/api", endpoint = "save_company", output = crate::api::codec::Json)]
pub async fn save_company(name: String, email: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::company::save(&state.db, &caller.actor(), &name, &email).await).map(|_| ())
}
