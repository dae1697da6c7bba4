//! ウェブメール > 機能管理: ウェブメール設定, 個人アカウント設定 (users by
//! organisation, 利用させる / 利用させない, each user's accounts and quota),
//! アカウントのインポート / エクスポート and メール索引の最適化. Lists and
//! bulk actions are plain forms, so they work before hydration too.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AdminFrame;
use crate::api::webmail::*;
use crate::components::{FieldMsg, FormMsg, err_of, ok_of, options_html};
use crate::i18n::use_lang;
use crate::pages::mail::webmail::AccountList;

/// The index of 機能管理 and ウェブメール設定.
#[component]
pub fn WebmailAdminPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let save = ServerAction::<SaveWebmailSettings>::new();
    let data = Resource::new(|| (), |_| get_webmail_settings());
    let (err, ok) = (err_of(save.value()), ok_of(save));
    view! {
        <AdminFrame title=|t| t.wm().admin_title>
            <ul class="link-list" data-testid="webmail-admin-links">
                <li><a href="/admin/webmail/users" data-testid="wm-users">{move || t().accounts_admin}</a></li>
                <li><a href="/admin/webmail/import" data-testid="wm-import">{move || t().import_export}</a></li>
                <li><a href="/admin/webmail/server" data-testid="wm-server">{move || t().webmail_server}</a></li>
                <li><a href="/admin/webmail/imap-server" data-testid="wm-imap-server">{move || t().imap_server}</a></li>
                <li><a href="/admin/webmail/index" data-testid="wm-index">{move || t().index}</a></li>
            </ul>
            <h2>{move || t().settings}</h2>
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let s = data.await.unwrap_or_default();
                    view! {
                        <ActionForm action=save attr:data-testid="webmail-settings-form">
                            <label class="check">
                                <input type="checkbox" name="allow_user_edit" value="on" checked=s.allow_user_edit data-testid="allow-user-edit" />
                                {move || t().allow_user_edit}
                            </label>
                            <label>
                                {move || t().interval}
                                <input type="number" name="receive_interval_min" min="1" max="1440" value=s.receive_interval_min data-testid="receive-interval" />
                            </label>
                            <p class="hint">{move || t().interval_hint}</p>
                            <FieldMsg err field="receive_interval_min" />
                            <label>
                                {move || t().attachment_max}
                                <input type="number" name="attachment_max_mb" min="1" max="100" value=s.attachment_max_mb data-testid="attachment-max" />
                            </label>
                            <p class="hint">{move || t().attachment_max_hint}</p>
                            <FieldMsg err field="attachment_max_mb" />
                            <fieldset data-testid="own-servers">
                                <legend>{move || t().own_servers}</legend>
                                {[("any", t().own_any), ("listed", t().own_listed), ("none", t().own_none)]
                                    .into_iter()
                                    .map(|(value, label)| view! {
                                        <label class="check">
                                            <input type="radio" name="own_servers" value=value checked=s.own_servers == value attr:data-testid=format!("own-servers-{value}") />
                                            {label}
                                        </label>
                                    })
                                    .collect_view()}
                            </fieldset>
                            <label>
                                {move || t().allowed_hosts}
                                <textarea name="allowed_hosts" rows="3" data-testid="allowed-hosts">{s.allowed_hosts.clone()}</textarea>
                            </label>
                            <p class="hint">{move || t().allowed_hosts_hint}</p>
                            <FieldMsg err field="allowed_hosts" />
                            <label class="check">
                                <input type="checkbox" name="from_any" value="on" checked=s.from_any data-testid="from-any" />
                                {move || t().from_any}
                            </label>
                            <fieldset data-testid="autoconfig-settings">
                                <legend>{move || t().ac_settings}</legend>
                                <label>
                                    {move || t().ac_ispdb}
                                    <input type="url" name="autoconfig_ispdb" value=s.autoconfig_ispdb.clone() data-testid="autoconfig-ispdb" />
                                </label>
                                <p class="hint">{move || crate::components::with_literals(t().ac_ispdb_hint)}</p>
                                <FieldMsg err field="autoconfig_ispdb" />
                                <label class="check">
                                    <input type="checkbox" name="autoconfig_http" value="on" checked=s.autoconfig_http data-testid="autoconfig-http" />
                                    {move || t().ac_http}
                                </label>
                            </fieldset>
                            <FormMsg err ok />
                            <button type="submit" class="primary" data-testid="webmail-settings-save">{move || t().save}</button>
                        </ActionForm>
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

/// 個人アカウント設定 > アカウント設定: users of an organisation with their
/// webmail state; 利用させる / 利用させない for the checked ones.
#[component]
pub fn WebmailUsersPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let q = use_query_map();
    let enable = ServerAction::<WebmailEnable>::new();
    let data = Resource::new(
        move || {
            (
                q.read().get("org").unwrap_or_default(),
                enable.version().get(),
            )
        },
        |(org, _)| webmail_users(org),
    );
    let err = err_of(enable.value());
    view! {
        <AdminFrame title=|t| t.wm().accounts_admin>
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let d = match data.await {
                        Ok(d) => d,
                        Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    };
                    let org = d.org.map(|o| o.to_string()).unwrap_or_default();
                    let options = std::iter::once((String::new(), t().all_orgs.to_owned()))
                        .chain(d.orgs.iter().map(|(id, name)| (id.to_string(), name.clone())));
                    view! {
                        <form method="get" action="/admin/webmail/users" class="row-form" data-testid="org-filter">
                            <label>{move || t().org}
                                <select name="org" data-testid="org-select" inner_html=options_html(options, &org)></select>
                            </label>
                            <button type="submit">{move || t().show}</button>
                        </form>
                        <ActionForm action=enable attr:data-testid="enable-form">
                            <input type="hidden" name="org" value=org.clone() />
                            <div class="table-scroll">
                            <table class="list" data-testid="webmail-users">
                                <thead><tr>
                                    <th></th>
                                    <th>{move || t().col_name}</th>
                                    <th>{move || t().col_account}</th>
                                    <th>{move || t().col_receive}</th>
                                    <th>{move || t().col_use}</th>
                                    <th>{move || t().col_imap}</th>
                                </tr></thead>
                                <tbody>
                                    {d.users.into_iter().map(|u| {
                                        let receive = if !u.last_error.is_empty() {
                                            view! { <span class="field-error">{u.last_error.words(lang.get_untracked().t())}</span> }.into_any()
                                        } else if u.last_received.is_empty() {
                                            view! { <span class="muted">{move || t().never}</span> }.into_any()
                                        } else {
                                            view! { <span>{u.last_received.clone()}</span> }.into_any()
                                        };
                                        let enabled = u.enabled;
                                        let imap = u.imap;
                                        view! {
                                            <tr data-testid="webmail-user" data-login=u.login_id.clone()>
                                                <td><input type="checkbox" name="user_ids[]" value=u.user_id data-testid=format!("pick-{}", u.login_id) /></td>
                                                <td translate="no"><a href=format!("/admin/webmail/users/{}", u.user_id) data-testid="user-accounts-link">{u.name.clone()}</a></td>
                                                <td><span translate="no">{u.account.clone()}</span> {(u.accounts > 1).then(|| format!(" (+{})", u.accounts - 1))}</td>
                                                <td>{receive}</td>
                                                <td data-testid="webmail-use">{move || if enabled { t().in_use } else { t().not_in_use }}</td>
                                                <td data-testid="imap-use">{move || if imap { t().in_use } else { t().not_in_use }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <FieldMsg err field="user_ids" />
                            <FormMsg err />
                            <div class="actions">
                                <button type="submit" name="enable" value="on" class="primary" data-testid="enable">{move || t().enable}</button>
                                <button type="submit" name="enable" value="off" data-testid="disable">{move || t().disable}</button>
                                <button type="submit" name="enable" value="imap-on" data-testid="enable-imap">{move || t().enable_imap}</button>
                                <button type="submit" name="enable" value="imap-off" data-testid="disable-imap">{move || t().disable_imap}</button>
                            </div>
                        </ActionForm>
                    }.into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}

/// One user's accounts and quota, for the admin.
#[component]
pub fn WebmailUserPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let params = use_params_map();
    let user_id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or_default()
    };
    let quota = ServerAction::<SetMailQuota>::new();
    let (q_err, q_ok) = (err_of(quota.value()), ok_of(quota));
    view! {
        <AdminFrame title=|t| t.wm().accounts_admin>
            <p><a href="/admin/webmail/users">{move || t().back}</a></p>
            <AccountList user_id=Signal::derive(user_id) />
            <h2>{move || t().quota}</h2>
            <ActionForm action=quota attr:class="row-form" attr:data-testid="quota-form">
                <input type="hidden" name="user_id" value=user_id />
                <input type="number" name="quota_mb" min="1" data-testid="quota-input" />
                <button type="submit" data-testid="quota-save">{move || t().save}</button>
            </ActionForm>
            <FieldMsg err=q_err field="quota_mb" />
            <FormMsg err=q_err ok=q_ok />
        </AdminFrame>
    }
}

fn encoding_choices(t: &'static crate::i18n::webmail::WebmailTexts) -> Vec<(String, String)> {
    vec![
        ("auto".into(), t.enc_auto.into()),
        ("utf-8".into(), t.enc_utf8.into()),
        ("shift_jis".into(), t.enc_sjis.into()),
    ]
}

/// アカウントのインポート (preview, then commit) and エクスポート.
#[component]
pub fn WebmailImportPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    view! {
        <AdminFrame title=|t| t.wm().import_export>
            <ImportForm />
            <h2>{move || t().export}</h2>
            <p class="hint">{move || t().export_hint}</p>
            <form method="get" action="/admin/webmail/export.csv" class="row-form" data-testid="export-form">
                <label>{move || t().encoding}
                    <select name="encoding" inner_html=move || options_html(encoding_choices(t())[1..].to_vec(), "utf-8")></select>
                </label>
                <button type="submit" data-testid="export">{move || t().export}</button>
            </form>
        </AdminFrame>
    }
}

/// The import: the file is read in the browser, previewed line by line,
/// then committed. Only the admin bundle carries it.
#[cfg_attr(island_admin, island)]
#[cfg_attr(not(island_admin), component)]
fn ImportForm() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let data = RwSignal::new(String::new());
    let encoding = RwSignal::new("auto".to_owned());
    let result = RwSignal::new(None::<Result<ImportDto, crate::error::AppError>>);
    let busy = RwSignal::new(false);
    let run = move |commit: bool| {
        let d = data.get_untracked();
        let enc = encoding.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = import_accounts(d, enc, commit).await;
            result.set(Some(r));
            busy.set(false);
        });
    };
    #[allow(unused_variables)]
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = crate::components::event_input(&ev) else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            result.set(None);
            leptos::task::spawn_local(async move {
                let Some(bytes) = crate::components::file_bytes(&file).await else {
                    return;
                };
                use base64::Engine;
                data.set(base64::engine::general_purpose::STANDARD.encode(&bytes));
            });
        }
    };
    let err = Signal::derive(move || result.get().and_then(|r| r.err()));
    view! {
            <h2>{move || t().import}</h2>
            <p class="hint">{move || t().import_hint}</p>
            <div class="row-form" data-testid="import-form">
                <label>{move || t().file}
                    <input type="file" accept=".csv,text/csv" on:change=on_file data-testid="import-file" />
                </label>
                <label>{move || t().encoding}
                    <select on:change=move |ev| encoding.set(event_target_value(&ev)) data-testid="import-encoding"
                        inner_html=move || options_html(encoding_choices(t()), "auto")></select>
                </label>
                <button type="button" on:click=move |_| run(false) disabled=move || data.get().is_empty() || busy.get() data-testid="import-preview">{move || t().preview}</button>
            </div>
            <FormMsg err />
            {move || result.get().and_then(|r| r.ok()).map(|r| {
                let ok = r.errors.is_empty();
                view! {
                    {if r.committed {
                        view! { <p class="form-ok" data-testid="import-done">{move || t().imported} ": " {move || t().act_add} " " {r.added} " / " {move || t().act_update} " " {r.updated}</p> }.into_any()
                    } else if ok {
                        view! { <p class="notice" data-testid="import-ready">{move || t().import_ready}</p> }.into_any()
                    } else {
                        view! { <p class="form-error" data-testid="import-rejected">{move || t().import_errors}</p> }.into_any()
                    }}
                    {(!ok).then(|| view! {
                        <table class="list" data-testid="import-errors">
                            <thead><tr><th>{move || t().line}</th><th>{move || t().column}</th><th>{move || t().reason}</th></tr></thead>
                            <tbody>
                                {r.errors.iter().map(|(line, col, code, param)| {
                                    let (code, param) = (code.clone(), *param);
                                    view! {
                                        <tr data-testid="import-error">
                                            <td data-testid="import-error-line">{*line}</td>
                                            <td>{col.clone()}</td>
                                            <td>{move || lang.get().t().field_error(&code, param)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    {(ok && !r.committed).then(|| view! {
                        <table class="list" data-testid="import-rows">
                            <thead><tr><th>{move || t().line}</th><th>{move || t().col_name}</th><th>{move || t().col_account}</th><th>{move || t().f_email}</th><th>{move || t().action}</th></tr></thead>
                            <tbody>
                                {r.rows.iter().map(|(line, login, name, account, email, update)| {
                                    let update = *update;
                                    view! {
                                        <tr data-testid="import-row">
                                            <td>{*line}</td>
                                            <td translate="no">{name.clone()} " (" {login.clone()} ")"</td>
                                            <td translate="no">{account.clone()}</td>
                                            <td>{email.clone()}</td>
                                            <td>{move || if update { t().act_update } else { t().act_add }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <button type="button" class="primary" on:click=move |_| run(true) disabled=move || busy.get() data-testid="import-commit">{move || t().commit}</button>
                    })}
                }
            })}
    }
}

/// メール索引の最適化, with its progress.
#[component]
pub fn WebmailIndexPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    view! {
        <AdminFrame title=|t| t.wm().index>
            <p class="hint">{move || t().index_hint}</p>
            <IndexJob />
        </AdminFrame>
    }
}

/// The start button and the progress of the running optimisation, polled
/// from the server. Only the admin bundle carries it.
#[cfg_attr(island_admin, island)]
#[cfg_attr(not(island_admin), component)]
fn IndexJob() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let job = RwSignal::new(IndexJobDto::default());
    let err = RwSignal::new(None::<crate::error::AppError>);
    let poll = move || {
        leptos::task::spawn_local(async move {
            loop {
                match index_status().await {
                    Ok(s) => {
                        let running = s.running;
                        job.set(s);
                        if !running {
                            break;
                        }
                    }
                    Err(e) => {
                        err.set(Some(e));
                        break;
                    }
                }
                crate::components::sleep_ms(400).await;
            }
        });
    };
    Effect::new(move |_| poll());
    let start = move |_| {
        leptos::task::spawn_local(async move {
            match optimize_index().await {
                Ok(s) => {
                    job.set(s);
                    poll();
                }
                Err(e) => err.set(Some(e)),
            }
        });
    };
    view! {
            <button type="button" class="primary" on:click=start disabled=move || job.get().running data-testid="index-start">{move || t().index_start}</button>
            <FormMsg err=Signal::derive(move || err.get()) />
            {move || {
                let j = job.get();
                (j.running || !j.finished_at.is_empty()).then(|| view! {
                    <div class="progress-line" data-testid="index-progress">
                        <progress max=j.total.max(1) value=j.done></progress>
                        <span>{j.done} " / " {j.total}</span>
                        {if j.running {
                            view! { <span>{move || t().index_running}</span> }.into_any()
                        } else if j.error.is_empty() {
                            view! { <span class="form-ok" data-testid="index-done">{move || t().index_done} " " {j.finished_at.clone()}</span> }.into_any()
                        } else {
                            view! { <span class="form-error">{j.error.clone()}</span> }.into_any()
                        }}
                    </div>
                })
            }}
    }
}
