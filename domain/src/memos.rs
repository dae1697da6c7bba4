//! 伝言: in-app messages (a schedule entry with 通知の方法 = 伝言 leaves one
//! for each participant instead of sending mail). Each user sees only their
//! own.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::{Error, Result};

pub use crate::entity::memos as entity;

pub use entity::Model as Memo;

pub async fn leave<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
    sender_id: Option<i32>,
    entry_id: Option<i32>,
    subject: &str,
    body: &str,
) -> Result<()> {
    entity::ActiveModel {
        user_id: Set(user_id),
        sender_id: Set(sender_id),
        entry_id: Set(entry_id),
        subject: Set(subject.chars().take(300).collect()),
        body: Set(body.to_owned()),
        created_at: Set(chrono::Utc::now()),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The user's memos, newest first.
pub async fn list(db: &DatabaseConnection, user_id: i32, limit: u64) -> Result<Vec<Memo>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn unread_count(db: &DatabaseConnection, user_id: i32) -> Result<u64> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks one of the user's own memos read; another user's is "not found".
pub async fn mark_read(db: &DatabaseConnection, user_id: i32, id: i64) -> Result<()> {
    let memo = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| m.user_id == user_id)
        .ok_or(Error::NotFound)?;
    if memo.read_at.is_none() {
        let mut am: entity::ActiveModel = memo.into();
        am.read_at = Set(Some(chrono::Utc::now()));
        am.update(db).await?;
    }
    Ok(())
}
