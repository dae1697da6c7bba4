//! The webmail proper: folder pane, a page of the list (or of a search),
//! and the reading pane, driven by the URL (`folder`, `sort`, `asc`,
//! `after`/`aid` for the page, `q`/`scope` for a search, `m` for the open
//! message), so every state is a link that also works without JavaScript.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::mailbox::*;
use crate::i18n::use_lang;

fn marked_view(text: String, terms: &[String]) -> impl IntoView + use<> {
    mail::marks::marked(&text, terms)
        .into_iter()
        .map(|(s, hit)| {
            if hit {
                view! { <mark>{s}</mark> }.into_any()
            } else {
                s.into_any()
            }
        })
        .collect_view()
}

/// Plain text with its http(s) links made clickable.
fn linkified(text: &str) -> impl IntoView + use<> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        let (before, from) = rest.split_at(i);
        let end = from
            .find(|c: char| c.is_whitespace() || "<>\"'）」』、。".contains(c) || !c.is_ascii())
            .unwrap_or(from.len());
        let url = &from[..end];
        let url = url.trim_end_matches(['.', ',', ')', ';', ':']);
        let after = &from[url.len()..];
        parts.push((before.to_owned(), false));
        parts.push((url.to_owned(), true));
        rest = after;
        if url.is_empty() {
            break;
        }
    }
    parts.push((rest.to_owned(), false));
    parts
        .into_iter()
        .map(|(s, link)| {
            if link {
                let href = s.clone();
                view! { <a href=href target="_blank" rel="noopener noreferrer">{s}</a> }.into_any()
            } else {
                s.into_any()
            }
        })
        .collect_view()
}

/// The URL of the mail view with some parameters changed; a change of
/// folder, order or search starts at the first page.
fn mail_href(params: &[(String, String)], set: &[(&str, String)]) -> String {
    // Another message opens in its own charset.
    let opens = set.iter().any(|(k, _)| *k == "m");
    let resets_page = set
        .iter()
        .any(|(k, _)| matches!(*k, "folder" | "sort" | "asc" | "q" | "scope"));
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .filter(|(k, _)| !(resets_page && matches!(k.as_str(), "after" | "aid" | "m")))
        .filter(|(k, _)| !((opens || resets_page) && k == "cs"))
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

/// What the mail view keeps in its URL.
const PARAMS: [&str; 10] = [
    "account", "folder", "sort", "asc", "after", "aid", "q", "scope", "m", "cs",
];

fn folder_label(t: &crate::i18n::mailbox::MailViewTexts, f: &FolderDto) -> String {
    match f.key.as_str() {
        "inbox" => t.inbox.to_owned(),
        "sent" => t.sent.to_owned(),
        "drafts" => t.drafts.to_owned(),
        "trash" => t.trash.to_owned(),
        _ => f.name.clone(),
    }
}

#[component]
pub fn MailView(account: i32) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    let q = use_query_map();
    let get = move |k: &str| q.read_untracked().get(k).unwrap_or_default();
    let params: Vec<(String, String)> = {
        let m = q.read_untracked();
        PARAMS
            .iter()
            .filter_map(|k| m.get(k).map(|v| ((*k).to_owned(), v)))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    };
    let open = get("m").parse::<i64>().ok();
    // The list first, then the open message, whose reading marks it read
    // and tells its folder's unread count as of then (`fresh` below).
    // Everything the fetch needs is read from the URL here, before it
    // starts: the query map belongs to this view, which is gone when the
    // browser abandons the page mid-fetch, while the fetch may still be
    // between its two calls.
    let query = ListQuery {
        folder: get("folder"),
        sort: get("sort"),
        asc: get("asc") == "1",
        after: get("after"),
        aid: get("aid").parse::<i64>().unwrap_or(0),
        q: get("q"),
        scope: get("scope"),
    };
    let charset = get("cs");
    let page = Resource::new(
        || (),
        move |_| {
            let (query, charset) = (query.clone(), charset.clone());
            async move {
                let list = mail_list(account, query).await;
                let message = match (open, &list) {
                    (Some(id), Ok(_)) => Some(read_message(id, charset).await),
                    _ => None,
                };
                (list, message)
            }
        },
    );
    // 2: sent, but the copy could not be filed in 送信済み (IMAP).
    let sent = get("sent");
    let not_filed = sent == "2";
    view! {
        {(sent == "1" || not_filed).then(|| view! {
            <p class="notice" data-testid="sent-notice">
                {move || lang.get().t().cp.sent}
                {not_filed.then(|| view! { " " {move || lang.get().t().cp.not_filed} })}
            </p>
        })}
        <div class="mail-view" class:reading=open.is_some()>
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || {
                    let params = params.clone();
                    Suspend::new(async move {
                        let (l, m) = page.await;
                        let l = match l {
                            Ok(l) => l,
                            Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                        };
                        let folder = { let f = get("folder"); if f.is_empty() { "inbox".to_owned() } else { f } };
                        let query = get("q");
                        let searching = !query.trim().is_empty();
                        // The open message is read now, and its folder's count is
                        // the one its reading took after marking it: the list's
                        // own counts may have been taken before or after (a
                        // second request for the same page can mark it in
                        // between), so they are not adjusted by guesswork.
                        let fresh: Option<(String, i64)> = m
                            .as_ref()
                            .and_then(|r| r.as_ref().ok())
                            .map(|m| (m.folder.clone(), m.folder_unread));
                        let read_now = open.filter(|_| fresh.is_some());
                        // Where 削除 (and the Delete key) goes: the next
                        // message of the page, else the one before.
                        let ids: Vec<i64> = l.rows.iter().map(|r| r.id).collect();
                        let after_delete = open
                            .and_then(|m| ids.iter().position(|&i| i == m))
                            .and_then(|c| ids.get(c + 1).or_else(|| c.checked_sub(1).and_then(|p| ids.get(p))).copied())
                            .map(|id| mail_href(&params, &[("m", id.to_string())]))
                            .unwrap_or_else(|| mail_href(&params, &[("m", String::new())]));
                        let reading = match m {
                            None => view! { <p class="muted pick">{move || t().pick_message}</p> }.into_any(),
                            Some(Err(e)) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                            Some(Ok(m)) => view! { <Reading m params=params.clone() after_delete images=get("images") == "1" /> }.into_any(),
                        };
                        view! {
                            <FolderPane account folders=l.folders.clone() current=folder.clone() params=params.clone() fresh />
                            <ListPane account l folder searching query params=params.clone() open read_now />
                            <section class="reading-pane" data-testid="reading-pane">{reading}</section>
                        }.into_any()
                    })
                }}
            </Suspense>
        </div>
    }
}

#[component]
fn FolderPane(
    account: i32,
    folders: Vec<FolderDto>,
    current: String,
    params: Vec<(String, String)>,
    /// The open message's folder and its unread count after the reading.
    fresh: Option<(String, i64)>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    let back = mail_href(&params, &[]);
    let user_folder = folders
        .iter()
        .find(|f| f.key == current && !f.name.is_empty())
        .cloned();
    view! {
        <nav class="folder-pane" data-testid="folder-pane">
            <ul>
                {folders.into_iter().map(|f| {
                    let href = mail_href(&params, &[("folder", f.key.clone()), ("q", String::new())]);
                    let active = f.key == current;
                    let key = f.key.clone();
                    let count = match &fresh {
                        Some((folder, n)) if *folder == key => *n,
                        _ => f.unread,
                    };
                    let unread = match count {
                        n if n >= 1000 => "999+".to_owned(),
                        n if n <= 0 => String::new(),
                        n => n.to_string(),
                    };
                    let key = f.key.clone();
                    view! {
                        <li class:active=active>
                            <a href=href data-testid=format!("folder-{key}") data-folder=key.clone()>
                                <span class="folder-name">{move || folder_label(t(), &f)}</span>
                                {(!unread.is_empty()).then(|| view! { <span class="badge" data-testid="unread-count">{unread}</span> })}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form method="post" action="/api/mail_folder" class="folder-new">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="back" value=back.clone() />
                <input name="name" maxlength="100" placeholder=move || t().new_folder data-testid="new-folder-name" />
                <button type="submit" data-testid="new-folder">{move || t().create}</button>
            </form>
            {user_folder.map(|f| view! {
                <form method="post" action="/api/mail_folder" class="folder-edit">
                    <input type="hidden" name="account" value=account />
                    <input type="hidden" name="key" value=f.key.clone() />
                    <input type="hidden" name="back" value=back.clone() />
                    <input name="name" maxlength="100" value=f.name.clone() data-testid="folder-rename-name" />
                    <button type="submit" data-testid="folder-rename">{move || t().rename}</button>
                    <button type="submit" name="delete" value="true" class="danger" data-testid="folder-delete">{move || t().delete_folder}</button>
                </form>
            })}
        </nav>
    }
}

#[component]
fn ListPane(
    account: i32,
    l: ListDto,
    folder: String,
    searching: bool,
    query: String,
    params: Vec<(String, String)>,
    open: Option<i64>,
    read_now: Option<i64>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    let q = use_query_map();
    let get = move |k: &str| q.read_untracked().get(k).unwrap_or_default();
    let back = mail_href(&params, &[]);
    let addressed = folder == "sent" || folder == "drafts";
    let folder_is_drafts = folder == "drafts";
    let terms = l.terms.clone();
    let folders_for_move = l.folders.clone();
    let next = (l.next_id > 0).then(|| {
        if searching {
            mail_href(
                &params,
                &[("aid", l.next_id.to_string()), ("m", String::new())],
            )
        } else {
            mail_href(
                &params,
                &[
                    ("after", l.next_key.clone()),
                    ("aid", l.next_id.to_string()),
                    ("m", String::new()),
                ],
            )
        }
    });
    let first = (!get("aid").is_empty())
        .then(|| mail_href(&params, &[("after", String::new()), ("aid", String::new())]));
    let action = ServerAction::<MailAction>::new();
    let action_err = crate::components::err_of(action.value());
    let sort = get("sort");
    let asc = get("asc") == "1";
    let sort_params = params.clone();
    let sort_link = move |key: &'static str| {
        let same = (if sort.is_empty() {
            "date"
        } else {
            sort.as_str()
        }) == key;
        mail_href(
            &sort_params,
            &[
                ("sort", key.to_owned()),
                (
                    "asc",
                    if same && !asc {
                        "1".into()
                    } else {
                        String::new()
                    },
                ),
            ],
        )
    };
    let rows_empty = l.rows.is_empty();
    let scope_all = get("scope") == "all";
    view! {
        <section class="list-pane" data-testid="list-pane">
            <form method="get" action="/mail" class="mail-search" role="search">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="folder" value=folder.clone() />
                <input type="search" id="mail-search" name="q" value=query.clone() placeholder=move || t().search_placeholder data-testid="search-input" />
                <select name="scope" data-testid="search-scope">
                    <option value="" selected=!scope_all>{move || t().this_folder}</option>
                    <option value="all" selected=scope_all>{move || t().all_folders}</option>
                </select>
                <button type="submit" data-testid="search">{move || t().search}</button>
            </form>
            <form method="post" action="/api/mail_action" id="list-form" class="list-actions">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="back" value=back />
                <button type="submit" name="action" value="read" data-testid="mark-read">{move || t().mark_read}</button>
                <button type="submit" name="action" value="unread" data-testid="mark-unread">{move || t().mark_unread}</button>
                <button type="submit" name="action" value="flag" data-testid="mark-flag">{move || t().flag}</button>
                <button type="submit" name="action" value="delete" class="danger" data-testid="delete-selected">{move || t().delete}</button>
                <select name="target" data-testid="move-target">
                    <option value="">{move || t().move_to}</option>
                    {folders_for_move.into_iter().map(|f| {
                        let key = f.key.clone();
                        view! { <option value=key>{move || folder_label(t(), &f)}</option> }
                    }).collect_view()}
                </select>
                <button type="submit" name="action" value="move" data-testid="move">{move || t().move_to}</button>
                {(folder == "trash").then(|| view! {
                    <button type="submit" name="action" value="empty_trash" class="danger" data-testid="empty-trash"
                        data-confirm=t().empty_trash_confirm>{move || t().empty_trash}</button>
                })}
            </form>
            <crate::components::FormMsg err=action_err />
            {searching.then(|| view! { <p class="muted" data-testid="search-results">{move || t().hits} ": " {query.clone()}</p> })}
            {if rows_empty {
                view! { <p class="muted" data-testid="no-messages">{move || if searching { t().no_hits } else { lang.get().t().wm.no_messages }}</p> }.into_any()
            } else {
                view! {
                    <table class="list message-list" data-testid="message-list">
                        <thead><tr>
                            <th class="pick"></th>
                            <th class="mark"></th>
                            <th><a href=sort_link("from") data-testid="sort-from">{move || if addressed { t().col_to } else { t().by_from }}</a></th>
                            <th><a href=sort_link("subject") data-testid="sort-subject">{move || t().by_subject}</a></th>
                            <th><a href=sort_link("date") data-testid="sort-date">{move || t().by_date}</a></th>
                            <th class="num"><a href=sort_link("size") data-testid="sort-size">{move || t().by_size}</a></th>
                        </tr></thead>
                        <tbody>
                            {l.rows.into_iter().map(|r| {
                                let id = r.id;
                                let seen = r.seen;
                                let href = if folder_is_drafts {
                                    format!("/mail/compose?account={account}&mode=draft&id={id}")
                                } else {
                                    mail_href(&params, &[("m", id.to_string())])
                                };
                                let who = if addressed { r.to.clone() } else { r.from.clone() };
                                let subject = r.subject.clone();
                                let terms = terms.clone();
                                let open_now = open == Some(id);
                                view! {
                                    <tr class:unread=!seen && read_now != Some(id) class:open=open_now data-testid="message-row" data-id=id>
                                        <td class="pick"><input type="checkbox" name="ids[]" value=id form="list-form" data-testid="pick" /></td>
                                        <td class="mark">
                                            {r.flagged.then(|| view! { <span class="flag" title=move || t().flag_mark data-testid="flagged">"★"</span> })}
                                            {r.attach.then(|| view! { <span class="clip" title=move || t().attach_mark data-testid="has-attachment">"📎"</span> })}
                                        </td>
                                        <td class="who">{marked_view(who, &terms)}</td>
                                        <td class="subject"><a href=href data-testid="message-subject">{
                                            if subject.is_empty() { lang.get_untracked().t().wm.no_subject.to_owned().into_any() } else { marked_view(subject, &terms).into_any() }
                                        }</a></td>
                                        <td class="date">{r.date.clone()}</td>
                                        <td class="num">{crate::components::size_text(r.size)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p class="pager">
                {first.map(|h| view! { <a href=h data-testid="first-page">{move || t().first_page}</a> })}
                {next.map(|h| view! { <a href=h data-testid="next-page">{move || t().next_page}</a> })}
            </p>
            <p class="muted keys">{move || t().keys_help}</p>
        </section>
    }
}

/// One message action as a form: it posts, and the server sends the page
/// back to `back`.
fn action_form(
    account: i32,
    id: i64,
    action: &'static str,
    back: String,
    label: impl IntoView + 'static,
    class: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action="/api/mail_action" class="inline-form">
            <input type="hidden" name="account" value=account />
            <input type="hidden" name="ids[]" value=id />
            <input type="hidden" name="action" value=action />
            <input type="hidden" name="back" value=back />
            <button type="submit" class=class data-testid=testid>{label}</button>
        </form>
    }
}

#[component]
fn Reading(
    m: MessageDto,
    params: Vec<(String, String)>,
    /// Where the page goes once this message is deleted.
    after_delete: String,
    /// 画像を表示 was pressed (`images=1` in the URL).
    images: bool,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    let id = m.id;
    let account = m.account;
    let close = mail_href(&params, &[("m", String::new())]);
    let here = mail_href(&params, &[]);
    let always_done =
        crate::components::posted_ok(<AllowImages as leptos::server_fn::ServerFn>::PATH);
    let images = images || m.images_always || always_done;
    let cs = params
        .iter()
        .find(|(k, _)| k == "cs")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let cs_query = if cs.is_empty() {
        String::new()
    } else {
        format!("&charset={}", crate::url::query_value(&cs))
    };
    let frame_src = format!(
        "/mail/message/{id}/html?images={}{cs_query}",
        if images { "1" } else { "0" }
    );
    let remote = m.remote_images;
    let has_html = m.has_html;
    let flagged = m.flagged;
    let r = m.reading;
    let keep: Vec<(String, String)> = params.iter().filter(|(k, _)| k != "cs").cloned().collect();
    view! {
        <article class="message" data-testid="message" data-id=id>
            <div class="message-tools">
                <a href=close.clone() class="close" data-testid="close-message">{move || t().close}</a>
                {action_form(account, id, "unread", close, move || t().mark_unread, "", "message-unread")}
                {action_form(account, id, if flagged { "unflag" } else { "flag" }, here.clone(),
                    move || if flagged { t().unflag } else { t().flag }, "", "message-flag")}
                {action_form(account, id, "delete", after_delete, move || t().delete, "danger", "message-delete")}
                <a href=format!("/mail/compose?account={account}&mode=reply&id={id}") class="button" data-testid="reply">{move || lang.get().t().cp.reply}</a>
                <a href=format!("/mail/compose?account={account}&mode=reply_all&id={id}") class="button" data-testid="reply-all">{move || lang.get().t().cp.reply_all}</a>
                <a href=format!("/mail/compose?account={account}&mode=forward&id={id}") class="button" data-testid="forward">{move || lang.get().t().cp.forward}</a>
                <a href=format!("/mail/compose?account={account}&mode=forward_attach&id={id}") class="button" data-testid="forward-attach">{move || lang.get().t().cp.forward_attach}</a>
                <a href=format!("/mail/message/{id}/source") target="_blank" rel="noopener" data-testid="show-source">{move || t().show_source}</a>
                // 文字コードを指定して表示: the page again with `cs`.
                <form method="get" action="/mail" class="inline-form">
                    {keep.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v /> }).collect_view()}
                    <select name="cs" data-action="submit" title=move || t().charset data-testid="charset-select">
                        <option value="" selected=cs.is_empty()>{move || t().charset_auto}</option>
                        {["ISO-2022-JP", "Shift_JIS", "EUC-JP", "UTF-8"].into_iter().map(|c| view! {
                            <option value=c selected=cs.eq_ignore_ascii_case(c)>{c}</option>
                        }).collect_view()}
                    </select>
                    <noscript><button type="submit">{move || t().charset}</button></noscript>
                </form>
            </div>
            <ReadingBody r=r.clone() top=true />
            {(has_html && remote > 0 && !images).then(|| view! {
                <div class="notice images-bar" data-testid="images-bar">
                    <span>{move || t().remote_blocked}</span>
                    <a href=format!("{here}&images=1") class="button" data-testid="show-images">{move || t().show_images}</a>
                    <form method="post" action="/api/allow_images" class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" data-testid="always-images">{move || t().always_show}</button>
                    </form>
                </div>
            })}
            {always_done.then(|| view! { <p class="muted" data-testid="images-always-set">{move || t().images_always_set}</p> })}
            {if has_html {
                view! {
                    <iframe class="mail-html" title="mail" data-testid="mail-html" src=frame_src
                        sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>
                }.into_any()
            } else {
                view! { <pre class="mail-text" data-testid="mail-text">{if r.text.is_empty() { t().no_text.to_owned().into_any() } else { linkified(&r.text).into_any() }}</pre> }.into_any()
            }}
            <Attachments r=r.clone() id />
            {r.forwarded.into_iter().map(|f| view! {
                <section class="forwarded" data-testid="forwarded">
                    <h3>{move || t().forwarded}</h3>
                    <ReadingBody r=f.clone() top=false />
                    <pre class="mail-text">{linkified(&f.text)}</pre>
                </section>
            }).collect_view()}
        </article>
    }
}

#[component]
fn ReadingBody(r: ReadingDto, top: bool) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    let subject = if r.subject.is_empty() {
        lang.get_untracked().t().wm.no_subject.to_owned()
    } else {
        r.subject.clone()
    };
    let line = |label: &'static str, v: Vec<String>, tid: &'static str| {
        (!v.is_empty())
            .then(|| view! { <tr><th>{label}</th><td data-testid=tid>{v.join(", ")}</td></tr> })
    };
    view! {
        {if top { view! { <h2 data-testid="message-title">{subject}</h2> }.into_any() } else { view! { <h4>{subject}</h4> }.into_any() }}
        // With its <tbody> written out: the browser adds one to a bare
        // <table><tr>, and hydration must find what the server sent.
        <table class="message-head"><tbody>
            {line(t().from, r.from.clone(), if top { "message-from" } else { "fwd-from" })}
            // Shown as prominently as the sender: the real address, in
            // words that say why.
            {r.impersonated.clone().map(|(shown, real)| view! {
                <tr class="impersonated"><th>{move || t().real_sender}</th>
                    <td data-testid="impersonated"><strong>{real}</strong>
                        <p class="warning" title=shown>{move || t().impersonated}</p></td></tr>
            })}
            {line(t().to, r.to.clone(), if top { "message-to" } else { "fwd-to" })}
            {line(t().cc, r.cc.clone(), if top { "message-cc" } else { "fwd-cc" })}
            {r.date.as_ref().map(|at| view! { <tr><th>{move || t().date}</th><td data-testid=if top { "message-date" } else { "fwd-date" }>{crate::i18n::dates::stamp_long(lang.get_untracked(), at)}</td></tr> })}
        </tbody></table>
    }
}

#[component]
fn Attachments(r: ReadingDto, id: i64) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().mv;
    (!r.attachments.is_empty()).then(|| view! {
        <section class="attachments" data-testid="attachments">
            <h3>{move || t().attachments}</h3>
            <ul>
                {r.attachments.into_iter().map(|a| {
                    let name = if a.name.is_empty() { a.content_type.clone() } else { a.name.clone() };
                    view! {
                        <li data-testid="attachment">
                            <a href=format!("/mail/message/{id}/attachment/{}", a.index) download=name.clone() data-testid="attachment-link">{name.clone()}</a>
                            " " <span class="muted">{crate::components::size_text(a.size as i64)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
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
}
