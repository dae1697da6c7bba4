//! 管理者設定: 運用設定 (組織管理, ユーザー管理) and 基本設定 (会社情報設定).
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
    view! {
        <AdminOnly>
            <div class="admin">
                <AdminNav />
                <section class="page admin-page">
                    <h1 data-testid="page-title">{move || title(lang.get().t())}</h1>
                    {children()}
                </section>
            </div>
        </AdminOnly>
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
