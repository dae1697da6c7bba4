//! Server functions of the webmail itself: a folder's page or a search,
//! reading a message, marking / moving / deleting, folders. Each one works
//! only on the caller's own accounts (`view::mine`): another user's
//! message, folder or account ID answers 404, also for admins.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, fail, redirect_form_post, require};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderDto {
    pub key: String,
    /// A user folder's name; empty for the system folders (named by key).
    pub name: String,
    pub unread: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowDto {
    pub id: i64,
    pub folder: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub size: i32,
    pub seen: bool,
    pub flagged: bool,
    pub attach: bool,
}

/// A page of a folder or of a search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDto {
    pub folders: Vec<FolderDto>,
    pub rows: Vec<RowDto>,
    /// Where the next page starts (`after` / `aid` of the URL); empty when
    /// this is the last page.
    pub next_key: String,
    pub next_id: i64,
    /// The normalized search terms, for highlighting.
    pub terms: Vec<String>,
    /// Searching the text is another search than of subject and addresses
    /// (`MailSource::searches_text_apart`): the screen offers the choice.
    #[serde(default)]
    pub text_apart: bool,
    /// The server tells of new mail while the screen is open
    /// (`mail_watch`).
    #[serde(default)]
    pub live: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDto {
    pub index: usize,
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingDto {
    pub subject: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Local to the installation's zone; none when the message has no
    /// (readable) Date.
    pub date: Option<crate::i18n::dates::Stamp>,
    pub text: String,
    pub attachments: Vec<AttachmentDto>,
    pub forwarded: Vec<ReadingDto>,
    /// The display name shows an address that is not the sender's: (the
    /// address shown, the real one).
    pub impersonated: Option<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDto {
    pub id: i64,
    pub account: i32,
    pub folder: String,
    pub flagged: bool,
    pub reading: ReadingDto,
    pub has_html: bool,
    pub remote_images: usize,
    /// The sender is on the reader's 「常に表示」 list.
    pub images_always: bool,
    /// Unread messages of its folder once this one is read.
    pub folder_unread: i64,
}

#[cfg(feature = "ssr")]
mod imp {
    use super::*;
    use domain::mailbox::view;

    pub fn row_dto(tz: chrono_tz::Tz, r: view::Row) -> RowDto {
        RowDto {
            id: r.id,
            date: short_date(tz, r.sent_at.or(Some(r.received_at))),
            folder: r.folder,
            from: r.from_addr,
            to: r.to_addr,
            subject: r.subject,
            size: r.size,
            seen: r.seen,
            flagged: r.flagged,
            attach: r.has_attachment,
        }
    }

    /// The list's date: 「11/28 10:00」 this year, 「2025/11/28」 before.
    pub fn short_date(tz: chrono_tz::Tz, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
        use chrono::Datelike;
        let Some(t) = t.map(|t| t.with_timezone(&tz)) else {
            return String::new();
        };
        if t.year() == chrono::Utc::now().with_timezone(&tz).year() {
            t.format("%m/%d %H:%M").to_string()
        } else {
            t.format("%Y/%m/%d").to_string()
        }
    }

    pub fn stamp(tz: chrono_tz::Tz, t: chrono::DateTime<chrono::Utc>) -> crate::i18n::dates::Stamp {
        let t = t.with_timezone(&tz);
        crate::i18n::dates::Stamp {
            day: crate::i18n::dates::Ymd::from(t.date_naive()),
            time: t.format("%H:%M").to_string(),
        }
    }

    pub fn reading_dto(tz: chrono_tz::Tz, r: mail::mime::Reading) -> ReadingDto {
        let mut forwarded = Vec::new();
        let mut attachments = Vec::new();
        for (index, a) in r.attachments.into_iter().enumerate() {
            if let Some(m) = a.message {
                forwarded.push(reading_dto(tz, *m));
            }
            attachments.push(AttachmentDto {
                index,
                name: a.name,
                content_type: a.content_type,
                size: a.size,
            });
        }
        ReadingDto {
            subject: r.subject,
            from: r.from,
            to: r.to,
            cc: r.cc,
            date: r.date.map(|t| stamp(tz, t)),
            text: r.text,
            attachments,
            forwarded,
            impersonated: r.impersonated,
        }
    }

    /// The caller's account as a mail source (own, webmail or
    /// ウェブメールIMAP enabled), or 404 / 403.
    pub async fn source(
        state: &crate::server::state::AppState,
        account: i32,
    ) -> Result<domain::mailbox::source::Source<'_>, AppError> {
        let caller = require(Need::User).await?;
        done(domain::mailbox::source::open(state.imap_ctx(), caller.user.id, account).await)
    }
}

/// Which page of which list: the mail screen's URL query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Empty: 受信箱.
    pub folder: String,
    /// "date", "from", "subject" or "size"; anything else is the date.
    pub sort: String,
    /// Oldest (smallest, A–Z) first.
    #[serde(deserialize_with = "super::form::flag")]
    pub asc: bool,
    /// Where the previous page ended (the sort key and the message id).
    pub after: String,
    #[serde(deserialize_with = "super::form::num")]
    pub aid: i64,
    /// Search words; empty for the folder itself.
    pub q: String,
    /// "all": search every folder, not only `folder`.
    pub scope: String,
    /// "text": the text too, not only subject and addresses.
    pub within: String,
}

/// A page of a folder (in the chosen order) or, when `q` is given, of a
/// search (this folder, or every folder when `scope` is "all").
#[server(prefix = "/api", endpoint = "mail_list", output = crate::api::codec::Json)]
pub async fn mail_list(
    account: i32,
    #[server(flatten)] list: ListQuery,
) -> Result<ListDto, AppError> {
    let ListQuery {
        folder,
        sort,
        asc,
        after,
        aid,
        q,
        scope,
        within,
    } = list;
    use domain::mailbox::source::{self, MailSource};
    use domain::mailbox::view;
    let state = crate::server::auth::state()?;
    let src = imp::source(&state, account).await?;
    let folder = domain::mailbox::source::default_folder(&folder).to_owned();
    let tz = crate::api::webmail::imp::zone(&state.db).await;
    let folders = done(src.folders().await)?
        .into_iter()
        .map(|f| FolderDto {
            key: f.key,
            name: f.name.unwrap_or_default(),
            unread: f.unread,
        })
        .collect();
    const PAGE: u64 = 50;
    if !q.trim().is_empty() {
        let scope = (scope != "all").then_some(folder.as_str());
        let within = if within == "text" {
            source::Within::Text
        } else {
            source::Within::Head
        };
        let found = done(
            src.search(scope, &q, within, (aid > 0).then_some(aid), PAGE)
                .await,
        )?;
        state.background.fill_cache(account);
        return Ok(ListDto {
            folders,
            rows: found
                .rows
                .into_iter()
                .map(|r| imp::row_dto(tz, r))
                .collect(),
            next_key: String::new(),
            next_id: found.before.unwrap_or(0),
            terms: found.terms,
            text_apart: src.searches_text_apart(),
            live: src.tells_changes(),
        });
    }
    let sort = view::Sort::parse(&sort);
    let cursor = (aid > 0).then_some(view::Cursor {
        key: after,
        id: aid,
    });
    let (rows, next) = done(src.page(&folder, sort, !asc, cursor.as_ref(), PAGE).await)?;
    // An IMAP account's list rows are cached in the background, so that
    // subject and sender searches need not ask its server. Started once
    // this look has brought the folders' rows up to date, so the fill
    // judges what is left to cache by the server's present state.
    state.background.fill_cache(account);
    let (next_key, next_id) = next.map(|c| (c.key, c.id)).unwrap_or_default();
    Ok(ListDto {
        folders,
        rows: rows.into_iter().map(|r| imp::row_dto(tz, r)).collect(),
        next_key,
        next_id,
        terms: Vec::new(),
        text_apart: src.searches_text_apart(),
        live: src.tells_changes(),
    })
}

/// Opens a message and marks it read; `peek` only reads it (the mail
/// screen fetching the next and previous message before they are asked
/// for), leaving its flags and `folder_unread` (-1) alone.
#[server(prefix = "/api", endpoint = "read_message", output = crate::api::codec::Json)]
pub async fn read_message(
    id: i64,
    #[server(default)] charset: String,
    #[server(default)] peek: bool,
) -> Result<MessageDto, AppError> {
    use domain::mailbox::source::{self, MailSource};
    use domain::mailbox::view;
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let account = done(source::account_of_message(&state.db, caller.user.id, id).await)?;
    let src = imp::source(&state, account).await?;
    let (row, raw) = done(src.message(id).await)?;
    if !row.seen && !peek {
        done(src.mark(&[id], view::Mark::Read).await)?;
    }
    let always = done(view::images_always(&state.db, caller.user.id, &row.from_addr).await)?;
    let folder_unread = if peek {
        -1
    } else {
        done(src.folders().await)?
            .into_iter()
            .find(|f| f.key == row.folder)
            .map_or(0, |f| f.unread)
    };
    let tz = crate::api::webmail::imp::zone(&state.db).await;
    let (reading, remote) = tokio::task::spawn_blocking(move || {
        // 文字コードを指定して表示 (empty: as the message says).
        let r = mail::mime::read_as(&raw, &charset);
        let remote = r
            .html
            .as_deref()
            .map(|h| mail::html::clean(h, &Default::default(), false).remote_images)
            .unwrap_or(0);
        (r, remote)
    })
    .await
    .map_err(|_| fail(AppError::Internal))?;
    Ok(MessageDto {
        id,
        account,
        folder: row.folder,
        flagged: row.flagged,
        has_html: reading.html.is_some(),
        remote_images: remote,
        images_always: always,
        folder_unread,
        reading: imp::reading_dto(tz, reading),
    })
}

/// 「常に表示」: remote images of this message's sender are shown from now on.
#[server(prefix = "/api", endpoint = "allow_images", output = crate::api::codec::Json)]
pub async fn allow_images(id: i64) -> Result<(), AppError> {
    use domain::mailbox::source::{self, MailSource};
    use domain::mailbox::view;
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let account = done(source::account_of_message(&state.db, caller.user.id, id).await)?;
    let src = imp::source(&state, account).await?;
    let (row, _) = done(src.message(id).await)?;
    done(view::allow_images_from(&state.db, caller.user.id, &row.from_addr).await)
}

/// 既読 / 未読 / フラグ / 移動 / 削除 on the selected messages. As a plain
/// form it returns to the folder it came from.
#[server(prefix = "/api", endpoint = "mail_action", output = crate::api::codec::Json)]
pub async fn mail_action(
    account: i32,
    #[server(default)] ids: Vec<i64>,
    action: String,
    #[server(default)] target: String,
    #[server(default)] back: String,
) -> Result<u64, AppError> {
    use domain::mailbox::source::MailSource;
    use domain::mailbox::view;
    let state = crate::server::auth::state()?;
    let src = imp::source(&state, account).await?;
    if ids.is_empty() && action != "empty_trash" {
        return Err(fail(AppError::from(domain::Error::field(
            "ids",
            domain::Code::Required,
        ))));
    }
    let n = match action.as_str() {
        "read" => src.mark(&ids, view::Mark::Read).await,
        "unread" => src.mark(&ids, view::Mark::Unread).await,
        "flag" => src.mark(&ids, view::Mark::Flag).await,
        "unflag" => src.mark(&ids, view::Mark::Unflag).await,
        "move" => src.move_to(&ids, &target).await,
        "delete" => src.delete(&ids).await,
        "empty_trash" => src.empty_trash().await,
        _ => Err(domain::Error::field("action", domain::Code::Unsupported)),
    };
    let n = done(n)?;
    redirect_form_post(&back_to(&back, account));
    Ok(n)
}

/// Only a path of the webmail may be where a form returns.
#[cfg(feature = "ssr")]
fn back_to(back: &str, account: i32) -> String {
    if back.starts_with("/mail") && !back.starts_with("//") {
        back.to_owned()
    } else {
        format!("/mail?account={account}")
    }
}

/// フォルダの作成 / 名前の変更 / 削除: `key` empty creates.
#[server(prefix = "/api", endpoint = "mail_folder", output = crate::api::codec::Json)]
pub async fn mail_folder(
    account: i32,
    #[server(default)] key: String,
    #[server(default)] name: String,
    #[server(default)] delete: bool,
    #[server(default)] back: String,
) -> Result<String, AppError> {
    use domain::mailbox::source::MailSource;
    let state = crate::server::auth::state()?;
    let src = imp::source(&state, account).await?;
    let key = if key.is_empty() {
        done(src.create_folder(&name).await)?
    } else if delete {
        done(src.delete_folder(&key).await)?;
        domain::mailbox::INBOX.to_owned()
    } else {
        done(src.rename_folder(&key, &name).await)?;
        key
    };
    redirect_form_post(&back_to(&back, account));
    Ok(key)
}

/// Lines while a mail screen is open: `changed` when the shown folder of
/// an IMAP account changed on its server (new mail, another client's
/// change), an empty line every minute otherwise. It ends after half an
/// hour, and at once for an account of the local store (its mail comes by
/// 受信); the screen then asks again, or not.
#[server(
    prefix = "/api",
    endpoint = "mail_watch",
    output = leptos::server_fn::codec::StreamingText
)]
pub async fn mail_watch(
    account: i32,
    #[server(default)] folder: String,
) -> Result<leptos::server_fn::codec::TextStream<AppError>, AppError> {
    use domain::imap::Seen;
    use futures::StreamExt;
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let watch =
        done(domain::imap::watch(state.imap_ctx(), caller.user.id, account, &folder).await)?;
    // One line per minute at most, or per change the server reports; the
    // watch (and its connection) goes when the browser does.
    let lines = futures::stream::unfold(watch, |w| async move {
        let mut w = w?;
        match w.next().await {
            Ok(Some(Seen::Changed)) => Some(("changed\n".to_owned(), Some(w))),
            Ok(Some(Seen::Quiet)) => Some(("\n".to_owned(), Some(w))),
            Ok(None) => None,
            Err(e) => {
                tracing::info!(error = %e, "mail watch ended");
                None
            }
        }
    });
    Ok(leptos::server_fn::codec::TextStream::new(lines.map(Ok)))
}
