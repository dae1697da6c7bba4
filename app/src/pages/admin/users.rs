//! ユーザー管理: list by organisation, create, edit, disable, reset password.
use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::AdminFrame;
use crate::api::{
    CreateUser, OrgDto, ResetPassword, UpdateUser, UserDto, get_user, list_orgs, list_users,
};
use crate::components::{
    FieldMsg, FormMsg, err_of, indent, ok_of, options_html, org_options, org_tree,
};
use crate::i18n::use_lang;

fn org_name(orgs: &[OrgDto], id: Option<i32>) -> String {
    id.and_then(|id| orgs.iter().find(|o| o.id == id))
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let query = use_query_map();
    let org = move || query.read().get("org").unwrap_or_default();
    let data = Resource::new(org, |org| async move {
        let orgs = list_orgs().await?;
        let users = list_users(org).await?;
        Ok::<_, crate::error::AppError>((orgs, users))
    });
    view! {
        <AdminFrame title=|t| t.user_admin>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let result = data.await;
                    let (orgs, users) = match result {
                        Ok(v) => v,
                        Err(e) => {
                            return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any();
                        }
                    };
                    let current = org();
                    let t0 = lang.get_untracked().t();
                    let filter_options = options_html(
                        [
                            (String::new(), t0.user_all_orgs.to_owned()),
                            ("none".to_owned(), t0.user_no_org.to_owned()),
                        ]
                        .into_iter()
                        .chain(org_tree(&orgs).into_iter().map(|(o, d)| (o.id.to_string(), indent(&o.name, d)))),
                        &current,
                    );
                    view! {
                        <div class="toolbar">
                            <Form method="GET" action="/admin/users" attr:class="inline-form">
                                <label>
                                    {move || t().org_select}
                                    <select
                                        name="org"
                                        data-testid="user-org-filter"
                                        data-action="submit"
                                        inner_html=filter_options
                                    ></select>
                                </label>
                                <button type="submit" data-testid="user-org-filter-submit">{move || t().show}</button>
                            </Form>
                            <A href="/admin/users/new" attr:class="button primary" attr:data-testid="user-add">
                                {move || t().user_add}
                            </A>
                        </div>
                        {if users.is_empty() {
                            view! { <p data-testid="user-empty">{move || t().user_none}</p> }.into_any()
                        } else {
                            let orgs = StoredValue::new(orgs);
                            view! {
                                <table class="list" data-testid="user-table">
                                    <thead>
                                        <tr>
                                            <th>{move || t().login_id}</th>
                                            <th>{move || t().user_name}</th>
                                            <th class="wide-only">{move || t().user_email}</th>
                                            <th class="wide-only">{move || t().user_org}</th>
                                            <th>{move || t().user_role}</th>
                                            <th>{move || t().user_status}</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {users.into_iter().map(|u: UserDto| {
                                            let href = format!("/admin/users/{}", u.id);
                                            view! {
                                                <tr data-testid="user-row" data-login-id=u.login_id.clone()>
                                                    <td translate="no">{u.login_id.clone()}</td>
                                                    <td translate="no" data-testid="user-row-name">{u.name.clone()}</td>
                                                    <td class="wide-only" translate="no">{u.email.clone()}</td>
                                                    <td class="wide-only">{orgs.with_value(|o| org_name(o, u.organisation_id))}</td>
                                                    <td>{move || if u.is_admin { t().role_admin } else { t().role_user }}</td>
                                                    <td>{move || if u.disabled { t().user_disabled } else { t().user_active }}</td>
                                                    <td><A href=href attr:data-testid="user-edit">{move || t().edit}</A></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}

/// Role and language selects shared by the create and edit forms.
fn role_select(is_admin: bool) -> impl IntoView + use<> {
    let lang = use_lang();
    let t = move || lang.get().t();
    view! {
        <label>
            {move || t().user_role}
            <select name="role" data-testid="user-role">
                <option value="user" selected=!is_admin>{move || t().role_user}</option>
                <option value="admin" selected=is_admin>{move || t().role_admin}</option>
            </select>
        </label>
    }
}

fn language_select(current: &str) -> impl IntoView + use<> {
    let lang = use_lang();
    let ja = current != "en";
    view! {
        <label>
            {move || lang.get().t().user_language}
            <select name="language" data-testid="user-language">
                <option value="ja" selected=ja>"日本語"</option>
                <option value="en" selected=!ja>"English"</option>
            </select>
        </label>
    }
}

#[component]
pub fn UserNewPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let create = ServerAction::<CreateUser>::new();
    let err = err_of(create.value());
    let orgs = Resource::new(|| (), |_| list_orgs());
    view! {
        <AdminFrame title=|t| t.user_add>
            <Suspense fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let orgs = orgs.await.unwrap_or_default();
                    view! {
                        <ActionForm action=create attr:class="form-grid" attr:data-testid="user-create-form">
                            <label>
                                {move || t().login_id} <span class="req">{move || t().required_mark}</span>
                                <input type="text" name="login_id" maxlength="64" autocomplete="off" data-testid="user-login-id" />
                            </label>
                            <FieldMsg err field="login_id" />
                            <label>
                                {move || t().user_name} <span class="req">{move || t().required_mark}</span>
                                <input type="text" name="name" maxlength="100" data-testid="user-name-input" />
                            </label>
                            <FieldMsg err field="name" />
                            <label>
                                {move || t().user_email}
                                <input type="text" name="email" inputmode="email" maxlength="254" data-testid="user-email" />
                            </label>
                            <FieldMsg err field="email" />
                            <label>
                                {move || t().user_initial_password} <span class="req">{move || t().required_mark}</span>
                                <input type="password" name="password" autocomplete="new-password" data-testid="user-password" />
                            </label>
                            <FieldMsg err field="password" />
                            <label>
                                {move || t().user_org}
                                <select
                                    name="organisation"
                                    data-testid="user-org"
                                    inner_html=org_options(&orgs, lang.get_untracked().t().user_no_org, None)
                                ></select>
                            </label>
                            <FieldMsg err field="organisation_id" />
                            {role_select(false)}
                            <FieldMsg err field="role" />
                            {language_select("ja")}
                            <FormMsg err />
                            <div class="actions">
                                <button type="submit" class="primary" data-testid="user-save">{move || t().save}</button>
                                <A href="/admin/users" attr:data-testid="user-cancel">{move || t().cancel}</A>
                            </div>
                        </ActionForm>
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
pub fn UserEditPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let data = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| async move {
            let user = get_user(id).await?;
            let orgs = list_orgs().await?;
            Ok::<_, crate::error::AppError>((user, orgs))
        },
    );
    let err = err_of(update.value());
    let ok = ok_of(update);
    let reset_err = err_of(reset.value());
    let reset_ok = ok_of(reset);
    view! {
        <AdminFrame title=|t| t.user_edit>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let (u, orgs) = match data.await {
                        Ok(v) => v,
                        Err(e) => {
                            return view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any();
                        }
                    };
                    let uid = u.id.to_string();
                    let uid2 = uid.clone();
                    view! {
                        <p class="login-id-display" data-testid="user-login-id-display">{move || t().login_id} ": " <span translate="no">{u.login_id.clone()}</span></p>
                        <ActionForm action=update attr:class="form-grid" attr:data-testid="user-edit-form">
                            <input type="hidden" name="id" value=uid />
                            <label>
                                {move || t().user_name} <span class="req">{move || t().required_mark}</span>
                                <input type="text" name="name" value=u.name.clone() maxlength="100" data-testid="user-name-input" />
                            </label>
                            <FieldMsg err field="name" />
                            <label>
                                {move || t().user_email}
                                <input type="text" name="email" value=u.email.clone() inputmode="email" maxlength="254" data-testid="user-email" />
                            </label>
                            <FieldMsg err field="email" />
                            <label>
                                {move || t().user_org}
                                <select
                                    name="organisation"
                                    data-testid="user-org"
                                    inner_html=org_options(&orgs, lang.get_untracked().t().user_no_org, u.organisation_id)
                                ></select>
                            </label>
                            <FieldMsg err field="organisation_id" />
                            {role_select(u.is_admin)}
                            <FieldMsg err field="role" />
                            {language_select(&u.language)}
                            <label class="check">
                                <input type="checkbox" name="disabled" value="on" checked=u.disabled data-testid="user-disabled" />
                                {move || t().user_disabled}
                            </label>
                            <FieldMsg err field="disabled" />
                            <FormMsg err ok />
                            <div class="actions">
                                <button type="submit" class="primary" data-testid="user-save">{move || t().save}</button>
                                <A href="/admin/users" attr:data-testid="user-back">{move || t().back_to_list}</A>
                            </div>
                        </ActionForm>
                        <h2>{move || t().user_reset_password}</h2>
                        <ActionForm action=reset attr:class="row-form" attr:data-testid="user-reset-form">
                            <input type="hidden" name="id" value=uid2 />
                            <label>
                                {move || t().new_password}
                                <input type="password" name="password" autocomplete="new-password" data-testid="user-reset-password" />
                            </label>
                            <button type="submit" data-testid="user-reset-submit">{move || t().user_reset_password}</button>
                        </ActionForm>
                        <FieldMsg err=reset_err field="password" />
                        <FormMsg err=reset_err ok=reset_ok ok_text=|t| t.user_reset_done />
                    }.into_any()
                })}
            </Transition>
        </AdminFrame>
    }
}
