//! 管理者設定: 運用設定 (組織管理, ユーザー管理) and 基本設定 (会社情報設定).
pub(crate) mod autoconfig;
mod certificates;
mod company;
mod imap;
mod mail_server;
mod oauth;
mod orgs;
mod outbox;
mod schedule_settings;
mod users;
mod webmail;

pub use certificates::CertificatesPage;
pub use company::CompanyPage;
pub use imap::{AdminImapServerPage, ImapServerPage};
pub use mail_server::{MailServerPage, WebmailServerPage};
pub use oauth::{OAuthServerFormPage, OAuthServersPage};
pub use orgs::OrgsPage;
pub use outbox::OutboxPage;
pub use schedule_settings::ScheduleSettingsPage;
pub use users::{UserEditPage, UserNewPage, UsersPage};
pub use webmail::{
    WebmailAdminPage, WebmailImportPage, WebmailIndexPage, WebmailUserPage, WebmailUsersPage,
};

use leptos::prelude::*;

use crate::components::{AdminNav, AdminOnly};
use crate::i18n::use_lang;

/// Frame of every admin screen: side menu plus the screen.
#[component]
pub fn AdminFrame(
    title: fn(&'static crate::i18n::Catalogue) -> &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let lang = use_lang();
    let path = StoredValue::new(
        leptos_router::hooks::use_location()
            .pathname
            .get_untracked(),
    );
    view! {
        <AdminOnly>
            <div class="admin">
                <AdminNav />
                <section class="page admin-page">
                    <p class="breadcrumb" data-testid="breadcrumb">
                        {move || {
                            let t = lang.get().t();
                            let mut trail = path.with_value(|p| trail_of(p, t));
                            trail.push(title(t));
                            trail.join(" > ")
                        }}
                    </p>
                    <h1 data-testid="page-title">{move || title(lang.get().t())}</h1>
                    {children()}
                </section>
            </div>
        </AdminOnly>
    }
}

/// Where a page sits in the menu, as the seed's breadcrumbs say it
/// (ウェブメール > 機能管理 > 個人アカウント設定 > アカウント設定).
fn trail_of(path: &str, t: &'static crate::i18n::Catalogue) -> Vec<&'static str> {
    let wm = t.wm();
    match path.trim_end_matches('/') {
        "/admin" => Vec::new(),
        "/admin/webmail" => vec![wm.nav_group],
        "/admin/webmail/server" | "/admin/webmail/imap-server" => {
            vec![wm.nav_group, wm.admin_title, wm.system_admin]
        }
        p if p.starts_with("/admin/webmail/") => {
            vec![wm.nav_group, wm.admin_title, wm.personal_accounts]
        }
        "/admin/orgs" | "/admin/users" => vec![t.admin_title, t.admin_operations],
        p if p.starts_with("/admin/users/") => vec![t.admin_title, t.admin_operations],
        "/admin/company" | "/admin/schedule" => vec![t.admin_title, t.admin_basic],
        _ => vec![t.admin_title, t.mail().system_settings],
    }
}

#[component]
pub fn AdminIndexPage() -> impl IntoView {
    view! {
        <AdminFrame title=|t| t.admin_title>
            <p></p>
        </AdminFrame>
    }
}
