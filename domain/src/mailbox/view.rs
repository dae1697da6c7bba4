//! The webmail's view of the store: folders with unread counts, pages of a
//! folder in four orders, flags, moving, deleting through ごみ箱, search and
//! reading. Every function takes an account its caller owns (checked by
//! [`mine`]) and touches only that account's rows, so a message ID of
//! someone else's reads as not found.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};

use super::{INBOX, body, index, message};
use crate::error::Code;
use crate::{Error, Result};

pub const SENT: &str = "sent";
pub const DRAFTS: &str = "drafts";
pub const TRASH: &str = "trash";
/// The folders every account has, in the order the folder pane shows them.
pub const SYSTEM: [&str; 4] = [INBOX, SENT, DRAFTS, TRASH];

pub use crate::entity::mail_folders as folder;

/// The account if `user_id` owns it and may use webmail; anything else is
/// "not found" (admins manage accounts, they do not read others' mail).
pub async fn mine(
    db: &DatabaseConnection,
    user_id: i32,
    account_id: i32,
) -> Result<super::Account> {
    let a = super::account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if a.user_id != user_id {
        return Err(Error::NotFound);
    }
    // ウェブメール and ウェブメールIMAP are allowed one by one.
    let enabled = crate::entity::users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|u| {
            !u.disabled
                && match a.kind {
                    crate::entity::mail_accounts::Kind::Pop => u.webmail_enabled,
                    crate::entity::mail_accounts::Kind::Imap => u.imap_enabled,
                }
        });
    if !enabled {
        return Err(Error::Forbidden);
    }
    Ok(a)
}

/// A folder of the pane: a system folder (`name` None) or one of the user's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    /// "inbox", "sent", "drafts", "trash", or "f<ID>" for a user folder.
    pub key: String,
    pub name: Option<String>,
    pub unread: i64,
}

fn user_key(id: i32) -> String {
    format!("f{id}")
}

/// Unread counts stop here (shown as 「999+」): a count costs the same
/// however much unread mail a folder holds.
pub const UNREAD_CAP: i64 = 1000;

/// The folder pane: the system folders, then the user's by name, each
/// with its unread count (from the index of unread rows only, at most
/// [`UNREAD_CAP`]).
pub async fn folders(db: &DatabaseConnection, account_id: i32) -> Result<Vec<Folder>> {
    let mut own = folder::Entity::find()
        .filter(folder::Column::AccountId.eq(account_id))
        .all(db)
        .await?;
    own.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<Folder> = SYSTEM
        .iter()
        .map(|k| Folder {
            key: (*k).to_owned(),
            name: None,
            unread: 0,
        })
        .chain(own.into_iter().map(|f| Folder {
            key: user_key(f.id),
            name: Some(f.name),
            unread: 0,
        }))
        .collect();
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM mail_messages WHERE account_id = $1 AND folder = $2 AND NOT seen LIMIT $3) AS u"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM mail_messages WHERE account_id = ? AND folder = ? AND NOT seen LIMIT ?) AS u"
        }
    };
    for f in &mut out {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [account_id.into(), f.key.clone().into(), UNREAD_CAP.into()],
            ))
            .await?;
        f.unread = row
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
    }
    Ok(out)
}

/// A folder key of this account, or not found.
pub async fn check_folder<C: ConnectionTrait>(c: &C, account_id: i32, key: &str) -> Result<()> {
    if SYSTEM.contains(&key) {
        return Ok(());
    }
    folder::Entity::find_by_id(user_folder_id(key)?)
        .filter(folder::Column::AccountId.eq(account_id))
        .one(c)
        .await?
        .map(|_| ())
        .ok_or(Error::NotFound)
}

fn folder_name(name: &str) -> Result<String> {
    let name = name.trim();
    let mut c = crate::validate::Checks::default();
    let n = c.text("folder_name", name, 100);
    if name.is_empty() {
        c.push("folder_name", Code::Required);
    } else if name.chars().any(char::is_control) || name.contains('/') {
        c.push("folder_name", Code::InvalidChars);
    }
    c.finish()?;
    Ok(n)
}

async fn name_taken(
    db: &DatabaseConnection,
    account_id: i32,
    name: &str,
    except: i32,
) -> Result<bool> {
    Ok(folder::Entity::find()
        .filter(folder::Column::AccountId.eq(account_id))
        .filter(folder::Column::Name.eq(name))
        .filter(folder::Column::Id.ne(except))
        .one(db)
        .await?
        .is_some())
}

/// フォルダの作成: returns the new folder's key.
pub async fn create_folder(db: &DatabaseConnection, account_id: i32, name: &str) -> Result<String> {
    let name = folder_name(name)?;
    if name_taken(db, account_id, &name, 0).await? {
        return Err(Error::field("folder_name", Code::Duplicate));
    }
    let f = folder::ActiveModel {
        account_id: Set(account_id),
        name: Set(name),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| Error::unique_violation_as(e, "folder_name"))?;
    Ok(user_key(f.id))
}

fn user_folder_id(key: &str) -> Result<i32> {
    key.strip_prefix('f')
        .and_then(|n| n.parse().ok())
        .ok_or(Error::NotFound)
}

pub async fn rename_folder(
    db: &DatabaseConnection,
    account_id: i32,
    key: &str,
    name: &str,
) -> Result<()> {
    let id = user_folder_id(key)?;
    check_folder(db, account_id, key).await?;
    let name = folder_name(name)?;
    if name_taken(db, account_id, &name, id).await? {
        return Err(Error::field("folder_name", Code::Duplicate));
    }
    folder::Entity::update_many()
        .col_expr(folder::Column::Name, Expr::value(name))
        .filter(folder::Column::Id.eq(id))
        .filter(folder::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deleting a folder moves its mail to ごみ箱 first: no mail is lost with
/// a folder.
pub async fn delete_folder(db: &DatabaseConnection, account_id: i32, key: &str) -> Result<()> {
    let id = user_folder_id(key)?;
    check_folder(db, account_id, key).await?;
    let txn = crate::db::write(db).await?;
    message::Entity::update_many()
        .col_expr(message::Column::Folder, Expr::value(TRASH))
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Folder.eq(key))
        .exec(&txn)
        .await?;
    folder::Entity::delete_many()
        .filter(folder::Column::Id.eq(id))
        .filter(folder::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// By arrival (受信日時), the default: ID order, as IDs and receive
    /// times grow together.
    #[default]
    Date,
    From,
    Subject,
    Size,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "from" => Sort::From,
            "subject" => Sort::Subject,
            "size" => Sort::Size,
            _ => Sort::Date,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Sort::Date => "date",
            Sort::From => "from",
            Sort::Subject => "subject",
            Sort::Size => "size",
        }
    }
}

/// Where the next page starts: the sort key and ID of the last row shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: String,
    pub id: i64,
}

/// A line of the list: never the raw message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sea_orm::FromQueryResult)]
pub struct Row {
    pub id: i64,
    pub folder: String,
    pub subject: String,
    pub from_addr: String,
    pub to_addr: String,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub size: i32,
    pub seen: bool,
    pub flagged: bool,
    pub has_attachment: bool,
}

fn columns() -> [message::Column; 11] {
    use message::Column as C;
    [
        C::Id,
        C::Folder,
        C::Subject,
        C::FromAddr,
        C::ToAddr,
        C::SentAt,
        C::ReceivedAt,
        C::Size,
        C::Seen,
        C::Flagged,
        C::HasAttachment,
    ]
}

fn cursor_of(sort: Sort, r: &Row) -> Cursor {
    let key = match sort {
        Sort::Date => String::new(),
        Sort::From => r.from_addr.clone(),
        Sort::Subject => r.subject.clone(),
        Sort::Size => r.size.to_string(),
    };
    Cursor { key, id: r.id }
}

/// One page of a folder, in `sort` order (newest, Z–A or largest first
/// when `desc`), starting after `after`. The row values `(key, id)` are
/// compared as one, which both databases answer from the sort's index:
/// the cost of a page does not grow with its depth.
pub async fn page(
    db: &DatabaseConnection,
    account_id: i32,
    folder: &str,
    sort: Sort,
    desc: bool,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<(Vec<Row>, Option<Cursor>)> {
    use message::Column as C;
    let col = match sort {
        Sort::Date => C::Id,
        Sort::From => C::FromAddr,
        Sort::Subject => C::Subject,
        Sort::Size => C::Size,
    };
    let mut q = message::Entity::find()
        .select_only()
        .columns(columns())
        .filter(C::AccountId.eq(account_id))
        .filter(C::Folder.eq(folder));
    if let (Some(c), Sort::Date) = (after, sort) {
        q = q.filter(if desc { C::Id.lt(c.id) } else { C::Id.gt(c.id) });
    } else if let Some(c) = after {
        let key: sea_orm::Value = match sort {
            Sort::Size => c.key.parse::<i32>().map_err(|_| Error::NotFound)?.into(),
            _ => c.key.clone().into(),
        };
        let left = Expr::tuple([Expr::col(col), Expr::col(C::Id)]);
        let right = Expr::tuple([Expr::val(key), Expr::val(c.id)]);
        q = q.filter(if desc { left.lt(right) } else { left.gt(right) });
    }
    q = match (sort, desc) {
        (Sort::Date, true) => q.order_by_desc(C::Id),
        (Sort::Date, false) => q.order_by_asc(C::Id),
        (_, true) => q.order_by_desc(col).order_by_desc(C::Id),
        (_, false) => q.order_by_asc(col).order_by_asc(C::Id),
    };
    let mut rows = q.limit(limit + 1).into_model::<Row>().all(db).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| cursor_of(sort, r))
    } else {
        None
    };
    Ok((rows, next))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    Read,
    Unread,
    Flag,
    Unflag,
}

/// 既読 / 未読 / フラグ on the selected messages; returns how many changed.
pub async fn mark(db: &DatabaseConnection, account_id: i32, ids: &[i64], m: Mark) -> Result<u64> {
    use message::Column as C;
    let (col, v) = match m {
        Mark::Read => (C::Seen, true),
        Mark::Unread => (C::Seen, false),
        Mark::Flag => (C::Flagged, true),
        Mark::Unflag => (C::Flagged, false),
    };
    Ok(message::Entity::update_many()
        .col_expr(col, Expr::value(v))
        .filter(C::AccountId.eq(account_id))
        .filter(C::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// 移動: to a folder of the same account.
pub async fn move_to(
    db: &DatabaseConnection,
    account_id: i32,
    ids: &[i64],
    folder: &str,
) -> Result<u64> {
    check_folder(db, account_id, folder).await?;
    Ok(message::Entity::update_many()
        .col_expr(message::Column::Folder, Expr::value(folder))
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// 削除: to ごみ箱; what is already there is deleted for good.
pub async fn delete(db: &DatabaseConnection, account_id: i32, ids: &[i64]) -> Result<u64> {
    let txn = crate::db::write(db).await?;
    let in_trash: Vec<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Folder.eq(TRASH))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(&txn)
        .await?;
    let moved = message::Entity::update_many()
        .col_expr(message::Column::Folder, Expr::value(TRASH))
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Folder.ne(TRASH))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(&txn)
        .await?
        .rows_affected;
    let purged = purge(&txn, &in_trash).await?;
    txn.commit().await?;
    Ok(moved + purged)
}

/// ごみ箱を空にする.
pub async fn empty_trash(db: &DatabaseConnection, account_id: i32) -> Result<u64> {
    let txn = crate::db::write(db).await?;
    let mut total = 0;
    loop {
        let ids: Vec<i64> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .filter(message::Column::AccountId.eq(account_id))
            .filter(message::Column::Folder.eq(TRASH))
            .limit(500)
            .into_tuple()
            .all(&txn)
            .await?;
        if ids.is_empty() {
            break;
        }
        total += purge(&txn, &ids).await?;
    }
    txn.commit().await?;
    Ok(total)
}

/// Deletes messages with everything derived from them (the search pieces
/// live in a table without foreign keys on SQLite).
async fn purge<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let freed: Vec<(i32, Option<i64>)> = message::Entity::find()
        .select_only()
        .column(message::Column::AccountId)
        .column_as(message::Column::Size.sum(), "freed")
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .group_by(message::Column::AccountId)
        .into_tuple()
        .all(c)
        .await?;
    for (account_id, bytes) in freed {
        super::count_stored(c, account_id, -bytes.unwrap_or(0)).await?;
    }
    super::fts::unindex(c, ids).await?;
    index::Entity::delete_many()
        .filter(index::Column::MessageId.is_in(ids.iter().copied()))
        .exec(c)
        .await?;
    body::Entity::delete_many()
        .filter(body::Column::MessageId.is_in(ids.iter().copied()))
        .exec(c)
        .await?;
    Ok(message::Entity::delete_many()
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(c)
        .await?
        .rows_affected)
}

/// A message of this account with its raw bytes.
pub async fn message(db: &DatabaseConnection, account_id: i32, id: i64) -> Result<(Row, Vec<u8>)> {
    let row = message::Entity::find()
        .select_only()
        .columns(columns())
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::Id.eq(id))
        .into_model::<Row>()
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let raw = body::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|b| b.raw)
        .unwrap_or_default();
    Ok((row, raw))
}

/// The account of a message, for a link that names only the message.
pub async fn account_of_message(db: &DatabaseConnection, user_id: i32, id: i64) -> Result<i32> {
    let account_id: i32 = message::Entity::find_by_id(id)
        .select_only()
        .column(message::Column::AccountId)
        .into_tuple()
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    mine(db, user_id, account_id).await?;
    Ok(account_id)
}

/// The address inside `名前 <address>` (or the text itself), lower-cased:
/// how 「常に表示」 names a sender.
pub fn sender_address(from: &str) -> String {
    let a = match (from.rfind('<'), from.rfind('>')) {
        (Some(s), Some(e)) if s < e => &from[s + 1..e],
        _ => from,
    };
    a.trim().to_lowercase()
}

/// Whether remote images from this sender (a From text) are always shown
/// (「常に表示」).
pub async fn images_always(db: &DatabaseConnection, user_id: i32, from: &str) -> Result<bool> {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT 1 AS x FROM mail_image_senders WHERE user_id = $1 AND sender = $2"
        }
        _ => "SELECT 1 AS x FROM mail_image_senders WHERE user_id = ? AND sender = ?",
    };
    Ok(db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [user_id.into(), sender_address(from).into()],
        ))
        .await?
        .is_some())
}

pub async fn allow_images_from(db: &DatabaseConnection, user_id: i32, from: &str) -> Result<()> {
    let sender = sender_address(from);
    if sender.is_empty() || sender.len() > 254 {
        return Err(Error::field("sender", Code::InvalidEmail));
    }
    if images_always(db, user_id, &sender).await? {
        return Ok(());
    }
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "INSERT INTO mail_image_senders (user_id, sender) VALUES ($1, $2)"
        }
        _ => "INSERT INTO mail_image_senders (user_id, sender) VALUES (?, ?)",
    };
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [user_id.into(), sender.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sender_address_is_found() {
        assert_eq!(
            super::sender_address("山田 <Yamada@Example.test>"),
            "yamada@example.test"
        );
        assert_eq!(
            super::sender_address("bob@example.test"),
            "bob@example.test"
        );
    }
}
