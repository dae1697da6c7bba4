//! OAuth認可サーバー設定 (admins only): the registered servers, never their
//! client secrets, and the redirect URI to register at them.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, redirect_form_post, require};

/// A server as the screens show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthServerDto {
    pub id: i32,
    pub name: String,
    /// `microsoft`, `google` or `generic`.
    pub kind: String,
    pub tenant: String,
    pub client_id: String,
    pub secret_set: bool,
    pub discovery_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub scopes: String,
    pub mechanism: String,
}

#[cfg(feature = "ssr")]
impl From<domain::oauth::View> for OAuthServerDto {
    fn from(v: domain::oauth::View) -> Self {
        OAuthServerDto {
            id: v.id,
            name: v.name,
            kind: v.kind.as_str().to_owned(),
            tenant: v.tenant,
            client_id: v.client_id,
            secret_set: v.secret_set,
            discovery_url: v.discovery_url,
            authorization_url: v.authorization_url,
            token_url: v.token_url,
            revocation_url: v.revocation_url,
            scopes: v.scopes,
            mechanism: v.mechanism,
        }
    }
}

/// The edit screen's data: the server (none for a new one) and the
/// redirect URI, as the admin's browser reaches Tayori.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthServerPage {
    pub server: Option<OAuthServerDto>,
    pub redirect_uri: String,
}

#[server(prefix = "/api", endpoint = "list_oauth_servers", output = crate::api::codec::Json)]
pub async fn list_oauth_servers() -> Result<Vec<OAuthServerDto>, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let servers = done(domain::oauth::list(&state.db).await)?;
    Ok(servers.into_iter().map(OAuthServerDto::from).collect())
}

#[server(prefix = "/api", endpoint = "get_oauth_server", output = crate::api::codec::Json)]
pub async fn get_oauth_server(id: Option<i32>) -> Result<OAuthServerPage, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let parts = crate::server::auth::parts().await?;
    let origin = crate::server::auth::origin_of(&parts.headers, &state).unwrap_or_default();
    let server = match id {
        Some(id) => {
            let s = done(domain::oauth::get(&state.db, id).await)?;
            Some(OAuthServerDto::from(domain::oauth::View::from(&s)))
        }
        None => None,
    };
    Ok(OAuthServerPage {
        server,
        redirect_uri: domain::oauth::grants::redirect_uri(&origin),
    })
}

/// The form as posted; an empty `id` adds a server, an empty secret keeps
/// the stored one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthServerForm {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    pub discovery_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub scopes: String,
    pub mechanism: String,
}

#[server(prefix = "/api", endpoint = "save_oauth_server", output = crate::api::codec::Json)]
pub async fn save_oauth_server(#[server(flatten)] form: OAuthServerForm) -> Result<i32, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    let id = super::opt_id("id", &form.id)?;
    let input = domain::oauth::Input {
        name: form.name,
        kind: form.kind,
        tenant: form.tenant,
        client_id: form.client_id,
        client_secret: form.client_secret,
        discovery_url: form.discovery_url,
        authorization_url: form.authorization_url,
        token_url: form.token_url,
        revocation_url: form.revocation_url,
        scopes: form.scopes,
        mechanism: form.mechanism,
    };
    let http = domain::mailserver::oauth_http(&state.mail_trust, 15);
    let saved = done(
        domain::oauth::save(
            &state.db,
            &state.secrets,
            &http,
            &caller.actor(),
            id,
            &input,
        )
        .await,
    )?;
    redirect_form_post("/admin/oauth");
    Ok(saved.id)
}

#[server(prefix = "/api", endpoint = "delete_oauth_server", output = crate::api::codec::Json)]
pub async fn delete_oauth_server(id: i32) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::oauth::delete(&state.db, &caller.actor(), id).await)
}
