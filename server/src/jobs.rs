//! Work that outlives the request that asked for it: 受信 started from the
//! mail page and メール索引の最適化. The server functions ask through
//! `app::server::state::Background`; this process runs the work.
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use app::server::state::{Background, BoxFuture, IndexSnapshot};
use domain::DatabaseConnection;
use domain::secrets::SecretBox;

pub struct Jobs {
    db: DatabaseConnection,
    secrets: Arc<SecretBox>,
    trust: mail::tls::Trust,
    /// メール索引の最適化 in this process: one at a time.
    index: Arc<Mutex<IndexSnapshot>>,
    imap: domain::imap::Pool,
    /// Accounts whose IMAP list cache is being filled: one fill each.
    filling: Arc<Mutex<std::collections::HashSet<i32>>>,
}

impl Jobs {
    pub fn new(
        db: DatabaseConnection,
        secrets: Arc<SecretBox>,
        trust: mail::tls::Trust,
        imap: domain::imap::Pool,
    ) -> Self {
        Jobs {
            db,
            secrets,
            trust,
            index: Arc::default(),
            imap,
            filling: Arc::default(),
        }
    }
}

/// The index job's state; a panic while holding the lock leaves plain
/// numbers behind, which are still usable.
fn lock(index: &Mutex<IndexSnapshot>) -> MutexGuard<'_, IndexSnapshot> {
    index.lock().unwrap_or_else(|p| p.into_inner())
}

impl Background for Jobs {
    fn receive(&self, account_id: i32) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let (db, secrets, trust) = (self.db.clone(), self.secrets.clone(), self.trust.clone());
            let owner = format!(
                "web-{}-{}-{}",
                std::process::id(),
                account_id,
                chrono::Utc::now().timestamp_micros()
            );
            let (started, is_started) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                let mut started = Some(started);
                let mut progress = |_: usize, _: usize| {
                    if let Some(tx) = started.take() {
                        let _ = tx.send(());
                    }
                };
                match domain::mailbox::receive(
                    &db,
                    &secrets,
                    account_id,
                    &owner,
                    &trust,
                    &mut progress,
                )
                .await
                {
                    Ok(_) | Err(domain::Error::Busy) => {}
                    Err(e) => tracing::info!(account = account_id, error = %e, "receive failed"),
                }
            });
            // An ended receive drops the sender, which wakes this as well.
            let _ = tokio::time::timeout(Duration::from_secs(2), is_started).await;
        })
    }

    fn optimize_index(&self, actor: domain::audit::Actor) {
        {
            let mut s = lock(&self.index);
            if s.running {
                return;
            }
            *s = IndexSnapshot {
                running: true,
                ..Default::default()
            };
        }
        let (db, index) = (self.db.clone(), self.index.clone());
        tokio::spawn(async move {
            let r = domain::mailbox::rebuild_index(&db, &actor, &mut |done, total| {
                let mut s = lock(&index);
                s.done = done;
                s.total = total;
            })
            .await;
            let mut s = lock(&index);
            s.running = false;
            s.finished_at = Some(chrono::Utc::now());
            s.error = r.err().map(|e| e.to_string());
        });
    }

    fn fill_cache(&self, account_id: i32) {
        {
            let mut f = self.filling.lock().unwrap_or_else(|p| p.into_inner());
            if !f.insert(account_id) {
                return;
            }
        }
        let (db, secrets, trust, pool, filling) = (
            self.db.clone(),
            self.secrets.clone(),
            self.trust.clone(),
            self.imap.clone(),
            self.filling.clone(),
        );
        tokio::spawn(async move {
            let ctx = domain::imap::Ctx {
                db: &db,
                secrets: &secrets,
                trust: &trust,
                pool: &pool,
            };
            if let Err(e) = domain::imap::fill_cache(ctx, account_id).await {
                tracing::info!(account = account_id, error = %e, "IMAP list cache not filled");
            }
            filling
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&account_id);
        });
    }

    fn index_status(&self) -> IndexSnapshot {
        lock(&self.index).clone()
    }
}
