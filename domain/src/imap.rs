//! ウェブメールIMAP: accounts whose mail stays on the IMAP server. Tayori
//! keeps only a cache of list rows per (account, folder, UIDVALIDITY)
//! (`imap_folders`, `imap_rows`), refreshed incrementally on every look at
//! a folder (CONDSTORE/QRESYNC where the server offers them); bodies are
//! fetched when a message is opened, never stored.
//!
//! Message IDs are `folder row << 32 | UID`: a folder whose UIDVALIDITY
//! changed gets a new row, so an old ID can never name another message,
//! and an ID names its account through its folder row.
//!
//! Sessions are kept per account in a [`Pool`]: a few open at most, idle
//! ones reused for a while, so paging and opening do not log in again.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail::imap::{ImapAuth, ImapError, ImapLogin, Session};
use sea_orm::DatabaseConnection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::mailbox::Account;
use crate::secrets::SecretBox;
use crate::{Error, Result};

pub mod settings;

pub use crate::entity::imap_folders as folder;
pub use crate::entity::imap_rows as row;

/// Sessions open at once for one account: a page and an opened message
/// may go side by side, a user cannot open dozens.
const PER_ACCOUNT: usize = 3;
/// Folders one user may watch at once ([`watch`]): each holds a connection
/// of its own for as long as a mail screen stays open (two windows).
const WATCHES_PER_USER: usize = 2;
/// How long one IDLE waits before the watch says it is still there.
const WATCH_BEAT: Duration = Duration::from_secs(60);
/// How long a watch lasts; the screen then asks for a new one (a token
/// renewed, settings changed, the connection not held for days).
const WATCH_LIFE: Duration = Duration::from_secs(30 * 60);
/// How long an unused session is kept for the next request.
const KEEP_IDLE: Duration = Duration::from_secs(120);

/// Where an account's IMAP server comes from and how it logs in.
pub async fn login(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
) -> Result<ImapLogin> {
    let server = settings::resolve(db, acc).await?;
    let timeout = Duration::from_secs(acc.timeout_secs.clamp(1, 300) as u64);
    let (user, auth) = if acc.pop_oauth {
        let b = crate::mailbox::account_bearer(db, secrets, acc, trust).await?;
        let user = if acc.pop_user.is_empty() {
            b.user
        } else {
            acc.pop_user.clone()
        };
        (
            user,
            ImapAuth::Bearer {
                mechanism: b.mechanism,
                token: b.token,
            },
        )
    } else {
        let password = match &acc.pop_password_sealed {
            Some(s) => secrets.open(crate::mailbox::SECRET_LABEL, s)?,
            None => String::new(),
        };
        (acc.pop_user.clone(), ImapAuth::Password(password))
    };
    Ok(ImapLogin {
        host: server.host,
        port: server.port,
        protection: server.protection,
        user,
        auth,
        timeout,
        trust: trust.clone(),
    })
}

/// Logs `acc` in; a refused access token is refreshed and tried once
/// more, and a second refusal marks the account 再認証が必要.
async fn open(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
) -> Result<Session> {
    let mut l = login(db, secrets, acc, trust).await?;
    match mail::imap::open(&l).await {
        Ok(s) => return Ok(s),
        Err(ImapError::TokenRefused { .. }) if acc.pop_oauth => {}
        Err(e) => return Err(e.into()),
    }
    let ImapAuth::Bearer { mechanism, token } = &l.auth else {
        return Err(Error::NeedsReauth);
    };
    let b = crate::mailbox::renewed_token(db, secrets, acc, trust, token).await?;
    l.auth = ImapAuth::Bearer {
        mechanism: *mechanism,
        token: b.token,
    };
    match mail::imap::open(&l).await {
        Ok(s) => Ok(s),
        Err(e @ ImapError::TokenRefused { .. }) => {
            Err(crate::mailbox::refused_again(db, acc, &e.to_string()).await)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Default)]
struct Slot {
    idle: Vec<(Instant, Session)>,
    /// Bounds the sessions in use at once.
    gate: Option<Arc<Semaphore>>,
}

/// Open IMAP sessions per account, shared by every request of a server
/// process.
#[derive(Clone, Default)]
pub struct Pool {
    slots: Arc<Mutex<HashMap<i32, Slot>>>,
    /// Watches open per user ([`WATCHES_PER_USER`]).
    watches: Arc<Mutex<HashMap<i32, Arc<Semaphore>>>>,
}

/// A session lent to one request. Given back with [`Lease::done`] when the
/// request went well; dropped (and the connection with it) otherwise, so a
/// session left in an unknown state is never reused.
pub struct Lease {
    session: Option<Session>,
    account: i32,
    pool: Pool,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    pub fn session(&mut self) -> &mut Session {
        // Present from `Pool::lease` until `done` consumes the lease.
        self.session.as_mut().expect("a lease holds its session")
    }

    /// Gives the session back for the next request.
    pub fn done(mut self) {
        if let Some(s) = self.session.take()
            && let Ok(mut slots) = self.pool.slots.lock()
        {
            slots
                .entry(self.account)
                .or_default()
                .idle
                .push((Instant::now(), s));
        }
    }
}

impl Pool {
    /// A logged-in session of `acc`: an idle one, or a new login. Waits
    /// while the account already has [`PER_ACCOUNT`] sessions in use.
    pub async fn lease(
        &self,
        db: &DatabaseConnection,
        secrets: &SecretBox,
        acc: &Account,
        trust: &mail::tls::Trust,
    ) -> Result<Lease> {
        let gate = {
            let mut slots = self
                .slots
                .lock()
                .map_err(|_| Error::Internal("imap pool".into()))?;
            slots
                .entry(acc.id)
                .or_default()
                .gate
                .get_or_insert_with(|| Arc::new(Semaphore::new(PER_ACCOUNT)))
                .clone()
        };
        let wait = Duration::from_secs(acc.timeout_secs.clamp(1, 300) as u64);
        let permit = tokio::time::timeout(wait, gate.acquire_owned())
            .await
            .map_err(|_| Error::Imap(ImapError::Timeout(wait, "a free session")))?
            .map_err(|_| Error::Internal("imap pool closed".into()))?;
        let reused = {
            let mut slots = self
                .slots
                .lock()
                .map_err(|_| Error::Internal("imap pool".into()))?;
            let slot = slots.entry(acc.id).or_default();
            slot.idle.retain(|(at, _)| at.elapsed() < KEEP_IDLE);
            slot.idle.pop().map(|(_, s)| s)
        };
        let session = match reused {
            Some(s) => s,
            None => open(db, secrets, acc, trust).await?,
        };
        Ok(Lease {
            session: Some(session),
            account: acc.id,
            pool: self.clone(),
            _permit: permit,
        })
    }

    /// Drops idle sessions kept too long, and every session of an account
    /// whose settings changed (`account`).
    pub fn prune(&self, account: Option<i32>) {
        if let Ok(mut slots) = self.slots.lock() {
            if let Some(slot) = account.and_then(|a| slots.get_mut(&a)) {
                slot.idle.clear();
            }
            for slot in slots.values_mut() {
                slot.idle.retain(|(at, _)| at.elapsed() < KEEP_IDLE);
            }
        }
    }

    /// Makes the idle sessions of `account` LIST again (a folder was made,
    /// renamed or deleted through one of them).
    pub fn forget_folders(&self, account: i32) {
        if let Ok(mut slots) = self.slots.lock()
            && let Some(slot) = slots.get_mut(&account)
        {
            for (_, s) in &mut slot.idle {
                s.forget_folders();
            }
        }
    }

    /// A place for one more watch of `user`, or `Busy` when they have
    /// [`WATCHES_PER_USER`] open.
    fn watch_permit(&self, user: i32) -> Result<OwnedSemaphorePermit> {
        let gate = self
            .watches
            .lock()
            .map_err(|_| Error::Internal("imap pool".into()))?
            .entry(user)
            .or_insert_with(|| Arc::new(Semaphore::new(WATCHES_PER_USER)))
            .clone();
        gate.try_acquire_owned().map_err(|_| Error::Busy)
    }

    /// Sessions kept idle (for tests and the admin's view).
    pub fn idle_sessions(&self) -> usize {
        self.slots
            .lock()
            .map(|s| s.values().map(|v| v.idle.len()).sum())
            .unwrap_or(0)
    }
}

/// Runs `$body` with `$s` bound to a session of `$acc`: a session whose
/// connection failed is replaced by a new login and the body runs once
/// more (an idle session the server closed meanwhile, a connection cut
/// mid-answer). Nothing partial is returned: the body completes or fails.
///
/// A macro rather than a function taking an async closure: the future of
/// a generic async closure cannot be proven `Send` for every lifetime
/// (rust-lang/rust#110338), and server functions must be `Send`.
macro_rules! with_session {
    ($ctx:expr, $acc:expr, |$s:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            let mut lease = $ctx
                .pool
                .lease($ctx.db, $ctx.secrets, $acc, $ctx.trust)
                .await?;
            let result: $crate::Result<_> = async {
                let $s = lease.session();
                $body
            }
            .await;
            match $crate::imap::settle(lease, result, &mut attempt, $acc.id) {
                std::ops::ControlFlow::Break(r) => break r,
                std::ops::ControlFlow::Continue(()) => continue,
            }
        }
    }};
}

/// After a body of `with_session!`: the session back to the pool, or a
/// second try on a new login once, or the error.
pub(crate) fn settle<T>(
    lease: Lease,
    result: Result<T>,
    attempt: &mut u32,
    account: i32,
) -> std::ops::ControlFlow<Result<T>> {
    use std::ops::ControlFlow::{Break, Continue};
    match result {
        Ok(v) => {
            lease.done();
            Break(Ok(v))
        }
        Err(Error::Imap(e)) if e.is_transient() && *attempt == 0 => {
            tracing::info!(account, "IMAP session failed ({e}); logging in again");
            *attempt += 1;
            drop(lease);
            Continue(())
        }
        Err(e) => Break(Err(e)),
    }
}

pub mod view;

/// A folder of an IMAP account watched for the open mail screen: a
/// connection of its own in IDLE (RFC 2177), so new mail and other
/// clients' changes show without reloading.
pub struct Watch {
    session: Option<Session>,
    started: Instant,
    _permit: OwnedSemaphorePermit,
}

/// What a watch saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The folder changed: mail arrived, went, or its flags changed.
    Changed,
    /// Nothing for a while ([`WATCH_BEAT`]); the watch is still there.
    Quiet,
}

/// Starts watching `key` of the caller's account; `None` for an account of
/// the local store (its mail comes by 受信). At most [`WATCHES_PER_USER`]
/// per user (`Busy` beyond).
pub async fn watch(
    ctx: Ctx<'_>,
    user_id: i32,
    account_id: i32,
    key: &str,
) -> Result<Option<Watch>> {
    use crate::entity::mail_accounts::Kind;
    let acc = crate::mailbox::view::mine(ctx.db, user_id, account_id).await?;
    if acc.kind != Kind::Imap {
        return Ok(None);
    }
    let permit = ctx.pool.watch_permit(user_id)?;
    let mut s = open(ctx.db, ctx.secrets, &acc, ctx.trust).await?;
    let key = crate::mailbox::source::default_folder(key);
    let (wire, _) = view::wire_of(&ctx, &acc, &mut s, key).await?;
    s.select(&wire).await?;
    Ok(Some(Watch {
        session: Some(s),
        started: Instant::now(),
        _permit: permit,
    }))
}

impl Watch {
    /// Waits for the next thing to say; `None` once the watch has lasted
    /// [`WATCH_LIFE`].
    pub async fn next(&mut self) -> Result<Option<Seen>> {
        if self.started.elapsed() >= WATCH_LIFE {
            return Ok(None);
        }
        let s = self
            .session
            .take()
            .ok_or_else(|| Error::Internal("watch ended".into()))?;
        let (s, changed) = s.idle(WATCH_BEAT).await?;
        self.session = Some(s);
        Ok(Some(if changed { Seen::Changed } else { Seen::Quiet }))
    }
}

/// Fills the list cache of an IMAP account's folders until it covers them
/// ([`view::fill`], step by step); an account of the local store has none.
/// Run in the background after the screen shows a list, so that subject
/// and sender searches are soon answered without the server.
pub async fn fill_cache(ctx: Ctx<'_>, account_id: i32) -> Result<()> {
    use crate::entity::mail_accounts::Kind;
    use sea_orm::EntityTrait;
    let Some(acc) = crate::mailbox::account::Entity::find_by_id(account_id)
        .one(ctx.db)
        .await?
    else {
        return Ok(());
    };
    if acc.kind != Kind::Imap {
        return Ok(());
    }
    while view::fill(&ctx, &acc).await? {
        // Between steps the account's session goes back to the pool, and
        // the screen's own requests take it first.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// What every IMAP service needs.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a DatabaseConnection,
    pub secrets: &'a SecretBox,
    pub trust: &'a mail::tls::Trust,
    pub pool: &'a Pool,
}

/// An IMAP account with a server of its own (個別に設定する), as tests and
/// the CSV import make them; the account form saves through `webmail`.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub user_id: i32,
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub host: String,
    pub port: u16,
    pub protection: mail::presets::Protection,
    pub user: String,
    pub password: String,
    pub timeout_secs: u16,
    /// Its sending server (SMTP認証 with the IMAP login).
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_protection: mail::presets::Protection,
}

pub async fn create_account(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    a: &NewAccount,
) -> Result<Account> {
    use crate::entity::mail_accounts::{Kind, Source};
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let sealed = if a.password.is_empty() {
        None
    } else {
        Some(secrets.seal(crate::mailbox::SECRET_LABEL, &a.password)?)
    };
    Ok(crate::mailbox::account::ActiveModel {
        user_id: Set(a.user_id),
        kind: Set(Kind::Imap),
        name: Set(a.name.clone()),
        display_name: Set(a.display_name.clone()),
        email: Set(a.email.clone()),
        recv_source: Set(Source::Own),
        // The POP3 columns name no server for an IMAP account.
        pop_host: Set(String::new()),
        pop_port: Set(0),
        pop_protection: Set(crate::entity::kinds::Protection::SslTls),
        pop_apop: Set(false),
        send_source: Set(Source::Own),
        smtp_host: Set(a.smtp_host.clone()),
        smtp_port: Set(a.smtp_port.into()),
        smtp_protection: Set(a.smtp_protection.into()),
        smtp_auth: Set(crate::entity::kinds::SmtpAuthMode::Smtp),
        imap_host: Set(a.host.clone()),
        imap_port: Set(a.port.into()),
        imap_protection: Set(a.protection.into()),
        pop_user: Set(a.user.clone()),
        pop_password_sealed: Set(sealed),
        timeout_secs: Set(a.timeout_secs.into()),
        leave_on_server: Set(true),
        log_receive: Set(false),
        is_default: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
