//! Server-side sessions. The browser holds a random token; the database holds
//! only its SHA-256, so a leaked database cannot be replayed as cookies.
use base64::Engine;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::entity::users;
use crate::entity::users::Model as User;

pub use crate::entity::sessions as entity;

/// How long a sign-in lasts.
pub const LIFETIME: chrono::Duration = chrono::Duration::hours(12);

pub(crate) fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session and returns the token for the cookie.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
    ip: Option<String>,
) -> Result<String> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let now = chrono::Utc::now();
    entity::ActiveModel {
        id: Set(digest(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + LIFETIME),
        ip: Set(ip),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The signed-in user for a cookie token, if the session is live and the
/// user still enabled.
pub async fn lookup<C: ConnectionTrait>(conn: &C, token: &str) -> Result<Option<User>> {
    // Tokens are 43 base64url characters; anything else cannot be ours and is
    // rejected before touching the database.
    if token.len() != 43 {
        return Ok(None);
    }
    let Some(session) = entity::Entity::find_by_id(digest(token)).one(conn).await? else {
        return Ok(None);
    };
    if session.expires_at <= chrono::Utc::now() {
        entity::Entity::delete_by_id(session.id).exec(conn).await?;
        return Ok(None);
    }
    let user = users::Entity::find_by_id(session.user_id).one(conn).await?;
    Ok(user.filter(|u| !u.disabled))
}

pub async fn delete<C: ConnectionTrait>(conn: &C, token: &str) -> Result<()> {
    entity::Entity::delete_by_id(digest(token))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_for_user<C: ConnectionTrait>(conn: &C, user_id: i32) -> Result<()> {
    entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` but the one holding `keep` (the one
/// that changed the password, so its owner stays signed in there).
pub async fn delete_others<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
    keep: Option<&str>,
) -> Result<()> {
    let mut q = entity::Entity::delete_many().filter(entity::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        q = q.filter(entity::Column::Id.ne(digest(keep)));
    }
    q.exec(conn).await?;
    Ok(())
}

pub async fn purge_expired<C: ConnectionTrait>(conn: &C) -> Result<u64> {
    let res = entity::Entity::delete_many()
        .filter(entity::Column::ExpiresAt.lte(chrono::Utc::now()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}
