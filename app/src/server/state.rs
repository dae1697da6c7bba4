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
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// メール索引の最適化 in this process: one at a time, its progress readable
/// by the admin's page.
#[derive(Default)]
pub struct IndexJob(std::sync::Mutex<IndexSnapshot>);

#[derive(Clone, Debug, Default)]
pub struct IndexSnapshot {
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub error: Option<String>,
}

impl IndexJob {
    fn lock(&self) -> std::sync::MutexGuard<'_, IndexSnapshot> {
        // A panic while holding the lock leaves plain numbers behind: usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// True when this call started it (false: one is already running).
    pub fn start(&self) -> bool {
        let mut s = self.lock();
        if s.running {
            return false;
        }
        *s = IndexSnapshot {
            running: true,
            ..Default::default()
        };
        true
    }
    pub fn progress(&self, done: u64, total: u64) {
        let mut s = self.lock();
        s.done = done;
        s.total = total;
    }
    pub fn finish(&self, error: Option<String>) {
        let mut s = self.lock();
        s.running = false;
        s.finished_at = Some(chrono::Utc::now());
        s.error = error;
    }
    pub fn snapshot(&self) -> IndexSnapshot {
        self.lock().clone()
    }
}

pub fn index_job() -> &'static IndexJob {
    static JOB: std::sync::OnceLock<IndexJob> = std::sync::OnceLock::new();
    JOB.get_or_init(IndexJob::default)
}
