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
    /// Whom the mail clients trust: the public roots and an in-house CA,
    /// built once at start-up.
    pub mail_trust: mail::tls::Trust,
    /// The address users open (links in notification mail), without a
    /// trailing slash.
    pub public_url: String,
    /// Wakes the outbox dispatcher when a change queued notifications.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Receives and index jobs started by a request.
    pub background: Arc<dyn Background>,
    /// Open IMAP sessions of ウェブメールIMAP accounts, reused across
    /// requests.
    pub imap: domain::imap::Pool,
}

impl AppState {
    /// What the IMAP services need.
    pub fn imap_ctx(&self) -> domain::imap::Ctx<'_> {
        domain::imap::Ctx {
            db: &self.db,
            secrets: &self.secrets,
            trust: &self.mail_trust,
            pool: &self.imap,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Work that outlives the request that asked for it, run by the server
/// process (`server::jobs`): a server function only asks.
pub trait Background: Send + Sync {
    /// Starts receiving the account's mail and returns once the receive has
    /// its list of messages (its first progress), has ended, or after two
    /// seconds: the page shown next then has the running receive and its
    /// total to follow. A receive already running is not an error.
    fn receive(&self, account_id: i32) -> BoxFuture<'_, ()>;
    /// Starts メール索引の最適化 unless one is running in this process.
    fn optimize_index(&self, actor: domain::audit::Actor);
    /// Where メール索引の最適化 stands.
    fn index_status(&self) -> IndexSnapshot;
    /// Starts filling the account's IMAP list cache unless that runs
    /// already (`domain::imap::fill_cache`; nothing for the local store).
    fn fill_cache(&self, account_id: i32);
}

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// メール索引の最適化 as the admin's page shows it.
#[derive(Clone, Debug, Default)]
pub struct IndexSnapshot {
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub error: Option<String>,
}
