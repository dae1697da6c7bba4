//! 作成 / 返信 / 全員に返信 / 転送: the form, files picked from the disk
//! (each uploaded at once, with its progress, under the admin's limit),
//! 送信 through the account's server, 下書き保存 by hand and every 30
//! seconds while the text changes. A refused send shows the server's reply
//! and keeps the message in 下書き.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::compose::*;
use crate::components::{FieldMsg, FormMsg};
use crate::i18n::use_lang;

/// Keys of picked files, unique within the page.
#[cfg(feature = "hydrate")]
static NEXT_KEY: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

#[component]
pub fn ComposePage() -> impl IntoView {
    let lang = use_lang();
    // A plain post that came back: the form as it was sent.
    let posted = use_context::<Posted>();
    if let Some(Posted(f)) = posted {
        return view! { <section class="page compose-page"><ComposeForm f /></section> }.into_any();
    }
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
    // A plain post saved the draft and came back to it (`/mail/send`).
    let saved = move || q.read().get("saved").is_some_and(|v| v == "1");
    view! {
        <section class="page compose-page">
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(f) => {
                            let f = ComposeDto { saved: saved(), ..f };
                            view! { <ComposeForm f /> }.into_any()
                        }
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// A file picked in the form: uploading (`id` none), uploaded, or failed.
#[derive(Clone, Debug, PartialEq)]
struct Picked {
    key: u32,
    name: String,
    size: i64,
    percent: u32,
    id: Option<i64>,
    failed: bool,
}

/// Sends one file to `/mail/upload` with XMLHttpRequest, whose upload
/// events give the progress (fetch has none). `done` gets the HTTP status
/// and the response text.
#[cfg(feature = "hydrate")]
fn upload(
    url: &str,
    file: &web_sys::File,
    progress: impl Fn(u32) + 'static,
    done: impl FnOnce(u16, String) + 'static,
) -> Option<()> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let xhr = web_sys::XmlHttpRequest::new().ok()?;
    xhr.open_with_async("POST", url, true).ok()?;
    xhr.set_request_header("X-Tayori-Upload", "1").ok()?;
    let ct = file.type_();
    let ct = if ct.is_empty() {
        "application/octet-stream"
    } else {
        &ct
    };
    xhr.set_request_header("Content-Type", ct).ok()?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress((e.loaded() / e.total() * 100.0).min(100.0) as u32);
            }
        });
    let up = xhr.upload().ok()?;
    up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let x = xhr.clone();
    let on_end = Closure::once_into_js(move || {
        // The request is over: no more progress events can come.
        up.set_onprogress(None);
        drop(on_progress);
        let status = x.status().unwrap_or(0);
        let text = x.response_text().ok().flatten().unwrap_or_default();
        done(status, text);
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    xhr.send_with_opt_blob(Some(file)).ok()
}

/// The form runs in the browser (uploads with progress, the editor, saving
/// every 30 seconds); only the compose bundle carries it.
#[cfg_attr(island_compose, island)]
#[cfg_attr(not(island_compose), component)]
fn ComposeForm(f: ComposeDto) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().cp();
    let account = f.account;
    let to = RwSignal::new(f.to.clone());
    let cc = RwSignal::new(f.cc.clone());
    let bcc = RwSignal::new(f.bcc.clone());
    let subject = RwSignal::new(f.subject.clone());
    let body = RwSignal::new(f.body.clone());
    // HTML: the editor's markup, kept with its plain text in `body`.
    let html = RwSignal::new(f.html.clone());
    let html_mode = RwSignal::new(!f.html.is_empty());
    let editor = NodeRef::<leptos::html::Div>::new();
    let charset = RwSignal::new(f.charset.clone());
    let draft = RwSignal::new(f.draft);
    let carried = RwSignal::new(f.carried.clone());
    // Files a plain post uploaded before it came back.
    let files = RwSignal::new(
        f.uploaded
            .iter()
            .enumerate()
            .map(|(i, u)| Picked {
                key: u32::MAX - i as u32,
                name: u.name.clone(),
                size: u.size,
                percent: 100,
                id: Some(u.id),
                failed: false,
            })
            .collect::<Vec<_>>(),
    );
    let max_mb = f.max_mb;
    // 送信 and 下書き保存 wait until every picked file is on the server.
    let uploading = Memo::new(move |_| files.read().iter().any(|p| p.id.is_none() && !p.failed));
    let busy = RwSignal::new(false);
    let err = RwSignal::new(f.error.clone());
    let notice = RwSignal::new(if f.saved {
        lang.get_untracked().t().cp().draft_saved.to_owned()
    } else {
        String::new()
    });
    let refused = RwSignal::new(f.refused.clone());
    let dirty = RwSignal::new(false);
    let (reply_to, carry, carry_whole) = (f.reply_to, f.carry, f.carry_whole);
    let submit = move |draft_only: bool| {
        busy.set(true);
        err.set(None);
        refused.set(String::new());
        leptos::task::spawn_local(async move {
            let keep_carry = if carried.get_untracked().is_empty() {
                0
            } else {
                carry
            };
            let message = Outgoing {
                to: to.get_untracked(),
                cc: cc.get_untracked(),
                bcc: bcc.get_untracked(),
                subject: subject.get_untracked(),
                body: body.get_untracked(),
                html: if html_mode.get_untracked() {
                    html.get_untracked()
                } else {
                    String::new()
                },
                charset: charset.get_untracked(),
                reply_to,
                draft: draft.get_untracked(),
                carry: keep_carry,
                carry_whole,
                uploads: files.get_untracked().iter().filter_map(|p| p.id).collect(),
                draft_only,
            };
            let r = send_mail(account, message).await;
            busy.set(false);
            match r {
                Ok(s) if s.sent => {
                    #[cfg(feature = "hydrate")]
                    crate::browser::visit(&format!(
                        "/mail?account={account}&folder=sent&sent={}",
                        if s.not_filed { 2 } else { 1 }
                    ));
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
    let submit2 = submit;
    // 下書き保存 every 30 seconds while something changed.
    #[cfg(feature = "hydrate")]
    {
        leptos::task::spawn_local(async move {
            loop {
                crate::components::sleep_ms(30_000).await;
                if dirty.try_get_untracked() != Some(true) {
                    if dirty.try_get_untracked().is_none() {
                        break;
                    }
                    continue;
                }
                if !busy.get_untracked() && !uploading.get_untracked() {
                    submit(true);
                }
            }
        });
    }
    #[allow(unused_variables)]
    let on_files = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = crate::components::event_input(&ev) else {
                return;
            };
            let Some(list) = input.files() else { return };
            let too_large = || {
                err.set(Some(crate::error::AppError::Invalid(vec![
                    crate::error::FieldErr {
                        field: "attachments".into(),
                        code: "too_large".into(),
                        param: Some(max_mb),
                    },
                ])))
            };
            for i in 0..list.length() {
                let Some(file) = list.get(i) else { continue };
                // The limit is for the whole message: checked before a byte
                // is sent (the server checks again).
                let total: i64 = carried
                    .get_untracked()
                    .iter()
                    .map(|(_, s)| *s as i64)
                    .chain(
                        files
                            .get_untracked()
                            .iter()
                            .filter(|p| !p.failed)
                            .map(|p| p.size),
                    )
                    .sum::<i64>()
                    + file.size() as i64;
                if total > (max_mb as i64) << 20 {
                    too_large();
                    continue;
                }
                err.set(None);
                let key = NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                files.update(|v| {
                    v.push(Picked {
                        key,
                        name: file.name(),
                        size: file.size() as i64,
                        percent: 0,
                        id: None,
                        failed: false,
                    })
                });
                dirty.set(true);
                let set = move |f: &dyn Fn(&mut Picked)| {
                    files.update(|v| v.iter_mut().filter(|p| p.key == key).for_each(f))
                };
                let url = format!(
                    "/mail/upload?account={account}&name={}",
                    js_sys::encode_uri_component(&file.name())
                );
                let started = upload(
                    &url,
                    &file,
                    move |pc| set(&|p| p.percent = pc),
                    move |status, text| match (status, serde_json::from_str::<UploadDto>(&text)) {
                        (200, Ok(u)) => set(&|p| {
                            p.id = Some(u.id);
                            p.percent = 100;
                        }),
                        _ => {
                            set(&|p| p.failed = true);
                            if let Ok(e) = serde_json::from_str::<crate::error::AppError>(&text) {
                                err.set(Some(e));
                            }
                        }
                    },
                );
                if started.is_none() {
                    set(&|p| p.failed = true);
                }
            }
            input.set_value("");
        }
    };
    // The editor's markup and its text go into the signals on every change.
    let editor_changed = move || {
        if let Some(el) = editor.get_untracked() {
            html.set(el.inner_html());
            body.set(el.inner_text());
            dirty.set(true);
        }
    };
    // Text → HTML keeps the lines; HTML → text keeps the editor's text.
    let set_format = move |to_html: bool| {
        if let Some(el) = editor.get_untracked() {
            if to_html {
                let escaped = body
                    .get_untracked()
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('\n', "<br>");
                el.set_inner_html(&escaped);
                html.set(escaped);
            } else {
                body.set(el.inner_text());
            }
        }
        html_mode.set(to_html);
        dirty.set(true);
    };
    #[allow(unused_variables)]
    let format_cmd = move |cmd: &'static str| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let value = if cmd == "createLink" {
                match window().prompt_with_message(t().link_prompt).ok().flatten() {
                    // The server's cleaning drops any other scheme too.
                    Some(u)
                        if ["https://", "http://", "mailto:"]
                            .iter()
                            .any(|p| u.trim().starts_with(p)) =>
                    {
                        u.trim().to_owned()
                    }
                    _ => return,
                }
            } else {
                String::new()
            };
            if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
                let _ = doc.exec_command_with_show_ui_and_value(cmd, false, &value);
            }
            editor_changed();
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
                <input id=format!("f-{field}") name=field list="address-book" autocomplete="off"
                    value=sig.get_untracked() prop:value=move || sig.get()
                    on:input=move |ev| { sig.set(event_target_value(&ev)); dirty.set(true); } data-testid=format!("c-{field}") />
                <FieldMsg err=e field=field />
            </div>
        }
    };
    view! {
        <h1>{title}</h1>
        // Without JavaScript the form posts itself, files and all, to
        // `/mail/send`; with it, the island sends the same fields.
        <form class="compose-form" data-testid="compose-form" method="post" action="/mail/send" enctype="multipart/form-data"
            on:submit=move |ev| { ev.prevent_default(); submit2(false); }>
            <p class="muted" data-testid="c-from">{move || t().from} ": " {f.from.clone()}</p>
            <input type="hidden" name="account" value=account />
            <input type="hidden" name="reply_to" value=reply_to />
            <input type="hidden" name="draft" value=draft.get_untracked() prop:value=move || draft.get() />
            <input type="hidden" name="carry" value=move || if carried.get().is_empty() { 0 } else { carry } />
            <input type="hidden" name="carry_whole" value=carry_whole.to_string() />
            // An HTML draft keeps its markup when the editor cannot run.
            <input type="hidden" name="html" value=f.html.clone() />
            <datalist id="address-book">
                {book.into_iter().map(|a| view! { <option value=a></option> }).collect_view()}
            </datalist>
            {text_input(t().to, "to", to)}
            {text_input(t().cc, "cc", cc)}
            {text_input(t().bcc, "bcc", bcc)}
            <div class="field">
                <label for="f-subject">{move || t().subject}</label>
                <input id="f-subject" name="subject" value=subject.get_untracked() prop:value=move || subject.get()
                    on:input=move |ev| { subject.set(event_target_value(&ev)); dirty.set(true); } data-testid="c-subject" />
                <FieldMsg err=e field="subject" />
            </div>
            <div class="field">
                <label for="f-charset">{move || t().charset}</label>
                <select id="f-charset" name="charset" on:change=move |ev| charset.set(event_target_value(&ev)) data-testid="c-charset">
                    <option value="utf-8" selected=f.charset != "iso-2022-jp">{move || t().utf8}</option>
                    <option value="iso-2022-jp" selected=f.charset == "iso-2022-jp">{move || t().iso2022jp}</option>
                </select>
            </div>
            <div class="field">
                <label for="f-format">{move || t().format}</label>
                <select id="f-format" on:change=move |ev| set_format(event_target_value(&ev) == "html") data-testid="c-format">
                    <option value="text" selected=!html_mode.get_untracked()>{move || t().format_text}</option>
                    <option value="html" selected=html_mode.get_untracked()>{move || t().format_html}</option>
                </select>
            </div>
            <div class="field">
                <label for="f-body">{move || t().body}</label>
                <textarea id="f-body" name="body" rows="16" prop:value=move || body.get() style:display=move || if html_mode.get() { "none" } else { "" }
                    on:input=move |ev| { body.set(event_target_value(&ev)); dirty.set(true); } data-testid="c-body">{f.body.clone()}</textarea>
                <div class="html-compose" style:display=move || if html_mode.get() { "" } else { "none" }>
                    <div class="html-toolbar" role="toolbar" data-testid="c-toolbar">
                        {[("bold", t().bold, "B"), ("italic", t().italic, "I"), ("underline", t().underline, "U"),
                          ("insertUnorderedList", t().bullets, "•"), ("insertOrderedList", t().numbers, "1."),
                          ("createLink", t().link, t().link), ("removeFormat", t().plain, "✕")]
                            .into_iter().map(|(cmd, label, mark)| view! {
                                // mousedown would take the selection out of the editor.
                                <button type="button" title=label aria-label=label class=format!("tb-{cmd}") data-testid=format!("c-{cmd}")
                                    on:mousedown=|ev| ev.prevent_default() on:click=move |_| format_cmd(cmd)>{mark}</button>
                            }).collect_view()}
                    </div>
                    <div class="html-editor" contenteditable="true" role="textbox" aria-multiline="true" node_ref=editor
                        inner_html=f.html.clone() on:input=move |_| editor_changed() data-testid="c-html"></div>
                </div>
            </div>
            <div class="field">
                <label>{move || t().attachments}
                    <input type="file" name="file" multiple on:change=on_files data-testid="c-files" />
                </label>
                <p class="hint">{move || t().limit.replace("{n}", &max_mb.to_string())}</p>
                <ul class="attachments" data-testid="c-attachments">
                    {move || carried.get().into_iter().map(|(name, size)| view! {
                        <li data-testid="c-attachment">{name} " " <span class="muted">{crate::components::size_text(size as i64)}</span>
                            " " <button type="button" class="link" on:click=move |_| carried.set(Vec::new())>{move || t().remove}</button></li>
                    }).collect_view()}
                    <For each=move || files.get() key=|p| (p.key, p.percent, p.id, p.failed) let:p>
                        <li data-testid="c-attachment" data-uploaded=p.id.is_some().to_string()>{p.name.clone()} " "
                            {p.id.map(|id| view! { <input type="hidden" name="upload" value=id /> })}
                            <span class="muted">{crate::components::size_text(p.size)}</span> " "
                            {match (p.id, p.failed) {
                                (_, true) => view! { <span class="form-error" data-testid="c-upload-failed">{t().upload_failed}</span> }.into_any(),
                                (None, false) => view! {
                                    <progress max="100" value=p.percent data-testid="c-upload-progress"
                                        aria-label=format!("{} {}%", t().uploading, p.percent)></progress>
                                    <span class="muted">{format!(" {}%", p.percent)}</span>
                                }.into_any(),
                                (Some(_), false) => ().into_any(),
                            }}
                            " " <button type="button" class="link" on:click=move |_| files.update(|v| v.retain(|x| x.key != p.key))>{move || t().remove}</button></li>
                    </For>
                </ul>
                <FieldMsg err=e field="attachments" />
            </div>
            <FormMsg err=e />
            {move || (!refused.get().is_empty()).then(|| view! {
                <p class="form-error" role="alert" data-testid="send-refused">{t().not_sent} " " {refused.get()}</p>
            })}
            {move || (!notice.get().is_empty()).then(|| view! { <p class="notice" data-testid="draft-saved">{notice.get()}</p> })}
            <div class="actions">
                <button type="submit" name="do" value="send" class="primary" disabled=move || busy.get() || uploading.get() data-testid="send">
                    {move || if busy.get() { t().sending } else { t().send }}
                </button>
                <button type="submit" name="do" value="draft" disabled=move || busy.get() || uploading.get()
                    on:click=move |ev| { ev.prevent_default(); submit(true); } data-testid="save-draft">{move || t().save_draft}</button>
                <a href=format!("/mail?account={account}") data-testid="discard">{move || t().discard}</a>
            </div>
        </form>
    }
}
