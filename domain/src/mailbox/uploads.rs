//! Files attached while a message is written. Each file is uploaded on its
//! own as soon as it is picked (the browser shows its progress) and kept
//! here until the message is sent; the message then names them by ID. Only
//! the uploader can use an upload; uploads never sent are swept after a day.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::error::Code;
use crate::{Error, Result};
use mail::compose::Attachment;

pub use crate::entity::mail_uploads as entity;

/// How long an upload waits for its message.
const KEEP_HOURS: i64 = 24;
/// Files one message may carry.
pub const ATTACHMENTS_MAX: usize = 100;
/// Uploads one user may have waiting (several messages being written), in
/// files and in multiples of the per-message limit.
const PENDING_FILES_MAX: u64 = 4 * ATTACHMENTS_MAX as u64;
const PENDING_MESSAGES: usize = 4;

fn too_large(max: usize) -> Error {
    Error::field(
        "attachments",
        Code::TooLarge {
            max_mb: u32::try_from(max >> 20).unwrap_or(u32::MAX),
        },
    )
}

/// What the browser learns of a stored upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

/// A file name as it will go into the message: the last path part (some
/// browsers send one), control characters dropped, at most 255 characters.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let s: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let s = s.trim();
    if s.is_empty() {
        "attachment".into()
    } else {
        s.to_owned()
    }
}

/// Stores one file for `user_id`. A file over the limit of ウェブメール設定
/// is refused at the attachments field (the limit is for the whole message;
/// the compose form also checks the sum before it uploads).
pub async fn put(
    db: &DatabaseConnection,
    user_id: i32,
    name: &str,
    content_type: &str,
    data: Vec<u8>,
) -> Result<Upload> {
    let max = crate::webmail::settings(db).await?.attachment_max_bytes();
    if data.len() > max {
        return Err(too_large(max));
    }
    sweep(db).await?;
    // What the user already has waiting: a form that uploads without end
    // (or many left open) stops at a few messages' worth.
    let (files, bytes): (i64, Option<i64>) = entity::Entity::find()
        .select_only()
        .column_as(entity::Column::Id.count(), "files")
        // SUM of a BIGINT is NUMERIC on PostgreSQL; cast back to decode.
        .column_as(
            sea_orm::sea_query::Expr::from(sea_orm::sea_query::Func::cast_as(
                entity::Column::Size.sum(),
                "BIGINT",
            )),
            "bytes",
        )
        .filter(entity::Column::UserId.eq(user_id))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    let pending_max = max.saturating_mul(PENDING_MESSAGES);
    if files as u64 >= PENDING_FILES_MAX {
        return Err(Error::field(
            "attachments",
            Code::TooMany {
                max: PENDING_FILES_MAX as u32,
            },
        ));
    }
    if bytes.unwrap_or(0).max(0) as u64 + data.len() as u64 > pending_max as u64 {
        return Err(too_large(pending_max));
    }
    let name = clean_name(name);
    let content_type = match content_type.trim() {
        t if t.is_empty() || t.len() > 255 || !t.contains('/') || t.contains(['\r', '\n']) => {
            "application/octet-stream".to_owned()
        }
        t => t.to_owned(),
    };
    let size = data.len() as i64;
    let m = entity::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.clone()),
        content_type: Set(content_type),
        size: Set(size),
        data: Set(data),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Upload {
        id: m.id,
        name,
        size,
    })
}

/// The files `ids` as attachments, in the order given, each once. Someone
/// else's upload is "not found" (as any other ID of theirs); one of the
/// user's that is gone (swept) is an error at the attachments field:
/// nothing is sent without every file the writer saw in the form. More
/// than `ATTACHMENTS_MAX` files, or more than `max_bytes` together, are
/// refused before any file is read.
pub async fn take(
    db: &DatabaseConnection,
    user_id: i32,
    ids: &[i64],
    max_bytes: usize,
) -> Result<Vec<Attachment>> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > ATTACHMENTS_MAX {
        return Err(Error::field(
            "attachments",
            Code::TooMany {
                max: ATTACHMENTS_MAX as u32,
            },
        ));
    }
    let sizes: Vec<(i32, i64)> = entity::Entity::find()
        .select_only()
        .column(entity::Column::UserId)
        .column(entity::Column::Size)
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    if sizes.iter().any(|(owner, _)| *owner != user_id) {
        return Err(Error::NotFound);
    }
    let total: u64 = sizes.iter().map(|(_, size)| (*size).max(0) as u64).sum();
    if total > max_bytes as u64 {
        return Err(too_large(max_bytes));
    }
    let rows = entity::Entity::find()
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .filter(entity::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    ids.iter()
        .map(|id| {
            rows.iter()
                .find(|r| r.id == *id)
                .map(|r| Attachment {
                    name: r.name.clone(),
                    content_type: r.content_type.clone(),
                    data: r.data.clone(),
                })
                .ok_or_else(|| Error::field("attachments", Code::NotFound))
        })
        .collect()
}

/// The user's uploads among `ids` (others' and swept ones left out), in
/// the order given, without their contents: what a form lists.
pub async fn listed(db: &DatabaseConnection, user_id: i32, ids: &[i64]) -> Result<Vec<Upload>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, i64)> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .column(entity::Column::Name)
        .column(entity::Column::Size)
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(ids
        .iter()
        .filter(|id| seen.insert(**id))
        .filter_map(|id| rows.iter().find(|r| r.0 == *id))
        .map(|(id, name, size)| Upload {
            id: *id,
            name: name.clone(),
            size: *size,
        })
        .collect())
}

/// Drops the user's uploads once their message is sent.
pub async fn forget(db: &DatabaseConnection, user_id: i32, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Drops every upload older than a day (a form left open and abandoned).
async fn sweep(db: &DatabaseConnection) -> Result<()> {
    let before = chrono::Utc::now() - chrono::Duration::hours(KEEP_HOURS);
    entity::Entity::delete_many()
        .filter(entity::Column::CreatedAt.lt(before))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes<T: std::fmt::Debug>(r: Result<T>) -> Vec<(&'static str, Code)> {
        match r {
            Err(Error::Invalid(v)) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    /// An ID named many times is one file, not one copy per mention; the
    /// count and the sum are checked before any file is read.
    #[tokio::test]
    async fn a_message_takes_each_upload_once_within_the_limits() {
        let db = crate::testing::migrated("sqlite::memory:").await;
        let me = crate::testing::user("writer").insert(&db).await;
        let other = crate::testing::user("other").insert(&db).await;
        let a = put(&db, me.id, "a.txt", "text/plain", vec![b'a'; 1000])
            .await
            .unwrap();
        let b = put(&db, me.id, "b.txt", "text/plain", vec![b'b'; 2000])
            .await
            .unwrap();
        let ids: Vec<i64> = std::iter::repeat_n(a.id, 10_000)
            .chain([b.id, a.id])
            .collect();
        let files = take(&db, me.id, &ids, 3000).await.unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b.txt"]);
        assert_eq!(
            codes(take(&db, me.id, &[a.id, b.id], 2999).await),
            [("attachments", Code::TooLarge { max_mb: 0 })]
        );
        let many: Vec<i64> = (1..=ATTACHMENTS_MAX as i64 + 1).collect();
        assert_eq!(
            codes(take(&db, me.id, &many, 1 << 30).await),
            [("attachments", Code::TooMany { max: 100 })]
        );
        assert!(matches!(
            take(&db, other.id, &[a.id], 1 << 20).await,
            Err(Error::NotFound)
        ));
    }

    /// Uploads never sent stop at a few messages' worth per user.
    #[tokio::test]
    async fn pending_uploads_are_bounded_per_user() {
        let db = crate::testing::migrated("sqlite::memory:").await;
        let limits = crate::webmail::SettingsInput {
            allow_user_edit: true,
            receive_interval_min: "5".into(),
            attachment_max_mb: "1".into(),
            ..Default::default()
        };
        crate::webmail::save_settings(&db, &crate::audit::Actor::system(), &limits)
            .await
            .unwrap();
        let me = crate::testing::user("writer").insert(&db).await;
        let other = crate::testing::user("other").insert(&db).await;
        let mb = vec![b'x'; 1 << 20];
        for _ in 0..PENDING_MESSAGES {
            put(&db, me.id, "f", "text/plain", mb.clone())
                .await
                .unwrap();
        }
        assert_eq!(
            codes(put(&db, me.id, "f", "text/plain", vec![b'x'; 1]).await),
            [("attachments", Code::TooLarge { max_mb: 4 })]
        );
        put(&db, other.id, "f", "text/plain", mb.clone())
            .await
            .unwrap();
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\yamada\\見積書.pdf"), "見積書.pdf");
        assert_eq!(clean_name("/tmp/a\r\nb.txt"), "ab.txt");
        assert_eq!(clean_name("  "), "attachment");
        assert_eq!(clean_name(&"あ".repeat(300)).chars().count(), 255);
    }
}
