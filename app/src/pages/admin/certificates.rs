//! 管理者設定 > システム設定 > 信頼するCA証明書: the in-house CAs every mail
//! connection trusts, added by pasting their PEM. A plain list and form:
//! it works the same without JavaScript.
use leptos::prelude::*;

use super::AdminFrame;
use crate::api::certificates::{AddTrustedCa, RemoveTrustedCa, TrustedCaDto, trusted_cas};
use crate::components::{FieldMsg, FormMsg, err_of, ok_of};
use crate::i18n::use_lang;

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let lang = use_lang();
    let m = move || lang.get().t().mail();
    let add = ServerAction::<AddTrustedCa>::new();
    let (err, ok) = (err_of(add.value()), ok_of(add));
    let list = Resource::new(move || add.version().get(), |_| trusted_cas());
    view! {
        <AdminFrame title=|t| t.mail().ca_title>
            <p class="hint">{move || m().ca_hint}</p>
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let rows = match list.await {
                        Ok(r) => r,
                        Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    };
                    if rows.is_empty() {
                        return view! { <p class="muted" data-testid="ca-none">{move || m().ca_none}</p> }.into_any();
                    }
                    view! {
                        <div class="table-scroll">
                            <table class="list" data-testid="ca-list">
                                <thead><tr>
                                    <th>{move || m().ca_subject}</th>
                                    <th>{move || m().ca_expires}</th>
                                    <th>{move || m().ca_fingerprint}</th>
                                    <th>{move || m().ca_added}</th>
                                    <th></th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|c| view! { <CaRow c /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
            </Transition>
            <ActionForm action=add attr:class="mail-form" attr:data-testid="ca-form">
                <label>{move || m().ca_pem}
                    <textarea name="pem" rows="8" spellcheck="false" autocomplete="off" data-testid="ca-pem"
                        placeholder="-----BEGIN CERTIFICATE-----"></textarea>
                </label>
                <p class="hint">{move || crate::components::with_literals(m().ca_pem_hint)}</p>
                <FieldMsg err field="pem" />
                <FormMsg err ok />
                <button type="submit" class="primary" data-testid="ca-add">{move || m().ca_add}</button>
            </ActionForm>
        </AdminFrame>
    }
}

#[component]
fn CaRow(c: TrustedCaDto) -> impl IntoView {
    let lang = use_lang();
    let m = move || lang.get().t().mail();
    let remove = ServerAction::<RemoveTrustedCa>::new();
    let err = err_of(remove.value());
    let expired = c.expired;
    view! {
        <tr data-testid="ca-row">
            <td translate="no"><span data-testid="ca-subject">{c.subject.clone()}</span>
                <div class="muted" translate="no">{move || m().ca_issuer} ": " {c.issuer.clone()}</div></td>
            <td>{c.not_after.clone()} {expired.then(|| view! { <span class="field-error">" (" {move || m().ca_expired} ")"</span> })}</td>
            <td><code class="fingerprint">{c.fingerprint.clone()}</code></td>
            <td>{c.added_at.clone()}</td>
            <td>
                <ActionForm action=remove attr:class="inline-form">
                    <input type="hidden" name="id" value=c.id.to_string() />
                    <button type="submit" class="danger" data-testid="ca-remove">{move || m().ca_remove}</button>
                </ActionForm>
                <FormMsg err />
            </td>
        </tr>
    }
}
