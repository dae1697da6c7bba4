//! Background receiving: every account whose last receive is older than the
//! interval is received in turn. Several server processes share the work
//! through each account's lease (`domain::mailbox::receive`).
use std::sync::Arc;
use std::time::Duration;

use domain::DatabaseConnection;

#[derive(Clone)]
pub struct Receiver {
    pub db: DatabaseConnection,
    pub secrets: Arc<domain::secrets::SecretBox>,
    pub trust: mail::tls::Trust,
    pub owner: String,
    /// Fixed by the operator (TAYORI_RECEIVE_INTERVAL); None: the admin's
    /// ウェブメール設定, read on every pass so a change applies at once.
    pub interval: Option<Duration>,
}

impl Receiver {
    pub fn new(state: &app::server::state::AppState, interval: Option<Duration>) -> Self {
        use rand::Rng;
        Receiver {
            db: state.db.clone(),
            secrets: state.secrets.clone(),
            trust: state.mail_trust.clone(),
            owner: format!(
                "{}-{:08x}",
                std::process::id(),
                rand::thread_rng().r#gen::<u32>()
            ),
            interval,
        }
    }

    /// Looks for due accounts every few seconds (at most the interval).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let look = self
                .interval
                .unwrap_or(Duration::from_secs(10))
                .clamp(Duration::from_secs(1), Duration::from_secs(10));
            let mut tick = tokio::time::interval(look);
            loop {
                tick.tick().await;
                self.pass().await;
            }
        })
    }

    /// Receives every due account once.
    pub async fn pass(&self) {
        let interval = match self.interval {
            Some(i) => i,
            None => match domain::webmail::settings(&self.db).await {
                Ok(s) => Duration::from_secs(u64::from(s.receive_interval_min) * 60),
                Err(e) => {
                    tracing::warn!(error = %e, "reading the receive interval failed");
                    return;
                }
            },
        };
        let due = match domain::mailbox::due_accounts(&self.db, interval).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "listing accounts to receive failed");
                return;
            }
        };
        for id in due {
            let r = domain::mailbox::receive(
                &self.db,
                &self.secrets,
                id,
                &self.owner,
                &self.trust,
                &mut |_, _| {},
            )
            .await;
            match r {
                Ok(r) if r.stored > 0 || r.deleted > 0 => {
                    tracing::info!(
                        account = id,
                        stored = r.stored,
                        deleted = r.deleted,
                        "received"
                    )
                }
                Ok(_) | Err(domain::Error::Busy) => {}
                // The reason is on the account (last_error) for its owner.
                Err(e) => tracing::warn!(account = id, error = %e, "receiving failed"),
            }
        }
    }
}
