//! The reading pane: the open message's tools, header, text (or its HTML
//! in a sandboxed frame, remote images only on request), attachments and
//! forwarded messages.
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use super::{MessageDto, ReadingDto, Screen};
use crate::i18n::use_lang;

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
                Either::Left(
                    view! { <a href=href target="_blank" rel="noopener noreferrer">{s}</a> },
                )
            } else {
                Either::Right(s)
            }
        })
        .collect_view()
}

#[component]
pub(super) fn ReadingPane() -> impl IntoView {
    let s = expect_context::<Screen>();
    let lang = use_lang();
    // EitherOf3, not AnyView: the bundle carries only the rendering code
    // these use.
    move || match s.message.get() {
        None => EitherOf3::A(
            view! { <p class="muted pick">{move || lang.get().t().mv().pick_message}</p> },
        ),
        Some(Err(e)) => EitherOf3::B(view! {
            <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p>
        }),
        Some(Ok(m)) => EitherOf3::C(view! { <Reading m /> }),
    }
}

/// One message action as a form: it posts, and without JavaScript the
/// server sends the page back to `back`.
fn action_form(
    account: i32,
    id: i64,
    action: &'static str,
    back: Signal<String>,
    label: impl IntoView + 'static,
    class: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action="/api/mail_action" class="inline-form" data-do="act">
            <input type="hidden" name="account" value=account />
            <input type="hidden" name="ids[]" value=id />
            <input type="hidden" name="action" value=action />
            <input type="hidden" name="back" value=back />
            <button type="submit" class=class data-testid=testid>{label}</button>
        </form>
    }
}

#[component]
fn Reading(m: MessageDto) -> impl IntoView {
    let s = expect_context::<Screen>();
    let lang = use_lang();
    let t = move || lang.get().t().mv();
    let id = m.id;
    let account = m.account;
    let close = Signal::derive(move || s.href(&[("m", String::new())]));
    let here = Signal::derive(move || s.href(&[]));
    // Where 削除 goes without JavaScript: the next message of the page,
    // else the one before.
    let after_delete = Signal::derive(move || {
        let next = s
            .list
            .with(|l| super::neighbour_after_removal(&l.rows, id, &[id]));
        s.href(&[("m", next.map(|n| n.to_string()).unwrap_or_default())])
    });
    // The flag as the list shows it (it changes without a new reading).
    let flagged_now = m.flagged;
    let flagged = Signal::derive(move || {
        s.list.with(|l| {
            l.rows
                .iter()
                .find(|r| r.id == id)
                .map_or(flagged_now, |r| r.flagged)
        })
    });
    let images = Signal::derive(move || {
        s.get("images") == "1" || m.images_always || s.images_always_set.get()
    });
    let cs = move || s.get("cs");
    // The chosen charset for the frame and the source, as `?charset=`.
    let cs_query = move || {
        let cs = cs();
        if cs.is_empty() {
            String::new()
        } else {
            format!("?charset={}", crate::url::query_value(&cs))
        }
    };
    let frame_src = move || {
        let shown = if images.get() { "1" } else { "0" };
        let cs = cs_query().replacen('?', "&", 1);
        format!("/mail/message/{id}/html?images={shown}{cs}")
    };
    let remote = m.remote_images;
    let has_html = m.has_html;
    let r = m.reading;
    // 文字コードを指定して表示: this view again with `cs`.
    let keep = move || {
        s.params.with(|p| {
            p.iter()
                .filter(|(k, _)| k != "cs")
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <article class="message" data-testid="message" data-id=id>
            <div class="message-tools">
                <a href=close data-go="" class="close" data-testid="close-message">{move || t().close}</a>
                {action_form(account, id, "unread", close, move || t().mark_unread, "", "message-unread")}
                {move || {
                    let on = flagged.get();
                    action_form(account, id, if on { "unflag" } else { "flag" }, here,
                        move || if on { t().unflag } else { t().flag }, "", "message-flag")
                }}
                {action_form(account, id, "delete", after_delete, move || t().delete, "danger", "message-delete")}
                <a href=format!("/mail/compose?account={account}&mode=reply&id={id}") class="button" data-testid="reply">{move || lang.get().t().cp().reply}</a>
                <a href=format!("/mail/compose?account={account}&mode=reply_all&id={id}") class="button" data-testid="reply-all">{move || lang.get().t().cp().reply_all}</a>
                <a href=format!("/mail/compose?account={account}&mode=forward&id={id}") class="button" data-testid="forward">{move || lang.get().t().cp().forward}</a>
                <a href=format!("/mail/compose?account={account}&mode=forward_attach&id={id}") class="button" data-testid="forward-attach">{move || lang.get().t().cp().forward_attach}</a>
                <a href=move || format!("/mail/message/{id}/source{}", cs_query()) target="_blank" rel="noopener" data-testid="show-source">{move || t().show_source}</a>
                <a href=format!("/mail/message/{id}/eml") download="" data-testid="save-eml">{move || t().save_eml}</a>
                <form method="get" action="/mail" class="inline-form" data-do="get">
                    <For each=keep key=|kv| kv.clone() let((k, v))>
                        <input type="hidden" name=k value=v />
                    </For>
                    <select name="cs" data-action="submit" title=move || t().charset data-testid="charset-select">
                        <option value="" selected=move || cs().is_empty()>{move || t().charset_auto}</option>
                        {["ISO-2022-JP", "Shift_JIS", "EUC-JP", "UTF-8"].into_iter().map(|c| view! {
                            <option value=c selected=move || cs().eq_ignore_ascii_case(c)>{c}</option>
                        }).collect_view()}
                    </select>
                    <noscript><button type="submit">{move || t().charset}</button></noscript>
                </form>
            </div>
            <ReadingBody r=r.clone() top=true />
            {move || (has_html && remote > 0 && !images.get()).then(|| view! {
                <div class="notice images-bar" data-testid="images-bar">
                    <span>{move || t().remote_blocked}</span>
                    <a href=move || s.href(&[("images", "1".into())]) data-go="" class="button" data-testid="show-images">{move || t().show_images}</a>
                    <form method="post" action="/api/allow_images" class="inline-form" data-do="images">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" data-testid="always-images">{move || t().always_show}</button>
                    </form>
                </div>
            })}
            {move || s.images_always_set.get().then(|| view! { <p class="muted" data-testid="images-always-set">{move || t().images_always_set}</p> })}
            {if has_html {
                Either::Left(view! {
                    <iframe class="mail-html" title="mail" data-testid="mail-html" src=frame_src
                        sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>
                })
            } else {
                Either::Right(view! { <pre class="mail-text" data-testid="mail-text">{if r.text.is_empty() { Either::Left(t().no_text) } else { Either::Right(linkified(&r.text)) }}</pre> })
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
    let t = move || lang.get().t().mv();
    let subject = if r.subject.is_empty() {
        lang.get_untracked().t().mv().no_subject.to_owned()
    } else {
        r.subject.clone()
    };
    let line = |label: &'static str, v: Vec<String>, tid: &'static str| {
        (!v.is_empty())
            .then(|| view! { <tr><th>{label}</th><td data-testid=tid translate="no">{v.join(", ")}</td></tr> })
    };
    view! {
        {if top { Either::Left(view! { <h2 data-testid="message-title" translate="no">{subject}</h2> }) } else { Either::Right(view! { <h4 translate="no">{subject}</h4> }) }}
        // With its <tbody> written out: the browser adds one to a bare
        // <table><tr>, and hydration must find what the server sent.
        <table class="message-head"><tbody>
            {line(t().from, r.from.clone(), if top { "message-from" } else { "fwd-from" })}
            // Shown as prominently as the sender: the real address, in
            // words that say why.
            {r.impersonated.clone().map(|(shown, real)| view! {
                <tr class="impersonated"><th>{move || t().real_sender}</th>
                    <td data-testid="impersonated"><strong translate="no">{real}</strong>
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
    let t = move || lang.get().t().mv();
    (!r.attachments.is_empty()).then(|| view! {
        <section class="attachments" data-testid="attachments">
            <h3>{move || t().attachments}</h3>
            <ul>
                {r.attachments.into_iter().map(|a| {
                    let name = if a.name.is_empty() { a.content_type.clone() } else { a.name.clone() };
                    view! {
                        <li data-testid="attachment">
                            <a href=format!("/mail/message/{id}/attachment/{}", a.index) download=name.clone() data-testid="attachment-link" translate="no">{name.clone()}</a>
                            " " <span class="muted">{crate::components::size_text(a.size as i64)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}
