//! The notification outbox. A notification is a row committed in the same
//! transaction as the change that caused it; a dispatcher claims due rows
//! under a lease (so a crash resends at most what was in flight), sends them,
//! and records the server's reply. Temporary failures come back later with
//! exponential back-off and jitter; permanent ones are marked failed.
//! With PostgreSQL, rows are claimed with `FOR UPDATE SKIP LOCKED`, so two
//! server processes never claim the same row.
use std::time::Duration;

use rand::Rng;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::{Error, Result};

pub use crate::entity::outbox as entity;

pub use entity::Model as OutboxRow;

pub use entity::Status;
pub const QUEUED: Status = Status::Queued;
pub const SENDING: Status = Status::Sending;
pub const SENT: Status = Status::Sent;
pub const FAILED: Status = Status::Failed;

/// Attempts before a temporarily failing message is given up.
pub const MAX_ATTEMPTS: i32 = 12;
const BASE_DELAY: Duration = Duration::from_secs(5);
const MAX_DELAY: Duration = Duration::from_secs(3600);

pub struct NewMessage {
    pub kind: String,
    pub envelope_from: String,
    pub recipient: String,
    pub subject: String,
    pub message: String,
}

/// Queues a message on `conn`, normally the caller's open transaction.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, m: NewMessage) -> Result<i64> {
    let now = chrono::Utc::now();
    let row = entity::ActiveModel {
        kind: Set(m.kind),
        envelope_from: Set(m.envelope_from),
        recipient: Set(m.recipient),
        subject: Set(m.subject),
        message: Set(m.message),
        status: Set(QUEUED),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_reply: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Claims up to `limit` due messages for `owner` for `lease`: queued ones
/// whose time has come, and ones another dispatcher claimed but whose lease
/// ran out (it crashed mid-send).
pub async fn claim(
    db: &DatabaseConnection,
    owner: &str,
    limit: u64,
    lease: Duration,
) -> Result<Vec<OutboxRow>> {
    let now = chrono::Utc::now();
    let txn = crate::db::write(db).await?;
    let due = Condition::any()
        .add(
            Condition::all()
                .add(entity::Column::Status.eq(QUEUED))
                .add(entity::Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(entity::Column::Status.eq(SENDING))
                .add(entity::Column::LeaseUntil.lte(now)),
        );
    let rows = entity::Entity::find()
        .filter(due)
        .order_by_asc(entity::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    let lease_until =
        now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    if !ids.is_empty() {
        entity::Entity::update_many()
            .col_expr(entity::Column::Status, Expr::value(SENDING))
            .col_expr(entity::Column::LeaseUntil, Expr::value(lease_until))
            .col_expr(entity::Column::LeaseOwner, Expr::value(owner))
            .col_expr(
                entity::Column::Attempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(entity::Column::Attempts), 1),
            )
            .filter(entity::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.status = SENDING;
            r.lease_until = Some(lease_until);
            r.lease_owner = Some(owner.into());
            r.attempts += 1;
            r
        })
        .collect())
}

/// What became of one claimed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted; the server's reply (with its queue ID).
    Sent(String),
    /// A temporary failure: try again later (or give up after
    /// `MAX_ATTEMPTS`).
    Retry(String),
    /// Refused for good.
    Failed(String),
    /// Not tried: the sending setting cannot sign in until the admin does
    /// (再認証が必要). The message waits without using up an attempt.
    Hold(String),
}

/// How long a held message waits before it is looked at again.
const HOLD: chrono::Duration = chrono::Duration::minutes(1);

/// Records the verdicts on rows this owner holds, in one transaction (the
/// dispatcher's group commit). A row whose lease another dispatcher took
/// over is left alone. Returns how many rows were updated.
pub async fn record(
    db: &DatabaseConnection,
    owner: &str,
    results: &[(OutboxRow, Verdict)],
) -> Result<u64> {
    let now = chrono::Utc::now();
    let txn = crate::db::write(db).await?;
    let mut updated = 0;
    for (row, verdict) in results {
        let mut q = entity::Entity::update_many()
            .col_expr(
                entity::Column::LeaseUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(
                entity::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            );
        q = match verdict {
            Verdict::Sent(reply) => q
                .col_expr(entity::Column::Status, Expr::value(SENT))
                .col_expr(entity::Column::SentAt, Expr::value(Some(now)))
                .col_expr(entity::Column::LastReply, Expr::value(clip(reply))),
            Verdict::Retry(reply) if row.attempts < MAX_ATTEMPTS => {
                let next = now
                    + chrono::Duration::from_std(backoff(row.attempts))
                        .unwrap_or(chrono::Duration::hours(1));
                q.col_expr(entity::Column::Status, Expr::value(QUEUED))
                    .col_expr(entity::Column::NextAttemptAt, Expr::value(next))
                    .col_expr(entity::Column::LastReply, Expr::value(clip(reply)))
            }
            Verdict::Retry(reply) | Verdict::Failed(reply) => q
                .col_expr(entity::Column::Status, Expr::value(FAILED))
                .col_expr(entity::Column::LastReply, Expr::value(clip(reply))),
            Verdict::Hold(reason) => q
                .col_expr(entity::Column::Status, Expr::value(QUEUED))
                .col_expr(entity::Column::NextAttemptAt, Expr::value(now + HOLD))
                .col_expr(
                    entity::Column::Attempts,
                    Expr::value((row.attempts - 1).max(0)),
                )
                .col_expr(entity::Column::LastReply, Expr::value(clip(reason))),
        };
        updated += q
            .filter(entity::Column::Id.eq(row.id))
            .filter(entity::Column::Status.eq(SENDING))
            .filter(entity::Column::LeaseOwner.eq(owner))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    txn.commit().await?;
    Ok(updated)
}

fn clip(reply: &str) -> String {
    reply.chars().take(1000).collect()
}

async fn record_one(
    db: &DatabaseConnection,
    row: &OutboxRow,
    owner: &str,
    verdict: Verdict,
) -> Result<bool> {
    Ok(record(db, owner, &[(row.clone(), verdict)]).await? == 1)
}

async fn held(db: &DatabaseConnection, id: i64) -> Result<OutboxRow> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn mark_sent(db: &DatabaseConnection, id: i64, owner: &str, reply: &str) -> Result<bool> {
    let row = held(db, id).await?;
    record_one(db, &row, owner, Verdict::Sent(reply.into())).await
}

/// Keeps the rows this owner is still working on from being taken over
/// while a slow server makes a batch outlast its lease.
pub async fn extend_lease(db: &DatabaseConnection, owner: &str, lease: Duration) -> Result<u64> {
    let until = chrono::Utc::now()
        + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    Ok(entity::Entity::update_many()
        .col_expr(entity::Column::LeaseUntil, Expr::value(until))
        .filter(entity::Column::Status.eq(SENDING))
        .filter(entity::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?
        .rows_affected)
}

/// Frees every claimed row at once. Only for a database no other process
/// uses (SQLite, whose data directory is locked by the running server):
/// rows a killed process held are then sent again without waiting for
/// their leases to run out.
pub async fn release_all(db: &DatabaseConnection) -> Result<u64> {
    Ok(entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(QUEUED))
        .col_expr(
            entity::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            entity::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .filter(entity::Column::Status.eq(SENDING))
        .exec(db)
        .await?
        .rows_affected)
}

/// The back-off before attempt `attempts + 1`: doubling from 5 s, at most an
/// hour, with up to 20 % jitter so a recovered server is not hit at once by
/// everything that waited.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let base = BASE_DELAY
        .saturating_mul(1u32 << exp.min(16))
        .min(MAX_DELAY);
    let jitter = rand::thread_rng().gen_range(0.0..0.2);
    base.mul_f64(1.0 + jitter)
}

/// A temporary failure: retry later, or give up after `MAX_ATTEMPTS`.
pub async fn mark_retry(
    db: &DatabaseConnection,
    row: &OutboxRow,
    owner: &str,
    reply: &str,
) -> Result<bool> {
    record_one(db, row, owner, Verdict::Retry(reply.into())).await
}

pub async fn mark_failed(
    db: &DatabaseConnection,
    id: i64,
    owner: &str,
    reply: &str,
) -> Result<bool> {
    let row = held(db, id).await?;
    record_one(db, &row, owner, Verdict::Failed(reply.into())).await
}

/// The admin's 「再送」 of a failed message.
pub async fn resend(db: &DatabaseConnection, id: i64) -> Result<()> {
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if row.status != FAILED {
        return Err(Error::field("id", crate::Code::NotFound));
    }
    let mut am: entity::ActiveModel = row.into();
    am.status = Set(QUEUED);
    am.attempts = Set(0);
    am.next_attempt_at = Set(chrono::Utc::now());
    am.update(db).await?;
    Ok(())
}

/// How many rows are in each state, for the admin screen's filter.
pub async fn counts(db: &DatabaseConnection) -> Result<[(Status, u64); 4]> {
    let mut out = Status::ALL.map(|s| (s, 0));
    for (status, n) in out.iter_mut() {
        *n = entity::Entity::find()
            .filter(entity::Column::Status.eq(*status))
            .count(db)
            .await?;
    }
    Ok(out)
}

/// Newest first, optionally one status.
pub async fn list(
    db: &DatabaseConnection,
    status: Option<Status>,
    limit: u64,
) -> Result<Vec<OutboxRow>> {
    let mut q = entity::Entity::find();
    if let Some(s) = status {
        q = q.filter(entity::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(first >= BASE_DELAY && first <= BASE_DELAY.mul_f64(1.2));
            let third = backoff(3);
            assert!(third >= BASE_DELAY * 4 && third <= (BASE_DELAY * 4).mul_f64(1.2));
            assert!(backoff(40) <= MAX_DELAY.mul_f64(1.2));
        }
    }
}
