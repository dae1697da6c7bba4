//! Tayori's user interface: Leptos components and the `#[server]` functions
//! they call. Built twice: with `ssr` into the server, with `hydrate` into
//! the browser's WebAssembly (which never sees `domain` or the database).
#![forbid(unsafe_code)]
// The views of whole forms are deeply nested types.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod url;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::{SsrMode, path};

use crate::api::Me;
use crate::i18n::Lang;
use crate::pages::*;

/// Name of the browser bundle: `/pkg/tayori.{js,wasm,css}`, or one
/// `tayori-<area>.{js,wasm}` per area (`area_of`) with the same CSS.
pub const BUNDLE: &str = "tayori";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::set_for_this_page();
    view! {
        <!DOCTYPE html>
        <html lang=html_lang()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options=bundle_options(options) islands=true />
                <MetaTags />
                <script id=ME_SCRIPT_ID type="application/json" inner_html=me_json()></script>
            </head>
            <body class=body_class()>
                <App />
            </body>
        </html>
    }
}

/// The page's browser bundle: with split bundles (`split_bundles`, set by
/// the server when the site has them) the one of the page's area, else the
/// single bundle of every screen.
fn bundle_options(options: LeptosOptions) -> LeptosOptions {
    #[cfg(feature = "ssr")]
    if SPLIT.get().copied().unwrap_or(false) {
        let path = use_context::<http::request::Parts>()
            .map(|p| p.uri.path().to_owned())
            .unwrap_or_default();
        let mut options = options;
        options.output_name = format!("{BUNDLE}-{}", area_of(&path)).into();
        return options;
    }
    options
}

/// The class of `<body>`: `mail-screen` on the mail screen, whose panes fill
/// the window. Set by the server (and carried over by the page moves of
/// `browser::navigate`) rather than found by `body:has(.mail-view)` in CSS:
/// a `:has()` on the body makes the browser restyle the whole page on every
/// change inside it, which cost each j keypress ~8 ms.
fn body_class() -> Option<&'static str> {
    #[cfg(feature = "ssr")]
    {
        let path = use_context::<http::request::Parts>().map(|p| p.uri.path().to_owned());
        if path.as_deref() == Some("/mail") {
            return Some("mail-screen");
        }
    }
    None
}

/// Whether the site has one bundle per area (scripts/build-site.sh makes
/// them for release; development builds have the single one).
#[cfg(feature = "ssr")]
pub static SPLIT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// The area whose bundle runs the islands of `path`: it must agree with the
/// `island_<area>` switches of app/build.rs; a page sent with another
/// area's bundle keeps its islands static.
pub fn area_of(path: &str) -> &'static str {
    let under = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    // The account form's 自動設定 is the server settings forms' own
    // (its log stays a core page).
    let account_form = path.starts_with("/mail/accounts/") && !path.ends_with("/log");
    if under("/admin") || account_form {
        "admin"
    } else if under("/mail/compose") {
        "compose"
    } else if path == "/mail" {
        "mail"
    } else {
        "core"
    }
}

/// Areas with their own bundle: `core` runs no island (its pages' links
/// and forms, and 受信's progress, are `browser`'s), the others run the
/// mail screen, the editor and the admin's wizards.
pub const AREAS: [&str; 4] = ["core", "mail", "compose", "admin"];

/// The element that carries the signed-in user from the server's render to
/// the browser, so both sides know it before rendering anything: no page
/// waits for it and hydration sees the same value the server rendered with.
const ME_SCRIPT_ID: &str = "tayori-me";

/// The signed-in user of this request (the server's session middleware puts
/// it into the request), or what the server embedded in the page.
fn initial_me() -> Option<Me> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Me>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .get_element_by_id(ME_SCRIPT_ID)
            .and_then(|el| el.text_content())
            .and_then(|json| serde_json::from_str(&json).ok())
            .flatten()
    }
}

/// JSON for the page, safe inside `<script>`: `<` is escaped so no value
/// can close the element.
fn me_json() -> String {
    serde_json::to_string(&initial_me())
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

/// `<html lang>`: the signed-in user's language, else `?lang=` (the sign-in
/// page), as `LangProvider` decides. Islands read it from here.
fn html_lang() -> &'static str {
    if let Some(me) = initial_me() {
        return Lang::from_code(&me.language).code();
    }
    #[cfg(feature = "ssr")]
    {
        let query = use_context::<http::request::Parts>()
            .and_then(|p| p.uri.query().map(str::to_owned))
            .unwrap_or_default();
        let code = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .unwrap_or_default();
        Lang::from_code(code).code()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Lang::default().code()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Known before the first render on both sides; a sign-in, sign-out or
    // language change loads a new page.
    provide_context(Signal::stored(initial_me()));

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{BUNDLE}.css") />
        <Title text="便り Tayori" />
        <Router>
            <LangProvider>
                // Pages whose data comes from resources render in one piece
                // (Async), so they also work before or without JavaScript.
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/login") view=LoginPage />
                    <ParentRoute path=path!("") view=Layout>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/password") view=PasswordPage />
                        <Route path=path!("/help") view=HelpPage />
                        <Route path=path!("/admin") view=AdminIndexPage />
                        <Route path=path!("/admin/orgs") view=OrgsPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/users/new") view=UserNewPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/users/:id") view=UserEditPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/company") view=CompanyPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/mail-server") view=MailServerPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/mail-server/imap") view=AdminImapServerPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/outbox") view=OutboxPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/certificates") view=CertificatesPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/oauth") view=OAuthServersPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/oauth/new") view=OAuthServerFormPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/oauth/:id") view=OAuthServerFormPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/schedule") view=ScheduleSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("/schedule") view=SchedulePage ssr=SsrMode::Async />
                        <Route path=path!("/schedule/new") view=ScheduleNewPage ssr=SsrMode::Async />
                        <Route path=path!("/schedule/entry/:id") view=ScheduleEntryPage ssr=SsrMode::Async />
                        <Route path=path!("/memos") view=MemosPage ssr=SsrMode::Async />
                        <Route path=path!("/mail") view=MailPage ssr=SsrMode::Async />
                        <Route path=path!("/mail/compose") view=ComposePage ssr=SsrMode::Async />
                        <Route path=path!("/mail/accounts") view=MyAccountsPage ssr=SsrMode::Async />
                        <Route path=path!("/mail/accounts/new") view=AccountFormPage ssr=SsrMode::Async />
                        <Route path=path!("/mail/accounts/:id") view=AccountFormPage ssr=SsrMode::Async />
                        <Route path=path!("/mail/accounts/:id/log") view=AccountLogPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail") view=WebmailAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/users") view=WebmailUsersPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/users/:id") view=WebmailUserPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/server") view=WebmailServerPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/imap-server") view=ImapServerPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/import") view=WebmailImportPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/webmail/index") view=WebmailIndexPage ssr=SsrMode::Async />
                    </ParentRoute>
                </Routes>
            </LangProvider>
        </Router>
    }
}

/// The signed-in user of this page load.
pub fn use_me() -> Signal<Option<Me>> {
    use_context::<Signal<Option<Me>>>().unwrap_or_else(|| Signal::stored(None))
}

/// Provides the current language: the signed-in user's choice, else `?lang=`
/// on the sign-in page, else Japanese.
#[component]
fn LangProvider(children: Children) -> impl IntoView {
    let me = use_me();
    let query = use_query_map();
    let lang = Signal::derive(move || {
        let from_user = me.get().map(|m| Lang::from_code(&m.language));
        from_user.unwrap_or_else(|| Lang::from_code(&query.read().get("lang").unwrap_or_default()))
    });
    provide_context(lang);
    children()
}
