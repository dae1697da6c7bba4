//! Pieces every page uses: the signed-in layout, field messages, org selects.
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::api::{Logout, Me, OrgDto, SetLanguage};
use crate::error::AppError;
use crate::i18n::use_lang;

/// Marks drawn by the page itself (SVG) rather than characters that a
/// machine without an emoji font shows as empty boxes.
pub mod icons {
    pub const CLIP: &str = r#"<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M11 4.5 5.6 9.9a1.4 1.4 0 0 0 2 2l5.5-5.5a2.8 2.8 0 0 0-4-4L3.4 8a4.2 4.2 0 0 0 6 6l4.1-4.1" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>"#;
    pub const STAR: &str = r#"<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="m8 1.3 2 4.3 4.7.5-3.5 3.2 1 4.6L8 11.5l-4.2 2.4 1-4.6L1.3 6.1 6 5.6z" fill="currentColor"/></svg>"#;
}

/// A catalogue text whose `backticked` parts are identifiers to type as
/// they are (scopes, tenant names): those are shown as `<code>`.
pub fn with_literals(text: &'static str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                Either::Left(view! { <code>{part}</code> })
            } else {
                Either::Right(part)
            }
        })
        .collect_view()
}

/// The error of an action's last result, for field and form messages.
pub fn err_of<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// Whether an action's last result was a success: its value in an island,
/// or, on a page the server renders after a plain form post, the `__ok`
/// mark the server adds to the redirect back (see the server's
/// `mark_success`).
pub fn ok_of<S, T>(action: ServerAction<S>) -> Signal<bool>
where
    S: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let posted = posted_ok(S::PATH);
    let value = action.value();
    Signal::derive(move || posted || matches!(value.get(), Some(Ok(_))))
}

/// Whether this render follows a successful plain post to `path`.
pub fn posted_ok(path: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.uri.query().map(str::to_owned))
            .is_some_and(|q| {
                q.split('&').any(|pair| {
                    pair.strip_prefix("__ok=")
                        .is_some_and(|v| v.replace("%2F", "/").replace("%2f", "/") == path)
                })
            })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        false
    }
}

/// The message for one field, shown under it.
#[component]
pub fn FieldMsg(#[prop(into)] err: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let lang = use_lang();
    move || {
        err.get().and_then(|e| e.field(field).cloned()).map(|f| {
            view! {
                <p class="field-error" role="alert" data-testid=format!("error-{field}")>
                    {lang.get().t().field_error(&f.code, f.param)}
                </p>
            }
        })
    }
}

/// A message for the whole form: errors not tied to a field, or success.
#[component]
pub fn FormMsg(
    #[prop(into)] err: Signal<Option<AppError>>,
    #[prop(into, optional)] ok: Option<Signal<bool>>,
    #[prop(optional)] ok_text: Option<fn(&crate::i18n::Catalogue) -> &'static str>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let t = lang.get().t();
        // Either, not AnyView: an island's bundle then carries only the
        // rendering code these two paragraphs use.
        if let Some(e) = err.get() {
            let text = e.message(t);
            (!text.is_empty()).then(|| {
                Either::Left(
                    view! { <p class="form-error" role="alert" data-testid="form-error">{text}</p> },
                )
            })
        } else if ok.is_some_and(|o| o.get()) {
            let text = ok_text.map(|f| f(t)).unwrap_or(t.saved);
            Some(Either::Right(
                view! { <p class="form-ok" role="status" data-testid="form-ok">{text}</p> },
            ))
        } else {
            None
        }
    }
}

/// Organisations in tree order with their depth, for lists and selects.
pub fn org_tree(orgs: &[OrgDto]) -> Vec<(OrgDto, usize)> {
    fn walk(orgs: &[OrgDto], parent: Option<i32>, depth: usize, out: &mut Vec<(OrgDto, usize)>) {
        // Depth is bounded by the number of organisations: the service
        // refuses cycles, and this guard keeps a damaged table from looping.
        if depth > orgs.len() {
            return;
        }
        for o in orgs.iter().filter(|o| o.parent_id == parent) {
            out.push((o.clone(), depth));
            walk(orgs, Some(o.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(orgs.len());
    walk(orgs, None, 0, &mut out);
    out
}

pub fn indent(name: &str, depth: usize) -> String {
    format!("{}{}", "\u{3000}".repeat(depth), name)
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `<option>`s as HTML, for a select's `inner_html`: hydration does not walk
/// inside it, and Chromium's parser may drop the marker comments Leptos would
/// otherwise put between options. `options` are (value, label) pairs.
pub fn options_html(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> String {
    options
        .into_iter()
        .map(|(value, label)| {
            let sel = if value == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{sel}>{}</option>",
                escape_html(&value),
                escape_html(&label)
            )
        })
        .collect()
}

/// Options for an organisation select, the first one (value "") meaning none.
pub fn org_options(orgs: &[OrgDto], none_label: &str, selected: Option<i32>) -> String {
    let first = (String::new(), none_label.to_owned());
    let rest = org_tree(orgs)
        .into_iter()
        .map(|(o, depth)| (o.id.to_string(), indent(&o.name, depth)));
    let selected = selected.map(|id| id.to_string()).unwrap_or_default();
    options_html(std::iter::once(first).chain(rest), &selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_escaped_and_nested() {
        let orgs = vec![
            OrgDto {
                id: 1,
                name: "本社".into(),
                parent_id: None,
            },
            OrgDto {
                id: 2,
                name: "R&D <\"研究\">".into(),
                parent_id: Some(1),
            },
        ];
        let html = org_options(&orgs, "（なし）", Some(2));
        assert_eq!(
            html,
            "<option value=\"\">（なし）</option><option value=\"1\">本社</option>\
             <option value=\"2\" selected>\u{3000}R&amp;D &lt;&quot;研究&quot;&gt;</option>"
        );
    }
}

/// Signed-in pages: header, menu and the page below. The server only
/// renders these for a signed-in user whose password is in order (see the
/// session middleware); the redirects here cover client-side navigation.
#[component]
pub fn Layout() -> impl IntoView {
    match crate::use_me().get_untracked() {
        Some(me) => view! { <Shell me /> }.into_any(),
        None => view! { <Redirect path="/login" /> }.into_any(),
    }
}

#[component]
fn Shell(me: Me) -> impl IntoView {
    let lang = use_lang();
    let location = use_location();
    let must_change = me.must_change_password;
    let on_password_page = move || location.pathname.get() == "/password";
    let set_lang = ServerAction::<SetLanguage>::new();
    let logout = ServerAction::<Logout>::new();
    let is_admin = me.is_admin;
    let memos_unread = me.memos_unread;
    let name = me.name.clone();
    view! {
        <header class="app-header" data-testid="app-header">
            <a class="brand" href="/" data-testid="nav-brand">
                <span class="brand-mark">"便"</span>
                <span class="brand-name">{move || lang.get().t().app_name}</span>
            </a>
            <nav class="app-menu" data-testid="app-menu">
                <A href="/" attr:data-testid="nav-home">{move || lang.get().t().menu_home}</A>
                <A href="/schedule" attr:data-testid="nav-schedule">{move || lang.get().t().menu_schedule}</A>
                <A href="/mail" attr:data-testid="nav-webmail">{move || lang.get().t().menu_webmail}</A>
                <A href="/memos" attr:data-testid="nav-memos">
                    {move || lang.get().t().sched().memos}
                    {(memos_unread > 0).then(|| view! { <span class="badge count" data-testid="memo-count">{memos_unread}</span> })}
                </A>
                {is_admin.then(|| view! {
                    <A href="/admin" attr:data-testid="nav-admin">{move || lang.get().t().menu_admin}</A>
                })}
                <A href="/help" attr:data-testid="nav-help">{move || lang.get().t().menu_help}</A>
            </nav>
            <div class="app-user">
                <span class="user-name" data-testid="user-name" translate="no">{name}</span>
                <ActionForm action=set_lang attr:class="inline-form">
                    <input type="hidden" name="language" value=move || lang.get().other().code() />
                    <button type="submit" class="link-button" data-testid="lang-switch">
                        {move || lang.get().t().switch_language}
                    </button>
                </ActionForm>
                <ActionForm action=logout attr:class="inline-form">
                    <button type="submit" class="link-button" data-testid="logout">
                        {move || lang.get().t().logout}
                    </button>
                </ActionForm>
            </div>
        </header>
        <main class="app-main" data-testid="app-main">
            {move || {
                if must_change && !on_password_page() {
                    view! { <Redirect path="/password" /> }.into_any()
                } else {
                    view! { <Outlet /> }.into_any()
                }
            }}
        </main>
    }
}

/// Shows `children` only to administrators; others get the refusal message.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let me = crate::use_me();
    let lang = use_lang();
    let is_admin = move || me.get().is_some_and(|m| m.is_admin);
    view! {
        <Show
            when=is_admin
            fallback=move || {
                view! {
                    <p class="form-error" data-testid="forbidden">
                        {move || lang.get().t().error_forbidden}
                    </p>
                }
            }
        >
            {children()}
        </Show>
    }
}

/// The admin area's side menu.
#[component]
pub fn AdminNav() -> impl IntoView {
    let lang = use_lang();
    view! {
        <nav class="admin-nav" data-testid="admin-nav">
            <h2>{move || lang.get().t().admin_operations}</h2>
            <A href="/admin/orgs" attr:data-testid="admin-orgs">{move || lang.get().t().org_admin}</A>
            <A href="/admin/users" attr:data-testid="admin-users">{move || lang.get().t().user_admin}</A>
            <h2>{move || lang.get().t().admin_basic}</h2>
            <A href="/admin/company" attr:data-testid="admin-company">
                {move || lang.get().t().company_settings}
            </A>
            <A href="/admin/schedule" attr:data-testid="admin-schedule">
                {move || lang.get().t().sched().settings}
            </A>
            <A href="/admin/schedule#locale" attr:data-testid="admin-locale">
                {move || lang.get().t().sched().locale}
            </A>
            <h2>{move || lang.get().t().mail().system_settings}</h2>
            <A href="/admin/mail-server" exact=true attr:data-testid="admin-mail-server">
                {move || lang.get().t().mail().title}
            </A>
            <A href="/admin/mail-server/imap" attr:data-testid="admin-mail-server-imap">
                {move || lang.get().t().wm().imap_admin_server}
            </A>
            <A href="/admin/oauth" attr:data-testid="admin-oauth">
                {move || lang.get().t().oauth().title}
            </A>
            <A href="/admin/certificates" attr:data-testid="admin-certificates">
                {move || lang.get().t().mail().ca_title}
            </A>
            <A href="/admin/outbox" attr:data-testid="admin-outbox">
                {move || lang.get().t().sched().outbox}
            </A>
            // As the seed's menu: ウェブメール > 機能管理, then 個人アカウント設定
            // and システム管理 under it.
            <h2>{move || lang.get().t().wm().nav_group}</h2>
            <A href="/admin/webmail" exact=true attr:data-testid="admin-webmail">
                {move || lang.get().t().wm().admin_title}
            </A>
            <h3>{move || lang.get().t().wm().personal_accounts}</h3>
            <A href="/admin/webmail/users" attr:data-testid="admin-webmail-users">
                {move || lang.get().t().wm().accounts_admin}
            </A>
            <A href="/admin/webmail/import" attr:data-testid="admin-webmail-import">
                {move || lang.get().t().wm().import_export}
            </A>
            <A href="/admin/webmail/index" attr:data-testid="admin-webmail-index">
                {move || lang.get().t().wm().index}
            </A>
            <h3>{move || lang.get().t().wm().system_admin}</h3>
            <A href="/admin/webmail/server" attr:data-testid="admin-webmail-server">
                {move || lang.get().t().wm().webmail_server}
            </A>
            <A href="/admin/webmail/imap-server" attr:data-testid="admin-webmail-imap-server">
                {move || lang.get().t().wm().imap_server}
            </A>
        </nav>
    }
}

/// Waits in the browser (polling a running job); returns at once on the
/// server, where effects do not run.
pub async fn sleep_ms(ms: i32) {
    #[cfg(feature = "hydrate")]
    {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// The `<input>` an event came from (a file picker's change).
#[cfg(feature = "hydrate")]
pub fn event_input(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    use wasm_bindgen::JsCast;
    ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()
}

/// The contents of a file the user picked, read in the browser.
#[cfg(feature = "hydrate")]
pub async fn file_bytes(file: &web_sys::File) -> Option<Vec<u8>> {
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buf).to_vec())
}

/// A size as mail lists show it: 「12 KB」, 「1.5 MB」.
pub fn size_text(bytes: impl Into<i64>) -> String {
    let bytes: i64 = bytes.into();
    if bytes >= 1024 * 1024 {
        // Tenths of a MB in integers: float formatting would add its
        // tables to every bundle that shows a size.
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Who the setting or account is signed in as at its OAuth認可サーバー, and
/// how the last sign-in went (`?oauth=ok|failed` after the callback).
#[component]
pub fn OAuthStatus(
    status: Option<crate::api::mail_server::OAuthStatusDto>,
    result: String,
) -> impl IntoView {
    let lang = use_lang();
    let o = move || lang.get().t().oauth();
    let line = match status {
        Some(s) if s.needs_reauth => view! {
            <span class="warn" data-testid="oauth-needs-reauth">{move || o().needs_reauth}</span>
        }
        .into_any(),
        Some(s) => {
            let until = s.valid_until.unwrap_or_default();
            view! {
                <span data-testid="oauth-signed-in">
                    {move || o().signed_in_as} ": " <b data-testid="oauth-signed-in-as">{s.signed_in_as.clone()}</b>
                    " （" {move || o().valid_until} ": " {until.clone()} "）"
                </span>
            }
            .into_any()
        }
        None => {
            view! { <span data-testid="oauth-not-signed-in">{move || o().not_signed_in}</span> }
                .into_any()
        }
    };
    let outcome = match result.as_str() {
        "ok" => Some(view! { <p class="form-ok" data-testid="oauth-result-ok">{move || o().signed_in_now}</p> }.into_any()),
        "failed" => Some(view! { <p class="form-error" role="alert" data-testid="oauth-result-failed">{move || o().sign_in_failed}</p> }.into_any()),
        _ => None,
    };
    view! {
        {outcome}
        <p class="oauth-status">{line}</p>
    }
}
