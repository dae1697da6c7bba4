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
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::{Error, Result};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub envelope_from: String,
        pub recipient: String,
        pub subject: String,
        /// The whole RFC 5322 message, rendered when it was queued.
        pub message: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_until: Option<DateTimeUtc>,
        pub lease_owner: Option<String>,
        pub last_reply: Option<String>,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as OutboxRow;

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

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
        status: Set(QUEUED.into()),
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
    let txn = db.begin().await?;
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
            r.status = SENDING.into();
            r.lease_until = Some(lease_until);
            r.lease_owner = Some(owner.into());
            r.attempts += 1;
            r
        })
        .collect())
}

/// Updates a row this owner holds; a row whose lease was taken over by
/// another dispatcher is left alone.
async fn finish(
    db: &DatabaseConnection,
    id: i64,
    owner: &str,
    update: impl FnOnce(&mut entity::ActiveModel),
) -> Result<bool> {
    let Some(row) = entity::Entity::find_by_id(id).one(db).await? else {
        return Err(Error::NotFound);
    };
    if row.status != SENDING || row.lease_owner.as_deref() != Some(owner) {
        return Ok(false);
    }
    let mut am: entity::ActiveModel = row.into();
    update(&mut am);
    am.lease_until = Set(None);
    am.lease_owner = Set(None);
    am.update(db).await?;
    Ok(true)
}

pub async fn mark_sent(db: &DatabaseConnection, id: i64, owner: &str, reply: &str) -> Result<bool> {
    let reply = reply.to_owned();
    finish(db, id, owner, |am| {
        am.status = Set(SENT.into());
        am.sent_at = Set(Some(chrono::Utc::now()));
        am.last_reply = Set(Some(reply));
    })
    .await
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
    if row.attempts >= MAX_ATTEMPTS {
        return mark_failed(db, row.id, owner, reply).await;
    }
    let next = chrono::Utc::now()
        + chrono::Duration::from_std(backoff(row.attempts)).unwrap_or(chrono::Duration::hours(1));
    let reply = reply.to_owned();
    finish(db, row.id, owner, |am| {
        am.status = Set(QUEUED.into());
        am.next_attempt_at = Set(next);
        am.last_reply = Set(Some(reply));
    })
    .await
}

pub async fn mark_failed(
    db: &DatabaseConnection,
    id: i64,
    owner: &str,
    reply: &str,
) -> Result<bool> {
    let reply = reply.to_owned();
    finish(db, id, owner, |am| {
        am.status = Set(FAILED.into());
        am.last_reply = Set(Some(reply));
    })
    .await
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
    am.status = Set(QUEUED.into());
    am.attempts = Set(0);
    am.next_attempt_at = Set(chrono::Utc::now());
    am.update(db).await?;
    Ok(())
}

/// Newest first, optionally one status.
pub async fn list(
    db: &DatabaseConnection,
    status: Option<&str>,
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
