//! Signing a setting or an account in at an OAuth認可サーバー, and the
//! tokens that come of it.
//!
//! The flow: `start` makes the authorization URL (code flow with PKCE
//! S256, a single-use `state` bound to the session that asked, the
//! account's address as `login_hint`) and remembers it; `finish` takes the
//! callback, checks `state` against the session and the RFC 9207 `iss`
//! when the server sends one, exchanges the code and keeps the tokens
//! sealed. Tokens never leave the server.
//!
//! Tokens: `access_token` hands out a token valid for at least `GRACE`,
//! refreshing it first when needed. One refresh per grant at a time: in
//! this process behind a lock per grant, across processes behind the row
//! lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serves one process).
//! A rotated refresh token is committed before the new access token is
//! used, so a crash cannot lose it (servers that rotate end the whole grant
//! when an old refresh token is used again). `invalid_grant` marks the
//! grant 再認証が必要; nothing retries it until someone signs in again.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait, TryIntoModel,
};

use crate::secrets::SecretBox;
use crate::{Code, Error, Result};

pub use crate::entity::oauth_grants as entity;
pub use entity::Model as Grant;

use crate::entity::oauth_pending as pending;

const REFRESH_LABEL: &str = "oauth_grant.refresh_token";
const ACCESS_LABEL: &str = "oauth_grant.access_token";
const VERIFIER_LABEL: &str = "oauth_pending.verifier";

/// An access token is refreshed when it has less than this left: a token
/// that expires while a receive is under way would fail it midway.
pub const GRACE: Duration = Duration::from_secs(120);
/// How long a started sign-in waits for its callback.
const PENDING_TTL: chrono::Duration = chrono::Duration::minutes(15);
/// Idle grants are refreshed at least this often, so no server's
/// inactivity limit (Microsoft: 90 days) ends them.
pub const IDLE_REFRESH: chrono::Duration = chrono::Duration::days(7);

/// What signs in: one of the two server settings rows, or an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    Settings(crate::mailserver::Scope),
    Account(i32),
}

impl Owner {
    pub fn key(self) -> String {
        match self {
            Owner::Settings(scope) => format!("settings:{}", scope.row()),
            Owner::Account(id) => format!("account:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        let id: i32 = id.parse().ok()?;
        match kind {
            "settings" if id == crate::mailserver::Scope::Admin.row() => {
                Some(Owner::Settings(crate::mailserver::Scope::Admin))
            }
            "settings" if id == crate::mailserver::Scope::Webmail.row() => {
                Some(Owner::Settings(crate::mailserver::Scope::Webmail))
            }
            "account" => Some(Owner::Account(id)),
            _ => None,
        }
    }
}

/// A token to log in with, and as whom.
#[derive(Clone)]
pub struct Bearer {
    pub token: String,
    pub user: String,
    pub mechanism: mail::sasl::BearerMechanism,
}

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bearer({:?}, {:?}, ********)", self.user, self.mechanism)
    }
}

/// What the screens show of a grant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub server_id: i32,
    pub signed_in_as: String,
    /// Until when the current access token is good.
    pub access_until: Option<chrono::DateTime<chrono::Utc>>,
    pub refreshed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub needs_reauth: bool,
    pub last_error: String,
}

impl From<&Grant> for Status {
    fn from(g: &Grant) -> Self {
        Status {
            server_id: g.server_id,
            signed_in_as: g.signed_in_as.clone(),
            access_until: g.access_expires_at,
            refreshed_at: g.refreshed_at,
            needs_reauth: g.needs_reauth,
            last_error: g.last_error.clone(),
        }
    }
}

pub async fn status(db: &DatabaseConnection, owner: Owner) -> Result<Option<Status>> {
    Ok(find(db, owner).await?.as_ref().map(Status::from))
}

/// The server `owner`'s grant was made at, if there is one.
pub async fn server_of<C: sea_orm::ConnectionTrait>(conn: &C, owner: Owner) -> Result<Option<i32>> {
    Ok(find(conn, owner).await?.map(|g| g.server_id))
}

/// Whether `user` may sign `owner` in, and the address to suggest at the
/// server's login (`login_hint`): the settings are the admin's, an account
/// its owner's.
pub async fn may_sign_in(
    db: &DatabaseConnection,
    user: &crate::users::User,
    owner: Owner,
) -> Result<Option<String>> {
    match owner {
        Owner::Settings(scope) => {
            if !user.is_admin() {
                return Err(Error::Forbidden);
            }
            let view = crate::mailserver::view_scoped(db, scope).await?;
            Ok(Some(view.settings.auth_user).filter(|u| u.contains('@')))
        }
        Owner::Account(id) => {
            let acc = crate::entity::mail_accounts::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|a| a.user_id == user.id)
                .ok_or(Error::NotFound)?;
            Ok(Some(acc.email))
        }
    }
}

async fn find<C: sea_orm::ConnectionTrait>(conn: &C, owner: Owner) -> Result<Option<Grant>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Owner.eq(owner.key()))
        .one(conn)
        .await?)
}

/// The callback URL Tayori registers at servers, for the origin the admin
/// reaches Tayori at (`https://tayori.example.com`).
pub fn redirect_uri(origin: &str) -> String {
    format!("{}/oauth/callback", origin.trim_end_matches('/'))
}

/// Starts signing `owner` in at server `server_id` for the user of
/// `session_token`: returns the URL to send the browser to. The caller
/// has checked that this user may sign this owner in.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    user_id: i32,
    session_token: &str,
    owner: Owner,
    server_id: i32,
    origin: &str,
    login_hint: Option<&str>,
) -> Result<String> {
    let server = super::get(db, server_id)
        .await
        .map_err(|_| Error::field("oauth_server_id", Code::NotFound))?;
    let redirect = redirect_uri(origin);
    let (ep, reg) = super::client_of(secrets, &server, &redirect)?;
    let kind = super::Kind::parse(&server.kind).unwrap_or(super::Kind::Generic);
    let started = mail::oauth::start(
        &ep,
        &reg,
        &mail::oauth::Request {
            scopes: server
                .scopes
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            login_hint: login_hint
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
            extra: kind.extra_params(),
        },
    )?;
    let now = chrono::Utc::now();
    let txn = crate::db::write(db).await?;
    // Sign-ins never finished are forgotten.
    pending::Entity::delete_many()
        .filter(pending::Column::CreatedAt.lt(now - PENDING_TTL))
        .exec(&txn)
        .await?;
    pending::ActiveModel {
        state: Set(started.state),
        user_id: Set(user_id),
        session_id: Set(crate::sessions::digest(session_token)),
        owner: Set(owner.key()),
        server_id: Set(server_id),
        verifier_sealed: Set(secrets.seal(VERIFIER_LABEL, &started.verifier)?),
        redirect_uri: Set(redirect),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(started.url)
}

/// The callback's query as the server sent it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Callback {
    pub state: String,
    pub code: String,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Which setting or account a started sign-in is for (the page it returns
/// to), without using it up.
pub async fn owner_of_pending(db: &DatabaseConnection, state: &str) -> Result<Option<Owner>> {
    if state.is_empty() || state.len() > 64 {
        return Ok(None);
    }
    Ok(pending::Entity::find_by_id(state.to_owned())
        .one(db)
        .await?
        .and_then(|p| Owner::parse(&p.owner)))
}

/// Whom a finished sign-in was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub owner: Owner,
    pub signed_in_as: String,
}

/// Finishes a sign-in: the `state` must be one this session started (and
/// is used up either way), `iss` must name the server when it is sent;
/// then the code is exchanged and the tokens kept. A failure is reported
/// as `SignInFailed` (or the server's refusal) without keeping anything.
pub async fn finish(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
    session_token: &str,
    cb: &Callback,
) -> Result<Finished> {
    let failed = || Error::field("oauth", Code::SignInFailed);
    if cb.state.is_empty() || cb.state.len() > 64 {
        return Err(failed());
    }
    let txn = crate::db::write(db).await?;
    let Some(p) = pending::Entity::find_by_id(cb.state.clone())
        .one(&txn)
        .await?
    else {
        return Err(failed());
    };
    // Single use: gone whatever comes next.
    pending::Entity::delete_by_id(p.state.clone())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if p.session_id != crate::sessions::digest(session_token)
        || p.created_at < chrono::Utc::now() - PENDING_TTL
    {
        return Err(failed());
    }
    let owner = Owner::parse(&p.owner).ok_or_else(failed)?;
    if let Some(e) = &cb.error {
        tracing::info!(
            "OAuth sign-in of {} refused at the server: {e} {}",
            p.owner,
            cb.error_description.as_deref().unwrap_or("")
        );
        return Err(failed());
    }
    let server = super::get(db, p.server_id).await?;
    // RFC 9207: a response naming another issuer is a mix-up attack.
    if let Some(iss) = &cb.iss
        && !server.issuer.is_empty()
        && iss != &server.issuer
    {
        tracing::warn!(
            "OAuth callback for {} named issuer {iss}, not {}",
            p.owner,
            server.issuer
        );
        return Err(failed());
    }
    if cb.code.is_empty() || cb.code.len() > 4096 {
        return Err(failed());
    }
    let (ep, reg) = super::client_of(secrets, &server, &p.redirect_uri)?;
    let verifier = secrets.open(VERIFIER_LABEL, &p.verifier_sealed)?;
    let tokens = mail::oauth::exchange_code(http, &ep, &reg, &cb.code, &verifier).await?;
    let signed_in_as = tokens.signed_in_as.clone().unwrap_or_default();
    keep(db, secrets, owner, server.id, &tokens, Some(&signed_in_as)).await?;
    Ok(Finished {
        owner,
        signed_in_as,
    })
}

/// Stores new tokens for `owner` (a sign-in, or a refresh when the row is
/// already locked by the caller's transaction).
async fn keep(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    owner: Owner,
    server_id: i32,
    tokens: &mail::oauth::Tokens,
    signed_in_as: Option<&str>,
) -> Result<Grant> {
    let txn = crate::db::write(db).await?;
    let existing = find(&txn, owner).await?;
    let now = chrono::Utc::now();
    let mut am = match existing {
        Some(g) => entity::ActiveModel::from(g),
        None => entity::ActiveModel {
            owner: Set(owner.key()),
            ..Default::default()
        },
    };
    am.server_id = Set(server_id);
    if let Some(who) = signed_in_as {
        am.signed_in_as = Set(who.to_owned());
    }
    apply(&mut am, secrets, tokens, now)?;
    let g = am.save(&txn).await?;
    let g = g.try_into_model()?;
    txn.commit().await?;
    Ok(g)
}

fn apply(
    am: &mut entity::ActiveModel,
    secrets: &SecretBox,
    tokens: &mail::oauth::Tokens,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if let Some(r) = &tokens.refresh {
        am.refresh_sealed = Set(Some(secrets.seal(REFRESH_LABEL, r)?));
    }
    am.access_sealed = Set(Some(secrets.seal(ACCESS_LABEL, &tokens.access)?));
    // A server that does not say how long the token lives: an hour, the
    // usual lifetime, after which it is refreshed.
    let lives = tokens.expires_in.unwrap_or(Duration::from_secs(3600));
    am.access_expires_at = Set(Some(
        now + chrono::Duration::from_std(lives).unwrap_or(chrono::Duration::hours(1)),
    ));
    am.refreshed_at = Set(Some(now));
    am.needs_reauth = Set(false);
    am.last_error = Set(String::new());
    am.updated_at = Set(now);
    Ok(())
}

/// One lock per grant in this process: concurrent users of one token wait
/// for a single refresh instead of each refreshing (with rotation, the
/// second would end the grant).
fn grant_lock(owner: Owner) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<Mutex<HashMap<Owner, Arc<tokio::sync::Mutex<()>>>>> =
        std::sync::OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    let mut map = locks.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(owner).or_default().clone()
}

/// Whether the stored access token has enough time left: `GRACE`, or a
/// third of its lifetime for tokens shorter-lived than that.
fn still_good(g: &Grant, now: chrono::DateTime<chrono::Utc>) -> bool {
    let (Some(_), Some(expires)) = (&g.access_sealed, g.access_expires_at) else {
        return false;
    };
    let grace = chrono::Duration::from_std(GRACE).unwrap_or_default();
    let grace = match g.refreshed_at {
        Some(issued) => grace.min((expires - issued) / 3),
        None => grace,
    };
    expires > now + grace
}

/// A token `owner` can log in with now, refreshed first when it has less
/// than `GRACE` left. `NeedsReauth` when there is no grant or it is gone.
pub async fn access_token(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
    owner: Owner,
) -> Result<Bearer> {
    let g = find(db, owner).await?.ok_or(Error::NeedsReauth)?;
    if g.needs_reauth {
        return Err(Error::NeedsReauth);
    }
    if still_good(&g, chrono::Utc::now()) {
        return bearer(db, secrets, &g).await;
    }
    refresh(db, secrets, http, owner, Why::Expiring).await
}

/// Why a refresh is asked for; each says when another user of the grant
/// has already done it.
#[derive(Clone, Copy)]
enum Why<'a> {
    /// The access token has less than `GRACE` left.
    Expiring,
    /// The mail server refused this token.
    Refused(&'a str),
    /// Not refreshed since this time (`refresh_idle`).
    Idle(chrono::DateTime<chrono::Utc>),
}

/// The mail server refused `refused` (the token just used): refresh once,
/// unless another user of the grant already did, and hand out the new one.
pub async fn after_refusal(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
    owner: Owner,
    refused: &str,
) -> Result<Bearer> {
    refresh(db, secrets, http, owner, Why::Refused(refused)).await
}

/// Marks `owner`'s grant 再認証が必要 after the mail server refused a
/// freshly refreshed token too: retrying cannot help.
pub async fn needs_reauth(db: &DatabaseConnection, owner: Owner, reason: &str) -> Result<()> {
    let txn = crate::db::write(db).await?;
    if let Some(g) = find(&txn, owner).await? {
        let mut am = entity::ActiveModel::from(g);
        am.needs_reauth = Set(true);
        am.last_error = Set(reason.chars().take(500).collect());
        am.updated_at = Set(chrono::Utc::now());
        am.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn bearer(db: &DatabaseConnection, secrets: &SecretBox, g: &Grant) -> Result<Bearer> {
    let server = super::get(db, g.server_id).await?;
    let token = match &g.access_sealed {
        Some(sealed) => secrets.open(ACCESS_LABEL, sealed)?,
        None => return Err(Error::NeedsReauth),
    };
    Ok(Bearer {
        token,
        user: g.signed_in_as.clone(),
        mechanism: mail::sasl::BearerMechanism::parse(&server.mechanism).unwrap_or_default(),
    })
}

/// Refreshes `owner`'s access token under the grant's locks, unless
/// someone did while this waited for them (then theirs is handed out).
async fn refresh(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
    owner: Owner,
    why: Why<'_>,
) -> Result<Bearer> {
    let lock = grant_lock(owner);
    let _held = lock.lock().await;
    // PostgreSQL: the row stays locked across the refresh, so another
    // process wanting the same token waits for this one's result. SQLite
    // serves one process, whose lock per grant is held already; its write
    // transaction is taken only for the update, so the database is not
    // locked while the authorization server answers.
    let row_lock = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Some(db.begin().await?),
        _ => None,
    };
    let query = entity::Entity::find().filter(entity::Column::Owner.eq(owner.key()));
    let g = match &row_lock {
        Some(txn) => query.lock_exclusive().one(txn).await?,
        None => query.one(db).await?,
    }
    .ok_or(Error::NeedsReauth)?;
    if g.needs_reauth {
        return Err(Error::NeedsReauth);
    }
    let current = match &g.access_sealed {
        Some(sealed) => Some(secrets.open(ACCESS_LABEL, sealed)?),
        None => None,
    };
    let someone_refreshed = match why {
        Why::Expiring => still_good(&g, chrono::Utc::now()),
        Why::Refused(used) => current.as_deref().is_some_and(|c| c != used),
        Why::Idle(before) => g.refreshed_at.is_some_and(|t| t >= before),
    };
    if someone_refreshed {
        drop(row_lock);
        return bearer(db, secrets, &g).await;
    }
    let Some(sealed) = &g.refresh_sealed else {
        drop(row_lock);
        needs_reauth(db, owner, "no refresh token").await?;
        return Err(Error::NeedsReauth);
    };
    let refresh_token = secrets.open(REFRESH_LABEL, sealed)?;
    let server = super::get(db, g.server_id).await?;
    let (ep, reg) = super::client_of(secrets, &server, "")?;
    let answer = mail::oauth::refresh(http, &ep, &reg, &refresh_token).await;
    let txn = match row_lock {
        Some(txn) => txn,
        None => crate::db::write(db).await?,
    };
    match answer {
        Ok(tokens) => {
            let now = chrono::Utc::now();
            let mut am = entity::ActiveModel::from(g.clone());
            apply(&mut am, secrets, &tokens, now)?;
            let g = am.update(&txn).await?;
            // Committed before the token is handed out: a rotated refresh
            // token must never be lost.
            txn.commit().await?;
            tracing::info!("OAuth token of {} refreshed", owner.key());
            Ok(Bearer {
                token: tokens.access,
                user: g.signed_in_as.clone(),
                mechanism: mail::sasl::BearerMechanism::parse(&server.mechanism)
                    .unwrap_or_default(),
            })
        }
        Err(e) if e.is_invalid_grant() => {
            let mut am = entity::ActiveModel::from(g);
            am.needs_reauth = Set(true);
            am.last_error = Set(e.to_string().chars().take(500).collect());
            am.updated_at = Set(chrono::Utc::now());
            am.update(&txn).await?;
            txn.commit().await?;
            tracing::warn!("OAuth grant of {} is gone ({e}): 再認証が必要", owner.key());
            Err(Error::NeedsReauth)
        }
        Err(e) => {
            let mut am = entity::ActiveModel::from(g);
            am.last_error = Set(e.to_string().chars().take(500).collect());
            am.update(&txn).await?;
            txn.commit().await?;
            Err(e.into())
        }
    }
}

/// Refreshes every grant idle for `IDLE_REFRESH`, so no server's
/// inactivity limit ends it. Returns how many were refreshed.
pub async fn refresh_idle(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
) -> Result<usize> {
    let before = chrono::Utc::now() - IDLE_REFRESH;
    let idle = entity::Entity::find()
        .filter(entity::Column::NeedsReauth.eq(false))
        .filter(entity::Column::RefreshedAt.lt(before))
        .all(db)
        .await?;
    let mut done = 0;
    for g in idle {
        let Some(owner) = Owner::parse(&g.owner) else {
            continue;
        };
        // The access token may still be good: the refresh token is what
        // must be used.
        match refresh(db, secrets, http, owner, Why::Idle(before)).await {
            Ok(_) => done += 1,
            Err(e) => tracing::info!("idle refresh of {} failed: {e}", g.owner),
        }
    }
    Ok(done)
}

/// Forgets `owner`'s grant (the setting or account no longer uses OAuth).
pub async fn forget<C: sea_orm::ConnectionTrait>(conn: &C, owner: Owner) -> Result<()> {
    entity::Entity::delete_many()
        .filter(entity::Column::Owner.eq(owner.key()))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_round_trip_their_keys() {
        for o in [
            Owner::Settings(crate::mailserver::Scope::Admin),
            Owner::Settings(crate::mailserver::Scope::Webmail),
            Owner::Account(42),
        ] {
            assert_eq!(Owner::parse(&o.key()), Some(o));
        }
        assert_eq!(Owner::parse("settings:9"), None);
        assert_eq!(Owner::parse("account:x"), None);
        assert_eq!(Owner::parse("nonsense"), None);
    }
}
