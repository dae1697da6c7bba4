//! The list pane: 検索, the selection's actions, a page of rows and the
//! pager.
use leptos::either::Either;
use leptos::prelude::*;

use super::{Screen, folder_label};
use crate::i18n::use_lang;

/// `text` with the search terms in `<mark>`.
fn marked_view(text: String, terms: &[String]) -> impl IntoView + use<> {
    mail::marks::marked(&text, terms)
        .into_iter()
        .map(|(s, hit)| {
            if hit {
                Either::Left(view! { <mark>{s}</mark> })
            } else {
                Either::Right(s)
            }
        })
        .collect_view()
}

#[component]
pub(super) fn ListPane() -> impl IntoView {
    let s = expect_context::<Screen>();
    let lang = use_lang();
    let t = move || lang.get().t().mv();
    let account = s.account;
    let searching = move || !s.get("q").trim().is_empty();
    let sort_link = move |key: &'static str| {
        move || {
            let sort = s.get("sort");
            let asc = s.get("asc") == "1";
            let same = (if sort.is_empty() {
                "date"
            } else {
                sort.as_str()
            }) == key;
            let flip = if same && !asc { "1" } else { "" };
            s.href(&[("sort", key.to_owned()), ("asc", flip.to_owned())])
        }
    };
    let addressed = move || matches!(s.folder().as_str(), "sent" | "drafts");
    let next = move || {
        let (key, id) = s.list.with(|l| (l.next_key.clone(), l.next_id));
        (id > 0).then(|| {
            let key = if searching() { String::new() } else { key };
            s.href(&[
                ("after", key),
                ("aid", id.to_string()),
                ("m", String::new()),
            ])
        })
    };
    let first = move || {
        (!s.get("aid").is_empty())
            .then(|| s.href(&[("after", String::new()), ("aid", String::new())]))
    };
    // A row is drawn again when its flags change, or the search terms
    // it marks.
    let rows = move || {
        s.list.with(|l| {
            l.rows
                .iter()
                .map(|r| (r.clone(), l.terms.clone()))
                .collect::<Vec<_>>()
        })
    };
    let empty = move || s.list.with(|l| l.rows.is_empty());
    view! {
        <section class="list-pane" data-testid="list-pane">
            <form method="get" action="/mail" class="mail-search" role="search" data-do="get">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="folder" value=move || s.folder() />
                <input type="search" id="mail-search" name="q" prop:value=move || s.get("q") placeholder=move || t().search_placeholder data-testid="search-input" />
                <select name="scope" data-testid="search-scope">
                    <option value="" selected=move || s.get("scope") != "all">{move || t().this_folder}</option>
                    <option value="all" selected=move || s.get("scope") == "all">{move || t().all_folders}</option>
                </select>
                // Only where searching the text is a slower, different
                // search (the IMAP server's); the local index has both.
                <select name="within" data-testid="search-within" hidden=move || !s.list.with(|l| l.text_apart)>
                    <option value="" selected=move || s.get("within") != "text">{move || t().within_head}</option>
                    <option value="text" selected=move || s.get("within") == "text">{move || t().within_text}</option>
                </select>
                <button type="submit" data-testid="search">{move || t().search}</button>
            </form>
            <form method="post" action="/api/mail_action" id="list-form" class="list-actions" data-do="act">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="back" value=move || s.href(&[]) />
                <button type="submit" name="action" value="read" data-testid="mark-read">{move || t().mark_read}</button>
                <button type="submit" name="action" value="unread" data-testid="mark-unread">{move || t().mark_unread}</button>
                <button type="submit" name="action" value="flag" data-testid="mark-flag">{move || t().flag}</button>
                <button type="submit" name="action" value="delete" class="danger" data-testid="delete-selected">{move || t().delete}</button>
                <select name="target" data-testid="move-target">
                    <option value="">{move || t().move_to}</option>
                    <For each=move || s.list.with(|l| l.folders.clone()) key=|f| (f.key.clone(), f.name.clone()) let(f)>
                        <option value=f.key.clone()>{
                            let f = f.clone();
                            move || folder_label(t(), &f)
                        }</option>
                    </For>
                </select>
                <button type="submit" name="action" value="move" data-testid="move">{move || t().move_to}</button>
                {move || (s.folder() == "trash").then(|| view! {
                    <button type="submit" name="action" value="empty_trash" class="danger" data-testid="empty-trash"
                        data-confirm=t().empty_trash_confirm>{move || t().empty_trash}</button>
                })}
            </form>
            <crate::components::FormMsg err=s.err />
            {move || searching().then(|| view! { <p class="muted" data-testid="search-results">{move || t().hits} ": " {move || s.get("q")}</p> })}
            <Show when=move || !empty() fallback=move || view! {
                <p class="muted" data-testid="no-messages">{move || if searching() { t().no_hits } else { lang.get().t().mv().no_messages }}</p>
            }>
                <table class="list message-list" data-testid="message-list">
                    <thead><tr>
                        <th class="pick"></th>
                        <th class="mark"></th>
                        <th class="who"><a href=sort_link("from") data-go="" data-testid="sort-from">{move || if addressed() { t().col_to } else { t().by_from }}</a></th>
                        <th class="subject"><a href=sort_link("subject") data-go="" data-testid="sort-subject">{move || t().by_subject}</a></th>
                        <th class="date"><a href=sort_link("date") data-go="" data-testid="sort-date">{move || t().by_date}</a></th>
                        <th class="num"><a href=sort_link("size") data-go="" data-testid="sort-size">{move || t().by_size}</a></th>
                    </tr></thead>
                    <tbody>
                        <For each=rows key=|(r, terms)| (r.id, r.seen, r.flagged, terms.clone()) let((r, terms))>
                            <Row r terms />
                        </For>
                    </tbody>
                </table>
            </Show>
            <p class="pager">
                {move || first().map(|h| view! { <a href=h data-go="" data-testid="first-page">{move || t().first_page}</a> })}
                {move || next().map(|h| view! { <a href=h data-go="" data-testid="next-page">{move || t().next_page}</a> })}
            </p>
            <p class="muted keys">{move || t().keys.iter().map(|(key, what)| view! {
                <span><kbd>{*key}</kbd> {*what}</span>
            }).collect_view()}</p>
        </section>
    }
}

/// One row: on a phone two lines, sender and date over the subject.
#[component]
fn Row(r: super::RowDto, terms: Vec<String>) -> impl IntoView {
    let s = expect_context::<Screen>();
    let lang = use_lang();
    let t = move || lang.get().t().mv();
    let id = r.id;
    let account = s.account;
    let folder = s.folder();
    let drafts = folder == "drafts";
    let who = if matches!(folder.as_str(), "sent" | "drafts") {
        r.to.clone()
    } else {
        r.from.clone()
    };
    // A draft opens in 作成; anything else in the reading pane.
    let (href, go) = if drafts {
        let href = format!("/mail/compose?account={account}&mode=draft&id={id}");
        (Signal::derive(move || href.clone()), None)
    } else {
        (Signal::derive(move || s.row_href(id)), Some(""))
    };
    let subject = if r.subject.is_empty() {
        Either::Left(lang.get_untracked().t().mv().no_subject)
    } else {
        Either::Right(marked_view(r.subject.clone(), &terms))
    };
    view! {
        <tr class:unread=!r.seen class:open=move || s.is_open(id) data-testid="message-row" data-id=id>
            <td class="pick"><input type="checkbox" name="ids[]" value=id form="list-form" data-testid="pick" /></td>
            <td class="mark">
                {r.flagged.then(|| view! { <span class="flag" role="img" title=move || t().flag_mark aria-label=move || t().flag_mark data-testid="flagged" inner_html=crate::components::icons::STAR></span> })}
                {r.attach.then(|| view! { <span class="clip" role="img" title=move || t().attach_mark aria-label=move || t().attach_mark data-testid="has-attachment" inner_html=crate::components::icons::CLIP></span> })}
            </td>
            <td class="who" translate="no">{marked_view(who, &terms)}</td>
            <td class="subject" translate="no"><a href=href data-go=go data-testid="message-subject">{subject}</a></td>
            <td class="date">{r.date.clone()}</td>
            <td class="num">{crate::components::size_text(r.size)}</td>
        </tr>
    }
}
