//! ウェブメール for its user: the inbox with 「受信」 and its progress bar,
//! アカウント設定 (list, アカウントの追加 / 編集 / 削除, 通常使用するアカウント)
//! and the receive/send logs. The account pages serve admins too.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::webmail::*;
use crate::components::{FieldMsg, FormMsg, OAuthStatus, err_of, options_html};
use crate::i18n::use_lang;

/// The inbox of the chosen account, 「受信」 and the progress of a receive.
#[component]
pub fn MailPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let q = use_query_map();
    let account = q
        .read_untracked()
        .get("account")
        .and_then(|v| v.parse::<i32>().ok());
    let home = Resource::new(|| (), move |_| mail_home(account));
    view! {
        <section class="page mail-page">
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match home.await {
                        Ok(h) if !h.enabled => view! {
                            <h1>{move || t().mail_title}</h1>
                            <p class="notice" data-testid="webmail-disabled">{move || t().webmail_disabled}</p>
                        }.into_any(),
                        Ok(h) => view! { <MailHome h /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MailHome(h: MailHomeDto) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let Some(account) = h.account else {
        return view! {
            <h1>{move || t().mail_title}</h1>
            <p class="notice" data-testid="no-account">{move || t().no_account_yet}</p>
            <p><a href="/mail/accounts" data-testid="my-accounts">{move || t().my_accounts}</a></p>
        }
        .into_any();
    };
    let options = h
        .accounts
        .iter()
        .map(|a| (a.id.to_string(), format!("{} <{}>", a.name, a.email)));
    let quota = if h.quota_mb.is_empty() {
        String::new()
    } else {
        format!(" / {} MB", h.quota_mb)
    };
    view! {
        <div class="mail-toolbar">
            <form method="get" action="/mail" class="inline-form" data-testid="account-switch">
                <select name="account" data-action="submit" data-testid="account-select"
                    inner_html=options_html(options, &account.to_string())></select>
                <noscript><button type="submit">{move || t().show}</button></noscript>
            </form>
            {(!h.imap).then(|| view! { <Receive account state=h.state.clone() /> })}
            <a href=format!("/mail/compose?account={account}") class="button primary" data-testid="compose">{move || lang.get().t().cp().compose}</a>
            <a href="/mail/accounts" data-testid="my-accounts">{move || t().my_accounts}</a>
            {h.has_log.then(|| view! { <a href=format!("/mail/accounts/{account}/log") data-testid="account-log">{move || t().log}</a> })}
            <span class="muted" data-testid="usage">{move || t().used} ": " {crate::components::size_text(h.used_bytes)} {quota.clone()}</span>
        </div>
        <crate::pages::mail::screen::MailView account />
    }
    .into_any()
}

/// 「受信」, the progress bar of a running receive, its error and the time of
/// the last one. A plain form: the server starts the receive and shows the
/// page again. While a receive runs the bar follows the account's row
/// (polled by `enhance::follow_receive` from `data-receive-poll`, so it
/// works whichever process receives) and the page is shown again when it
/// ends: no bundle carries this.
#[component]
fn Receive(account: i32, state: ReceiveDto) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let started = ServerAction::<ReceiveNow>::new();
    let err = err_of(started.value());
    let s = state;
    let running = s.running;
    view! {
        <form method="post" action="/api/receive_now" class="inline-form">
            <input type="hidden" name="account" value=account />
            <button type="submit" class="primary" data-testid="receive" disabled=s.running>
                {move || if running { t().receiving } else { t().receive }}
            </button>
        </form>
        {s.running.then(|| view! {
            <span class="progress-line" data-testid="receive-progress" data-receive-poll=account>
                <progress max=s.total.max(1) value=s.done data-testid="receive-bar"></progress>
                <span data-testid="receive-count">{s.done} " / " {s.total}</span>
            </span>
        })}
        {(!s.running && !s.last_error.is_empty()).then(|| view! {
            <p class="form-error" role="alert" data-testid="receive-error">{s.last_error.words(lang.get_untracked().t())}</p>
        })}
        <FormMsg err />
        <span class="muted">{move || t().last_received} ": "
            <span data-testid="last-received">{if s.last_received.is_empty() { t().never.to_owned() } else { s.last_received.clone() }}</span>
        </span>
    }
}

#[component]
pub fn AccountList(#[prop(into)] user_id: Signal<i32>) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let del = ServerAction::<DeleteAccount>::new();
    let default = ServerAction::<SetDefaultAccount>::new();
    let data = Resource::new(
        move || (user_id.get(), del.version().get(), default.version().get()),
        |(id, _, _)| user_accounts(id),
    );
    let del_err = err_of(del.value());
    let def_err = err_of(default.value());
    view! {
        <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                };
                let owner = d.user_id;
                let may_edit = d.may_edit;
                let quota = if d.quota_mb.is_empty() { t().unlimited.to_owned() } else { format!("{} MB", d.quota_mb) };
                let new_href = if d.is_admin { format!("/mail/accounts/new?owner={owner}") } else { "/mail/accounts/new".to_owned() };
                view! {
                    <h2 data-testid="accounts-owner"><span translate="no">{d.name.clone()}</span> {move || t().accounts_of}</h2>
                    {(!d.enabled).then(|| view! { <p class="notice" data-testid="webmail-off">{move || t().webmail_off}</p> })}
                    <p class="muted" data-testid="usage">{move || t().used} ": " {crate::components::size_text(d.used_bytes)} " / " {quota.clone()}</p>
                    {if d.accounts.is_empty() {
                        view! { <p class="muted" data-testid="no-accounts">{move || t().no_accounts}</p> }.into_any()
                    } else {
                        view! {
                            <table class="list" data-testid="account-list">
                                <thead><tr>
                                    <th>{move || t().col_account}</th>
                                    <th>{move || t().f_email}</th>
                                    <th>{move || t().f_receiving}</th>
                                    <th>{move || t().col_receive}</th>
                                    <th></th>
                                </tr></thead>
                                <tbody>
                                    {d.accounts.iter().map(|a| {
                                        let id = a.id;
                                        view! {
                                            <tr data-testid="account-row" data-name=a.name.clone()>
                                                <td><span translate="no">{a.name.clone()}</span> {a.is_default.then(|| view! { " " <span class="badge" data-testid="default-mark">{move || t().default_account}</span> })}</td>
                                                <td>{a.email.clone()}</td>
                                                <td translate="no">{a.server.clone()}</td>
                                                <td>{if a.last_error.is_empty() { a.last_received.clone() } else { a.last_error.words(lang.get_untracked().t()) }}</td>
                                                <td>
                                                    {may_edit.then(|| view! {
                                                        <a href=format!("/mail/accounts/{id}") data-testid="account-edit">{move || t().edit}</a>
                                                        " "
                                                        <ActionForm action=del attr:class="inline-form">
                                                            <input type="hidden" name="owner" value=owner />
                                                            <input type="hidden" name="id" value=id />
                                                            <button type="submit" class="link-button" data-testid="account-delete" data-confirm=t().delete_confirm>{move || t().delete}</button>
                                                        </ActionForm>
                                                    })}
                                                    " "
                                                    <a href=format!("/mail/accounts/{id}/log") data-testid="account-log">{move || t().log}</a>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <FormMsg err=del_err />
                            {(d.accounts.len() > 1).then(|| {
                                let options: Vec<(String, String)> = d.accounts.iter().map(|a| (a.id.to_string(), a.name.clone())).collect();
                                let current = d.accounts.iter().find(|a| a.is_default).map(|a| a.id.to_string()).unwrap_or_default();
                                view! {
                                    <h3>{move || t().change_default}</h3>
                                    <ActionForm action=default attr:class="row-form" attr:data-testid="default-form">
                                        <input type="hidden" name="owner" value=owner />
                                        <select name="id" data-testid="default-select" inner_html=options_html(options, &current)></select>
                                        <button type="submit" data-testid="default-save">{move || t().save}</button>
                                    </ActionForm>
                                    <FormMsg err=def_err />
                                }
                            })}
                        }.into_any()
                    }}
                    {may_edit.then(|| view! { <p><a href=new_href.clone() class="button" data-testid="account-add">{move || t().add_account}</a></p> })}
                }.into_any()
            })}
        </Transition>
    }
}

/// The user's own アカウント設定.
#[component]
pub fn MyAccountsPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let me = crate::use_me();
    let user_id = Signal::derive(move || me.get().map(|m| m.id).unwrap_or_default());
    view! {
        <section class="page">
            <h1>{move || t().my_accounts}</h1>
            <p><a href="/mail">{move || t().mail_title}</a></p>
            <AccountList user_id />
        </section>
    }
}

/// アカウントの追加 (`/mail/accounts/new`, `?owner=` for an admin adding
/// for someone) and アカウントの編集 (`/mail/accounts/:id`).
#[component]
pub fn AccountFormPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let q = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").and_then(|v| v.parse::<i32>().ok()),
                q.read().get("owner").and_then(|v| v.parse::<i32>().ok()),
            )
        },
        |(id, owner)| account_form(id, owner),
    );
    view! {
        <section class="page">
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(f) => {
                            let oauth_result = q.read_untracked().get("oauth").unwrap_or_default();
                            view! { <AccountForm back=account_back(&f) f oauth_result /> }.into_any()
                        }
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

type Label = fn(&'static crate::i18n::webmail::WebmailTexts) -> &'static str;

/// A radio choice of where a server's settings come from.
fn source_radios(
    name: &'static str,
    current: String,
    (admin, webmail): (SharedServerDto, SharedServerDto),
    imap: Option<(SharedServerDto, SharedServerDto)>,
    own: bool,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let choices: [(&'static str, Label, SharedServerDto); 3] = [
        ("admin", |t| t.src_admin, admin),
        ("webmail", |t| t.src_webmail, webmail),
        ("own", |t| t.src_own, SharedServerDto::default()),
    ];
    // The receiving choices of an IMAP account name its IMAP servers; the
    // form shows one set or the other by the chosen 種類 (CSS).
    let imap_of = move |value: &str| match (&imap, value) {
        (Some((a, _)), "admin") => Some(a.clone()),
        (Some((_, w)), "webmail") => Some(w.clone()),
        _ => None,
    };
    // An account already on its own servers keeps showing that choice.
    let own = own || current == "own";
    view! {
        <fieldset class="radio-group">
            {choices.into_iter().filter(|c| own || c.0 != "own").map(|(value, label, server)| {
                let shows_server = value != "own";
                view! {
                    <label class="check">
                        <input type="radio" name=name value=value checked=current == value
                            data-testid=format!("{name}-{value}") />
                        {match imap_of(value) {
                            Some(_) if value == "webmail" => view! {
                                <span class="pop-only">{move || label(t())}</span>
                                <span class="imap-only">{move || t().src_webmail_imap}</span>
                            }.into_any(),
                            _ => view! { {move || label(t())} }.into_any(),
                        }}
                        {shows_server.then(|| {
                            let s = server.clone();
                            // The host is the server's name, not words of the page.
                            let shown = move |s: &SharedServerDto| if s.at.is_empty() {
                                leptos::either::Either::Left(t().not_set)
                            } else {
                                let label = lang.get().t().mail().protection(&s.protection);
                                leptos::either::Either::Right(view! { <span translate="no">{s.at.clone()}</span> " (" {label} ")" })
                            };
                            match imap_of(value) {
                                Some(i) => view! {
                                    " " <small class="muted pop-only">{move || shown(&s)}</small>
                                    <small class="muted imap-only">{move || shown(&i)}</small>
                                }.into_any(),
                                None => view! { " " <small class="muted">{move || shown(&s)}</small> }.into_any(),
                            }
                        })}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

fn protection_options(pop: bool, m: &crate::i18n::mail_server::MailTexts) -> Vec<(String, String)> {
    let mut v = vec![
        ("none".to_owned(), m.prot_none.to_owned()),
        ("ssl".to_owned(), m.prot_ssl.to_owned()),
        ("starttls".to_owned(), m.prot_starttls.to_owned()),
    ];
    if !pop {
        v.push((
            "starttls-noverify".to_owned(),
            m.prot_starttls_noverify.to_owned(),
        ));
    }
    v
}

/// 種類: ウェブメール (POP) or ウェブメールIMAP, as 機能管理 allows the
/// owner; an existing account keeps its kind.
fn kind_radios(f: &AccountFormDto) -> impl IntoView + use<> {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let fixed = f.id.is_some();
    let kinds: [(&'static str, Label, bool); 2] = [
        ("pop", |t| t.kind_pop, f.pop_offered),
        ("imap", |t| t.kind_imap, f.imap_offered),
    ];
    let current = if f.kind == "imap" { "imap" } else { "pop" };
    view! {
        <fieldset class="radio-group kind" data-testid="f-kind">
            <legend>{move || t().f_kind}</legend>
            {kinds.into_iter().filter(|(v, _, offered)| *offered || *v == current).map(|(value, label, _)| view! {
                <label class="check">
                    <input type="radio" name="kind" value=value checked=current == value
                        disabled=fixed && current != value data-testid=format!("f-kind-{value}") />
                    {move || label(t())}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// A plain form: the server redirects a saved account to its list. The
/// server fields of 自分で指定 and 保存期間 show and hide by CSS
/// (`.account-form` in main.css), so no bundle carries the form.
#[component]
fn AccountForm(
    f: AccountFormDto,
    /// 戻る: the list this account belongs on.
    back: String,
    /// `ok` or `failed` after the authorization server sent the browser back.
    oauth_result: String,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let save = ServerAction::<SaveAccount>::new();
    let err = err_of(save.value());
    let pw_hint = move |set: bool| if set { t().f_password_keep } else { "" };
    let (pop_set, smtp_set) = (f.pop_password_set, f.smtp_password_set);
    let delete_now_ok = f.delete_now_ok;
    let title = if f.id.is_some() {
        t().edit_account
    } else {
        t().add_account
    };
    let o = move || lang.get().t().oauth();
    let no_oauth = f.oauth_servers.is_empty();
    let oauth_options = options_html(
        f.oauth_servers
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone())),
        &f.oauth_server_id,
    );
    let signed_in = f.oauth.as_ref().is_some_and(|g| !g.needs_reauth);
    let proto = move |name: &'static str, current: &str, pop: bool, testid: &'static str| {
        view! { <select name=name data-testid=testid inner_html=options_html(protection_options(pop, lang.get_untracked().t().mail()), current)></select> }
    };
    let yes_no = move |name: &'static str, on: bool, testid: &'static str| {
        view! {
            <span class="radio-inline">
                <label class="check"><input type="radio" name=name value="" checked=!on data-testid=format!("{testid}-off") />{move || t().log_off}</label>
                <label class="check"><input type="radio" name=name value="on" checked=on data-testid=format!("{testid}-on") />{move || t().log_on}</label>
            </span>
        }
    };
    let kinds = kind_radios(&f);
    view! {
        <h1 data-testid="page-title">{title}</h1>
        <p class="muted" data-testid="form-owner" translate="no">{f.owner_name.clone()}</p>
        <ActionForm action=save attr:class="mail-form account-form" attr:data-testid="account-form">
            <input type="hidden" name="owner" value=f.owner />
            {f.id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <fieldset>
                <label>{move || t().f_name} <span class="req">"*"</span>
                    <input type="text" name="name" value=f.name.clone() maxlength="100" required data-testid="f-name" />
                </label>
                <FieldMsg err field="name" />
                <label>{move || t().f_display}
                    <input type="text" name="display_name" value=f.display_name.clone() maxlength="100" data-testid="f-display" />
                </label>
                <FieldMsg err field="display_name" />
                <label>{move || t().f_email} <span class="req">"*"</span>
                    <input type="email" name="email" value=f.email.clone() required data-testid="f-email" />
                </label>
                <FieldMsg err field="email" />
                <div class="field">{move || t().f_log_receive} {yes_no("log_receive", f.log_receive, "f-log-receive")}</div>
                <div class="field">{move || t().f_log_send} {yes_no("log_send", f.log_send, "f-log-send")}</div>
            </fieldset>
            <fieldset data-testid="receiving">
                <legend>{move || t().f_receiving}</legend>
                {f.own_offered.then(|| view! { <super::lookup::AccountLookup /> })}
                {kinds}
                <FieldMsg err field="kind" />
                {source_radios("recv_source", f.recv_source.clone(), (f.admin_pop.clone(), f.webmail_pop.clone()), Some((f.admin_imap.clone(), f.webmail_imap.clone())), f.own_offered)}
                <FieldMsg err field="recv_source" />
                <div class="own-server imap-only" data-testid="own-imap">
                    <label>{move || t().f_host}<input type="text" name="imap_host" value=f.imap_host.clone() data-testid="f-imap-host" /></label>
                    <FieldMsg err field="imap_host" />
                    <label>{move || t().f_port}<input type="text" name="imap_port" value=f.imap_port.clone() inputmode="numeric" data-testid="f-imap-port" /></label>
                    <FieldMsg err field="imap_port" />
                    <label>{move || t().f_protection}{proto("imap_protection", &f.imap_protection, false, "f-imap-protection")}</label>
                    <FieldMsg err field="imap_protection" />
                </div>
                <div class="own-server pop-only" data-testid="own-pop">
                    <label>{move || t().f_host}<input type="text" name="pop_host" value=f.pop_host.clone() data-testid="f-pop-host" /></label>
                    <FieldMsg err field="pop_host" />
                    <label>{move || t().f_port}<input type="text" name="pop_port" value=f.pop_port.clone() inputmode="numeric" data-testid="f-pop-port" /></label>
                    <FieldMsg err field="pop_port" />
                    <label>{move || t().f_protection}{proto("pop_protection", &f.pop_protection, true, "f-pop-protection")}</label>
                    <FieldMsg err field="pop_protection" />
                </div>
                <label>{move || t().f_user} <span class="req">"*"</span>
                    <input type="text" name="pop_user" value=f.pop_user.clone() autocomplete="off" data-testid="f-pop-user" />
                </label>
                <FieldMsg err field="pop_user" />
                <label>{move || t().f_password}
                    <input type="password" name="pop_password" autocomplete="new-password" placeholder=move || pw_hint(pop_set) data-testid="f-pop-password" />
                </label>
                <FieldMsg err field="pop_password" />
                <fieldset class="radio-group">
                    <legend>{move || t().f_auth}</legend>
                    <label class="check"><input type="radio" name="pop_auth" value="standard" checked=f.pop_auth != "apop" data-testid="f-auth-standard" />{move || t().auth_standard}</label>
                    <label class="check pop-only"><input type="radio" name="pop_auth" value="apop" checked=f.pop_auth == "apop" data-testid="f-auth-apop" />{move || t().auth_apop}</label>
                    <label class=if no_oauth { "check muted" } else { "check" }>
                        <input type="radio" name="pop_auth" value="xoauth2" checked=f.pop_auth == "xoauth2" disabled=no_oauth data-testid="f-auth-xoauth2" />
                        {move || if no_oauth { t().auth_xoauth2 } else { "XOAUTH2" }}
                    </label>
                </fieldset>
                <FieldMsg err field="pop_auth" />
                // Shown (by CSS) while receiving or sending uses XOAUTH2.
                <div class="account-oauth" data-testid="account-oauth">
                    <label>{move || o().server}
                        <select name="oauth_server_id" data-testid="f-oauth-server" inner_html=oauth_options></select>
                    </label>
                    <FieldMsg err field="oauth_server_id" />
                    {match f.id {
                        Some(_) => view! {
                            <OAuthStatus status=f.oauth.clone() result=oauth_result.clone() />
                            <button type="submit" form="oauth-start" data-testid="oauth-sign-in">
                                {move || if signed_in { o().sign_in_again } else { o().sign_in }}
                            </button>
                        }.into_any(),
                        None => view! { <p class="hint">{move || t().oauth_after_save}</p> }.into_any(),
                    }}
                </div>
                <label>{move || t().f_timeout}
                    <input type="number" name="timeout_secs" min="1" max="300" value=f.timeout_secs.clone() data-testid="f-timeout" />
                </label>
                <FieldMsg err field="timeout_secs" />
                <div class="imap-only" data-testid="imap-folders">
                    <label>{move || t().f_imap_sent}
                        <input type="text" name="imap_sent" value=f.imap_sent.clone() data-testid="f-imap-sent" />
                    </label>
                    <FieldMsg err field="imap_sent" />
                    <label>{move || t().f_imap_drafts}
                        <input type="text" name="imap_drafts" value=f.imap_drafts.clone() data-testid="f-imap-drafts" />
                    </label>
                    <FieldMsg err field="imap_drafts" />
                    <label>{move || t().f_imap_trash}
                        <input type="text" name="imap_trash" value=f.imap_trash.clone() data-testid="f-imap-trash" />
                    </label>
                    <FieldMsg err field="imap_trash" />
                    <p class="hint">{move || t().f_imap_folder_hint}</p>
                    <label class="check">
                        <input type="checkbox" name="server_files_sent" value="on" checked=f.server_files_sent data-testid="f-server-files-sent" />
                        {move || t().f_server_files_sent}
                    </label>
                </div>
                <div class="pop-only">
                    <h3>{move || t().f_other}</h3>
                    <label class="check">
                        <input type="checkbox" name="leave_on_server" value="on" checked=f.leave_on_server data-testid="f-leave" />
                        {move || t().f_leave}
                    </label>
                    <label class="leave-days">{move || t().f_leave_days}
                        <input type="number" name="leave_days" min="0" max="3650" value=f.leave_days.clone() data-testid="f-leave-days" />
                    </label>
                    <p class="hint">{move || t().f_leave_days_hint}</p>
                    <FieldMsg err field="leave_days" />
                    // Asked for once 0 days was refused for want of it (or
                    // kept when 0 days was saved before).
                    {move || {
                        let asked = err.get().and_then(|e| e.field("leave_days").cloned())
                            .is_some_and(|e| e.code == "confirm_delete_now");
                        (asked || delete_now_ok).then(|| view! {
                            <label class="check confirm-now">
                                <input type="checkbox" name="delete_now_ok" value="on" checked=delete_now_ok data-testid="f-delete-now-ok" />
                                {move || t().f_delete_now_ok}
                            </label>
                        })
                    }}
                </div>
            </fieldset>
            <fieldset data-testid="sending">
                <legend>{move || t().f_sending}</legend>
                {source_radios("send_source", f.send_source.clone(), (f.admin_smtp.clone(), f.webmail_smtp.clone()), None, f.own_offered)}
                <FieldMsg err field="send_source" />
                <div class="own-server" data-testid="own-smtp">
                    <label>{move || t().f_host}<input type="text" name="smtp_host" value=f.smtp_host.clone() data-testid="f-smtp-host" /></label>
                    <FieldMsg err field="smtp_host" />
                    <label>{move || t().f_port}<input type="text" name="smtp_port" value=f.smtp_port.clone() inputmode="numeric" data-testid="f-smtp-port" /></label>
                    <FieldMsg err field="smtp_port" />
                    <label>{move || t().f_protection}{proto("smtp_protection", &f.smtp_protection, false, "f-smtp-protection")}</label>
                    <FieldMsg err field="smtp_protection" />
                </div>
                <label>{move || t().f_send_auth}
                    <select name="smtp_auth" data-testid="f-smtp-auth" inner_html=options_html([
                        ("none".to_owned(), t().send_none.to_owned()),
                        ("pop-before-smtp".to_owned(), t().send_pop.to_owned()),
                        ("smtp".to_owned(), t().send_smtp.to_owned()),
                        ("xoauth2".to_owned(), "XOAUTH2".to_owned()),
                    ], &f.smtp_auth)></select>
                </label>
                <FieldMsg err field="smtp_auth" />
                <label>{move || t().f_mechanism}
                    <select name="smtp_mechanism" data-testid="f-smtp-mechanism" inner_html=options_html([
                        ("standard".to_owned(), t().auth_standard.to_owned()),
                        ("cram-md5".to_owned(), "CRAM-MD5".to_owned()),
                        ("login".to_owned(), "LOGIN".to_owned()),
                        ("plain".to_owned(), "PLAIN".to_owned()),
                    ], &f.smtp_mechanism)></select>
                </label>
                <label>{move || t().f_smtp_user}
                    <input type="text" name="smtp_user" value=f.smtp_user.clone() autocomplete="off" data-testid="f-smtp-user" />
                </label>
                <FieldMsg err field="smtp_user" />
                <label>{move || t().f_smtp_password}
                    <input type="password" name="smtp_password" autocomplete="new-password" placeholder=move || pw_hint(smtp_set) data-testid="f-smtp-password" />
                </label>
                <FieldMsg err field="smtp_password" />
            </fieldset>
            <FormMsg err />
            <div class="actions">
                <button type="submit" class="primary" data-testid="account-save">{move || t().save}</button>
                <a href=back>{move || t().back}</a>
            </div>
        </ActionForm>
        // [認証]: the browser leaves for the authorization server's login.
        {f.id.map(|id| view! {
            <form id="oauth-start" method="post" action="/oauth/start" data-reload hidden>
                <input type="hidden" name="owner" value=format!("account:{id}") />
                <input type="hidden" name="server_id" value=f.oauth_server_id.clone() />
            </form>
        })}
    }
}

/// The form is the admin's when they edit someone else's account.
/// An admin editing someone else's account returns to that user's page.
fn account_back(f: &AccountFormDto) -> String {
    let other = crate::use_me()
        .get_untracked()
        .is_some_and(|m| m.id != f.owner);
    if f.is_admin && other {
        format!("/admin/webmail/users/{}", f.owner)
    } else {
        "/mail/accounts".to_owned()
    }
}

/// 受信時のログ / 送信時のログ of an account.
#[component]
pub fn AccountLogPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|v| v.parse::<i32>().ok())
                .unwrap_or_default()
        },
        account_log,
    );
    view! {
        <section class="page">
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let l = match data.await {
                        Ok(l) => l,
                        Err(e) => return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    };
                    let block = move |title: &'static str, on: bool, text: String, testid: &'static str| view! {
                        <h2>{title}</h2>
                        {if !on {
                            view! { <p class="muted">{move || t().log_disabled}</p> }.into_any()
                        } else if text.is_empty() {
                            view! { <p class="muted">{move || t().log_empty}</p> }.into_any()
                        } else {
                            view! { <pre class="pre protocol-log" data-testid=testid>{text}</pre> }.into_any()
                        }}
                    };
                    view! {
                        <h1>{l.account.clone()} " — " {move || t().log}</h1>
                        <p class="hint">{move || t().log_masked}</p>
                        {block(t().receive_log, l.log_receive, l.receive_log.clone(), "receive-log")}
                        {block(t().send_log, l.log_send, l.send_log.clone(), "send-log")}
                        <p><a href="/mail">{move || t().mail_title}</a></p>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
