//! 管理者設定 > システム設定 > OAuth認可サーバー設定: the list, and one form
//! for 追加 and 編集. The fields of each type (テナント for Microsoft 365,
//! endpoints for 汎用) and its setup guide show by the chosen 種類 through
//! CSS alone, so the form works the same without JavaScript.
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::AdminFrame;
use crate::api::oauth::{
    DeleteOauthServer, OAuthServerDto, SaveOauthServer, get_oauth_server, list_oauth_servers,
};
use crate::components::{FieldMsg, FormMsg, err_of};
use crate::i18n::use_lang;

fn kind_label(t: &crate::i18n::oauth::OAuthTexts, kind: &str) -> &'static str {
    match kind {
        "microsoft" => t.kind_microsoft,
        "google" => t.kind_google,
        _ => t.kind_generic,
    }
}

#[component]
pub fn OAuthServersPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let o = move || lang.get().t().oauth();
    let servers = Resource::new(|| (), |_| list_oauth_servers());
    view! {
        <AdminFrame title=|t| t.oauth().title>
            <p><A href="/admin/oauth/new" attr:class="button primary" attr:data-testid="oauth-add">{move || o().add}</A></p>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let servers = match servers.await {
                        Ok(s) => s,
                        Err(e) => {
                            return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any();
                        }
                    };
                    if servers.is_empty() {
                        return view! { <p data-testid="oauth-empty">{move || o().none_yet}</p> }.into_any();
                    }
                    view! {
                        <table class="list" data-testid="oauth-list">
                            <thead>
                                <tr>
                                    <th>{move || o().name}</th>
                                    <th>{move || o().kind}</th>
                                    <th>{move || o().client_id}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {servers.into_iter().map(|s| view! { <ServerRow s /> }).collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}

#[component]
fn ServerRow(s: OAuthServerDto) -> impl IntoView {
    let lang = use_lang();
    let o = move || lang.get().t().oauth();
    let delete = ServerAction::<DeleteOauthServer>::new();
    let err = err_of(delete.value());
    let kind = s.kind.clone();
    let name = s.name.clone();
    view! {
        <tr data-testid="oauth-row" data-name=s.name>
            <td translate="no"><A href=format!("/admin/oauth/{}", s.id) attr:data-testid="oauth-edit">{name}</A></td>
            <td>{move || kind_label(o(), &kind)}</td>
            <td><code>{s.client_id.clone()}</code></td>
            <td>
                <ActionForm action=delete attr:class="inline-form">
                    <input type="hidden" name="id" value=s.id.to_string() />
                    <button type="submit" class="danger" data-testid="oauth-delete">{move || o().delete}</button>
                </ActionForm>
                <FormMsg err />
            </td>
        </tr>
    }
}

#[component]
pub fn OAuthServerFormPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i32>().ok());
    let page = Resource::new(id, get_oauth_server);
    let save = ServerAction::<SaveOauthServer>::new();
    let err = err_of(save.value());
    view! {
        <AdminFrame title=|t| t.oauth().title>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match page.await {
                        Ok(p) => p,
                        Err(e) => {
                            return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any();
                        }
                    };
                    let s = page.server.unwrap_or_else(|| OAuthServerDto {
                        kind: "microsoft".into(),
                        tenant: "organizations".into(),
                        mechanism: "auto".into(),
                        ..OAuthServerDto::default()
                    });
                    view! { <ServerForm s redirect_uri=page.redirect_uri save err /> }.into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}

#[component]
fn ServerForm(
    s: OAuthServerDto,
    redirect_uri: String,
    save: ServerAction<SaveOauthServer>,
    err: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let o = move || lang.get().t().oauth();
    let id = if s.id == 0 {
        String::new()
    } else {
        s.id.to_string()
    };
    let kinds = ["microsoft", "google", "generic"].map(|k| {
        let checked = s.kind == k;
        view! {
            <label class="check">
                <input type="radio" name="kind" value=k checked=checked data-testid=format!("oauth-kind-{k}") />
                {move || kind_label(o(), k)}
            </label>
        }
    });
    let guide =
        move |class: &'static str,
              lines: fn(&crate::i18n::oauth::OAuthTexts) -> &'static [&'static str]| {
            view! {
                <ol class=format!("hint guide {class}") data-testid=format!("oauth-guide-{class}")>
                    {move || lines(o()).iter().map(|l| view! { <li>{crate::components::with_literals(l)}</li> }).collect_view()}
                </ol>
            }
        };
    let secret_set = s.secret_set;
    let mechanism = s.mechanism.clone();
    let copy_value = redirect_uri.clone();
    view! {
        <ActionForm action=save attr:class="form-grid oauth-form" attr:data-testid="oauth-form">
            <input type="hidden" name="id" value=id />
            <label>
                {move || o().name}
                <input type="text" name="name" value=s.name maxlength="100" data-testid="oauth-name" />
            </label>
            <FieldMsg err field="name" />
            <fieldset class="radio-group">
                <legend>{move || o().kind}</legend>
                {kinds}
            </fieldset>
            <FieldMsg err field="kind" />
            <label class="only-microsoft">
                {move || o().tenant}
                <input type="text" name="tenant" value=s.tenant maxlength="100" data-testid="oauth-tenant" />
                <small class="hint">{move || crate::components::with_literals(o().tenant_hint)}</small>
            </label>
            <FieldMsg err field="tenant" />
            <label>
                {move || o().client_id}
                <input type="text" name="client_id" value=s.client_id maxlength="255" autocomplete="off" data-testid="oauth-client-id" />
            </label>
            <FieldMsg err field="client_id" />
            <label>
                {move || o().client_secret}
                " (" <span data-testid="oauth-secret-state">{move || if secret_set { o().secret_set } else { o().secret_not_set }}</span> ")"
                <input type="password" name="client_secret" autocomplete="new-password" data-testid="oauth-client-secret"
                    placeholder=move || if secret_set { o().secret_keep_hint } else { "" } />
            </label>
            <FieldMsg err field="client_secret" />
            <fieldset class="only-generic">
                <legend>{move || o().endpoints}</legend>
                <label>
                    {move || o().discovery_url}
                    <input type="url" name="discovery_url" value=s.discovery_url data-testid="oauth-discovery-url" />
                    <small class="hint">{move || o().discovery_hint}</small>
                </label>
                <FieldMsg err field="discovery_url" />
                <label>
                    {move || o().authorization_url}
                    <input type="url" name="authorization_url" value=s.authorization_url.clone() data-testid="oauth-authorization-url" />
                </label>
                <FieldMsg err field="authorization_url" />
                <label>
                    {move || o().token_url}
                    <input type="url" name="token_url" value=s.token_url.clone() data-testid="oauth-token-url" />
                </label>
                <FieldMsg err field="token_url" />
                <label>
                    {move || o().revocation_url}
                    <input type="url" name="revocation_url" value=s.revocation_url.clone() data-testid="oauth-revocation-url" />
                </label>
                <FieldMsg err field="revocation_url" />
            </fieldset>
            <label>
                {move || o().scopes}
                <textarea name="scopes" rows="3" data-testid="oauth-scopes">{s.scopes}</textarea>
                <small class="hint">{move || o().scopes_hint}</small>
            </label>
            <FieldMsg err field="scopes" />
            <label>
                {move || o().mechanism}
                <select name="mechanism" data-testid="oauth-mechanism">
                    <option value="auto" selected=mechanism == "auto">{move || o().mech_auto}</option>
                    <option value="xoauth2" selected=mechanism == "xoauth2">"XOAUTH2"</option>
                    <option value="oauthbearer" selected=mechanism == "oauthbearer">"OAUTHBEARER"</option>
                </select>
            </label>
            <FieldMsg err field="mechanism" />
            <label>
                {move || o().redirect_uri}
                <span class="copy-row">
                    <input type="text" readonly value=redirect_uri data-testid="oauth-redirect-uri" />
                    <button type="button" data-copy=copy_value data-testid="oauth-copy">{move || o().copy}</button>
                </span>
                <small class="hint">{move || o().redirect_hint}</small>
            </label>
            {guide("only-microsoft", |o| o.guide_microsoft)}
            {guide("only-google", |o| o.guide_google)}
            {guide("only-generic", |o| o.guide_generic)}
            <FormMsg err />
            <div class="actions">
                <button type="submit" class="primary" data-testid="oauth-save">{move || t().save}</button>
                <A href="/admin/oauth" attr:data-testid="oauth-cancel">{move || t().cancel}</A>
            </div>
        </ActionForm>
    }
}
