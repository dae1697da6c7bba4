//! 通知メールの送信状況: every notification mail with its state, the time,
//! the recipient, the subject and the server's last reply; filter by state
//! and resend a failed one.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::AdminFrame;
use crate::api::schedule::{ResendOutbox, list_outbox};
use crate::components::{FormMsg, err_of, ok_of};
use crate::i18n::use_lang;

fn status_label(s: &crate::i18n::schedule::SchedTexts, status: &str) -> &'static str {
    match status {
        "queued" => s.st_queued,
        "sending" => s.st_sending,
        "sent" => s.st_sent,
        "failed" => s.st_failed,
        _ => s.outbox_all,
    }
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().sched();
    let q = use_query_map();
    let resend = ServerAction::<ResendOutbox>::new();
    let rows = Resource::new(
        move || {
            (
                q.read().get("status").unwrap_or_default(),
                resend.version().get(),
            )
        },
        |(status, _)| list_outbox(status),
    );
    let err = err_of(resend.value());
    let ok = ok_of(resend);
    view! {
        <AdminFrame title=|t| t.sched().outbox>
            <FormMsg err ok ok_text=|t| t.sched().resent />
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let o = match rows.await {
                        Ok(o) => o,
                        Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    };
                    let total: u64 = o.counts.iter().map(|(_, n)| n).sum();
                    let filters = std::iter::once((String::new(), total)).chain(o.counts.clone());
                    view! {
                        {o.needs_reauth.then(|| view! {
                            <p class="form-error" role="alert" data-testid="outbox-needs-reauth">
                                {move || lang.get().t().field_error("needs_reauth", None)} " "
                                <a href="/admin/mail-server">{move || lang.get().t().mail().title}</a>
                            </p>
                        })}
                        <nav class="tabs" data-testid="outbox-filter">
                            {filters.map(|(status, n)| {
                                let current = status == o.status;
                                let href = if status.is_empty() { "/admin/outbox".to_owned() } else { format!("/admin/outbox?status={status}") };
                                let testid = format!("outbox-filter-{}", if status.is_empty() { "all" } else { status.as_str() });
                                view! {
                                    <a href=href class=if current { "tab current" } else { "tab" } data-testid=testid>
                                        {move || status_label(t(), &status)} " (" {n} ")"
                                    </a>
                                }
                            }).collect_view()}
                        </nav>
                        {if o.rows.is_empty() {
                            view! { <p class="muted" data-testid="outbox-empty">{move || t().outbox_empty}</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-scroll">
                                <table class="list" data-testid="outbox-table">
                                    <thead><tr>
                                        <th>{move || t().col_status}</th>
                                        <th>{move || t().col_time}</th>
                                        <th>{move || t().col_recipient}</th>
                                        <th>{move || t().col_subject}</th>
                                        <th>{move || t().col_attempts}</th>
                                        <th>{move || t().col_reply}</th>
                                        <th></th>
                                    </tr></thead>
                                    <tbody>
                                        {o.rows.into_iter().map(|r| {
                                            let status = r.status.clone();
                                            let failed = r.status == "failed";
                                            view! {
                                                <tr data-testid="outbox-row" data-status=r.status.clone()>
                                                    <td><span class=format!("badge st-{}", r.status) data-testid="outbox-status">{move || status_label(t(), &status)}</span></td>
                                                    <td>{r.at.clone()}
                                                        {(!r.next_try.is_empty()).then(|| view! { <br /><small class="muted">{move || t().next_try} ": " {r.next_try.clone()}</small> })}
                                                    </td>
                                                    <td data-testid="outbox-recipient">{r.recipient.clone()}</td>
                                                    <td translate="no" data-testid="outbox-subject">{r.subject.clone()}</td>
                                                    <td>{r.attempts}</td>
                                                    <td class="reply" translate="no" data-testid="outbox-reply">{r.reply.clone()}</td>
                                                    <td>{failed.then(|| view! {
                                                        <ActionForm action=resend attr:class="inline-form">
                                                            <input type="hidden" name="id" value=r.id />
                                                            <button type="submit" data-testid="outbox-resend">{move || t().resend}</button>
                                                        </ActionForm>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}
