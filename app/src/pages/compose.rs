//! 作成 / 返信 / 全員に返信 / 転送: the form, files picked from the disk,
//! 送信 through the account's server, 下書き保存 by hand and every 30
//! seconds while the text changes. A refused send shows the server's reply
//! and keeps the message in 下書き.
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::{FieldMsg, FormMsg};
use crate::compose_api::*;
use crate::i18n::use_lang;

#[component]
pub fn ComposePage() -> impl IntoView {
    let lang = use_lang();
    let q = use_query_map();
    let form = Resource::new(
        move || {
            let m = q.read();
            (
                m.get("account")
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0),
                m.get("mode").unwrap_or_else(|| "new".into()),
                m.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0),
            )
        },
        |(a, mode, id)| compose_form(a, mode, id),
    );
    view! {
        <section class="page compose-page">
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(f) => view! { <ComposeForm f /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ComposeForm(f: ComposeDto) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().cp;
    let account = f.account;
    let to = RwSignal::new(f.to.clone());
    let cc = RwSignal::new(f.cc.clone());
    let bcc = RwSignal::new(f.bcc.clone());
    let subject = RwSignal::new(f.subject.clone());
    let body = RwSignal::new(f.body.clone());
    let charset = RwSignal::new(f.charset.clone());
    let draft = RwSignal::new(f.draft);
    let carried = RwSignal::new(f.carried.clone());
    let files = RwSignal::new(Vec::<UploadDto>::new());
    let busy = RwSignal::new(false);
    let err = RwSignal::new(None::<crate::error::AppError>);
    let notice = RwSignal::new(String::new());
    let refused = RwSignal::new(String::new());
    let dirty = RwSignal::new(false);
    let (reply_to, carry, carry_whole) = (f.reply_to, f.carry, f.carry_whole);
    let navigate = use_navigate();
    let submit = move |draft_only: bool| {
        let navigate = navigate.clone();
        busy.set(true);
        err.set(None);
        refused.set(String::new());
        leptos::task::spawn_local(async move {
            let keep_carry = if carried.get_untracked().is_empty() {
                0
            } else {
                carry
            };
            let r = send_mail(
                account,
                to.get_untracked(),
                cc.get_untracked(),
                bcc.get_untracked(),
                subject.get_untracked(),
                body.get_untracked(),
                charset.get_untracked(),
                reply_to,
                draft.get_untracked(),
                keep_carry,
                carry_whole,
                files.get_untracked(),
                draft_only,
            )
            .await;
            busy.set(false);
            match r {
                Ok(s) if s.sent => {
                    navigate(
                        &format!("/mail?account={account}&folder=sent&sent=1"),
                        Default::default(),
                    );
                }
                Ok(s) => {
                    draft.set(s.draft);
                    dirty.set(false);
                    if draft_only {
                        notice.set(t().draft_saved.to_owned());
                    } else {
                        refused.set(s.reply);
                    }
                }
                Err(e) => err.set(Some(e)),
            }
        });
    };
    let submit2 = submit.clone();
    // 下書き保存 every 30 seconds while something changed.
    #[cfg(feature = "hydrate")]
    {
        let submit = submit.clone();
        leptos::task::spawn_local(async move {
            loop {
                crate::components::sleep_ms(30_000).await;
                if dirty.try_get_untracked() != Some(true) {
                    if dirty.try_get_untracked().is_none() {
                        break;
                    }
                    continue;
                }
                if !busy.get_untracked() {
                    submit(true);
                }
            }
        });
    }
    #[allow(unused_variables)]
    let on_files = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(list) = input.files() else { return };
            for i in 0..list.length() {
                let Some(file) = list.get(i) else { continue };
                leptos::task::spawn_local(async move {
                    let Some(bytes) = crate::components::file_bytes(&file).await else {
                        return;
                    };
                    use base64::Engine;
                    files.update(|f| {
                        f.push(UploadDto {
                            name: file.name(),
                            content_type: file.type_(),
                            data: base64::engine::general_purpose::STANDARD.encode(&bytes),
                        })
                    });
                    dirty.set(true);
                });
            }
            input.set_value("");
        }
    };
    let e = Signal::derive(move || err.get());
    let book = f.book.clone();
    let title = match (f.reply_to > 0, f.carry > 0 && f.draft == 0) {
        (true, _) => t().reply,
        (_, true) => t().forward,
        _ => t().title,
    };
    let text_input = move |label: &'static str, field: &'static str, sig: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=format!("f-{field}")>{label}</label>
                <input id=format!("f-{field}") name=field list="address-book" autocomplete="off" prop:value=move || sig.get()
                    on:input=move |ev| { sig.set(event_target_value(&ev)); dirty.set(true); } data-testid=format!("c-{field}") />
                <FieldMsg err=e field=field />
            </div>
        }
    };
    view! {
        <h1>{title}</h1>
        <form class="compose-form" data-testid="compose-form" on:submit=move |ev| { ev.prevent_default(); submit2(false); }>
            <p class="muted" data-testid="c-from">{move || t().from} ": " {f.from.clone()}</p>
            <datalist id="address-book">
                {book.into_iter().map(|a| view! { <option value=a></option> }).collect_view()}
            </datalist>
            {text_input(t().to, "to", to)}
            {text_input(t().cc, "cc", cc)}
            {text_input(t().bcc, "bcc", bcc)}
            <div class="field">
                <label for="f-subject">{move || t().subject}</label>
                <input id="f-subject" name="subject" prop:value=move || subject.get()
                    on:input=move |ev| { subject.set(event_target_value(&ev)); dirty.set(true); } data-testid="c-subject" />
                <FieldMsg err=e field="subject" />
            </div>
            <div class="field">
                <label for="f-charset">{move || t().charset}</label>
                <select id="f-charset" on:change=move |ev| charset.set(event_target_value(&ev)) data-testid="c-charset">
                    <option value="utf-8" selected=f.charset != "iso-2022-jp">{move || t().utf8}</option>
                    <option value="iso-2022-jp" selected=f.charset == "iso-2022-jp">{move || t().iso2022jp}</option>
                </select>
            </div>
            <div class="field">
                <label for="f-body">{move || t().body}</label>
                <textarea id="f-body" rows="16" prop:value=move || body.get()
                    on:input=move |ev| { body.set(event_target_value(&ev)); dirty.set(true); } data-testid="c-body"></textarea>
            </div>
            <div class="field">
                <label>{move || t().attachments}
                    <input type="file" multiple on:change=on_files data-testid="c-files" />
                </label>
                <p class="hint">{move || t().limit}</p>
                <ul class="attachments" data-testid="c-attachments">
                    {move || carried.get().into_iter().map(|(name, size)| view! {
                        <li data-testid="c-attachment">{name} " " <span class="muted">{crate::components::size_text(size as i64)}</span>
                            " " <button type="button" class="link" on:click=move |_| carried.set(Vec::new())>{move || t().remove}</button></li>
                    }).collect_view()}
                    {move || files.get().into_iter().enumerate().map(|(i, f)| {
                        let size = f.data.len() / 4 * 3;
                        view! {
                            <li data-testid="c-attachment">{f.name.clone()} " " <span class="muted">{crate::components::size_text(size as i64)}</span>
                                " " <button type="button" class="link" on:click=move |_| files.update(|v| { if i < v.len() { v.remove(i); } })>{move || t().remove}</button></li>
                        }
                    }).collect_view()}
                </ul>
                <FieldMsg err=e field="attachments" />
            </div>
            <FormMsg err=e />
            {move || (!refused.get().is_empty()).then(|| view! {
                <p class="form-error" role="alert" data-testid="send-refused">{t().not_sent} " " {refused.get()}</p>
            })}
            {move || (!notice.get().is_empty()).then(|| view! { <p class="notice" data-testid="draft-saved">{notice.get()}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get() data-testid="send">
                    {move || if busy.get() { t().sending } else { t().send }}
                </button>
                <button type="button" disabled=move || busy.get() on:click=move |_| submit(true) data-testid="save-draft">{move || t().save_draft}</button>
                <a href=format!("/mail?account={account}") data-testid="discard">{move || t().discard}</a>
            </div>
        </form>
    }
}
