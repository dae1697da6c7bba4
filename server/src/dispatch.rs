//! The notification dispatcher: claims due outbox rows under a lease, sends
//! them over a few pooled SMTP connections, and records each verdict with
//! the server's reply.
//!
//! Rows are claimed in batches and their verdicts written in group commits
//! (one transaction for whatever finished meanwhile), so the database is not
//! the bottleneck; a crash between a send and its commit resends at most the
//! messages of that window. A heartbeat extends the leases while a slow
//! server makes a batch outlast them.
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use domain::DatabaseConnection;
use domain::outbox::{self, OutboxRow, Verdict};
use tokio::sync::{Mutex, Notify, mpsc};

#[derive(Clone)]
pub struct Dispatcher {
    pub db: DatabaseConnection,
    pub secrets: Arc<domain::secrets::SecretBox>,
    pub trust: mail::tls::Trust,
    /// Names this process's claims (host, pid and a random part).
    pub owner: String,
    /// SMTP connections used at once.
    pub connections: usize,
    /// Rows claimed per round.
    pub batch: u64,
    pub lease: Duration,
    /// How often the outbox is looked at without a wake-up (other processes
    /// queue rows too, and retries fall due).
    pub poll: Duration,
    pub wake: Arc<Notify>,
}

impl Dispatcher {
    pub fn new(state: &app::server::state::AppState) -> Self {
        use rand::Rng;
        Dispatcher {
            db: state.db.clone(),
            secrets: state.secrets.clone(),
            trust: state.mail_trust.clone(),
            owner: format!(
                "{}-{:08x}",
                std::process::id(),
                rand::thread_rng().r#gen::<u32>()
            ),
            connections: 4,
            batch: 200,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(2),
            wake: state.outbox_wake.clone(),
        }
    }

    /// Runs until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.round().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "outbox round failed"),
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.poll) => {}
                }
            }
        })
    }

    /// One round: claim, send, record. Returns how many rows it handled.
    pub async fn round(&self) -> domain::Result<usize> {
        // A sign-in that is gone: nothing is claimed, nothing used up.
        if domain::mailserver::sending_held(&self.db).await?.is_some() {
            return Ok(0);
        }
        let rows = outbox::claim(&self.db, &self.owner, self.batch, self.lease).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let n = rows.len();
        let smtp = match self.smtp_settings().await {
            Ok(s) => s,
            Err(verdict) => {
                let verdicts = rows
                    .into_iter()
                    .map(|r| (r, verdict.clone()))
                    .collect::<Vec<_>>();
                outbox::record(&self.db, &self.owner, &verdicts).await?;
                return Ok(n);
            }
        };
        let queue = Arc::new(Mutex::new(rows.into_iter().collect::<VecDeque<_>>()));
        // Workers that run dry claim more while the others are still busy,
        // so a long fan-out does not stall between batches.
        let refill = Arc::new(Refill {
            db: self.db.clone(),
            owner: self.owner.clone(),
            lease: self.lease,
            batch: self.batch.max(1),
            claimed: std::sync::atomic::AtomicUsize::new(n),
        });
        let (tx, mut rx) = mpsc::unbounded_channel::<(OutboxRow, Verdict)>();
        let workers = self.connections.clamp(1, n);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let queue = queue.clone();
            let tx = tx.clone();
            let smtp = smtp.clone();
            let refill = refill.clone();
            let tokens = Tokens {
                db: self.db.clone(),
                secrets: self.secrets.clone(),
            };
            handles.push(tokio::spawn(async move {
                worker(smtp, &tokens, &queue, &refill, &tx).await
            }));
        }
        drop(tx);

        let heartbeat = {
            let db = self.db.clone();
            let owner = self.owner.clone();
            let lease = self.lease;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(lease / 3);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    if let Err(e) = outbox::extend_lease(&db, &owner, lease).await {
                        tracing::warn!(error = %e, "extending outbox leases failed");
                    }
                }
            })
        };

        // Group commit: whatever finished while the last commit ran goes
        // into the next one.
        let mut recorded = 0;
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            recorded += batch.len();
            if let Err(e) = outbox::record(&self.db, &self.owner, &batch).await {
                // The rows stay claimed; their leases run out and they are
                // sent again. Nothing is lost, at worst duplicated.
                tracing::error!(error = %e, "recording outbox verdicts failed");
            }
        }
        heartbeat.abort();
        for h in handles {
            let _ = h.await;
        }
        // Rows no worker got to (every connection failed) wait for the next
        // round with the reason the last connection gave.
        let left: Vec<OutboxRow> = queue.lock().await.drain(..).collect();
        if !left.is_empty() {
            let verdict = match domain::mailserver::sending_held(&self.db).await? {
                Some(_) => Verdict::Hold(domain::Error::NeedsReauth.to_string()),
                None => Verdict::Retry("not attempted: no connection".into()),
            };
            let verdicts = left
                .into_iter()
                .map(|r| (r, verdict.clone()))
                .collect::<Vec<_>>();
            outbox::record(&self.db, &self.owner, &verdicts).await?;
        }
        let n = refill.claimed.load(std::sync::atomic::Ordering::SeqCst);
        tracing::debug!(recorded, claimed = n, "outbox round done");
        Ok(n)
    }

    /// The session settings, or what becomes of the claimed rows when
    /// there are none: retried later, or held while the sign-in is gone.
    async fn smtp_settings(&self) -> Result<mail::smtp::SmtpSettings, Verdict> {
        let view = domain::mailserver::view(&self.db)
            .await
            .map_err(|e| Verdict::Retry(e.to_string()))?;
        if view.updated_at.is_none() {
            return Err(Verdict::Retry(
                "the mail server is not set up (メールサーバー設定)".into(),
            ));
        }
        let scope = domain::mailserver::Scope::Admin;
        let login = domain::mailserver::login_for(
            &self.db,
            &self.secrets,
            &self.trust,
            scope,
            "",
            &view.settings,
        )
        .await
        .map_err(|e| match e {
            domain::Error::NeedsReauth => Verdict::Hold(e.to_string()),
            e => Verdict::Retry(e.to_string()),
        })?;
        Ok(domain::mailserver::smtp_settings(
            &view.settings,
            login,
            &self.trust,
        ))
    }
}

/// What a worker needs to renew a refused access token.
struct Tokens {
    db: DatabaseConnection,
    secrets: Arc<domain::secrets::SecretBox>,
}

impl Tokens {
    /// Opens a session; when the server refuses the access token, once
    /// more with a refreshed one. A second refusal (or a grant that is
    /// gone) marks the sign-in 再認証が必要 and holds the mail.
    async fn open(
        &self,
        smtp: &mut mail::smtp::SmtpSettings,
    ) -> Result<mail::smtp::Session, Verdict> {
        use mail::smtp::SmtpError;
        let first = match mail::smtp::open(smtp, &mut |_| {}).await {
            Ok(s) => return Ok(s),
            Err(e @ SmtpError::TokenRefused { .. }) => e,
            // A session that cannot be opened is retried even when the
            // server said 5xx (bad credentials, TLS refused): the admin
            // can fix the settings, and the message keeps its place until
            // the attempts run out.
            Err(e) => return Err(Verdict::Retry(e.to_string())),
        };
        tracing::info!(error = %first, "the SMTP server refused the access token; refreshing it");
        match domain::mailserver::renewed_after_refusal(&self.db, &self.secrets, smtp).await {
            Ok(Some(renewed)) => *smtp = renewed,
            Ok(None) => return Err(Verdict::Hold(first.to_string())),
            Err(e) => return Err(Verdict::Retry(e.to_string())),
        }
        match mail::smtp::open(smtp, &mut |_| {}).await {
            Ok(s) => Ok(s),
            Err(e @ SmtpError::TokenRefused { .. }) => {
                let owner =
                    domain::oauth::grants::Owner::Settings(domain::mailserver::Scope::Admin);
                if let Err(db) =
                    domain::oauth::grants::needs_reauth(&self.db, owner, &e.to_string()).await
                {
                    tracing::warn!(error = %db, "marking the sign-in 再認証が必要 failed");
                }
                tracing::warn!(error = %e, "a refreshed access token was refused too: 再認証が必要");
                Err(Verdict::Hold(e.to_string()))
            }
            Err(e) => Err(Verdict::Retry(e.to_string())),
        }
    }
}

/// Claims further due rows into a round's queue.
struct Refill {
    db: DatabaseConnection,
    owner: String,
    lease: Duration,
    batch: u64,
    claimed: std::sync::atomic::AtomicUsize,
}

/// The next row: from the queue, or from a fresh claim when it is empty
/// (under the queue's lock, so only one worker claims at a time).
async fn next_row(queue: &Mutex<VecDeque<OutboxRow>>, refill: &Refill) -> Option<OutboxRow> {
    let mut q = queue.lock().await;
    if let Some(row) = q.pop_front() {
        return Some(row);
    }
    match outbox::claim(&refill.db, &refill.owner, refill.batch, refill.lease).await {
        Ok(rows) => {
            refill
                .claimed
                .fetch_add(rows.len(), std::sync::atomic::Ordering::SeqCst);
            q.extend(rows);
            q.pop_front()
        }
        Err(e) => {
            tracing::warn!(error = %e, "claiming more notifications failed");
            None
        }
    }
}

/// Sends rows from the shared queue over one connection, reopening it when
/// it breaks. When it cannot be opened, the row at hand is retried later and
/// this worker stops, so a down server is not hammered by every row.
async fn worker(
    mut smtp: mail::smtp::SmtpSettings,
    tokens: &Tokens,
    queue: &Mutex<VecDeque<OutboxRow>>,
    refill: &Refill,
    tx: &mpsc::UnboundedSender<(OutboxRow, Verdict)>,
) {
    let mut session: Option<mail::smtp::Session> = None;
    loop {
        let Some(row) = next_row(queue, refill).await else {
            break;
        };
        if !session.as_ref().is_some_and(|s| s.is_usable()) {
            // A broken connection is dropped before a new one is opened.
            drop(session.take());
            match tokens.open(&mut smtp).await {
                Ok(s) => session = Some(s),
                Err(verdict) => {
                    let _ = tx.send((row, verdict));
                    return;
                }
            }
        }
        let Some(s) = session.as_mut() else {
            break;
        };
        let verdict = match s
            .send(
                &row.envelope_from,
                std::slice::from_ref(&row.recipient),
                row.message.as_bytes(),
            )
            .await
        {
            Ok(reply) => Verdict::Sent(reply.text()),
            Err(e) if e.is_permanent() => Verdict::Failed(e.to_string()),
            Err(e) => Verdict::Retry(e.to_string()),
        };
        if tx.send((row, verdict)).is_err() {
            break;
        }
    }
    if let Some(s) = session {
        let _ = s.quit().await;
    }
}
