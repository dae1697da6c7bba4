//! 自動設定 (streamed): the steps of each source as they end, then what
//! was found, as JSON lines — the same shape as the connection test, read
//! by the same browser code. Admins look up for the two server settings;
//! a user only for an account of their own, and only when ウェブメール設定
//! lets users set servers of their own (the lookups reach hosts the
//! address names).
#[cfg(feature = "ssr")]
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::error::AppError;

/// The function's URL, for the page that posts to it.
pub const URL: &str = "/api/autoconfig";

#[cfg(feature = "ssr")]
#[server(
    prefix = "/api",
    endpoint = "autoconfig",
    output = leptos::server_fn::codec::StreamingText
)]
pub async fn autoconfig(
    #[server(default)] autoconfig_address: String,
    /// admin | webmail (the server settings) | account.
    #[server(default)]
    autoconfig_scope: String,
) -> Result<leptos::server_fn::codec::TextStream<AppError>, AppError> {
    use crate::server::auth::{Need, done, require};
    use futures::StreamExt;
    let state = crate::server::auth::state()?;
    if autoconfig_scope == "account" {
        let caller = require(Need::User).await?;
        let who = crate::api::webmail::imp::who(&caller);
        if !done(domain::webmail::own_servers_offered(&state.db, who).await)? {
            return Err(AppError::Forbidden);
        }
    } else {
        require(Need::Admin).await?;
    }
    let address = done(domain::autoconfig::check_address(&autoconfig_address))?;
    crate::server::ndjson::answer();
    // Unbounded is bounded here: one line per source (five) and the result.
    let (tx, rx) = futures::channel::mpsc::unbounded::<String>();
    tokio::spawn(async move {
        let steps = tx.clone();
        let found =
            domain::autoconfig::run(&state.db, &state.mail_trust, &address, &mut move |s| {
                let _ = steps.unbounded_send(crate::server::ndjson::line(&serde_json::json!({
                    "step": s.source.as_str(),
                    "ok": s.ok,
                    "skipped": s.skipped,
                    "ms": s.elapsed_ms,
                    "detail": s.detail,
                })));
            })
            .await;
        let last = match found {
            Ok(p) => serde_json::json!({ "found": p.as_ref().map(proposal_json) }),
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        let _ = tx.unbounded_send(crate::server::ndjson::line(&last));
    });
    Ok(leptos::server_fn::codec::TextStream::new(rx.map(Ok)))
}

#[cfg(feature = "ssr")]
fn proposal_json(p: &domain::autoconfig::Proposal) -> serde_json::Value {
    let server = |s: &Option<domain::autoconfig::Proposed>| {
        s.as_ref().map(|s| {
            serde_json::json!({
                "host": s.host, "port": s.port, "protection": s.protection, "oauth": s.oauth,
            })
        })
    };
    serde_json::json!({
        "source": p.source,
        "origin": p.origin,
        "preset": p.preset,
        "pop3": server(&p.pop3),
        "imap": server(&p.imap),
        "smtp": server(&p.smtp),
        "username": p.username,
        "not_offered": p.not_offered,
        "confirm_hosts": p.confirm_hosts,
    })
}
