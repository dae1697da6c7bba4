//! Audit log: who changed what, written in the same transaction as the change.
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};

use crate::Result;

pub use crate::entity::audit_log as entity;

/// Who is acting, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self::default()
    }
    pub fn user(user_id: i32, ip: Option<String>) -> Self {
        Self {
            user_id: Some(user_id),
            ip,
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    entity::ActiveModel {
        at: Set(chrono::Utc::now()),
        actor_id: Set(actor.user_id),
        action: Set(clip(action, 64)),
        target: Set(clip(target, 200)),
        detail: Set(detail.to_owned()),
        ip: Set(actor.ip.as_deref().map(|ip| clip(ip, 64))),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn recent<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<entity::Model>> {
    Ok(entity::Entity::find()
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
