//! Files attached while a message is written. Each file is uploaded on its
//! own as soon as it is picked (the browser shows its progress) and kept
//! here until the message is sent; the message then names them by ID. Only
//! the uploader can use an upload; uploads never sent are swept after a day.
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::error::Code;
use crate::{Error, Result};
use mail::compose::Attachment;

pub use crate::entity::mail_uploads as entity;

/// How long an upload waits for its message.
const KEEP_HOURS: i64 = 24;

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
        return Err(Error::field(
            "attachments",
            Code::TooLarge {
                max_mb: (max >> 20) as u32,
            },
        ));
    }
    sweep(db).await?;
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

/// The files `ids` as attachments, in the order given. Someone else's
/// upload is "not found" (as any other ID of theirs); one of the user's
/// that is gone (swept) is an error at the attachments field: nothing is
/// sent without every file the writer saw in the form.
pub async fn take(db: &DatabaseConnection, user_id: i32, ids: &[i64]) -> Result<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = entity::Entity::find()
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if rows.iter().any(|r| r.user_id != user_id) {
        return Err(Error::NotFound);
    }
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
    use super::clean_name;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\yamada\\見積書.pdf"), "見積書.pdf");
        assert_eq!(clean_name("/tmp/a\r\nb.txt"), "ab.txt");
        assert_eq!(clean_name("  "), "attachment");
        assert_eq!(clean_name(&"あ".repeat(300)).chars().count(), 255);
    }
}
