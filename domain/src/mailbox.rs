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
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::secrets::SecretBox;
use crate::{Error, Result};

pub mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub name: String,
        pub display_name: String,
        pub email: String,
        pub pop_host: String,
        pub pop_port: i32,
        pub pop_protection: String,
        pub pop_user: String,
        pub pop_password_sealed: Option<String>,
        pub pop_apop: bool,
        pub timeout_secs: i32,
        pub leave_on_server: bool,
        pub leave_days: Option<i32>,
        pub log_receive: bool,
        pub is_default: bool,
        pub receiving_owner: Option<String>,
        pub receiving_until: Option<DateTimeUtc>,
        pub last_received_at: Option<DateTimeUtc>,
        pub last_error: Option<String>,
        pub receive_log: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub account_id: i32,
        pub uidl: String,
        pub folder: String,
        pub raw: Vec<u8>,
        pub size: i32,
        pub subject: String,
        pub from_addr: String,
        pub sent_at: Option<DateTimeUtc>,
        pub message_id: Option<String>,
        pub received_at: DateTimeUtc,
        pub seen: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod uidl {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pop_uidls")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub uidl: String,
        pub received_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use account::Model as Account;

const SECRET_LABEL: &str = "mail_account.pop_password";
pub const INBOX: &str = "inbox";
/// Messages stored per transaction while receiving.
const BATCH: usize = 20;
/// How long a receive may hold its account before another may take over.
const LEASE: Duration = Duration::from_secs(300);

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
        pop_protection: Set(a.pop_protection.as_str().into()),
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
    extra_ca_pem: Option<Vec<u8>>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Received> {
    let acc = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if !take(db, account_id, owner).await? {
        return Err(Error::Busy);
    }
    let log = acc.log_receive.then(mail::pop3::Log::default);
    let r = receive_held(db, secrets, &acc, extra_ca_pem, log.clone(), progress).await;
    let error = r.as_ref().err().map(|e| e.to_string());
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

async fn receive_held(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    acc: &Account,
    extra_ca_pem: Option<Vec<u8>>,
    log: Option<mail::pop3::Log>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Received> {
    let password = match &acc.pop_password_sealed {
        Some(s) => secrets.open(SECRET_LABEL, s)?,
        None => String::new(),
    };
    let login = mail::pop3::PopLogin {
        host: acc.pop_host.clone(),
        port: acc.pop_port as u16,
        protection: mail::presets::Protection::parse(&acc.pop_protection)
            .unwrap_or(mail::presets::Protection::None),
        user: acc.pop_user.clone(),
        password,
        apop: acc.pop_apop,
        timeout: Duration::from_secs(acc.timeout_secs.clamp(1, 300) as u64),
    };
    let remote = |e: mail::pop3::Pop3Error| Error::Remote(e.to_string());
    let mut c = mail::pop3::open_logged(&login, extra_ca_pem, log)
        .await
        .map_err(remote)?;
    let listing = c.uidl().await.map_err(remote)?;
    let known: HashMap<String, chrono::DateTime<chrono::Utc>> = uidl::Entity::find()
        .filter(uidl::Column::AccountId.eq(acc.id))
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
    progress(0, total);
    let mut stored_now: HashSet<String> = HashSet::new();
    for chunk in fresh.chunks(BATCH) {
        let mut batch = Vec::with_capacity(chunk.len());
        for (n, u) in chunk {
            let raw = c.retr(*n).await.map_err(remote)?;
            batch.push((u.clone(), raw));
        }
        // The whole batch, messages and UIDLs, or nothing.
        let now = chrono::Utc::now();
        let txn = db.begin().await?;
        for (u, raw) in &batch {
            let s = mail::mime::summary(raw);
            message::ActiveModel {
                account_id: Set(acc.id),
                uidl: Set(u.clone()),
                folder: Set(INBOX.into()),
                size: Set(raw.len().min(i32::MAX as usize) as i32),
                raw: Set(raw.clone()),
                subject: Set(s.subject),
                from_addr: Set(s.from),
                sent_at: Set(s.date),
                message_id: Set(s.message_id),
                received_at: Set(now),
                seen: Set(false),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            uidl::ActiveModel {
                account_id: Set(acc.id),
                uidl: Set(u.clone()),
                received_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        out.stored += batch.len();
        stored_now.extend(batch.into_iter().map(|(u, _)| u));
        progress(out.stored, total);
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
            c.dele(*n).await.map_err(remote)?;
            out.deleted += 1;
        }
    }
    c.quit().await.map_err(remote)?;

    // UIDLs the server no longer lists are forgotten: a later message that
    // reuses one (servers may) is then fetched.
    let on_server: HashSet<&str> = listing.iter().map(|(_, u)| u.as_str()).collect();
    let vanished: Vec<String> = known
        .keys()
        .filter(|u| !on_server.contains(u.as_str()))
        .cloned()
        .collect();
    if !vanished.is_empty() {
        out.forgotten = vanished.len();
        uidl::Entity::delete_many()
            .filter(uidl::Column::AccountId.eq(acc.id))
            .filter(uidl::Column::Uidl.is_in(vanished))
            .exec(db)
            .await?;
    }
    Ok(out)
}

/// The newest messages of a folder (keyset pagination comes with the list).
pub async fn latest(
    db: &DatabaseConnection,
    account_id: i32,
    limit: u64,
) -> Result<Vec<message::Model>> {
    Ok(message::Entity::find()
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Folder.eq(INBOX))
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
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
