//! ウェブメール (POP): accounts, the message store, and receiving.
//!
//! Receiving never loses or duplicates mail: new messages (by UIDL) are
//! stored with their UIDLs in one transaction per batch; DELE is sent only
//! for messages already committed, and the server applies it only at a
//! clean QUIT. A connection cut anywhere leaves either the message on the
//! server and not stored (fetched next time) or stored with its UIDL (never
//! fetched again). One receive per account runs at a time, across server
//! processes too (a lease on the account row).
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::secrets::SecretBox;
use crate::{Error, Result};

pub mod fts;
pub mod reply;
pub mod search;
pub mod send;
pub mod servers;
pub mod source;
pub mod uploads;
pub mod view;

pub use crate::entity::mail_accounts as account;

pub use crate::entity::mail_messages as message;

pub use crate::entity::pop_uidls as uidl;

pub use crate::entity::mail_bodies as body;

pub use crate::entity::mail_index as index;

pub use account::Model as Account;

pub(crate) const SECRET_LABEL: &str = "mail_account.pop_password";
pub const INBOX: &str = "inbox";
/// A receive stores in batches of at most this many messages or bytes
/// (whichever comes first), one transaction each: fewer commits (each one
/// reaches the disk) while a cut connection costs at most one batch again.
const BATCH: usize = 100;
const BATCH_BYTES: u64 = 8 << 20;
/// How long a receive holds its account without renewing: when the process
/// holding it dies, another takes the account over at most this late.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often a running receive renews its lease, whatever it is doing (a
/// large message on a slow link takes longer than the lease).
const RENEW: Duration = Duration::from_secs(10);

/// An account's receiving settings, as the account form will save them.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub user_id: i32,
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub pop_host: String,
    pub pop_port: u16,
    pub pop_protection: mail::presets::Protection,
    pub pop_user: String,
    pub pop_password: String,
    pub pop_apop: bool,
    pub timeout_secs: u16,
    pub leave_on_server: bool,
    /// With `leave_on_server`: delete what was received more than this many
    /// days ago; None keeps it forever.
    pub leave_days: Option<u16>,
}

pub async fn create_account(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    a: &NewAccount,
) -> Result<Account> {
    let now = chrono::Utc::now();
    let sealed = if a.pop_password.is_empty() {
        None
    } else {
        Some(secrets.seal(SECRET_LABEL, &a.pop_password)?)
    };
    Ok(account::ActiveModel {
        user_id: Set(a.user_id),
        name: Set(a.name.clone()),
        display_name: Set(a.display_name.clone()),
        email: Set(a.email.clone()),
        pop_host: Set(a.pop_host.clone()),
        pop_port: Set(a.pop_port.into()),
        pop_protection: Set(a.pop_protection.into()),
        pop_user: Set(a.pop_user.clone()),
        pop_password_sealed: Set(sealed),
        pop_apop: Set(a.pop_apop),
        timeout_secs: Set(a.timeout_secs.into()),
        leave_on_server: Set(a.leave_on_server),
        leave_days: Set(a.leave_days.map(i32::from)),
        log_receive: Set(false),
        is_default: Set(false),
        receiving_owner: Set(None),
        receiving_until: Set(None),
        last_received_at: Set(None),
        last_error: Set(None),
        receive_log: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// What one receive did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Messages on the server when the session began.
    pub on_server: usize,
    pub stored: usize,
    pub deleted: usize,
    /// UIDLs forgotten because the server no longer has them.
    pub forgotten: usize,
}

/// Takes the account for one receive, or says another receive holds it.
async fn take(db: &DatabaseConnection, account_id: i32, owner: &str) -> Result<bool> {
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(5));
    let r = account::Entity::update_many()
        .col_expr(account::Column::ReceivingOwner, Expr::value(owner))
        .col_expr(account::Column::ReceivingUntil, Expr::value(until))
        .filter(account::Column::Id.eq(account_id))
        .filter(
            Condition::any()
                .add(account::Column::ReceivingUntil.is_null())
                .add(account::Column::ReceivingUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Renews the lease every `RENEW` while the receive beside it runs; ends
/// only if another process has taken the account (the lease ran out).
async fn keep_lease(db: &DatabaseConnection, account_id: i32, owner: &str) {
    loop {
        tokio::time::sleep(RENEW).await;
        let until = chrono::Utc::now()
            + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(30));
        let renewed = account::Entity::update_many()
            .col_expr(account::Column::ReceivingUntil, Expr::value(until))
            .filter(account::Column::Id.eq(account_id))
            .filter(account::Column::ReceivingOwner.eq(owner))
            .exec(db)
            .await;
        match renewed {
            Ok(r) if r.rows_affected == 0 => return,
            Ok(_) => {}
            // The database busy a moment: the lease still has two ticks.
            Err(e) => tracing::warn!(account_id, error = %e, "lease renewal failed"),
        }
    }
}

async fn give_back(
    db: &DatabaseConnection,
    account_id: i32,
    owner: &str,
    error: Option<String>,
) -> Result<()> {
    let mut q = account::Entity::update_many()
        .col_expr(
            account::Column::ReceivingOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            account::Column::ReceivingUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(account::Column::LastError, Expr::value(error.clone()));
    if error.is_none() {
        q = q.col_expr(
            account::Column::LastReceivedAt,
            Expr::value(Some(chrono::Utc::now())),
        );
    }
    q.filter(account::Column::Id.eq(account_id))
        .filter(account::Column::ReceivingOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// Receives the account's new mail. `progress(done, total)` is called as
/// messages are stored. Fails with `Error::Busy` when a receive of the same
/// account is already running (here or in another process).
pub async fn receive(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    account_id: i32,
    owner: &str,
    trust: &mail::tls::Trust,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Received> {
    let acc = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if acc.kind == crate::entity::mail_accounts::Kind::Imap {
        // The mail stays on the IMAP server: a receive has nothing to do.
        return Ok(Received::default());
    }
    if !take(db, account_id, owner).await? {
        return Err(Error::Busy);
    }
    let log = acc.log_receive.then(mail::pop3::Log::default);
    let r = tokio::select! {
        r = receive_held(db, secrets, &acc, owner, trust, log.clone(), progress) => r,
        () = keep_lease(db, account_id, owner) => Err(Error::Busy),
    };
    let error = r.as_ref().err().map(Error::stored);
    if let Some(log) = log {
        // Kept also (above all) when the receive failed.
        account::Entity::update_many()
            .col_expr(account::Column::ReceiveLog, Expr::value(Some(log.text())))
            .filter(account::Column::Id.eq(account_id))
            .exec(db)
            .await?;
    }
    give_back(db, account_id, owner, error).await?;
    r
}

/// 受信時のログ on or off for an account.
pub async fn set_receive_log(db: &DatabaseConnection, account_id: i32, on: bool) -> Result<()> {
    account::Entity::update_many()
        .col_expr(account::Column::LogReceive, Expr::value(on))
        .filter(account::Column::Id.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The POP3 login an account uses: the server (host, port, protection)
/// from its source, the user ID, password and 認証方式 its own.
pub async fn pop_login(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
) -> Result<mail::pop3::PopLogin> {
    let server = servers::resolve(db, acc, servers::Direction::Receive).await?;
    let (user, auth) = if acc.pop_oauth {
        let b = account_bearer(db, secrets, acc, trust).await?;
        let user = if acc.pop_user.is_empty() {
            b.user
        } else {
            acc.pop_user.clone()
        };
        (
            user,
            mail::pop3::PopAuth::Bearer {
                mechanism: b.mechanism,
                token: b.token,
            },
        )
    } else {
        let password = match &acc.pop_password_sealed {
            Some(s) => secrets.open(SECRET_LABEL, s)?,
            None => String::new(),
        };
        (
            acc.pop_user.clone(),
            mail::pop3::PopAuth::password(acc.pop_apop, password),
        )
    };
    Ok(mail::pop3::PopLogin {
        host: server.host,
        port: server.port,
        protection: server.protection,
        user,
        auth,
        timeout: Duration::from_secs(acc.timeout_secs.clamp(1, 300) as u64),
        trust: trust.clone(),
    })
}

/// The access token an XOAUTH2 account logs in with (refreshed when it is
/// about to expire). `NeedsReauth` once the sign-in is gone: background
/// receiving then fails at once, without asking any server.
pub async fn account_bearer(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
) -> Result<crate::oauth::grants::Bearer> {
    let http = crate::mailserver::oauth_http(trust, acc.timeout_secs.clamp(1, 300) as u16);
    crate::oauth::grants::access_token(db, secrets, &http, oauth_owner(acc)).await
}

fn oauth_owner(acc: &Account) -> crate::oauth::grants::Owner {
    crate::oauth::grants::Owner::Account(acc.id)
}

/// After a mail server refused `refused` (the token `acc` just used): a
/// refreshed token, once. A grant that is gone, or a second refusal
/// (`second`), marks the account 再認証が必要.
pub(crate) async fn renewed_token(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
    refused: &str,
) -> Result<crate::oauth::grants::Bearer> {
    let http = crate::mailserver::oauth_http(trust, acc.timeout_secs.clamp(1, 300) as u16);
    tracing::info!(
        account = acc.id,
        "the mail server refused the access token; refreshing it"
    );
    crate::oauth::grants::after_refusal(db, secrets, &http, oauth_owner(acc), refused).await
}

/// The mail server refused a freshly refreshed token too: only signing in
/// again helps.
pub(crate) async fn refused_again(db: &DatabaseConnection, acc: &Account, why: &str) -> Error {
    if let Err(e) = crate::oauth::grants::needs_reauth(db, oauth_owner(acc), why).await {
        return e;
    }
    tracing::warn!(
        account = acc.id,
        "a refreshed access token was refused too: 再認証が必要"
    );
    Error::NeedsReauth
}

/// Opens `acc`'s POP3 session; a refused access token is refreshed and
/// tried once more.
async fn open_pop(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    trust: &mail::tls::Trust,
    log: Option<mail::pop3::Log>,
) -> Result<(
    mail::pop3::PopLogin,
    mail::pop3::Client<mail::net::BoxStream>,
)> {
    use mail::pop3::{Pop3Error, PopAuth};
    let mut login = pop_login(db, secrets, acc, trust).await?;
    match mail::pop3::open_logged(&login, log.clone()).await {
        Ok(c) => return Ok((login, c)),
        Err(Pop3Error::TokenRefused { .. }) if acc.pop_oauth => {}
        Err(e) => return Err(e.into()),
    }
    let PopAuth::Bearer { token, mechanism } = &login.auth else {
        return Err(Error::NeedsReauth);
    };
    let b = renewed_token(db, secrets, acc, trust, token).await?;
    login.auth = PopAuth::Bearer {
        mechanism: *mechanism,
        token: b.token,
    };
    match mail::pop3::open_logged(&login, log).await {
        Ok(c) => Ok((login, c)),
        Err(e @ Pop3Error::TokenRefused { .. }) => {
            Err(refused_again(db, acc, &e.to_string()).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// The server a receive talks to, as remembered with its UIDLs: the same
/// UIDL from another server (or user) names another message.
pub fn server_identity(login: &mail::pop3::PopLogin) -> String {
    format!(
        "{}:{}/{}",
        login.host.to_ascii_lowercase(),
        login.port,
        login.user
    )
}

/// Bytes of received mail the account's owner may still store (None: no
/// limit).
async fn room_left(db: &DatabaseConnection, user_id: i32) -> Result<Option<(i64, i32)>> {
    let Some(limit_mb) = crate::users::entity::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .and_then(|u| u.mail_quota_mb)
    else {
        return Ok(None);
    };
    let used = usage(db, user_id).await?;
    Ok(Some((i64::from(limit_mb) * 1024 * 1024 - used, limit_mb)))
}

/// Bytes of mail stored in all of a user's accounts.
pub async fn usage(db: &DatabaseConnection, user_id: i32) -> Result<i64> {
    // A sum over the user's few accounts, not over every message: every
    // mail page shows it, whatever the size of the mailbox.
    let each: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::StoredBytes)
        .filter(account::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(each.into_iter().sum())
}

/// Adds `bytes` (negative: takes them away) to what the account has stored,
/// in the transaction that stores or deletes the messages.
pub(crate) async fn count_stored<C: sea_orm::ConnectionTrait>(
    c: &C,
    account_id: i32,
    bytes: i64,
) -> Result<()> {
    if bytes != 0 {
        account::Entity::update_many()
            .col_expr(
                account::Column::StoredBytes,
                sea_orm::sea_query::ExprTrait::add(Expr::col(account::Column::StoredBytes), bytes),
            )
            .filter(account::Column::Id.eq(account_id))
            .exec(c)
            .await?;
    }
    Ok(())
}

/// One batch stored: messages, their UIDLs and search text in one
/// transaction, with the progress and the lease moved on in it too (a
/// receive that lost its lease stores nothing more). Stops early when the
/// quota is reached; returns the UIDLs stored.
/// A fetched message with what the list and the search need from it.
/// The last field is the message's search pieces, in the form the database
/// takes them (`fts::pieces`).
type Parsed = (String, Vec<u8>, mail::mime::Digest, String);

/// Parses one message: list fields, search text and search pieces.
fn parsed(uidl: String, raw: Vec<u8>, pg: bool) -> Parsed {
    let d = mail::mime::digest(&raw);
    let pieces = fts::pieces(pg, &d.text);
    (uidl, raw, d, pieces)
}

/// Parses a fetched batch on a blocking thread: CPU work that runs while
/// the next batch arrives and the previous one is written.
fn parse_batch(batch: Vec<(String, Vec<u8>)>, pg: bool) -> tokio::task::JoinHandle<Vec<Parsed>> {
    tokio::task::spawn_blocking(move || {
        batch
            .into_iter()
            .map(|(u, raw)| parsed(u, raw, pg))
            .collect()
    })
}

/// Stores parsed messages in `folder` (four multi-row statements, plus the
/// search pieces, rather than several per message; nothing is read back
/// but the new IDs). Returns `(ID, UIDL)` of each.
async fn insert_parsed<C: sea_orm::ConnectionTrait>(
    txn: &C,
    account_id: i32,
    folder: &str,
    batch: Vec<Parsed>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(i64, String)>> {
    let mut parts: HashMap<String, (Vec<u8>, String, String)> = HashMap::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    let mut uidls = Vec::with_capacity(batch.len());
    let mut bytes = 0i64;
    for (u, raw, d, pieces) in batch {
        let s = d.summary;
        bytes += raw.len().min(i32::MAX as usize) as i64;
        uidls.push(u.clone());
        rows.push(message::ActiveModel {
            account_id: Set(account_id),
            uidl: Set(u.clone()),
            folder: Set(folder.into()),
            size: Set(raw.len().min(i32::MAX as usize) as i32),
            subject: Set(s.subject),
            from_addr: Set(s.from),
            sent_at: Set(s.date),
            message_id: Set(s.message_id),
            received_at: Set(now),
            seen: Set(folder != INBOX),
            flagged: Set(false),
            has_attachment: Set(d.has_attachment),
            to_addr: Set(d.to),
            ..Default::default()
        });
        parts.insert(u, (raw, d.text, pieces));
    }
    // IDs only grow: what is above the largest one now is this batch's (an
    // older message may carry the same UIDL if the server reused it).
    let before: Option<i64> = message::Entity::find()
        .select_only()
        .column_as(message::Column::Id.max(), "max")
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    message::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    count_stored(txn, account_id, bytes).await?;
    let ids: Vec<(i64, String)> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::Uidl)
        .filter(message::Column::Id.gt(before.unwrap_or(0)))
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Uidl.is_in(uidls))
        .into_tuple()
        .all(txn)
        .await?;
    let mut bodies = Vec::with_capacity(ids.len());
    let mut index_rows = Vec::with_capacity(ids.len());
    let mut texts = Vec::with_capacity(ids.len());
    for (id, u) in &ids {
        if let Some((raw, text, pieces)) = parts.remove(u) {
            bodies.push(body::ActiveModel {
                message_id: Set(*id),
                raw: Set(raw),
            });
            texts.push((*id, pieces));
            index_rows.push(index::ActiveModel {
                message_id: Set(*id),
                account_id: Set(account_id),
                body: Set(text),
            });
        }
    }
    if !parts.is_empty() {
        // Every message inserted above must be found again by its UIDL.
        return Err(Error::Internal("stored messages not found by UIDL".into()));
    }
    body::Entity::insert_many(bodies)
        .exec_without_returning(txn)
        .await?;
    index::Entity::insert_many(index_rows)
        .exec_without_returning(txn)
        .await?;
    fts::index(txn, &texts).await?;
    Ok(ids)
}

/// Stores messages that did not come by POP3 (a sent copy, a draft, an
/// imported mailbox) in a folder of the account, in one transaction, the
/// same way a receive stores mail. Returns their IDs in the given order.
pub async fn store(
    db: &DatabaseConnection,
    account_id: i32,
    folder: &str,
    raws: Vec<Vec<u8>>,
) -> Result<Vec<i64>> {
    if raws.is_empty() {
        return Ok(Vec::new());
    }
    let tag = format!("local-{:016x}", rand::random::<u64>());
    let pg = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let parsed: Vec<Parsed> = tokio::task::spawn_blocking(move || {
        raws.into_iter()
            .enumerate()
            .map(|(n, raw)| parsed(format!("{tag}-{n}"), raw, pg))
            .collect()
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?;
    let order: Vec<String> = parsed.iter().map(|p| p.0.clone()).collect();
    let txn = crate::db::write(db).await?;
    let ids: HashMap<String, i64> =
        insert_parsed(&txn, account_id, folder, parsed, chrono::Utc::now())
            .await?
            .into_iter()
            .map(|(id, u)| (u, id))
            .collect();
    txn.commit().await?;
    Ok(order.iter().filter_map(|u| ids.get(u).copied()).collect())
}

/// Drops from `batch` the messages the account already holds: the same
/// Message-ID with the same bytes, in any folder (the same message, listed
/// again under another UIDL or by a server the account was pointed back
/// to). A message without a Message-ID is always new.
async fn without_copies<C: sea_orm::ConnectionTrait>(
    conn: &C,
    account_id: i32,
    batch: Vec<Parsed>,
) -> Result<Vec<Parsed>> {
    let ids: Vec<String> = batch
        .iter()
        .filter_map(|m| m.2.summary.message_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(batch);
    }
    // Same Message-ID and same size: only those can be the same bytes.
    let held: Vec<(i64, Option<String>, i32)> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::MessageId)
        .column(message::Column::Size)
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::MessageId.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    if held.is_empty() {
        return Ok(batch);
    }
    let mut fresh = Vec::with_capacity(batch.len());
    for m in batch {
        let size = m.1.len().min(i32::MAX as usize) as i32;
        let candidates = held
            .iter()
            .filter(|(_, mid, s)| *s == size && mid.is_some() && *mid == m.2.summary.message_id)
            // A sender reusing one Message-ID for many messages of one
            // size cannot make a batch read them all.
            .take(4);
        let mut copy = false;
        for (id, ..) in candidates {
            // One stored message in memory at a time.
            let raw: Option<Vec<u8>> = body::Entity::find_by_id(*id)
                .select_only()
                .column(body::Column::Raw)
                .into_tuple()
                .one(conn)
                .await?;
            if raw.is_some_and(|raw| raw == m.1) {
                copy = true;
                break;
            }
        }
        if !copy {
            fresh.push(m);
        }
    }
    Ok(fresh)
}

async fn store_batch(
    db: &DatabaseConnection,
    acc: &Account,
    owner: &str,
    server: &str,
    batch: Vec<Parsed>,
    room: &mut Option<i64>,
    done_before: usize,
) -> Result<(Vec<String>, bool)> {
    let now = chrono::Utc::now();
    let mut full = false;
    let mut fitting = Vec::with_capacity(batch.len());
    for m in batch {
        if let Some(left) = room {
            if (m.1.len() as i64) > *left {
                full = true;
                break;
            }
            *left -= m.1.len() as i64;
        }
        fitting.push(m);
    }
    let stored = fitting.len();
    let uidls: Vec<String> = fitting.iter().map(|m| m.0.clone()).collect();
    let txn = crate::db::write(db).await?;
    if !fitting.is_empty() {
        // A copy already held is remembered as received, not stored again.
        let fresh = without_copies(&txn, acc.id, fitting).await?;
        if !fresh.is_empty() {
            insert_parsed(&txn, acc.id, INBOX, fresh, now).await?;
        }
        uidl::Entity::insert_many(uidls.iter().map(|u| uidl::ActiveModel {
            account_id: Set(acc.id),
            server: Set(server.to_owned()),
            uidl: Set(u.clone()),
            received_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(5));
    let held = account::Entity::update_many()
        .col_expr(
            account::Column::ProgressDone,
            Expr::value((done_before + stored) as i32),
        )
        .col_expr(account::Column::ReceivingUntil, Expr::value(until))
        .filter(account::Column::Id.eq(acc.id))
        .filter(account::Column::ReceivingOwner.eq(owner))
        .exec(&txn)
        .await?;
    if held.rows_affected != 1 {
        return Err(Error::Busy);
    }
    txn.commit().await?;
    Ok((uidls, full))
}

async fn receive_held(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    owner: &str,
    trust: &mail::tls::Trust,
    log: Option<mail::pop3::Log>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Received> {
    let pg = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let quota = room_left(db, acc.user_id).await?;
    if let Some((left, limit_mb)) = quota
        && left <= 0
    {
        // Not even connecting: the mail stays on the server.
        return Err(Error::QuotaFull { limit_mb });
    }
    let mut room = quota.map(|(left, _)| left);
    let (login, mut c) = open_pop(db, secrets, acc, trust, log).await?;
    let server = server_identity(&login);
    // CAPA is allowed after login (RFC 2449); a server without it simply
    // gets one command per round trip.
    let pipelined = match c.capa().await {
        Ok(caps) => caps.iter().any(|l| l == "PIPELINING"),
        Err(mail::pop3::Pop3Error::Refused { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    let listing = c.uidl().await?;
    // Sizes shape the batches; a server without LIST gets count-only ones.
    let sizes: HashMap<u32, u64> = match c.list().await {
        Ok(l) => l.into_iter().collect(),
        Err(mail::pop3::Pop3Error::Refused { .. }) => HashMap::new(),
        Err(e) => return Err(e.into()),
    };
    // UIDLs remembered before servers were told apart belong to the
    // server the account uses now.
    uidl::Entity::update_many()
        .col_expr(uidl::Column::Server, Expr::value(server.clone()))
        .filter(uidl::Column::AccountId.eq(acc.id))
        .filter(uidl::Column::Server.eq(""))
        .exec(db)
        .await?;
    let known: HashMap<String, chrono::DateTime<chrono::Utc>> = uidl::Entity::find()
        .filter(uidl::Column::AccountId.eq(acc.id))
        .filter(uidl::Column::Server.eq(server.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.uidl, u.received_at))
        .collect();
    let mut out = Received {
        on_server: listing.len(),
        ..Default::default()
    };
    let fresh: Vec<&(u32, String)> = listing
        .iter()
        .filter(|(_, u)| !known.contains_key(u))
        .collect();
    let total = fresh.len();
    account::Entity::update_many()
        .col_expr(account::Column::ProgressDone, Expr::value(0))
        .col_expr(account::Column::ProgressTotal, Expr::value(total as i32))
        .filter(account::Column::Id.eq(acc.id))
        .exec(db)
        .await?;
    progress(0, total);

    // The next batch is fetched while the previous one is being stored, so
    // the network and the disk work at the same time.
    let mut stored_now: HashSet<String> = HashSet::new();
    let mut batches: Vec<Vec<&(u32, String)>> = Vec::new();
    let mut bytes = 0u64;
    for m in fresh {
        let size = sizes.get(&m.0).copied().unwrap_or(0);
        match batches.last_mut() {
            Some(b) if b.len() < BATCH && bytes + size <= BATCH_BYTES => {
                b.push(m);
                bytes += size;
            }
            _ => {
                batches.push(vec![m]);
                bytes = size;
            }
        }
    }
    let mut chunks = batches.iter();
    // Three stages at once: batch k arrives, batch k-1 is parsed (a
    // blocking thread, started as soon as it arrived), batch k-2 is written.
    let mut pending: Option<tokio::task::JoinHandle<Vec<Parsed>>> = None;
    let mut full = false;
    loop {
        let next = if full { None } else { chunks.next() };
        if next.is_none() && pending.is_none() {
            break;
        }
        let fetch = async {
            match next {
                Some(chunk) => {
                    // Each message may bring its listed size and a small
                    // margin, never more than the largest message taken.
                    let wanted: Vec<(u32, u64)> = chunk
                        .iter()
                        .map(|(n, _)| (*n, mail::pop3::retr_limit(sizes.get(n).copied())))
                        .collect();
                    let raws = c.retr_many(&wanted, pipelined).await?;
                    Ok::<_, Error>(Some(parse_batch(
                        chunk
                            .iter()
                            .map(|(_, u)| u.clone())
                            .zip(raws)
                            .collect::<Vec<_>>(),
                        pg,
                    )))
                }
                None => Ok(None),
            }
        };
        let batch = pending.take();
        let done_before = out.stored;
        let room_ref = &mut room;
        let server_ref = server.as_str();
        let store = async move {
            match batch {
                Some(parsing) => {
                    let b = parsing.await.map_err(|e| Error::Internal(e.to_string()))?;
                    store_batch(db, acc, owner, server_ref, b, room_ref, done_before)
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        };
        let (fetched, stored) = tokio::join!(fetch, store);
        // What is committed counts even when the fetch beside it failed.
        if let Some((uidls, quota_hit)) = stored? {
            out.stored += uidls.len();
            stored_now.extend(uidls);
            progress(out.stored, total);
            full |= quota_hit;
        }
        pending = fetched?;
        if full {
            // Fetched but not stored: it stays on the server.
            if let Some(p) = pending.take() {
                p.abort();
            }
        }
    }

    // Deletion, only of what is committed: everything (0 days or not left
    // on the server), or what was received more than N days ago.
    let cutoff = acc
        .leave_days
        .map(|d| chrono::Utc::now() - chrono::Duration::days(d.max(0).into()));
    for (n, u) in &listing {
        let received = known
            .get(u)
            .copied()
            .or_else(|| stored_now.contains(u).then(chrono::Utc::now));
        let Some(received) = received else { continue };
        let delete = if !acc.leave_on_server {
            true
        } else {
            match cutoff {
                Some(c) => acc.leave_days == Some(0) || received < c,
                None => false,
            }
        };
        if delete {
            c.dele(*n).await?;
            out.deleted += 1;
        }
    }
    c.quit().await?;

    // UIDLs this server no longer lists are forgotten (after its complete
    // listing and a clean QUIT): a later message that reuses one (servers
    // may) is then fetched. Those of other servers stay, for the day the
    // account points back there.
    let on_server: HashSet<&str> = listing.iter().map(|(_, u)| u.as_str()).collect();
    let vanished: Vec<String> = known
        .keys()
        .filter(|u| !on_server.contains(u.as_str()))
        .cloned()
        .collect();
    if !vanished.is_empty() {
        out.forgotten = vanished.len();
        for chunk in vanished.chunks(500) {
            uidl::Entity::delete_many()
                .filter(uidl::Column::AccountId.eq(acc.id))
                .filter(uidl::Column::Server.eq(server.clone()))
                .filter(uidl::Column::Uidl.is_in(chunk.to_vec()))
                .exec(db)
                .await?;
        }
    }
    if full && let Some((_, limit_mb)) = quota {
        return Err(Error::QuotaFull { limit_mb });
    }
    Ok(out)
}

/// メール索引の最適化: derives every message's list fields and search text
/// again from its stored raw bytes (a newer parser reads old mail better),
/// drops index rows whose message is gone, then compacts the database.
/// Only derived data is written; no message is deleted or changed.
pub async fn rebuild_index(
    db: &DatabaseConnection,
    actor: &crate::audit::Actor,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<u64> {
    use sea_orm::{ConnectionTrait, PaginatorTrait};
    let pg = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let total = message::Entity::find().count(db).await?;
    progress(0, total);
    let mut done = 0u64;
    let mut after = i64::MIN;
    loop {
        // Keyset pages: cost the same at any depth, and new mail arriving
        // meanwhile is indexed by its own receive.
        let page: Vec<(i64, i32)> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .column(message::Column::AccountId)
            .filter(message::Column::Id.gt(after))
            .order_by_asc(message::Column::Id)
            .limit(200)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        let raws: HashMap<i64, Vec<u8>> = body::Entity::find()
            .filter(body::Column::MessageId.is_in(page.iter().map(|(id, _)| *id)))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.message_id, b.raw))
            .collect();
        let txn = crate::db::write(db).await?;
        let mut texts: Vec<(i64, String)> = Vec::with_capacity(page.len());
        let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
        fts::unindex(&txn, &ids).await?;
        for (id, account_id) in &page {
            let Some(raw) = raws.get(id) else { continue };
            let d = mail::mime::digest(raw);
            let s = d.summary;
            message::Entity::update_many()
                .col_expr(message::Column::Subject, Expr::value(s.subject))
                .col_expr(message::Column::FromAddr, Expr::value(s.from))
                .col_expr(message::Column::SentAt, Expr::value(s.date))
                .col_expr(message::Column::MessageId, Expr::value(s.message_id))
                .col_expr(message::Column::ToAddr, Expr::value(d.to))
                .col_expr(
                    message::Column::HasAttachment,
                    Expr::value(d.has_attachment),
                )
                .filter(message::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
            index::Entity::delete_by_id(*id).exec(&txn).await?;
            index::Entity::insert(index::ActiveModel {
                message_id: Set(*id),
                account_id: Set(*account_id),
                body: Set(d.text.clone()),
            })
            .exec_without_returning(&txn)
            .await?;
            texts.push((*id, fts::pieces(pg, &d.text)));
        }
        fts::index(&txn, &texts).await?;
        txn.commit().await?;
        done += page.len() as u64;
        progress(done, total);
    }
    // Rows of messages deleted while foreign keys were off cannot exist on
    // PostgreSQL; on SQLite they are swept here.
    let orphans = sea_orm::sea_query::Query::select()
        .column(message::Column::Id)
        .from(message::Entity)
        .to_owned();
    index::Entity::delete_many()
        .filter(index::Column::MessageId.not_in_subquery(orphans))
        .exec(db)
        .await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // Pieces of messages that are gone, then one merged index.
        db.execute_unprepared(
            "DELETE FROM mail_fts WHERE rowid NOT IN (SELECT id FROM mail_messages)",
        )
        .await?;
    }
    fts::optimize(db).await?;
    let compact = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "VACUUM ANALYZE mail_index",
        _ => "VACUUM",
    };
    db.execute_unprepared(compact).await?;
    crate::audit::record(
        db,
        actor,
        "webmail.index.rebuild",
        "mail_index",
        &format!("messages={done}"),
    )
    .await?;
    Ok(done)
}

/// Users webmail is enabled for (利用させる) and whose login works.
fn enabled_users() -> sea_orm::sea_query::SelectStatement {
    use crate::users::entity as u;
    sea_orm::sea_query::Query::select()
        .column(u::Column::Id)
        .from(u::Entity)
        .and_where(u::Column::WebmailEnabled.eq(true))
        .and_where(u::Column::Disabled.eq(false))
        .to_owned()
}

/// Accounts whose last receive is older than `interval` (or never ran) and
/// that no receive holds: what the background receiver does next.
pub async fn due_accounts(db: &DatabaseConnection, interval: Duration) -> Result<Vec<i32>> {
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::minutes(5));
    Ok(account::Entity::find()
        .filter(
            Condition::any()
                .add(account::Column::LastReceivedAt.is_null())
                .add(account::Column::LastReceivedAt.lt(since)),
        )
        .filter(
            Condition::any()
                .add(account::Column::ReceivingUntil.is_null())
                .add(account::Column::ReceivingUntil.lt(now)),
        )
        .filter(account::Column::UserId.in_subquery(enabled_users()))
        // IMAP accounts are read on the server: nothing to receive.
        .filter(account::Column::Kind.eq(crate::entity::mail_accounts::Kind::Pop))
        .order_by_asc(account::Column::LastReceivedAt)
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// Frees every account a receive holds. Only for a database no other
/// process uses (SQLite, whose data directory the server locks): receives
/// a killed process left are taken up again at once.
pub async fn release_all(db: &DatabaseConnection) -> Result<u64> {
    Ok(account::Entity::update_many()
        .col_expr(
            account::Column::ReceivingOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            account::Column::ReceivingUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(account::Column::ReceivingUntil.is_not_null())
        .exec(db)
        .await?
        .rows_affected)
}
