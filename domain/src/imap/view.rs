//! The webmail's view of an IMAP account: the same folders, pages, flags,
//! moves, deletions and search as the local store (`mailbox::view`), read
//! on the server. Every function takes an account its caller owns; a
//! message ID whose folder row is another account's reads as not found.
use std::collections::{BTreeMap, HashMap};

use mail::imap::{Counts, Flags, SearchIn, Session, SortKey, Special};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{Ctx, folder, row};
use crate::mailbox::search::Within;
use crate::mailbox::view::{Cursor, DRAFTS, Folder, Mark, Row, SENT, Sort, TRASH};
use crate::mailbox::{Account, INBOX};
use crate::{Code, Error, Result};

/// Names clients give the folders Tayori files into, for servers that do
/// not mark them with SPECIAL-USE (compared case-insensitively, also as
/// the last level of a hierarchy).
const SENT_NAMES: [&str; 6] = [
    "Sent",
    "Sent Items",
    "Sent Messages",
    "送信済みアイテム",
    "送信済み",
    "[Gmail]/Sent Mail",
];
const DRAFT_NAMES: [&str; 3] = ["Drafts", "下書き", "[Gmail]/Drafts"];
const TRASH_NAMES: [&str; 6] = [
    "Trash",
    "Deleted Items",
    "Deleted Messages",
    "ごみ箱",
    "ゴミ箱",
    "[Gmail]/Trash",
];

fn message_id(folder_id: i32, uid: u32) -> i64 {
    (i64::from(folder_id) << 32) | i64::from(uid)
}

fn split_id(id: i64) -> Option<(i32, u32)> {
    let folder = i32::try_from(id >> 32).ok()?;
    let uid = u32::try_from(id & 0xffff_ffff).ok()?;
    (folder > 0 && uid > 0).then_some((folder, uid))
}

fn matches_name(f: &mail::imap::Folder, names: &[&str]) -> bool {
    let last = f
        .delimiter
        .as_deref()
        .and_then(|d| f.name.rsplit(d).next())
        .unwrap_or(&f.name);
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(&f.name) || n.eq_ignore_ascii_case(last))
}

/// The wire name of a role: the account's choice, else SPECIAL-USE, else
/// a name clients use.
fn role(
    listed: &[mail::imap::Folder],
    chosen: &str,
    special: Special,
    names: &[&str],
) -> Option<String> {
    let usable = |f: &&mail::imap::Folder| f.selectable;
    if !chosen.is_empty() {
        return listed
            .iter()
            .filter(usable)
            .find(|f| f.wire == chosen)
            .map(|f| f.wire.clone());
    }
    listed
        .iter()
        .filter(usable)
        .find(|f| f.special == Some(special))
        .or_else(|| {
            listed
                .iter()
                .filter(usable)
                .find(|f| matches_name(f, names))
        })
        .map(|f| f.wire.clone())
}

/// The system folders' wire names: inbox, sent, drafts, trash.
pub(super) struct Roles {
    sent: Option<String>,
    drafts: Option<String>,
    trash: Option<String>,
}

fn roles(acc: &Account, listed: &[mail::imap::Folder]) -> Roles {
    Roles {
        sent: role(listed, &acc.imap_sent, Special::Sent, &SENT_NAMES),
        drafts: role(listed, &acc.imap_drafts, Special::Drafts, &DRAFT_NAMES),
        trash: role(listed, &acc.imap_trash, Special::Trash, &TRASH_NAMES),
    }
}

impl Roles {
    fn key_of(&self, wire: &str) -> Option<&'static str> {
        if wire.eq_ignore_ascii_case("INBOX") {
            Some(INBOX)
        } else if self.sent.as_deref() == Some(wire) {
            Some(SENT)
        } else if self.drafts.as_deref() == Some(wire) {
            Some(DRAFTS)
        } else if self.trash.as_deref() == Some(wire) {
            Some(TRASH)
        } else {
            None
        }
    }
    fn wire_of(&self, key: &str) -> Option<String> {
        match key {
            INBOX => Some("INBOX".into()),
            SENT => self.sent.clone(),
            DRAFTS => self.drafts.clone(),
            TRASH => self.trash.clone(),
            _ => None,
        }
    }
}

/// The cached folder row of `wire`, made or replaced to match `counts`: a
/// new UIDVALIDITY drops the old row with its cached rows (their IDs now
/// name nothing), so no old ID can reach another message.
async fn folder_row(
    ctx: &Ctx<'_>,
    acc: &Account,
    wire: &str,
    counts: &Counts,
) -> Result<folder::Model> {
    let existing = folder::Entity::find()
        .filter(folder::Column::AccountId.eq(acc.id))
        .filter(folder::Column::Wire.eq(wire))
        .one(ctx.db)
        .await?;
    if let Some(f) = existing {
        if f.uid_validity == i64::from(counts.uid_validity) {
            return Ok(f);
        }
        tracing::info!(
            account = acc.id,
            "IMAP folder's UIDVALIDITY changed; its cached rows are dropped"
        );
        drop_folder(ctx, f.id).await?;
    }
    let made = folder::ActiveModel {
        account_id: Set(acc.id),
        wire: Set(wire.to_owned()),
        uid_validity: Set(i64::from(counts.uid_validity)),
        highest_modseq: Set(counts.highest_modseq.and_then(|m| i64::try_from(m).ok())),
        uid_next: Set(counts.uid_next.map(i64::from)),
        exists: Set(i64::from(counts.exists)),
        cached_below: Set(1),
        checked_at: Set(Some(chrono::Utc::now())),
        ..Default::default()
    }
    .insert(ctx.db)
    .await;
    match made {
        Ok(f) => Ok(f),
        // Another request made it a moment ago.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            folder::Entity::find()
                .filter(folder::Column::AccountId.eq(acc.id))
                .filter(folder::Column::Wire.eq(wire))
                .one(ctx.db)
                .await?
                .ok_or(Error::NotFound)
        }
        Err(e) => Err(e.into()),
    }
}

async fn drop_folder(ctx: &Ctx<'_>, folder_id: i32) -> Result<()> {
    let txn = crate::db::write(ctx.db).await?;
    row::Entity::delete_many()
        .filter(row::Column::FolderId.eq(folder_id))
        .exec(&txn)
        .await?;
    folder::Entity::delete_by_id(folder_id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Looks at `wire` afresh (`Session::refresh`) and brings its cached rows up to date: flags
/// changed and messages expunged since the last look (CONDSTORE/QRESYNC).
async fn open_folder(
    ctx: &Ctx<'_>,
    acc: &Account,
    s: &mut Session,
    wire: &str,
) -> Result<folder::Model> {
    let counts = s.refresh(wire).await?;
    let mut f = folder_row(ctx, acc, wire, &counts).await?;
    let now_modseq = counts.highest_modseq.and_then(|m| i64::try_from(m).ok());
    if let (Some(old), Some(new)) = (f.highest_modseq, now_modseq)
        && old != new
    {
        let changes = s.changes_since(old as u64).await?;
        let txn = crate::db::write(ctx.db).await?;
        for (uid, flags) in &changes.flags {
            row::Entity::update_many()
                .col_expr(row::Column::Seen, Expr::value(flags.seen))
                .col_expr(row::Column::Flagged, Expr::value(flags.flagged))
                .col_expr(row::Column::Answered, Expr::value(flags.answered))
                .filter(row::Column::FolderId.eq(f.id))
                .filter(row::Column::Uid.eq(i64::from(*uid)))
                .exec(&txn)
                .await?;
        }
        for gone in changes.vanished.chunks(500) {
            row::Entity::delete_many()
                .filter(row::Column::FolderId.eq(f.id))
                .filter(row::Column::Uid.is_in(gone.iter().map(|u| i64::from(*u))))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    if f.highest_modseq != now_modseq || f.exists != i64::from(counts.exists) {
        let mut am: folder::ActiveModel = f.clone().into();
        am.highest_modseq = Set(now_modseq);
        am.exists = Set(i64::from(counts.exists));
        am.uid_next = Set(counts.uid_next.map(i64::from));
        am.checked_at = Set(Some(chrono::Utc::now()));
        f = am.update(ctx.db).await?;
    }
    Ok(f)
}

fn to_row(key: &str, folder_id: i32, r: &row::Model) -> Row {
    Row {
        id: message_id(folder_id, r.uid as u32),
        folder: key.to_owned(),
        subject: r.subject.clone(),
        from_addr: r.from_addr.clone(),
        to_addr: r.to_addr.clone(),
        sent_at: r.sent_at,
        received_at: r.internal_date,
        size: r.size,
        seen: r.seen,
        flagged: r.flagged,
        has_attachment: r.has_attachment,
    }
}

fn cached_of(folder_id: i32, r: mail::imap::Row) -> row::Model {
    let words = mail::search::normalize(&format!("{}\n{}\n{}", r.subject, r.from, r.to));
    row::Model {
        words,
        folder_id,
        uid: i64::from(r.uid),
        subject: r.subject,
        from_addr: r.from,
        to_addr: r.to,
        sent_at: r.date,
        internal_date: r.internal_date.or(r.date).unwrap_or_else(chrono::Utc::now),
        size: i32::try_from(r.size).unwrap_or(i32::MAX),
        seen: r.flags.seen,
        flagged: r.flags.flagged,
        answered: r.flags.answered,
        has_attachment: r.has_attachment,
    }
}

/// The rows of `uids` (in that order): from the cache, the others fetched
/// in one UID FETCH and cached. Without CONDSTORE the cache's flags may be
/// stale, so every row of the page is fetched.
async fn rows_of(
    ctx: &Ctx<'_>,
    s: &mut Session,
    f: &folder::Model,
    key: &str,
    uids: &[u32],
) -> Result<Vec<Row>> {
    let mut have: HashMap<u32, row::Model> = HashMap::new();
    if f.highest_modseq.is_some() && !uids.is_empty() {
        for r in row::Entity::find()
            .filter(row::Column::FolderId.eq(f.id))
            .filter(row::Column::Uid.is_in(uids.iter().map(|u| i64::from(*u))))
            .all(ctx.db)
            .await?
        {
            have.insert(r.uid as u32, r);
        }
    }
    let missing: Vec<u32> = uids
        .iter()
        .copied()
        .filter(|u| !have.contains_key(u))
        .collect();
    if !missing.is_empty() {
        let fetched: Vec<row::Model> = s
            .rows(&missing)
            .await?
            .into_iter()
            .map(|r| cached_of(f.id, r))
            .collect();
        store_rows(ctx, &fetched).await?;
        for r in fetched {
            have.insert(r.uid as u32, r);
        }
    }
    Ok(uids
        .iter()
        .filter_map(|u| have.get(u))
        .map(|r| to_row(key, f.id, r))
        .collect())
}

async fn store_rows(ctx: &Ctx<'_>, rows: &[row::Model]) -> Result<()> {
    for chunk in rows.chunks(100) {
        let models = chunk.iter().map(|r| {
            let am: row::ActiveModel = r.clone().into();
            am
        });
        let r = row::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([row::Column::FolderId, row::Column::Uid])
                    .update_columns([
                        row::Column::Seen,
                        row::Column::Flagged,
                        row::Column::Answered,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(ctx.db)
            .await;
        match r {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// LIST with the system folders found.
async fn listing(acc: &Account, s: &mut Session) -> Result<(Vec<mail::imap::Folder>, Roles)> {
    let listed = s.folders().await?;
    let roles = roles(acc, &listed);
    Ok((listed, roles))
}

/// The wire name of a folder key of this account, or not found.
pub(super) async fn wire_of(
    ctx: &Ctx<'_>,
    acc: &Account,
    s: &mut Session,
    key: &str,
) -> Result<(String, Roles)> {
    let (_, roles) = listing(acc, s).await?;
    let wire = wire_in(ctx, acc, &roles, key).await?;
    Ok((wire, roles))
}

/// `wire_of` with the system folders already found (no second LIST).
async fn wire_in(ctx: &Ctx<'_>, acc: &Account, roles: &Roles, key: &str) -> Result<String> {
    if let Some(w) = roles.wire_of(key) {
        return Ok(w);
    }
    let id: i32 = key
        .strip_prefix('f')
        .and_then(|n| n.parse().ok())
        .ok_or(Error::NotFound)?;
    let f = folder::Entity::find_by_id(id)
        .filter(folder::Column::AccountId.eq(acc.id))
        .one(ctx.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(f.wire)
}

/// The folder pane: 受信箱, 送信済み, 下書き, ごみ箱 where the server has
/// them, then the others by name, each with its unread count (STATUS).
pub async fn folders(ctx: &Ctx<'_>, acc: &Account) -> Result<Vec<Folder>> {
    with_session!(ctx, acc, |s| {
        let (listed, roles) = listing(acc, s).await?;
        let mut system: BTreeMap<usize, Folder> = BTreeMap::new();
        let mut own: Vec<Folder> = Vec::new();
        for f in listed.iter().filter(|f| f.selectable) {
            let counts = s.status(&f.wire).await?;
            let unread =
                i64::from(counts.unseen.unwrap_or(0)).min(crate::mailbox::view::UNREAD_CAP);
            let row = folder_row(ctx, acc, &f.wire, &counts).await?;
            match roles.key_of(&f.wire) {
                Some(key) => {
                    let at = crate::mailbox::view::SYSTEM
                        .iter()
                        .position(|k| *k == key)
                        .unwrap_or(0);
                    system.insert(
                        at,
                        Folder {
                            key: key.to_owned(),
                            name: None,
                            unread,
                        },
                    );
                }
                None => own.push(Folder {
                    key: format!("f{}", row.id),
                    name: Some(f.name.clone()),
                    unread,
                }),
            }
        }
        own.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(system.into_values().chain(own).collect())
    })
}

fn sort_key(sort: Sort) -> SortKey {
    match sort {
        Sort::Date => SortKey::Arrival,
        Sort::From => SortKey::From,
        Sort::Subject => SortKey::Subject,
        Sort::Size => SortKey::Size,
    }
}

/// One page of a folder in `sort` order, after `after` (a row of the
/// previous page). The order comes from the server (SORT, or UID order
/// for arrival); rows from the cache, the missing ones in one fetch.
pub async fn page(
    ctx: &Ctx<'_>,
    acc: &Account,
    key: &str,
    sort: Sort,
    desc: bool,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<(Vec<Row>, Option<Cursor>)> {
    with_session!(ctx, acc, |s| {
        let (wire, _) = wire_of(ctx, acc, s, key).await?;
        let f = open_folder(ctx, acc, s, &wire).await?;
        if sort == Sort::Date
            && let Some((start, uids)) = arrival_window(s, &f, desc, after, limit).await?
        {
            let rows = rows_of(ctx, s, &f, key, &uids).await?;
            let end = start + uids.len();
            let next = (end < usize::try_from(f.exists).unwrap_or(0))
                .then(|| rows.last())
                .flatten()
                .map(|r| Cursor {
                    key: end.to_string(),
                    id: r.id,
                });
            return Ok((rows, next));
        }
        let uids = s.sorted_uids(sort_key(sort), desc).await?;
        let start = after
            .and_then(|c| split_id(c.id))
            .filter(|(folder_id, _)| *folder_id == f.id)
            .and_then(|(_, uid)| uids.iter().position(|u| *u == uid))
            .map_or(0, |p| p + 1);
        let end = (start + limit as usize).min(uids.len());
        let slice = uids.get(start..end).unwrap_or_default();
        let rows = rows_of(ctx, s, &f, key, slice).await?;
        let next = (end < uids.len())
            .then(|| rows.last())
            .flatten()
            .map(|r| Cursor {
                key: String::new(),
                id: r.id,
            });
        Ok((rows, next))
    })
}

/// A page in arrival order by sequence numbers (arrival order is sequence
/// order), so neither the first page nor the thousandth asks for the
/// folder's every UID: the position where the page starts and its UIDs.
/// A cursor carries the position after its row (`Cursor::key`); when that
/// row is no longer there (mail expunged or arrived in between) the answer
/// is `None` and the caller finds its place in the whole list.
async fn arrival_window(
    s: &mut Session,
    f: &folder::Model,
    desc: bool,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<Option<(usize, Vec<u32>)>> {
    let n = usize::try_from(f.exists).unwrap_or(0);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // The cursor's own row is fetched too, to see that it is still there.
    let (start, anchor) = match after {
        None => (0, None),
        Some(c) => {
            let Some((folder_id, uid)) = split_id(c.id) else {
                return Ok(None);
            };
            let Ok(start) = c.key.parse::<usize>() else {
                return Ok(None);
            };
            if folder_id != f.id || start == 0 {
                return Ok(None);
            }
            (start, Some(uid))
        }
    };
    let first = start - usize::from(anchor.is_some());
    if first >= n {
        // Past the end: an empty page, or a cursor whose row is gone.
        return Ok(anchor.is_none().then(|| (start, Vec::new())));
    }
    let last = (start + limit).min(n) - 1;
    // Positions count from the newest when `desc`; sequence numbers from
    // the oldest, 1-based.
    let (from, to) = if desc {
        (n - last, n - first)
    } else {
        (first + 1, last + 1)
    };
    let (Ok(from), Ok(to)) = (u32::try_from(from), u32::try_from(to)) else {
        return Ok(None);
    };
    let mut uids = s.uids_at(from, to).await?;
    if desc {
        uids.reverse();
    }
    match anchor {
        None => Ok(Some((start, uids))),
        Some(uid) if uids.first() == Some(&uid) => Ok(Some((start, uids.split_off(1)))),
        Some(_) => Ok(None),
    }
}

/// The folder row a message ID names, if it is this account's.
async fn folder_of(ctx: &Ctx<'_>, acc: &Account, id: i64) -> Result<(folder::Model, u32)> {
    let (folder_id, uid) = split_id(id).ok_or(Error::NotFound)?;
    let f = folder::Entity::find_by_id(folder_id)
        .filter(folder::Column::AccountId.eq(acc.id))
        .one(ctx.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((f, uid))
}

/// A message with its bytes, read on the server (BODY.PEEK).
pub async fn message(ctx: &Ctx<'_>, acc: &Account, id: i64) -> Result<(Row, Vec<u8>)> {
    let (f, uid) = folder_of(ctx, acc, id).await?;
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        let key = roles
            .key_of(&f.wire)
            .map_or_else(|| format!("f{}", f.id), str::to_owned);
        let current = open_folder(ctx, acc, s, &f.wire).await?;
        if current.id != f.id {
            // The folder was made again since: the ID names nothing now.
            return Err(Error::NotFound);
        }
        let raw = s
            .message(uid, mail::pop3::message_max())
            .await?
            .ok_or(Error::NotFound)?;
        let row = rows_of(ctx, s, &current, &key, &[uid])
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        Ok((row, raw))
    })
}

/// The messages of `ids` by folder row, keeping only this account's.
async fn by_folder(
    ctx: &Ctx<'_>,
    acc: &Account,
    ids: &[i64],
) -> Result<Vec<(folder::Model, Vec<u32>)>> {
    let mut groups: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
    for id in ids {
        if let Some((f, uid)) = split_id(*id) {
            groups.entry(f).or_default().push(uid);
        }
    }
    let mut out = Vec::new();
    for (folder_id, uids) in groups {
        if let Some(f) = folder::Entity::find_by_id(folder_id)
            .filter(folder::Column::AccountId.eq(acc.id))
            .one(ctx.db)
            .await?
        {
            out.push((f, uids));
        }
    }
    Ok(out)
}

/// 既読 / 未読 / フラグ: on the server first, then in the cache.
pub async fn mark(ctx: &Ctx<'_>, acc: &Account, ids: &[i64], m: Mark) -> Result<u64> {
    let groups = by_folder(ctx, acc, ids).await?;
    let (flags, on) = match m {
        Mark::Read => (
            Flags {
                seen: true,
                ..Flags::default()
            },
            true,
        ),
        Mark::Unread => (
            Flags {
                seen: true,
                ..Flags::default()
            },
            false,
        ),
        Mark::Flag => (
            Flags {
                flagged: true,
                ..Flags::default()
            },
            true,
        ),
        Mark::Unflag => (
            Flags {
                flagged: true,
                ..Flags::default()
            },
            false,
        ),
    };
    with_session!(ctx, acc, |s| {
        let mut n = 0;
        for (f, uids) in &groups {
            let current = open_folder(ctx, acc, s, &f.wire).await?;
            if current.id != f.id {
                continue;
            }
            s.set_flags(uids, flags, on).await?;
            let col = if flags.seen {
                row::Column::Seen
            } else {
                row::Column::Flagged
            };
            row::Entity::update_many()
                .col_expr(col, Expr::value(on))
                .filter(row::Column::FolderId.eq(f.id))
                .filter(row::Column::Uid.is_in(uids.iter().map(|u| i64::from(*u))))
                .exec(ctx.db)
                .await?;
            n += uids.len() as u64;
        }
        Ok(n)
    })
}

/// Moves to `target` (a folder key); the moved rows leave the cache (the
/// target folder lists them under their new UIDs).
pub async fn move_to(ctx: &Ctx<'_>, acc: &Account, ids: &[i64], target: &str) -> Result<u64> {
    let groups = by_folder(ctx, acc, ids).await?;
    with_session!(ctx, acc, |s| {
        let (dest, _) = wire_of(ctx, acc, s, target).await?;
        move_groups(ctx, acc, s, &groups, &dest).await
    })
}

async fn move_groups(
    ctx: &Ctx<'_>,
    acc: &Account,
    s: &mut Session,
    groups: &[(folder::Model, Vec<u32>)],
    dest: &str,
) -> Result<u64> {
    let mut n = 0;
    for (f, uids) in groups {
        if f.wire == dest {
            continue;
        }
        let current = open_folder(ctx, acc, s, &f.wire).await?;
        if current.id != f.id {
            continue;
        }
        s.move_to(uids, dest).await?;
        forget_rows(ctx, f.id, uids).await?;
        n += uids.len() as u64;
    }
    Ok(n)
}

async fn forget_rows(ctx: &Ctx<'_>, folder_id: i32, uids: &[u32]) -> Result<()> {
    for chunk in uids.chunks(500) {
        row::Entity::delete_many()
            .filter(row::Column::FolderId.eq(folder_id))
            .filter(row::Column::Uid.is_in(chunk.iter().map(|u| i64::from(*u))))
            .exec(ctx.db)
            .await?;
    }
    Ok(())
}

/// 削除: to ごみ箱; what is already there (or everything, on a server
/// without a trash folder) is deleted for good.
pub async fn delete(ctx: &Ctx<'_>, acc: &Account, ids: &[i64]) -> Result<u64> {
    let groups = by_folder(ctx, acc, ids).await?;
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        let (purge, keep): (Vec<_>, Vec<_>) = groups
            .iter()
            .cloned()
            .partition(|(f, _)| roles.trash.is_none() || roles.trash.as_deref() == Some(&f.wire));
        let mut n = 0;
        if let Some(trash) = &roles.trash {
            n += move_groups(ctx, acc, s, &keep, trash).await?;
        }
        for (f, uids) in &purge {
            let current = open_folder(ctx, acc, s, &f.wire).await?;
            if current.id != f.id {
                continue;
            }
            s.expunge(uids).await?;
            forget_rows(ctx, f.id, uids).await?;
            n += uids.len() as u64;
        }
        Ok(n)
    })
}

/// ごみ箱を空にする.
pub async fn empty_trash(ctx: &Ctx<'_>, acc: &Account) -> Result<u64> {
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        let Some(trash) = roles.trash else {
            return Ok(0);
        };
        let f = open_folder(ctx, acc, s, &trash).await?;
        let uids = s.sorted_uids(SortKey::Arrival, false).await?;
        for chunk in uids.chunks(1000) {
            s.expunge(chunk).await?;
        }
        forget_rows(ctx, f.id, &uids).await?;
        Ok(uids.len() as u64)
    })
}

/// What a search found, newest first (as `mailbox::search::Found`):
/// subject, From and To (`Within::Head`) from the list cache where it
/// covers the folder ([`fill`]), otherwise and for the text
/// (`Within::Text`) by the server's `UID SEARCH`.
pub async fn search(
    ctx: &Ctx<'_>,
    acc: &Account,
    key: Option<&str>,
    typed: &str,
    within: Within,
    limit: u64,
) -> Result<crate::mailbox::search::Found> {
    let terms: Vec<String> = typed
        .split_whitespace()
        .map(|t| t.chars().take(64).collect::<String>())
        .take(16)
        .collect();
    if terms.is_empty() {
        return Ok(Default::default());
    }
    let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
    let normal: Vec<String> = terms.iter().map(|t| mail::search::normalize(t)).collect();
    with_session!(ctx, acc, |s| {
        let (listed, roles) = listing(acc, s).await?;
        let scope: Vec<(String, String)> = match key {
            Some(k) => vec![(wire_in(ctx, acc, &roles, k).await?, k.to_owned())],
            None => {
                let mut all = Vec::new();
                for f in listed.iter().filter(|f| f.selectable) {
                    if roles.trash.as_deref() == Some(&f.wire) || f.special == Some(Special::Junk) {
                        continue;
                    }
                    let counts = s.status(&f.wire).await?;
                    let row = folder_row(ctx, acc, &f.wire, &counts).await?;
                    let k = roles
                        .key_of(&f.wire)
                        .map_or_else(|| format!("f{}", row.id), str::to_owned);
                    all.push((f.wire.clone(), k));
                }
                all
            }
        };
        let mut found: Vec<Row> = Vec::new();
        for (wire, k) in &scope {
            let f = open_folder(ctx, acc, s, wire).await?;
            let mut uids = if within == Within::Head && covered(&f) {
                cached_matches(ctx, f.id, &normal, limit).await?
            } else {
                let field = match within {
                    Within::Head => SearchIn::Head,
                    Within::Text => SearchIn::Text,
                };
                s.search(field, &refs).await?
            };
            uids.sort_unstable_by(|a, b| b.cmp(a));
            uids.truncate(limit as usize);
            found.extend(rows_of(ctx, s, &f, k, &uids).await?);
        }
        found.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
        found.truncate(limit as usize);
        Ok(crate::mailbox::search::Found {
            rows: found,
            before: None,
            terms: terms.clone(),
        })
    })
}

/// Whether every message of the folder has its row cached (the server
/// said what UID comes next, and [`fill`] got there).
fn covered(f: &folder::Model) -> bool {
    f.uid_next.is_some_and(|next| f.cached_below >= next)
}

/// UIDs of cached rows whose words hold every term, newest first.
async fn cached_matches(
    ctx: &Ctx<'_>,
    folder_id: i32,
    terms: &[String],
    limit: u64,
) -> Result<Vec<u32>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let pg = ctx.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let mut q = row::Entity::find()
        .select_only()
        .column(row::Column::Uid)
        .filter(row::Column::FolderId.eq(folder_id));
    for t in terms {
        // instr / strpos rather than LIKE: a term's % and _ stay letters.
        let find = Func::cust(if pg { "strpos" } else { "instr" })
            .arg(Expr::col(row::Column::Words))
            .arg(Expr::val(t.clone()));
        q = q.filter(sea_orm::ExprTrait::gt(Expr::expr(find), 0));
    }
    let uids: Vec<i64> = q
        .order_by_desc(row::Column::Uid)
        .limit(limit)
        .into_tuple()
        .all(ctx.db)
        .await?;
    Ok(uids
        .into_iter()
        .filter_map(|u| u32::try_from(u).ok())
        .collect())
}

/// UIDs one step of [`fill`] fetches: one `UID FETCH` of list rows.
const FILL_STEP: u32 = 2000;

/// One step of bringing the list cache of the account's folders (ごみ箱
/// and 迷惑メール aside) to cover every message, so subject and sender
/// searches need not ask the server: the next [`FILL_STEP`] UIDs not yet
/// cached of the first folder not covered. `false` once every folder is
/// covered. Each step is one short lease of a session, so the screen's own
/// requests go between steps.
pub async fn fill(ctx: &Ctx<'_>, acc: &Account) -> Result<bool> {
    with_session!(ctx, acc, |s| {
        let (listed, roles) = listing(acc, s).await?;
        for f in listed.iter().filter(|f| f.selectable) {
            if roles.trash.as_deref() == Some(&f.wire) || f.special == Some(Special::Junk) {
                continue;
            }
            let known = folder::Entity::find()
                .filter(folder::Column::AccountId.eq(acc.id))
                .filter(folder::Column::Wire.eq(f.wire.as_str()))
                .one(ctx.db)
                .await?;
            let row = match known {
                Some(r) => r,
                None => {
                    let counts = s.status(&f.wire).await?;
                    folder_row(ctx, acc, &f.wire, &counts).await?
                }
            };
            if row.uid_next.is_none() || covered(&row) {
                continue;
            }
            let row = open_folder(ctx, acc, s, &f.wire).await?;
            let Some(next) = row.uid_next else { continue };
            if covered(&row) {
                continue;
            }
            let from = u32::try_from(row.cached_below.max(1)).unwrap_or(u32::MAX);
            let to = u32::try_from(next - 1)
                .unwrap_or(u32::MAX)
                .min(from.saturating_add(FILL_STEP - 1));
            let uids: Vec<u32> = (from..=to).collect();
            let fetched: Vec<row::Model> = s
                .rows(&uids)
                .await?
                .into_iter()
                .map(|r| cached_of(row.id, r))
                .collect();
            store_rows(ctx, &fetched).await?;
            folder::Entity::update_many()
                .col_expr(folder::Column::CachedBelow, Expr::value(i64::from(to) + 1))
                .filter(folder::Column::Id.eq(row.id))
                .filter(folder::Column::CachedBelow.lt(i64::from(to) + 1))
                .exec(ctx.db)
                .await?;
            return Ok(true);
        }
        Ok(false)
    })
}

fn folder_name(name: &str) -> Result<String> {
    let name = name.trim();
    let mut c = crate::validate::Checks::default();
    let n = c.text("folder_name", name, 100);
    if !name.is_empty() && (name.chars().any(char::is_control) || name.contains('/')) {
        c.push("folder_name", Code::InvalidChars);
    }
    c.finish()?;
    Ok(n)
}

/// フォルダの作成 on the server; returns the new folder's key.
pub async fn create_folder(ctx: &Ctx<'_>, acc: &Account, name: &str) -> Result<String> {
    let name = folder_name(name)?;
    let wire = mail::imap::utf7::encode(&name);
    with_session!(ctx, acc, |s| {
        // Asked afresh: another client may have made it meanwhile.
        s.forget_folders();
        let listed = s.folders().await?;
        if listed.iter().any(|f| f.wire == wire) {
            return Err(Error::field("folder_name", Code::Duplicate));
        }
        s.create(&wire).await?;
        ctx.pool.forget_folders(acc.id);
        let counts = s.status(&wire).await?;
        let f = folder_row(ctx, acc, &wire, &counts).await?;
        Ok(format!("f{}", f.id))
    })
}

pub async fn rename_folder(ctx: &Ctx<'_>, acc: &Account, key: &str, name: &str) -> Result<()> {
    let name = folder_name(name)?;
    let to = mail::imap::utf7::encode(&name);
    with_session!(ctx, acc, |s| {
        let (from, roles) = wire_of(ctx, acc, s, key).await?;
        if roles.key_of(&from).is_some() {
            return Err(Error::Forbidden);
        }
        s.rename(&from, &to).await?;
        ctx.pool.forget_folders(acc.id);
        let id: i32 = key[1..].parse().map_err(|_| Error::NotFound)?;
        // The rows' UIDs stay valid under the new name.
        folder::Entity::update_many()
            .col_expr(folder::Column::Wire, Expr::value(to.clone()))
            .filter(folder::Column::Id.eq(id))
            .filter(folder::Column::AccountId.eq(acc.id))
            .exec(ctx.db)
            .await?;
        Ok(())
    })
}

/// Deleting a folder moves its mail to ごみ箱 first, as the local store
/// does: no mail is lost with a folder.
pub async fn delete_folder(ctx: &Ctx<'_>, acc: &Account, key: &str) -> Result<()> {
    with_session!(ctx, acc, |s| {
        let (wire, roles) = wire_of(ctx, acc, s, key).await?;
        if roles.key_of(&wire).is_some() {
            return Err(Error::Forbidden);
        }
        let f = open_folder(ctx, acc, s, &wire).await?;
        let uids = s.sorted_uids(SortKey::Arrival, false).await?;
        if let Some(trash) = &roles.trash {
            for chunk in uids.chunks(1000) {
                s.move_to(chunk, trash).await?;
            }
        }
        s.delete_folder(&wire).await?;
        ctx.pool.forget_folders(acc.id);
        drop_folder(ctx, f.id).await
    })
}

/// After a successful send: the message in the sent folder, read. Not
/// when the server files sent mail itself (the account says so, or its
/// server is a provider's that always does: Microsoft 365, Google), nor
/// where there is no sent folder (true when filed). A failure here never
/// fails the send: the caller reports it.
pub async fn file_sent(ctx: &Ctx<'_>, acc: &Account, raw: &[u8]) -> Result<i64> {
    if acc.server_files_sent {
        return Ok(0);
    }
    if let Ok(server) = super::settings::resolve(ctx.db, acc).await
        && mail::presets::files_sent_by(&server.host)
    {
        return Ok(0);
    }
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        let Some(sent) = roles.sent else {
            return Ok(0);
        };
        let seen = Flags {
            seen: true,
            ..Flags::default()
        };
        s.append(&sent, seen, raw).await?;
        Ok(1)
    })
}

/// 下書き保存 on the server: the draft in the drafts folder, read. Its ID
/// is found by its Message-ID (APPEND does not say the UID it was given
/// without UIDPLUS, and async-imap does not read it); 0 if not found.
pub async fn save_draft(ctx: &Ctx<'_>, acc: &Account, raw: &[u8]) -> Result<i64> {
    let header_id = mail::mime::summary(raw).message_id;
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        let drafts = roles.drafts.ok_or(Error::NotConfigured)?;
        let flags = Flags {
            seen: true,
            draft: true,
            ..Flags::default()
        };
        s.append(&drafts, flags, raw).await?;
        let Some(mid) = &header_id else {
            return Ok(0);
        };
        let f = open_folder(ctx, acc, s, &drafts).await?;
        let uids = s.search_header("Message-ID", mid).await?;
        Ok(uids.iter().max().map_or(0, |u| message_id(f.id, *u)))
    })
}

/// A draft replaced by a newer one or sent: deleted for good, if it is
/// still in 下書き.
pub async fn purge_draft(ctx: &Ctx<'_>, acc: &Account, id: i64) -> Result<()> {
    let groups = by_folder(ctx, acc, &[id]).await?;
    if groups.is_empty() {
        return Ok(());
    }
    with_session!(ctx, acc, |s| {
        let (_, roles) = listing(acc, s).await?;
        for (f, uids) in &groups {
            if roles.drafts.as_deref() != Some(f.wire.as_str()) {
                continue;
            }
            let current = open_folder(ctx, acc, s, &f.wire).await?;
            if current.id == f.id {
                s.expunge(uids).await?;
                forget_rows(ctx, f.id, uids).await?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_carry_folder_and_uid() {
        let id = message_id(7, 4_000_000_000);
        assert_eq!(split_id(id), Some((7, 4_000_000_000)));
        assert_eq!(split_id(42), None, "a local store ID names no IMAP folder");
        assert_eq!(split_id(-1), None);
    }

    #[test]
    fn system_folders_are_found_by_special_use_then_by_name() {
        let f = |wire: &str, special| mail::imap::Folder {
            wire: wire.into(),
            name: mail::imap::utf7::shown(wire),
            delimiter: Some(".".into()),
            special,
            selectable: true,
        };
        let listed = vec![
            f("INBOX", Some(Special::Inbox)),
            f("INBOX.&kAFP4W4IMH8wojCkMMYw4A-", None),
            f("Papierkorb", Some(Special::Trash)),
        ];
        assert_eq!(
            role(&listed, "", Special::Sent, &SENT_NAMES).as_deref(),
            Some("INBOX.&kAFP4W4IMH8wojCkMMYw4A-"),
            "送信済みアイテム under INBOX"
        );
        assert_eq!(
            role(&listed, "", Special::Trash, &TRASH_NAMES).as_deref(),
            Some("Papierkorb")
        );
        assert_eq!(role(&listed, "", Special::Drafts, &DRAFT_NAMES), None);
        assert_eq!(
            role(&listed, "Papierkorb", Special::Sent, &SENT_NAMES).as_deref(),
            Some("Papierkorb"),
            "the account's choice first"
        );
    }
}
