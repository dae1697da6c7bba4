//! The folder pane: the folders with their unread counts, フォルダの作成
//! and, for a folder of the user's own, 名前の変更 / 削除.
use leptos::prelude::*;

use super::{Screen, folder_label};
use crate::i18n::use_lang;

#[component]
pub(super) fn FolderPane() -> impl IntoView {
    let s = expect_context::<Screen>();
    let lang = use_lang();
    let t = move || lang.get().t().mv();
    let account = s.account;
    let back = move || s.href(&[]);
    let own = move || {
        let current = s.folder();
        s.list.with(|l| {
            l.folders
                .iter()
                .find(|f| f.key == current && !f.name.is_empty())
                .cloned()
        })
    };
    let folders = move || s.list.with(|l| l.folders.clone());
    view! {
        <nav class="folder-pane" data-testid="folder-pane">
            <ul>
                <For each=folders key=|f| (f.key.clone(), f.name.clone(), f.unread) let(f)>
                    {
                        let key = f.key.clone();
                        let href = {
                            let key = key.clone();
                            move || s.href(&[("folder", key.clone()), ("q", String::new())])
                        };
                        let active = {
                            let key = key.clone();
                            move || s.folder() == key
                        };
                        let unread = match f.unread {
                            n if n >= 1000 => "999+".to_owned(),
                            n if n <= 0 => String::new(),
                            n => n.to_string(),
                        };
                        view! {
                            <li class:active=active>
                                <a href=href data-go="" data-testid=format!("folder-{key}") data-folder=key.clone()>
                                    <span class="folder-name">{move || folder_label(t(), &f)}</span>
                                    {(!unread.is_empty()).then(|| view! { <span class="badge" data-testid="unread-count">{unread}</span> })}
                                </a>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form method="post" action="/api/mail_folder" class="folder-new" data-do="folder">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="back" value=back />
                <input name="name" maxlength="100" placeholder=move || t().new_folder data-testid="new-folder-name" />
                <button type="submit" data-testid="new-folder">{move || t().create}</button>
            </form>
            {move || own().map(|f| view! {
                <form method="post" action="/api/mail_folder" class="folder-edit" data-do="folder">
                    <input type="hidden" name="account" value=account />
                    <input type="hidden" name="key" value=f.key.clone() />
                    <input type="hidden" name="back" value=back />
                    <input name="name" maxlength="100" value=f.name.clone() data-testid="folder-rename-name" />
                    <button type="submit" data-testid="folder-rename">{move || t().rename}</button>
                    <button type="submit" name="delete" value="true" class="danger" data-testid="folder-delete"
                        data-confirm=move || t().delete_folder_confirm>{move || t().delete_folder}</button>
                </form>
            })}
        </nav>
    }
}
