//! The mail screen in the browser: its links (`data-go`) and forms
//! (`data-do`), the keys, 戻る / 進む, fetching ahead and undoing what the
//! server refuses.
//!
//! | `data-do` | on submit |
//! |---|---|
//! | `get` | the form's fields become the screen's URL (検索, 文字コード) |
//! | `act` | 既読 / 未読 / フラグ / 移動 / 削除 / ごみ箱を空にする, shown at once |
//! | `folder` | フォルダの作成 / 名前の変更 / 削除, then the list again |
//! | `images` | 「常に表示」 for the open message's sender |
use std::cell::Cell;
use std::collections::HashSet;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, FormData, HtmlElement, HtmlFormElement, KeyboardEvent, Url};

use super::*;

thread_local! {
    /// The screen of the page: a page put in place by `navigate` (another
    /// account) brings its own.
    static CURRENT: Cell<Option<Screen>> = const { Cell::new(None) };
    /// A watch of the account's server runs (`watch`).
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    /// Messages being fetched ahead, so none is asked for twice.
    static COMING: std::cell::RefCell<HashSet<i64>> = std::cell::RefCell::new(HashSet::new());
}

/// Listeners of the window, added once per page load.
static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The list's parameters: a change of any of them is another list.
const LIST_KEYS: [&str; 8] = [
    "folder", "sort", "asc", "after", "aid", "q", "scope", "within",
];

/// At most this many messages are kept ahead; more are dropped.
const AHEAD_MAX: usize = 64;

pub(super) fn attach(s: Screen) {
    CURRENT.with(|c| c.set(Some(s)));
    if !INSTALLED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        if let Some(window) = web_sys::window() {
            let on_key = Closure::<dyn Fn(KeyboardEvent)>::new(on_key);
            let _ =
                window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
            on_key.forget();
        }
        crate::browser::on_pop(on_pop);
    }
    if let Some(id) = s
        .params
        .with_untracked(|p| param(p, "m").parse::<i64>().ok())
    {
        fetch_ahead(s, id);
    }
    if s.list.with_untracked(|l| l.live) && !WATCHING.with(|w| w.replace(true)) {
        watch();
    }
}

/// Follows the account's 受信箱 on its server (`mail_watch`, IDLE there)
/// while the screen is in the page, as mail clients do: a change brings
/// the list again when its first page is shown, the folder counts
/// otherwise. A watch that ends (after half an hour, or cut) is asked for
/// again after a pause.
fn watch() {
    use futures::StreamExt;
    leptos::task::spawn_local(async move {
        while let Some(s) = current() {
            if !s.list.with_untracked(|l| l.live) {
                break;
            }
            let account = s.account;
            if let Ok(stream) = mail_watch(account, String::new()).await {
                let mut lines = stream.into_inner();
                while let Some(Ok(text)) = lines.next().await {
                    match current() {
                        Some(now) if now.account == account => {
                            if text.contains("changed") {
                                refresh(now);
                            }
                        }
                        _ => break,
                    }
                }
            }
            crate::components::sleep_ms(5_000).await;
        }
        WATCHING.with(|w| w.set(false));
    });
}

/// The list as the server has it now, put in place of the shown one when
/// the screen still shows the same list.
fn refresh(s: Screen) {
    let params = s.params.get_untracked();
    let first_page = param(&params, "aid").is_empty() && param(&params, "q").is_empty();
    leptos::task::spawn_local(async move {
        let Ok(fresh) = mail_list(s.account, query_of(&params)).await else {
            return;
        };
        let same = s
            .params
            .with_untracked(|p| LIST_KEYS.iter().all(|k| param(p, k) == param(&params, k)));
        if !same {
            return;
        }
        if first_page {
            s.list.set(fresh);
        } else {
            s.list.update(|l| l.folders = fresh.folders);
        }
    });
}

/// The screen, while its island is in the page.
fn current() -> Option<Screen> {
    let present = document()
        .query_selector("[data-testid=mail-view]")
        .ok()
        .flatten()
        .is_some();
    CURRENT.with(Cell::get).filter(|_| present)
}

pub(super) fn click(s: Screen, ev: &web_sys::MouseEvent) {
    if !crate::browser::plain_click(ev) {
        return;
    }
    let Some(href) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest("a[data-go]").ok().flatten())
        .and_then(|a| a.get_attribute("href"))
    else {
        return;
    };
    ev.prevent_default();
    go(s, &href, true);
}

pub(super) fn submit(s: Screen, ev: &web_sys::SubmitEvent) {
    if ev.default_prevented() {
        return;
    }
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let Some(what) = form.get_attribute("data-do") else {
        return;
    };
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    ev.prevent_default();
    // The pressed button's value, as the browser would have sent it.
    if let Some(b) = ev.submitter() {
        let name = b.get_attribute("name").unwrap_or_default();
        if !name.is_empty() {
            let _ = data.set_with_str(&name, &b.get_attribute("value").unwrap_or_default());
        }
    }
    let field = |k: &str| data.get(k).as_string().unwrap_or_default();
    s.err.set(None);
    match what.as_str() {
        "get" => {
            let params: Vec<(String, String)> = PARAMS
                .iter()
                .map(|k| ((*k).to_owned(), field(k)))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            go(s, &mail_href(&params, &[]), true);
        }
        "act" => {
            let ids: Vec<i64> = data
                .get_all("ids[]")
                .iter()
                .filter_map(|v| v.as_string()?.parse().ok())
                .collect();
            act(s, ids, field("action"), field("target"));
        }
        "folder" => {
            let (key, name, delete) = (field("key"), field("name"), field("delete") == "true");
            leptos::task::spawn_local(async move {
                match mail_folder(s.account, key, name, delete, String::new()).await {
                    Ok(_) if delete => go(
                        s,
                        &s.params
                            .with_untracked(|p| mail_href(p, &[("folder", String::new())])),
                        true,
                    ),
                    Ok(_) => load(s, s.params.get_untracked()),
                    Err(e) => s.err.set(Some(e)),
                }
            });
        }
        "images" => {
            let id = field("id").parse().unwrap_or(0);
            leptos::task::spawn_local(async move {
                match allow_images(id).await {
                    Ok(()) => s.images_always_set.set(true),
                    Err(e) => s.err.set(Some(e)),
                }
            });
        }
        _ => {}
    }
}

/// 戻る / 進む within this screen (same account) is answered here.
fn on_pop(href: &str) -> bool {
    let Some(s) = current() else {
        return false;
    };
    let Some(next) = params_of(href) else {
        return false;
    };
    if param(&next, "account") != s.params.with_untracked(|p| param(p, "account")) {
        return false;
    }
    show_params(s, next);
    true
}

/// The screen's parameters in `href`, if it is the mail screen's URL.
fn params_of(href: &str) -> Option<Vec<(String, String)>> {
    let base = window().location().href().ok()?;
    let url = Url::new_with_base(href, &base).ok()?;
    if url.pathname() != "/mail" {
        return None;
    }
    let q = url.search_params();
    Some(
        PARAMS
            .iter()
            .filter_map(|k| q.get(k).map(|v| ((*k).to_owned(), v)))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
    )
}

/// Shows `href` (a URL of the mail screen), as a new history entry when
/// `push`.
fn go(s: Screen, href: &str, push: bool) {
    let Some(next) = params_of(href) else {
        crate::browser::visit(href);
        return;
    };
    // Another account is another page.
    if param(&next, "account") != s.params.with_untracked(|p| param(p, "account")) {
        crate::browser::visit(href);
        return;
    }
    if push && let Ok(h) = window().history() {
        let _ = h.push_state_with_url(&JsValue::NULL, "", Some(href));
    }
    show_params(s, next);
}

fn show_params(s: Screen, next: Vec<(String, String)>) {
    let same_list = s
        .params
        .with_untracked(|p| LIST_KEYS.iter().all(|k| param(p, k) == param(&next, k)));
    if !same_list {
        load(s, next);
        return;
    }
    let id = param(&next, "m").parse::<i64>().ok();
    let cs = param(&next, "cs");
    let same_message = s
        .params
        .with_untracked(|p| param(p, "m").parse::<i64>().ok() == id && param(p, "cs") == cs)
        && s.message.with_untracked(|m| m.is_some() == id.is_some());
    s.params.set(next);
    if same_message {
        return;
    }
    match id {
        Some(id) => open(s, id, cs),
        None => {
            s.latest.update_value(|n| *n += 1);
            s.busy.set(false);
            s.message.set(None);
        }
    }
}

/// A new number for a request whose answer replaces what is shown.
fn next_request(s: Screen) -> u32 {
    s.latest.update_value(|n| *n += 1);
    s.latest.get_value()
}

/// Fetches the list of `params` (and its open message).
fn load(s: Screen, params: Vec<(String, String)>) {
    let n = next_request(s);
    s.params.set(params.clone());
    s.busy.set(true);
    leptos::task::spawn_local(async move {
        let l = mail_list(s.account, query_of(&params)).await;
        if s.latest.get_value() != n {
            return;
        }
        match l {
            Ok(l) => {
                s.list.set(l);
                s.ahead.update_value(|a| a.clear());
            }
            Err(e) => {
                s.busy.set(false);
                s.err.set(Some(e));
                return;
            }
        }
        match param(&params, "m").parse::<i64>().ok() {
            Some(id) => open(s, id, param(&params, "cs")),
            None => {
                s.busy.set(false);
                s.message.set(None);
            }
        }
    });
}

/// Shows message `id`: at once when it was fetched ahead (and marked read
/// in the background), else when its reading (which marks it) comes.
fn open(s: Screen, id: i64, cs: String) {
    let n = next_request(s);
    let ready = cs
        .is_empty()
        .then(|| s.ahead.with_value(|a| a.get(&id).cloned()))
        .flatten();
    if let Some(m) = ready {
        s.busy.set(false);
        s.message.set(Some(Ok(m)));
        // Marking it read and fetching its neighbours wait for the frame
        // that shows it: their answers would otherwise be handled before
        // that frame, and j would paint later.
        request_animation_frame(move || {
            set_timeout(
                move || {
                    let unseen = s
                        .list
                        .with_untracked(|l| l.rows.iter().any(|r| r.id == id && !r.seen));
                    if unseen {
                        act(s, vec![id], "read".into(), String::new());
                    }
                    fetch_ahead(s, id);
                },
                std::time::Duration::ZERO,
            )
        });
        return;
    }
    s.busy.set(true);
    leptos::task::spawn_local(async move {
        let r = read_message(id, cs.clone(), false).await;
        if s.latest.get_value() != n {
            return;
        }
        s.busy.set(false);
        if let Ok(m) = &r {
            s.list.update(|l| seen_in(l, id, Some(m.folder_unread)));
            if cs.is_empty() {
                let m = m.clone();
                s.ahead.update_value(|a| {
                    a.insert(id, m);
                });
            }
        }
        s.message.set(Some(r));
        fetch_ahead(s, id);
    });
}

/// Fetches the messages before and after `id` in the list, unread stays
/// unread until they are opened.
fn fetch_ahead(s: Screen, id: i64) {
    if s.params.with_untracked(|p| param(p, "folder") == "drafts") {
        return;
    }
    let around: Vec<i64> = s.list.with_untracked(|l| {
        let Some(at) = l.rows.iter().position(|r| r.id == id) else {
            return Vec::new();
        };
        [at + 1, at.wrapping_sub(1)]
            .into_iter()
            .filter_map(|i| l.rows.get(i).map(|r| r.id))
            .collect()
    });
    for n in around {
        let known = s.ahead.with_value(|a| a.contains_key(&n));
        let coming = COMING.with(|c| !c.borrow_mut().insert(n));
        if known || coming {
            continue;
        }
        leptos::task::spawn_local(async move {
            let r = read_message(n, String::new(), true).await;
            COMING.with(|c| c.borrow_mut().remove(&n));
            if let Ok(m) = r {
                s.ahead.update_value(|a| {
                    if a.len() >= AHEAD_MAX {
                        a.clear();
                    }
                    a.insert(n, m);
                });
            }
        });
    }
}

/// What an action does to the list at once; the server's refusal puts
/// the screen back as it was and says why.
fn act(s: Screen, ids: Vec<i64>, action: String, target: String) {
    let before = (
        s.list.get_untracked(),
        s.message.get_untracked(),
        s.params.get_untracked(),
    );
    let open = s
        .params
        .with_untracked(|p| param(p, "m").parse::<i64>().ok());
    let folder = s
        .params
        .with_untracked(|p| domain_folder(&param(p, "folder")));
    match action.as_str() {
        "read" | "unread" | "flag" | "unflag" => {
            s.list.update(|l| flags_in(l, &ids, &action));
            // 未読にする on the open message closes it, as without JavaScript.
            if action == "unread" && open.is_some_and(|o| ids.contains(&o)) {
                let close = s
                    .params
                    .with_untracked(|p| mail_href(p, &[("m", String::new())]));
                go(s, &close, true);
            }
        }
        "move" | "delete" if !ids.is_empty() && (action == "delete" || !target.is_empty()) => {
            let to = if action == "delete" {
                "trash"
            } else {
                target.as_str()
            };
            let next = open.filter(|o| ids.contains(o)).map(|o| {
                s.list
                    .with_untracked(|l| neighbour_after_removal(&l.rows, o, &ids))
            });
            // Deleting in ごみ箱 deletes for good: nothing to count there.
            let to = (folder != "trash" || action == "move").then_some(to);
            s.list.update(|l| remove_from(l, &ids, to));
            if let Some(next) = next {
                let href = s.params.with_untracked(|p| {
                    mail_href(p, &[("m", next.map(|n| n.to_string()).unwrap_or_default())])
                });
                go(s, &href, true);
            }
        }
        "empty_trash" if folder == "trash" => {
            s.list.update(|l| {
                l.rows.clear();
                if let Some(f) = l.folders.iter_mut().find(|f| f.key == "trash") {
                    f.unread = 0;
                }
            });
            s.message.set(None);
        }
        _ => {}
    }
    leptos::task::spawn_local(async move {
        let r = mail_action(s.account, ids, action, target, String::new()).await;
        if let Err(e) = r {
            // Put back only the screen the action changed.
            let (list, message, params) = before;
            let same_list = s
                .params
                .with_untracked(|p| LIST_KEYS.iter().all(|k| param(p, k) == param(&params, k)));
            if same_list {
                let href = mail_href(&params, &[]);
                if let Ok(h) = window().history() {
                    let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&href));
                }
                s.latest.update_value(|n| *n += 1);
                s.busy.set(false);
                s.list.set(list);
                s.message.set(message);
                s.params.set(params);
            }
            s.err.set(Some(e));
        }
    });
}

/// 既読 / 未読 / フラグ on rows `ids`, with their folders' unread counts.
fn flags_in(l: &mut ListDto, ids: &[i64], action: &str) {
    for r in l.rows.iter_mut().filter(|r| ids.contains(&r.id)) {
        let delta = match action {
            "read" if !r.seen => -1,
            "unread" if r.seen => 1,
            _ => 0,
        };
        match action {
            "read" => r.seen = true,
            "unread" => r.seen = false,
            "flag" => r.flagged = true,
            "unflag" => r.flagged = false,
            _ => {}
        }
        if let Some(f) = l.folders.iter_mut().find(|f| f.key == r.folder) {
            f.unread = (f.unread + delta).max(0);
        }
    }
}

/// Rows `ids` leave the list for folder `to` (counted there when unread).
fn remove_from(l: &mut ListDto, ids: &[i64], to: Option<&str>) {
    let gone: Vec<RowDto> = l
        .rows
        .iter()
        .filter(|r| ids.contains(&r.id))
        .cloned()
        .collect();
    l.rows.retain(|r| !ids.contains(&r.id));
    for r in gone.iter().filter(|r| !r.seen) {
        if let Some(f) = l.folders.iter_mut().find(|f| f.key == r.folder) {
            f.unread = (f.unread - 1).max(0);
        }
        if let Some(f) = to.and_then(|to| l.folders.iter_mut().find(|f| f.key == to)) {
            f.unread += 1;
        }
    }
}

/// j / k next and previous message, Enter the first, Delete, r / a / f
/// reply, reply all, forward, / search.
fn on_key(ev: KeyboardEvent) {
    let typing = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.closest("[contenteditable]").ok().flatten().is_some()
        });
    if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
        return;
    }
    let Some(s) = current() else {
        return;
    };
    let ids: Vec<i64> = s
        .list
        .with_untracked(|l| l.rows.iter().map(|r| r.id).collect());
    let open = s
        .params
        .with_untracked(|p| param(p, "m").parse::<i64>().ok());
    let cur = open.and_then(|m| ids.iter().position(|&i| i == m));
    let doc = document();
    let press = |sel: &str| {
        if let Some(el) = doc
            .query_selector(sel)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            el.click();
        }
    };
    let row = |at: usize| {
        let Some(id) = ids.get(at) else {
            return;
        };
        let sel = format!("[data-testid=message-row][data-id=\"{id}\"]");
        press(&format!("{sel} a[data-testid=message-subject]"));
        if let Ok(Some(tr)) = doc.query_selector(&sel) {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            tr.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    };
    match ev.key().as_str() {
        "j" => row(cur.map_or(0, |c| (c + 1).min(ids.len().saturating_sub(1)))),
        "k" => row(cur.map_or(0, |c| c.saturating_sub(1))),
        "Enter" if cur.is_none() => row(0),
        "Delete" => {
            if let Some(id) = open {
                act(s, vec![id], "delete".into(), String::new());
            }
        }
        "r" => press("[data-testid=reply]"),
        "a" => press("[data-testid=reply-all]"),
        "f" => press("[data-testid=forward]"),
        "/" => {
            ev.prevent_default();
            if let Some(el) = doc
                .get_element_by_id("mail-search")
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
        _ => {}
    }
}
