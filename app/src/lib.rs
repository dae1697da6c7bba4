//! Tayori's user interface: Leptos components and the `#[server]` functions
//! they call. Built twice: with `ssr` into the server, with `hydrate` into
//! the browser's WebAssembly (which never sees `domain` or the database).
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::path;

use crate::api::Me;
use crate::i18n::Lang;
use crate::pages::*;

/// Name of the browser bundle: `/pkg/tayori.{js,wasm,css}`.
pub const BUNDLE: &str = "tayori";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=html_lang()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// `<html lang>` for the first response, from the cookie the server sets at
/// sign-in and on a language switch (the shell renders before any database
/// lookup could finish).
fn html_lang() -> &'static str {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>()
        && auth::cookie(&parts.headers, auth::LANG_COOKIE).as_deref() == Some("en")
    {
        return "en";
    }
    "ja"
}

/// The signed-in user, loaded once per page load and shared by every page.
pub type MeResource = Resource<Result<Option<Me>, error::AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me: MeResource = Resource::new(|| (), |_| api::whoami());
    provide_context(me);

    // Tests wait for this marker: effects run only in the browser, after
    // hydration has attached every event handler.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{BUNDLE}.css") />
        <Title text="便り Tayori" />
        <Router>
            <LangProvider>
                <Routes fallback=|| view! { <Suspense><NotFoundPage /></Suspense> }>
                    <Route path=path!("/login") view=|| view! { <Suspense><LoginPage /></Suspense> } />
                    <ParentRoute path=path!("") view=Layout>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/password") view=PasswordPage />
                        <Route path=path!("/help") view=HelpPage />
                        <Route path=path!("/admin") view=AdminIndexPage />
                        <Route path=path!("/admin/orgs") view=OrgsPage />
                        <Route path=path!("/admin/users") view=UsersPage />
                        <Route path=path!("/admin/users/new") view=UserNewPage />
                        <Route path=path!("/admin/users/:id") view=UserEditPage />
                        <Route path=path!("/admin/company") view=CompanyPage />
                    </ParentRoute>
                </Routes>
            </LangProvider>
        </Router>
    }
}

/// Provides the current language: the signed-in user's choice, else `?lang=`
/// on the sign-in page, else Japanese.
#[component]
fn LangProvider(children: Children) -> impl IntoView {
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let lang = Signal::derive(move || {
        let from_user = me
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .map(|m| Lang::from_code(&m.language));
        from_user.unwrap_or_else(|| Lang::from_code(&query.read().get("lang").unwrap_or_default()))
    });
    provide_context(lang);
    // Pages read it inside their own Suspense (a Suspense around <Routes>
    // would hide the routes from the server's route list).
    children()
}

