//! Shared server state, provided to every server function and SSR render.
use std::sync::Arc;

use axum::extract::FromRef;
use domain::DatabaseConnection;
use domain::throttle::LoginThrottle;
use leptos::prelude::LeptosOptions;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub throttle: Arc<LoginThrottle>,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Believe `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub trust_proxy: bool,
    /// Seals mail passwords and tokens at rest.
    pub secrets: Arc<domain::secrets::SecretBox>,
    /// An in-house CA (PEM) trusted for mail servers besides the public roots.
    pub extra_ca_pem: Option<Arc<Vec<u8>>>,
    /// The address users open (links in notification mail), without a
    /// trailing slash.
    pub public_url: String,
    /// Wakes the outbox dispatcher when a change queued notifications.
    pub outbox_wake: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
