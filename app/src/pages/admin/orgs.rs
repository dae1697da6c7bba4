//! 組織管理: list, create, rename, move, delete when empty.
use leptos::prelude::*;

use super::AdminFrame;
use crate::api::{CreateOrg, DeleteOrg, MoveOrg, OrgDto, RenameOrg, list_orgs};
use crate::components::{FieldMsg, FormMsg, err_of, org_options, org_tree};
use crate::i18n::use_lang;

#[component]
pub fn OrgsPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let create = ServerAction::<CreateOrg>::new();
    // A server-rendered page: each form posts and the server answers with
    // this page again, so the list is read once per render.
    let orgs = Resource::new(|| (), |_| list_orgs());
    let err = err_of(create.value());
    view! {
        <AdminFrame title=|t| t.org_admin>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let orgs = orgs.await.unwrap_or_default();
                    let rows = org_tree(&orgs);
                    let all = StoredValue::new(orgs.clone());
                    view! {
                        <ActionForm action=create attr:class="row-form" attr:data-testid="org-create-form">
                            <label>
                                {move || t().org_name}
                                <input type="text" name="name" maxlength="100" data-testid="org-name" />
                            </label>
                            <label>
                                {move || t().org_parent}
                                <select
                                    name="parent"
                                    data-testid="org-parent"
                                    inner_html=org_options(&orgs, lang.get_untracked().t().org_top_level, None)
                                ></select>
                            </label>
                            <button type="submit" class="primary" data-testid="org-create">
                                {move || t().org_add}
                            </button>
                        </ActionForm>
                        <FieldMsg err field="name" />
                        <FieldMsg err field="parent_id" />
                        <FormMsg err />
                        {if rows.is_empty() {
                            view! { <p data-testid="org-empty">{move || t().org_none_yet}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="org-list" data-testid="org-list">
                                    {rows
                                        .into_iter()
                                        .map(|(o, depth)| view! { <OrgRow org=o depth all /> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

#[component]
fn OrgRow(org: OrgDto, depth: usize, all: StoredValue<Vec<OrgDto>>) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let rename = ServerAction::<RenameOrg>::new();
    let move_ = ServerAction::<MoveOrg>::new();
    let delete = ServerAction::<DeleteOrg>::new();
    let rename_err = err_of(rename.value());
    let move_err = err_of(move_.value());
    let delete_err = err_of(delete.value());
    let (id1, id2, id3) = (org.id.to_string(), org.id.to_string(), org.id.to_string());
    let name = org.name.clone();
    let (name1, name2, name3) = (name.clone(), name.clone(), name);
    let (org_id, parent_id) = (org.id, org.parent_id);
    // A node cannot move under itself: leave it and its subtree out.
    let candidates: Vec<OrgDto> = {
        let all = all.get_value();
        let mut banned = vec![org_id];
        let mut i = 0;
        while i < banned.len() {
            let p = banned[i];
            banned.extend(all.iter().filter(|o| o.parent_id == Some(p)).map(|o| o.id));
            i += 1;
        }
        all.into_iter()
            .filter(|o| !banned.contains(&o.id))
            .collect()
    };
    view! {
        <li class="org-row" style=format!("--depth:{depth}") data-testid="org-row" data-org-id=org_id data-org-name=name1>
            <span class="org-name" data-testid="org-row-name">{name2}</span>
            <ActionForm action=rename attr:class="inline-form">
                <input type="hidden" name="id" value=id1 />
                <input type="text" name="name" value=name3 maxlength="100" data-testid="org-rename-input" aria-label=move || t().org_rename />
                <button type="submit" data-testid="org-rename">{move || t().org_rename}</button>
            </ActionForm>
            <ActionForm action=move_ attr:class="inline-form">
                <input type="hidden" name="id" value=id2 />
                <select
                    name="parent"
                    data-testid="org-move-parent"
                    aria-label=move || t().org_parent
                    inner_html=org_options(&candidates, lang.get_untracked().t().org_top_level, parent_id)
                ></select>
                <button type="submit" data-testid="org-move">{move || t().org_move}</button>
            </ActionForm>
            <ActionForm action=delete attr:class="inline-form">
                <input type="hidden" name="id" value=id3 />
                <button type="submit" class="danger" data-testid="org-delete">{move || t().org_delete}</button>
            </ActionForm>
            <FieldMsg err=rename_err field="name" />
            <FieldMsg err=move_err field="parent_id" />
            <FieldMsg err=delete_err field="id" />
        </li>
    }
}
