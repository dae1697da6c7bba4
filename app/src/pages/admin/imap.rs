//! ウェブメール > ウェブメールIMAPのメールサーバー設定 and 管理者設定 >
//! メールサーバー設定（IMAP）: a form that also works as a plain one before
//! and without the bundle, and a connection test that lists each step (an
//! island of the admin bundle).
use leptos::prelude::*;

use super::AdminFrame;
use crate::api::imap::{ImapServerDto, SaveImapServer, TestImapServer, imap_server};
use crate::components::{FieldMsg, FormMsg, err_of, ok_of, options_html};
use crate::i18n::use_lang;

/// ウェブメールIMAPのメールサーバー設定.
#[component]
pub fn ImapServerPage() -> impl IntoView {
    imap_server_page("webmail")
}

/// 管理者設定's IMAP server (accounts receiving by 管理者設定).
#[component]
pub fn AdminImapServerPage() -> impl IntoView {
    imap_server_page("admin")
}

fn imap_server_page(scope: &'static str) -> impl IntoView {
    let lang = use_lang();
    let data = Resource::new(|| (), move |_| imap_server(scope.to_owned()));
    let title: fn(&'static crate::i18n::Catalogue) -> &'static str = if scope == "admin" {
        |t| t.wm().imap_admin_server
    } else {
        |t| t.wm().imap_server
    };
    view! {
        <AdminFrame title>
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <ImapServerForm d /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

// Only the admin bundle carries it (app/build.rs).
#[cfg_attr(island_admin, island)]
#[cfg_attr(not(island_admin), component)]
fn ImapServerForm(d: ImapServerDto) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().wm();
    let save = ServerAction::<SaveImapServer>::new();
    let test = ServerAction::<TestImapServer>::new();
    let (err, ok) = (err_of(save.value()), ok_of(save));
    let test_err = err_of(test.value());
    let m = lang.get_untracked().t().mail();
    let protections = [
        ("none".to_owned(), m.prot_none.to_owned()),
        ("ssl".to_owned(), m.prot_ssl.to_owned()),
        ("starttls".to_owned(), m.prot_starttls.to_owned()),
        (
            "starttls-noverify".to_owned(),
            m.prot_starttls_noverify.to_owned(),
        ),
    ];
    let oauth = options_html(
        d.oauth_servers
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone())),
        &d.oauth_server_id,
    );
    let no_oauth = d.oauth_servers.is_empty();
    let fields = view! {
        <label>{move || t().f_host} <span class="req">"*"</span>
            <input type="text" name="host" value=d.host.clone() data-testid="imap-host" />
        </label>
        <FieldMsg err field="imap_host" />
        <label>{move || t().f_port}
            <input type="text" name="port" value=d.port.clone() inputmode="numeric" data-testid="imap-port" />
        </label>
        <FieldMsg err field="imap_port" />
        <label>{move || t().f_protection}
            <select name="protection" data-testid="imap-protection" inner_html=options_html(protections, &d.protection)></select>
        </label>
        <fieldset class="radio-group">
            <legend>{move || t().f_auth}</legend>
            <label class="check"><input type="radio" name="auth" value="standard" checked=d.auth != "xoauth2" data-testid="imap-auth-standard" />{move || t().imap_auth_standard}</label>
            <label class=if no_oauth { "check muted" } else { "check" }>
                <input type="radio" name="auth" value="xoauth2" checked=d.auth == "xoauth2" disabled=no_oauth data-testid="imap-auth-xoauth2" />
                {move || if no_oauth { t().auth_xoauth2 } else { "XOAUTH2" }}
            </label>
        </fieldset>
        <label>{move || lang.get().t().oauth().server}
            <select name="oauth_server_id" data-testid="imap-oauth-server" inner_html=oauth></select>
        </label>
        <FieldMsg err field="oauth_server_id" />
        <label>{move || t().f_timeout}
            <input type="number" name="timeout_secs" min="1" max="300" value=d.timeout_secs.clone() data-testid="imap-timeout" />
        </label>
        <FieldMsg err field="timeout_secs" />
    };
    let admin = d.scope == "admin";
    view! {
        <p class="hint">{move || if admin { t().imap_admin_hint } else { t().imap_server_hint }}</p>
        {(!d.updated_at.is_empty()).then(|| view! {
            <p class="muted" data-testid="imap-updated">{move || t().last_saved} "：" {d.updated_at.clone()}</p>
        })}
        <ActionForm action=save attr:class="mail-form" attr:data-testid="imap-server-form">
            <input type="hidden" name="scope" value=d.scope.clone() />
            <fieldset>{fields}</fieldset>
            <FormMsg err />
            {move || ok.get().then(|| view! { <p class="notice" data-testid="imap-saved">{t().saved}</p> })}
            <div class="actions">
                <button type="submit" class="primary" data-testid="imap-save">{move || t().save}</button>
            </div>
        </ActionForm>
        <h2>{move || t().imap_test}</h2>
        <p class="hint">{move || t().imap_test_hint}</p>
        <ActionForm action=test attr:class="mail-form" attr:data-testid="imap-test-form">
            <input type="hidden" name="host" value=d.host.clone() />
            <input type="hidden" name="port" value=d.port.clone() />
            <input type="hidden" name="protection" value=d.protection.clone() />
            <input type="hidden" name="timeout_secs" value=d.timeout_secs.clone() />
            <label>{move || t().imap_test_user}
                <input type="text" name="test_user" autocomplete="off" data-testid="imap-test-user" />
            </label>
            <label>{move || t().imap_test_password}
                <input type="password" name="test_password" autocomplete="new-password" data-testid="imap-test-password" />
            </label>
            <FormMsg err=test_err />
            <div class="actions">
                <button type="submit" data-testid="imap-test">{move || t().imap_test}</button>
            </div>
        </ActionForm>
        {move || test.value().get().and_then(Result::ok).map(|steps| view! {
            <ol class="steps" data-testid="imap-steps">
                {steps.into_iter().map(|s| {
                    let kind = s.kind.clone();
                    view! {
                        <li class=if s.ok { "ok" } else { "ng" } data-step=kind>
                            {if s.ok { "✓ " } else { "✗ " }} <code>{s.kind}</code> " " {s.detail}
                        </li>
                    }
                }).collect_view()}
            </ol>
        })}
    }
}
