//! 信頼するCA証明書 (admins only): the in-house CAs every mail connection
//! trusts. Adding or removing one takes effect for this process's next
//! connection at once, and for other processes within a minute
//! (`server::spawn_trust_refresh`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

/// A certificate as the list shows it (never more than public facts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedCaDto {
    pub id: i32,
    pub subject: String,
    pub issuer: String,
    /// In the company's time zone; empty when the certificate gives none.
    pub not_after: String,
    pub expired: bool,
    /// SHA-256, as `AB:CD:…`.
    pub fingerprint: String,
    pub added_at: String,
}

#[server(prefix = "/api", endpoint = "trusted_cas", output = crate::api::codec::Json)]
pub async fn trusted_cas() -> Result<Vec<TrustedCaDto>, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let tz = crate::api::webmail::imp::zone(&state.db).await;
    let rows = done(domain::certificates::list(&state.db).await)?;
    let now = chrono::Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| TrustedCaDto {
            id: r.id,
            subject: r.subject,
            issuer: r.issuer,
            not_after: crate::api::webmail::imp::local_time(tz, r.not_after),
            expired: r.not_after.is_some_and(|t| t < now),
            fingerprint: r
                .fingerprint
                .as_bytes()
                .chunks(2)
                .map(|p| String::from_utf8_lossy(p).to_uppercase())
                .collect::<Vec<_>>()
                .join(":"),
            added_at: crate::api::webmail::imp::local_time(tz, Some(r.created_at)),
        })
        .collect())
}

/// Adds the certificates of a pasted PEM and trusts them from the next
/// connection on.
#[server(prefix = "/api", endpoint = "add_trusted_ca", output = crate::api::codec::Json)]
pub async fn add_trusted_ca(pem: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::certificates::add(&state.db, &caller.actor(), &pem).await)?;
    done(domain::certificates::apply(&state.db, &state.mail_trust).await)
}

#[server(prefix = "/api", endpoint = "remove_trusted_ca", output = crate::api::codec::Json)]
pub async fn remove_trusted_ca(id: i32) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::certificates::remove(&state.db, &caller.actor(), id).await)?;
    done(domain::certificates::apply(&state.db, &state.mail_trust).await)
}
