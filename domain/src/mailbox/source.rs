//! One boundary for the mail screen, whatever holds the mail: the local
//! store filled by POP3 ([`Local`]) or the IMAP server ([`Imap`]). The
//! server functions open the caller's account with [`open`] and call the
//! [`MailSource`] it returns; they never ask which source is behind it.
use sea_orm::DatabaseConnection;

use super::search::Found;
pub use super::search::Within;
use super::view::{self, Cursor, Folder, Mark, Row, Sort};
use super::{Account, INBOX};
use crate::entity::mail_accounts::Kind;
use crate::imap::Ctx;
use crate::{Error, Result};

/// What the mail screen does with an account's mail.
// The futures are used by concrete types only (through `Source`), where
// the compiler sees that they are Send; no caller boxes them.
#[allow(async_fn_in_trait)]
pub trait MailSource {
    fn account(&self) -> &Account;
    /// The folder pane, with unread counts.
    async fn folders(&self) -> Result<Vec<Folder>>;
    /// A page of a folder in `sort` order (newest first when `desc`).
    async fn page(
        &self,
        folder: &str,
        sort: Sort,
        desc: bool,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<(Vec<Row>, Option<Cursor>)>;
    /// A message's row and bytes.
    async fn message(&self, id: i64) -> Result<(Row, Vec<u8>)>;
    async fn mark(&self, ids: &[i64], m: Mark) -> Result<u64>;
    async fn move_to(&self, ids: &[i64], folder: &str) -> Result<u64>;
    async fn delete(&self, ids: &[i64]) -> Result<u64>;
    async fn empty_trash(&self) -> Result<u64>;
    /// One folder, or every folder but ごみ箱 (`folder` None).
    async fn search(
        &self,
        folder: Option<&str>,
        typed: &str,
        within: Within,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Found>;
    /// Whether a search of the text is a different, slower search than of
    /// subject and addresses (the screen then offers the choice).
    fn searches_text_apart(&self) -> bool;
    /// Whether the source tells of changes as they happen
    /// (`crate::imap::watch`); the local store's mail comes by 受信.
    fn tells_changes(&self) -> bool;
    async fn create_folder(&self, name: &str) -> Result<String>;
    async fn rename_folder(&self, key: &str, name: &str) -> Result<()>;
    async fn delete_folder(&self, key: &str) -> Result<()>;
    /// The copy of a message just sent, read, in 送信済み; the draft it
    /// was written in goes. Returns the copy's ID (0 where the server files
    /// sent mail itself).
    async fn file_sent(&self, raw: Vec<u8>, draft: Option<i64>) -> Result<i64>;
    /// A draft in 下書き, replacing `old`; returns its ID.
    async fn keep_draft(&self, raw: Vec<u8>, old: Option<i64>) -> Result<i64>;
}

/// The local store (ウェブメール, received over POP3).
pub struct Local<'a> {
    db: &'a DatabaseConnection,
    account: Account,
}

/// The IMAP server (ウェブメールIMAP).
pub struct Imap<'a> {
    ctx: Ctx<'a>,
    account: Account,
}

impl MailSource for Local<'_> {
    fn account(&self) -> &Account {
        &self.account
    }
    async fn folders(&self) -> Result<Vec<Folder>> {
        view::folders(self.db, self.account.id).await
    }
    async fn page(
        &self,
        folder: &str,
        sort: Sort,
        desc: bool,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        view::check_folder(self.db, self.account.id, folder).await?;
        view::page(self.db, self.account.id, folder, sort, desc, after, limit).await
    }
    async fn message(&self, id: i64) -> Result<(Row, Vec<u8>)> {
        view::message(self.db, self.account.id, id).await
    }
    async fn mark(&self, ids: &[i64], m: Mark) -> Result<u64> {
        view::mark(self.db, self.account.id, ids, m).await
    }
    async fn move_to(&self, ids: &[i64], folder: &str) -> Result<u64> {
        view::move_to(self.db, self.account.id, ids, folder).await
    }
    async fn delete(&self, ids: &[i64]) -> Result<u64> {
        view::delete(self.db, self.account.id, ids).await
    }
    async fn empty_trash(&self) -> Result<u64> {
        view::empty_trash(self.db, self.account.id).await
    }
    async fn search(
        &self,
        folder: Option<&str>,
        typed: &str,
        // The local index holds subject, addresses and text together, and
        // answers both in the same few milliseconds.
        _within: Within,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Found> {
        if let Some(f) = folder {
            view::check_folder(self.db, self.account.id, f).await?;
        }
        super::search::search(self.db, self.account.id, folder, typed, before, limit).await
    }
    fn searches_text_apart(&self) -> bool {
        false
    }
    fn tells_changes(&self) -> bool {
        false
    }
    async fn create_folder(&self, name: &str) -> Result<String> {
        view::create_folder(self.db, self.account.id, name).await
    }
    async fn rename_folder(&self, key: &str, name: &str) -> Result<()> {
        view::rename_folder(self.db, self.account.id, key, name).await
    }
    async fn delete_folder(&self, key: &str) -> Result<()> {
        view::delete_folder(self.db, self.account.id, key).await
    }
    async fn file_sent(&self, raw: Vec<u8>, draft: Option<i64>) -> Result<i64> {
        let id = super::store(self.db, self.account.id, view::SENT, vec![raw])
            .await?
            .first()
            .copied()
            .ok_or_else(|| Error::Internal("sent copy not stored".into()))?;
        if let Some(d) = draft {
            super::send::purge_draft(self.db, self.account.id, d).await?;
        }
        Ok(id)
    }
    async fn keep_draft(&self, raw: Vec<u8>, old: Option<i64>) -> Result<i64> {
        super::send::keep_draft(self.db, &self.account, raw, old).await
    }
}

impl MailSource for Imap<'_> {
    fn account(&self) -> &Account {
        &self.account
    }
    async fn folders(&self) -> Result<Vec<Folder>> {
        crate::imap::view::folders(&self.ctx, &self.account).await
    }
    async fn page(
        &self,
        folder: &str,
        sort: Sort,
        desc: bool,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        crate::imap::view::page(&self.ctx, &self.account, folder, sort, desc, after, limit).await
    }
    async fn message(&self, id: i64) -> Result<(Row, Vec<u8>)> {
        crate::imap::view::message(&self.ctx, &self.account, id).await
    }
    async fn mark(&self, ids: &[i64], m: Mark) -> Result<u64> {
        crate::imap::view::mark(&self.ctx, &self.account, ids, m).await
    }
    async fn move_to(&self, ids: &[i64], folder: &str) -> Result<u64> {
        crate::imap::view::move_to(&self.ctx, &self.account, ids, folder).await
    }
    async fn delete(&self, ids: &[i64]) -> Result<u64> {
        crate::imap::view::delete(&self.ctx, &self.account, ids).await
    }
    async fn empty_trash(&self) -> Result<u64> {
        crate::imap::view::empty_trash(&self.ctx, &self.account).await
    }
    async fn search(
        &self,
        folder: Option<&str>,
        typed: &str,
        within: Within,
        _before: Option<i64>,
        limit: u64,
    ) -> Result<Found> {
        crate::imap::view::search(&self.ctx, &self.account, folder, typed, within, limit).await
    }
    fn searches_text_apart(&self) -> bool {
        true
    }
    fn tells_changes(&self) -> bool {
        true
    }
    async fn create_folder(&self, name: &str) -> Result<String> {
        crate::imap::view::create_folder(&self.ctx, &self.account, name).await
    }
    async fn rename_folder(&self, key: &str, name: &str) -> Result<()> {
        crate::imap::view::rename_folder(&self.ctx, &self.account, key, name).await
    }
    async fn delete_folder(&self, key: &str) -> Result<()> {
        crate::imap::view::delete_folder(&self.ctx, &self.account, key).await
    }
    async fn file_sent(&self, raw: Vec<u8>, draft: Option<i64>) -> Result<i64> {
        if let Some(d) = draft {
            crate::imap::view::purge_draft(&self.ctx, &self.account, d).await?;
        }
        crate::imap::view::file_sent(&self.ctx, &self.account, &raw).await
    }
    async fn keep_draft(&self, raw: Vec<u8>, old: Option<i64>) -> Result<i64> {
        let id = crate::imap::view::save_draft(&self.ctx, &self.account, &raw).await?;
        if let Some(d) = old {
            crate::imap::view::purge_draft(&self.ctx, &self.account, d).await?;
        }
        Ok(id)
    }
}

/// Either source, chosen by the account's kind.
pub enum Source<'a> {
    Local(Local<'a>),
    Imap(Imap<'a>),
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Source::Local($s) => $e,
            Source::Imap($s) => $e,
        }
    };
}

impl MailSource for Source<'_> {
    fn account(&self) -> &Account {
        each!(self, s => s.account())
    }
    async fn folders(&self) -> Result<Vec<Folder>> {
        each!(self, s => s.folders().await)
    }
    async fn page(
        &self,
        folder: &str,
        sort: Sort,
        desc: bool,
        after: Option<&Cursor>,
        limit: u64,
    ) -> Result<(Vec<Row>, Option<Cursor>)> {
        each!(self, s => s.page(folder, sort, desc, after, limit).await)
    }
    async fn message(&self, id: i64) -> Result<(Row, Vec<u8>)> {
        each!(self, s => s.message(id).await)
    }
    async fn mark(&self, ids: &[i64], m: Mark) -> Result<u64> {
        each!(self, s => s.mark(ids, m).await)
    }
    async fn move_to(&self, ids: &[i64], folder: &str) -> Result<u64> {
        each!(self, s => s.move_to(ids, folder).await)
    }
    async fn delete(&self, ids: &[i64]) -> Result<u64> {
        each!(self, s => s.delete(ids).await)
    }
    async fn empty_trash(&self) -> Result<u64> {
        each!(self, s => s.empty_trash().await)
    }
    async fn search(
        &self,
        folder: Option<&str>,
        typed: &str,
        within: Within,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Found> {
        each!(self, s => s.search(folder, typed, within, before, limit).await)
    }
    fn searches_text_apart(&self) -> bool {
        each!(self, s => s.searches_text_apart())
    }
    fn tells_changes(&self) -> bool {
        each!(self, s => s.tells_changes())
    }
    async fn create_folder(&self, name: &str) -> Result<String> {
        each!(self, s => s.create_folder(name).await)
    }
    async fn rename_folder(&self, key: &str, name: &str) -> Result<()> {
        each!(self, s => s.rename_folder(key, name).await)
    }
    async fn delete_folder(&self, key: &str) -> Result<()> {
        each!(self, s => s.delete_folder(key).await)
    }
    async fn file_sent(&self, raw: Vec<u8>, draft: Option<i64>) -> Result<i64> {
        each!(self, s => s.file_sent(raw, draft).await)
    }
    async fn keep_draft(&self, raw: Vec<u8>, old: Option<i64>) -> Result<i64> {
        each!(self, s => s.keep_draft(raw, old).await)
    }
}

impl<'a> Source<'a> {
    /// The local store of a POP account already checked as the caller's.
    pub fn local(db: &'a DatabaseConnection, account: Account) -> Self {
        Source::Local(Local { db, account })
    }
    /// An account already checked as the caller's (background work, and
    /// tests): the local store of a POP account, or its IMAP server.
    pub fn of(ctx: Ctx<'a>, account: Account) -> Self {
        match account.kind {
            Kind::Pop => Source::Local(Local {
                db: ctx.db,
                account,
            }),
            Kind::Imap => Source::Imap(Imap { ctx, account }),
        }
    }
    pub fn db(&self) -> &'a DatabaseConnection {
        match self {
            Source::Local(l) => l.db,
            Source::Imap(i) => i.ctx.db,
        }
    }
}

/// The caller's account as a source: its own, with webmail (or
/// ウェブメールIMAP) allowed, or not found / forbidden.
pub async fn open<'a>(ctx: Ctx<'a>, user_id: i32, account_id: i32) -> Result<Source<'a>> {
    let account = view::mine(ctx.db, user_id, account_id).await?;
    Ok(Source::of(ctx, account))
}

/// The account a message ID belongs to, if the caller owns it: an IMAP
/// ID carries its folder row above the low 32 bits, a stored message's
/// ID stays below them.
pub async fn account_of_message(db: &DatabaseConnection, user_id: i32, id: i64) -> Result<i32> {
    if id > i64::from(u32::MAX) {
        use sea_orm::EntityTrait;
        let folder_id = i32::try_from(id >> 32).map_err(|_| Error::NotFound)?;
        let f = crate::imap::folder::Entity::find_by_id(folder_id)
            .one(db)
            .await?
            .ok_or(Error::NotFound)?;
        view::mine(db, user_id, f.account_id).await?;
        return Ok(f.account_id);
    }
    view::account_of_message(db, user_id, id).await
}

/// The folder a list shows when none is named.
pub fn default_folder(folder: &str) -> &str {
    if folder.is_empty() { INBOX } else { folder }
}
