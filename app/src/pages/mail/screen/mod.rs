//! The mail screen: folder pane, a page of the list (or of a search) and
//! the reading pane, as one island of the mail bundle.
//!
//! The server renders it for the first paint from the same data the
//! browser later fetches (`MailInit`), and every state is a URL (`folder`,
//! `sort`, `asc`, `after`/`aid` for the page, `q`/`scope` for a search, `m`
//! for the open message, `cs` for its charset, `images`), so without
//! JavaScript the links and forms work as plain pages. In the browser the
//! island keeps the list in memory and takes over its links (`data-go`)
//! and forms (`data-do`): read / flag / move / delete change the screen at
//! once and are undone, with the server's reason, if it refuses; the next
//! and previous message are fetched before they are asked for, so j / k
//! show them without waiting; the URL follows every step, and 戻る / 進む
//! are answered from memory (`browser`).
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::api::mailbox::*;
use crate::error::AppError;
use crate::i18n::use_lang;

#[cfg(feature = "hydrate")]
mod browser;
mod folders;
mod list;
mod reading;

/// What the mail screen keeps in its URL.
const PARAMS: [&str; 12] = [
    "account", "folder", "sort", "asc", "after", "aid", "q", "scope", "within", "m", "cs", "images",
];

/// The URL of the mail screen with some parameters changed (an empty value
/// removes one): another message opens in its own charset and without
/// remote images; a change of folder, order or search starts at the first
/// page with nothing open.
fn mail_href(params: &[(String, String)], set: &[(&str, String)]) -> String {
    let opens = set.iter().any(|(k, _)| *k == "m");
    let resets_page = set
        .iter()
        .any(|(k, _)| matches!(*k, "folder" | "sort" | "asc" | "q" | "scope" | "within"));
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .filter(|(k, _)| !(resets_page && matches!(k.as_str(), "after" | "aid" | "m")))
        .filter(|(k, _)| !((opens || resets_page) && matches!(k.as_str(), "cs" | "images")))
        .cloned()
        .collect();
    out.extend(
        set.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_owned(), v.clone())),
    );
    let query: Vec<String> = out
        .into_iter()
        .map(|(k, v)| format!("{k}={}", crate::url::query_value(&v)))
        .collect();
    if query.is_empty() {
        "/mail".to_owned()
    } else {
        format!("/mail?{}", query.join("&"))
    }
}

fn param(params: &[(String, String)], key: &str) -> String {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The list's request for these URL parameters.
fn query_of(params: &[(String, String)]) -> ListQuery {
    let get = |k| param(params, k);
    ListQuery {
        folder: get("folder"),
        sort: get("sort"),
        asc: get("asc") == "1",
        after: get("after"),
        aid: get("aid").parse().unwrap_or(0),
        q: get("q"),
        scope: get("scope"),
        within: get("within"),
    }
}

fn folder_label(t: &crate::i18n::mailbox::MailViewTexts, f: &FolderDto) -> String {
    match f.key.as_str() {
        "inbox" => t.inbox.to_owned(),
        "sent" => t.sent.to_owned(),
        "drafts" => t.drafts.to_owned(),
        "trash" => t.trash.to_owned(),
        _ => f.name.clone(),
    }
}

/// What the server hands the island: the screen as the URL asks for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailInit {
    account: i32,
    params: Vec<(String, String)>,
    list: ListDto,
    message: Option<Result<MessageDto, AppError>>,
    /// 「常に表示」 was just posted (without JavaScript).
    images_always_set: bool,
}

/// The page's part: reads the URL, fetches the list and the open message
/// on the server and renders the island with them.
#[component]
pub fn MailView(account: i32) -> impl IntoView {
    let lang = use_lang();
    let q = use_query_map();
    let params: Vec<(String, String)> = {
        let m = q.read_untracked();
        PARAMS
            .iter()
            .filter_map(|k| m.get(k).map(|v| ((*k).to_owned(), v)))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    };
    // Everything the fetch needs is taken from the URL here, before it
    // starts: the query map belongs to this view, which is gone when the
    // browser abandons the page mid-fetch.
    let query = query_of(&params);
    let open = param(&params, "m").parse::<i64>().ok();
    let charset = param(&params, "cs");
    let page = Resource::new(
        || (),
        move |_| {
            let (query, charset) = (query.clone(), charset.clone());
            async move {
                let list = mail_list(account, query).await;
                let message = match (open, &list) {
                    (Some(id), Ok(_)) => Some(read_message(id, charset, false).await),
                    _ => None,
                };
                (list, message)
            }
        },
    );
    // 2: sent, but the copy could not be filed in 送信済み (IMAP).
    let sent = q.read_untracked().get("sent").unwrap_or_default();
    let not_filed = sent == "2";
    let images_always_set =
        crate::components::posted_ok(<AllowImages as leptos::server_fn::ServerFn>::PATH);
    view! {
        {(sent == "1" || not_filed).then(|| view! {
            <p class="notice" data-testid="sent-notice">
                {move || lang.get().t().cp().sent}
                {not_filed.then(|| view! { " " {move || lang.get().t().cp().not_filed} })}
            </p>
        })}
        <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
            {move || {
                let params = params.clone();
                Suspend::new(async move {
                    match page.await {
                        (Ok(list), message) => view! {
                            <MailScreen init=MailInit { account, params, list, message, images_always_set } />
                        }.into_any(),
                        (Err(e), _) => view! {
                            <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The screen's state, shared by its panes (context) and by the browser's
/// handlers. Signals only, so it is `Copy`.
#[derive(Clone, Copy)]
struct Screen {
    account: i32,
    /// The URL's parameters (`PARAMS`) of what is shown.
    params: RwSignal<Vec<(String, String)>>,
    list: RwSignal<ListDto>,
    /// The reading pane: nothing open, the message, or why it is not shown.
    message: RwSignal<Option<Result<MessageDto, AppError>>>,
    /// A list or a message is on its way.
    busy: RwSignal<bool>,
    /// Why the last action was refused (the screen is back as before it).
    err: RwSignal<Option<AppError>>,
    images_always_set: RwSignal<bool>,
    /// The URL's parameters but the open message's: what the rows' links
    /// follow, so opening a message does not redraw every row.
    list_params: Memo<Vec<(String, String)>>,
    /// Which row is open: only the row that opens and the one that closes
    /// hear of a change.
    open_row: StoredValue<Selector<Option<i64>>>,
    // Only the browser fetches ahead and numbers its requests.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    /// Messages fetched ahead (`read_message` with `peek`), by ID, in the
    /// charset they declare.
    ahead: StoredValue<std::collections::HashMap<i64, MessageDto>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    /// The number of the latest request that replaces what is shown: an
    /// answer to an older one is dropped.
    latest: StoredValue<u32>,
}

impl Screen {
    fn new(init: MailInit) -> Self {
        let MailInit {
            account,
            params,
            mut list,
            message,
            images_always_set,
        } = init;
        // The open message was read (so marked) after the list was taken.
        if let Some(Ok(m)) = &message {
            seen_in(&mut list, m.id, Some(m.folder_unread));
        }
        let ahead = message
            .as_ref()
            .and_then(|m| m.as_ref().ok())
            .filter(|_| param(&params, "cs").is_empty())
            .map(|m| (m.id, m.clone()))
            .into_iter()
            .collect();
        let params = RwSignal::new(params);
        let list_params = Memo::new(move |_| {
            params.with(|p| {
                p.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "m" | "cs" | "images"))
                    .cloned()
                    .collect()
            })
        });
        let open_row = StoredValue::new(Selector::new(move || {
            params.with(|p| param(p, "m").parse::<i64>().ok())
        }));
        Screen {
            account,
            params,
            list_params,
            open_row,
            list: RwSignal::new(list),
            message: RwSignal::new(message),
            busy: RwSignal::new(false),
            err: RwSignal::new(None),
            images_always_set: RwSignal::new(images_always_set),
            ahead: StoredValue::new(ahead),
            latest: StoredValue::new(0),
        }
    }

    /// A URL parameter of what is shown (tracked).
    fn get(&self, key: &str) -> String {
        self.params.with(|p| param(p, key))
    }

    /// The URL of what is shown with `set` changed (tracked).
    fn href(&self, set: &[(&str, String)]) -> String {
        self.params.with(|p| mail_href(p, set))
    }

    /// The folder shown: 受信箱 unless the URL names another.
    fn folder(&self) -> String {
        domain_folder(&self.get("folder"))
    }

    fn open_id(&self) -> Option<i64> {
        self.get("m").parse().ok()
    }

    /// Whether row `id` is the open message (tracked, per row).
    fn is_open(&self, id: i64) -> bool {
        self.open_row.with_value(|s| s.selected(&Some(id)))
    }

    /// The link that opens row `id` (tracked; changes with the list, not
    /// with the open message).
    fn row_href(&self, id: i64) -> String {
        self.list_params
            .with(|p| mail_href(p, &[("m", id.to_string())]))
    }
}

/// The folder key the server lists for an empty `folder` parameter.
fn domain_folder(f: &str) -> String {
    if f.is_empty() {
        "inbox".to_owned()
    } else {
        f.to_owned()
    }
}

/// The row to show once `gone` leave the list while `anchor` is open: the
/// next one after it, else the nearest before it.
fn neighbour_after_removal(rows: &[RowDto], anchor: i64, gone: &[i64]) -> Option<i64> {
    let at = rows.iter().position(|r| r.id == anchor)?;
    let stays = |r: &&RowDto| !gone.contains(&r.id);
    rows[at + 1..]
        .iter()
        .find(stays)
        .or_else(|| rows[..at].iter().rev().find(stays))
        .map(|r| r.id)
}

/// Marks row `id` read in `list` and takes one from its folder's unread
/// count, or sets that count to what the server said (`count` ≥ 0).
fn seen_in(list: &mut ListDto, id: i64, count: Option<i64>) {
    let Some(row) = list.rows.iter_mut().find(|r| r.id == id) else {
        return;
    };
    let was_unseen = !row.seen;
    row.seen = true;
    let folder = row.folder.clone();
    if let Some(f) = list.folders.iter_mut().find(|f| f.key == folder) {
        match count {
            Some(n) if n >= 0 => f.unread = n,
            _ if was_unseen => f.unread = (f.unread - 1).max(0),
            _ => {}
        }
    }
}

/// The screen as one island: the server renders it from `init`, the
/// browser starts it from the same value and runs it from then on.
#[cfg_attr(island_mail, island)]
#[cfg_attr(not(island_mail), component)]
fn MailScreen(init: MailInit) -> impl IntoView {
    let s = Screen::new(init);
    provide_context(s);
    #[cfg(feature = "hydrate")]
    browser::attach(s);
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        browser::click(s, &ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        browser::submit(s, &ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class="mail-view" class:reading=move || s.open_id().is_some() aria-busy=move || s.busy.get().then_some("true")
            data-testid="mail-view" on:click=on_click on:submit=on_submit>
            <folders::FolderPane />
            <list::ListPane />
            <section class="reading-pane" data-testid="reading-pane"><reading::ReadingPane /></section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_folder_or_search_starts_at_the_first_page() {
        let p = vec![
            ("account".to_owned(), "3".to_owned()),
            ("aid".to_owned(), "99".to_owned()),
            ("m".to_owned(), "7".to_owned()),
            ("images".to_owned(), "1".to_owned()),
        ];
        assert_eq!(
            mail_href(&p, &[("folder", "sent".into())]),
            "/mail?account=3&folder=sent"
        );
        assert_eq!(
            mail_href(&p, &[("m", "8".into())]),
            "/mail?account=3&aid=99&m=8"
        );
        assert_eq!(
            mail_href(&p, &[("q", "会議".into())]),
            "/mail?account=3&q=%E4%BC%9A%E8%AD%B0"
        );
    }

    #[test]
    fn reading_a_message_counts_its_folder_down_once() {
        let row = |id, seen| RowDto {
            id,
            folder: "inbox".into(),
            seen,
            ..Default::default()
        };
        let mut l = ListDto {
            folders: vec![FolderDto {
                key: "inbox".into(),
                name: String::new(),
                unread: 2,
            }],
            rows: vec![row(1, false), row(2, false)],
            ..Default::default()
        };
        seen_in(&mut l, 1, None);
        seen_in(&mut l, 1, None);
        assert_eq!(l.folders[0].unread, 1);
        assert!(l.rows[0].seen && !l.rows[1].seen);
        // The server's count wins over the guess.
        seen_in(&mut l, 2, Some(5));
        assert_eq!(l.folders[0].unread, 5);
    }

    #[test]
    fn a_deleted_message_gives_way_to_the_next_else_the_one_before() {
        let rows: Vec<RowDto> = (1..=4)
            .map(|id| RowDto {
                id,
                ..Default::default()
            })
            .collect();
        assert_eq!(neighbour_after_removal(&rows, 2, &[2]), Some(3));
        assert_eq!(neighbour_after_removal(&rows, 2, &[2, 3, 4]), Some(1));
        assert_eq!(neighbour_after_removal(&rows, 4, &[4]), Some(3));
        assert_eq!(neighbour_after_removal(&rows[..1], 1, &[1]), None);
        assert_eq!(neighbour_after_removal(&rows, 9, &[9]), None);
    }
}
