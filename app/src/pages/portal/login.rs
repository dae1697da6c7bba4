//! ログイン and パスワードの変更.
use leptos::prelude::*;

use crate::api::{ChangePassword, Login};
use crate::components::{FieldMsg, FormMsg, err_of};
use crate::i18n::use_lang;

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let login = ServerAction::<Login>::new();
    let err = err_of(login.value());
    let other = move || lang.get().other();
    view! {
        <div class="login-page">
            <form class="lang-links" method="get" action="/login">
                <input type="hidden" name="lang" value=move || other().code() />
                <button type="submit" class="link-button" data-testid="login-lang-switch">
                    {move || lang.get().t().switch_language}
                </button>
            </form>
            <div class="login-card">
                <h1 class="login-brand">
                    <span class="brand-mark">"便"</span>
                    {move || lang.get().t().app_name}
                </h1>
                <p class="tagline">{move || lang.get().t().app_tagline}</p>
                <h2>{move || lang.get().t().login_title}</h2>
                <ActionForm action=login attr:data-testid="login-form">
                    <label>
                        {move || lang.get().t().login_id}
                        <input
                            type="text"
                            name="login_id"
                            autocomplete="username"
                            required
                            maxlength="64"
                            data-testid="login-id"
                        />
                    </label>
                    <label>
                        {move || lang.get().t().password}
                        <input
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                            maxlength="128"
                            data-testid="login-password"
                        />
                    </label>
                    <FormMsg err />
                    <button type="submit" class="primary" data-testid="login-submit" disabled=move || login.pending().get()>
                        {move || lang.get().t().login_button}
                    </button>
                </ActionForm>
            </div>
        </div>
    }
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    let lang = use_lang();
    let me = crate::use_me();
    let change = ServerAction::<ChangePassword>::new();
    let err = err_of(change.value());
    let required = move || me.get().is_some_and(|m| m.must_change_password);
    let t = move || lang.get().t();
    view! {
        <section class="page narrow">
            <h1>{move || t().password_change_title}</h1>
            <Show when=required>
                <p class="notice" data-testid="password-change-required">
                    {move || t().password_change_required}
                </p>
            </Show>
            <ActionForm action=change attr:data-testid="password-form">
                <label>
                    {move || t().current_password}
                    <input type="password" name="current" autocomplete="current-password" data-testid="current-password" />
                </label>
                <FieldMsg err field="current" />
                <label>
                    {move || t().new_password}
                    <input type="password" name="new_password" autocomplete="new-password" data-testid="new-password" />
                </label>
                <FieldMsg err field="new_password" />
                <label>
                    {move || t().confirm_password}
                    <input type="password" name="confirm" autocomplete="new-password" data-testid="confirm-password" />
                </label>
                <FieldMsg err field="confirm" />
                <FormMsg err />
                <button type="submit" class="primary" data-testid="password-submit">
                    {move || t().change_button}
                </button>
            </ActionForm>
        </section>
    }
}
