//! The portal page after sign-in, and the 404 page.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_lang;

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let me = crate::use_me();
    let t = move || lang.get().t();
    let name = move || me.get().map(|m| m.name).unwrap_or_default();
    let is_admin = move || me.get().is_some_and(|m| m.is_admin);
    view! {
        <section class="page">
            <h1 data-testid="welcome">{move || t().welcome_user(&name())}</h1>
            <p>{move || t().home_intro}</p>
            <div class="tiles">
                <A href="/schedule" attr:class="tile" attr:data-testid="tile-schedule">
                    {move || t().menu_schedule}
                </A>
                <A href="/memos" attr:class="tile" attr:data-testid="tile-memos">
                    {move || t().sched().memos}
                </A>
                <Show when=is_admin>
                    <A href="/admin" attr:class="tile" attr:data-testid="tile-admin">
                        {move || t().menu_admin}
                    </A>
                </Show>
                <A href="/help" attr:class="tile" attr:data-testid="tile-help">
                    {move || t().help_flow_title}
                </A>
            </div>
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = use_lang();
    view! {
        <section class="page" data-testid="not-found">
            <h1>{move || lang.get().t().page_not_found}</h1>
            <a href="/">{move || lang.get().t().menu_home}</a>
        </section>
    }
}
