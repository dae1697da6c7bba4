//! 管理者設定 > システム設定 > メールサーバー設定: a wizard on first use, a
//! one-page editor afterwards. The form works as a plain HTML form before
//! hydration; once hydrated it reacts to the provider, the protection and
//! the From address, and streams the connection test.
use leptos::html::Form;
use leptos::prelude::*;
use mail::presets::{self, Protection, Service, SmtpMechanism};
use serde_json::Value;

use super::AdminFrame;
use crate::api::mail_server::{MailServerDto, SaveMailServer, SendTestMail, get_mail_server};
use crate::components::{FieldMsg, FormMsg, OAuthStatus, err_of, ok_of, options_html};
use crate::error::AppError;
use crate::i18n::use_lang;

#[component]
pub fn MailServerPage() -> impl IntoView {
    view! { <ServerSettingsPage title=|t| t.mail().title scope="" /> }
}

/// ウェブメールのメールサーバー設定: the same form on webmail's own row,
/// without the notification part (accounts bring their own credentials).
#[component]
pub fn WebmailServerPage() -> impl IntoView {
    view! { <ServerSettingsPage title=|t| t.wm().webmail_server scope="webmail" /> }
}

#[component]
fn ServerSettingsPage(
    title: fn(&'static crate::i18n::Catalogue) -> &'static str,
    scope: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let data = Resource::new(|| (), move |_| get_mail_server(scope.into()));
    let query = leptos_router::hooks::use_query_map();
    let oauth_result = move || query.read_untracked().get("oauth").unwrap_or_default();
    view! {
        <AdminFrame title>
            <Suspense fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(dto) => view! { <MailServerForm dto oauth_result=oauth_result() /> }.into_any(),
                        Err(e) => view! {
                            <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

fn protection_of(s: &str) -> Protection {
    Protection::parse(s).unwrap_or(Protection::None)
}

/// A port field that follows the protection until the admin types in it.
#[derive(Clone, Copy)]
struct PortField {
    port: RwSignal<String>,
    typed: RwSignal<bool>,
    protection: RwSignal<String>,
    service: Service,
}

impl PortField {
    fn new(port: u16, protection: &str, service: Service) -> Self {
        PortField {
            port: RwSignal::new(port.to_string()),
            typed: RwSignal::new(false),
            protection: RwSignal::new(protection.to_owned()),
            service,
        }
    }
    fn set_protection(self, p: String) {
        if !self.typed.get_untracked() {
            let default = presets::default_port(self.service, protection_of(&p));
            self.port.set(default.to_string());
        }
        self.protection.set(p);
    }
    fn mismatch(self) -> bool {
        self.port.get().trim().parse::<u16>().is_ok_and(|p| {
            presets::port_mismatch(self.service, protection_of(&self.protection.get()), p)
        })
    }
}

// Only the admin bundle carries it (app/build.rs).
#[cfg_attr(island_admin, island)]
#[cfg_attr(not(island_admin), component)]
fn MailServerForm(dto: MailServerDto, oauth_result: String) -> impl IntoView {
    let lang = use_lang();
    let m = move || lang.get().t().mail();
    let form_ref = NodeRef::<Form>::new();
    let save = ServerAction::<SaveMailServer>::new();
    let send_test = ServerAction::<SendTestMail>::new();

    let preset = RwSignal::new(dto.preset.clone());
    let pop_host = RwSignal::new(dto.pop_host.clone());
    let pop = PortField::new(dto.pop_port, &dto.pop_protection, Service::Pop3);
    let pop_apop = RwSignal::new(dto.pop_apop);
    let smtp_host = RwSignal::new(dto.smtp_host.clone());
    let smtp = PortField::new(dto.smtp_port, &dto.smtp_protection, Service::Smtp);
    let smtp_auth = RwSignal::new(dto.smtp_auth.clone());
    let mechanism = RwSignal::new(dto.smtp_mechanism.clone());
    let auth_user = RwSignal::new(dto.auth_user.clone());
    let password = RwSignal::new(String::new());
    let from_mode = RwSignal::new(dto.from_mode.clone());
    let from_custom = RwSignal::new(dto.from_custom.clone());
    let company_email = dto.company_email.clone();
    let oauth_servers = StoredValue::new(dto.oauth_servers.clone());
    let oauth_server = RwSignal::new(
        dto.oauth_server_id
            .or(dto.oauth.as_ref().map(|g| g.server_id))
            .or(dto.oauth_servers.first().map(|c| c.id))
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );

    // The wizard hides later steps only once hydrated: before that the whole
    // form must be usable as one plain HTML form.
    let wizard = RwSignal::new(false);
    let step = RwSignal::new(1u8);
    let webmail = dto.scope == "webmail";
    // Webmail's row is a short one-page form: no wizard.
    let first_time = dto.first_time && !webmail;
    Effect::new(move |_| wizard.set(first_time));

    let current_preset = move || presets::preset(&preset.get()).unwrap_or(&presets::PRESETS[0]);
    let apply_preset = move |id: String| {
        let Some(p) = presets::preset(&id) else {
            return;
        };
        preset.set(id);
        for (field, host, ep) in [(pop, pop_host, p.pop3), (smtp, smtp_host, p.smtp)] {
            if let Some(ep) = ep {
                if let Some(h) = ep.host {
                    host.set(h.to_owned());
                }
                field.typed.set(false);
                field.port.set(ep.port.to_string());
                field.protection.set(ep.protection.as_str().to_owned());
            }
        }
        pop_apop.set(p.apop_default);
        if let [only] = p.smtp_mechanisms {
            mechanism.set(only.as_str().to_owned());
        }
        if !p.pop_before_smtp && smtp_auth.get_untracked() == "pop-before-smtp" {
            smtp_auth.set("smtp".into());
        }
        // Microsoft 365 and Google take XOAUTH2 only: choose it, with a
        // registered server of that type when there is one.
        let kind = match p.id {
            "microsoft365" => Some("microsoft"),
            "google" => Some("google"),
            _ => None,
        };
        if let Some(kind) = kind {
            let servers = oauth_servers.get_value();
            if let Some(c) = servers.iter().find(|c| c.kind == kind).or(servers.first()) {
                oauth_server.set(c.id.to_string());
                smtp_auth.set("xoauth2".into());
            }
        }
    };
    let mech_allowed = move |m: SmtpMechanism| {
        let p = current_preset();
        m == SmtpMechanism::Standard
            || p.smtp_mechanisms.is_empty()
            || p.smtp_mechanisms.contains(&m)
    };
    let from_address = move || -> Option<String> {
        match from_mode.get().as_str() {
            "custom" => domain_free_address(&from_custom.get()),
            "company" => Some(company_email.clone()).filter(|a| !a.is_empty()),
            _ => None,
        }
    };
    let from_differs = move || {
        let needs_auth = matches!(smtp_auth.get().as_str(), "smtp" | "pop-before-smtp");
        let user = auth_user.get().trim().to_lowercase();
        needs_auth
            && !user.is_empty()
            && match from_mode.get().as_str() {
                "user" => true,
                _ => from_address().is_some_and(|a| a.to_lowercase() != user),
            }
    };

    let saved = Signal::derive(move || save.value().get().and_then(Result::ok));
    let password_set = move || {
        saved
            .get()
            .map(|d| d.password_set)
            .unwrap_or(dto.password_set)
    };
    Effect::new(move |_| {
        if saved.get().is_some() {
            password.set(String::new());
        }
    });

    // 自動設定: what it finds goes into the fields, as a preset's values do.
    let lookup = super::autoconfig::Lookup::new();
    let held = Signal::derive(move || lookup.holds_password());
    let ac_scope: &'static str = if webmail { "webmail" } else { "admin" };
    let fill = move |f: &serde_json::Value| {
        if let Some(id) = f["preset"].as_str() {
            apply_preset(id.to_owned());
        }
        for (key, host, field) in [("pop3", pop_host, pop), ("smtp", smtp_host, smtp)] {
            let s = &f[key];
            if let (Some(h), Some(port)) = (s["host"].as_str(), s["port"].as_u64()) {
                host.set(h.to_owned());
                // The port found is kept as found, whatever the protection.
                field.typed.set(true);
                field
                    .protection
                    .set(s["protection"].as_str().unwrap_or("none").to_owned());
                field.port.set(port.to_string());
            }
        }
        if let Some(c) = oauth_servers
            .get_value()
            .first()
            .filter(|_| f["smtp"]["oauth"] == true)
        {
            oauth_server.set(c.id.to_string());
            smtp_auth.set("xoauth2".into());
        }
        if let Some(u) = f["username"]
            .as_str()
            .filter(|u| !u.is_empty() && auth_user.get_untracked().is_empty())
        {
            auth_user.set(u.to_owned());
        }
    };

    // Connection tests: one for each server, each with its own results.
    let smtp_test = TestRun::new();
    let pop_test = TestRun::new();
    let save_err = err_of(save.value());
    let err = Signal::derive(move || {
        smtp_test
            .err
            .get()
            .or_else(|| pop_test.err.get())
            .or_else(|| save_err.get())
    });
    let save_ok = ok_of(save);

    let section_class = move |n: u8| {
        move || {
            if wizard.get() && step.get() != n {
                "step hidden"
            } else {
                "step"
            }
        }
    };
    let nav = move |n: u8| {
        view! {
            <Show when=move || wizard.get()>
                <div class="wizard-nav">
                    {(n > 1).then(|| view! {
                        <button type="button" data-testid=format!("wizard-back-{n}") on:click=move |_| step.set(n - 1)>
                            {move || m().back}
                        </button>
                    })}
                    {(n < 5).then(|| view! {
                        <button type="button" class="primary" data-testid=format!("wizard-next-{n}") on:click=move |_| step.set(n + 1)>
                            {move || m().next}
                        </button>
                    })}
                </div>
            </Show>
        }
    };
    let preset_options = options_html(
        presets::PRESETS
            .iter()
            .map(|p| (p.id.to_owned(), p.name.to_owned())),
        &dto.preset,
    );
    let prot_label = move |p: Protection| {
        let m = m();
        match p {
            Protection::None => m.prot_none,
            Protection::SslTls => m.prot_ssl,
            Protection::StartTls => m.prot_starttls,
            Protection::StartTlsNoVerify => m.prot_starttls_noverify,
        }
    };
    let protection_select = move |field: PortField,
                                  name: &'static str,
                                  testid: &'static str,
                                  choices: &'static [Protection]| {
        let initial = field.protection.get_untracked();
        view! {
            <label>
                {move || m().protection}
                <select
                    name=name
                    data-testid=testid
                    prop:value=move || field.protection.get()
                    on:change=move |ev| field.set_protection(event_target_value(&ev))
                >
                    {choices.iter().map(|p| {
                        let p = *p;
                        view! { <option value=p.as_str() selected=initial == p.as_str()>{move || prot_label(p)}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let port_input =
        move |field: PortField, name: &'static str, testid: &'static str, warn_id: &'static str| {
            let initial = field.port.get_untracked();
            view! {
                <label>
                    {move || m().port}
                    <input
                        type="text"
                        inputmode="numeric"
                        name=name
                        value=initial
                        data-testid=testid
                        prop:value=move || field.port.get()
                        on:input=move |ev| {
                            field.typed.set(true);
                            field.port.set(event_target_value(&ev));
                        }
                    />
                </label>
                <Show when=move || field.mismatch()>
                    <p class="field-warning" data-testid=warn_id>{move || m().port_mismatch}</p>
                </Show>
            }
        };
    let host_input = move |host: RwSignal<String>, name: &'static str, testid: &'static str| {
        let initial = host.get_untracked();
        view! {
            <label>
                {move || m().server_name}
                <input
                    type="text"
                    name=name
                    value=initial
                    data-testid=testid
                    autocomplete="off"
                    prop:value=move || host.get()
                    on:input=move |ev| host.set(event_target_value(&ev))
                    // A pasted access URL is reduced to its host, as the
                    // provider's manual tells its users to do by hand.
                    on:change=move |ev| host.set(presets::host_from_input(&event_target_value(&ev)))
                />
            </label>
        }
    };
    const POP_PROTECTIONS: &[Protection] =
        &[Protection::None, Protection::SslTls, Protection::StartTls];
    const SMTP_PROTECTIONS: &[Protection] = &[
        Protection::None,
        Protection::SslTls,
        Protection::StartTls,
        Protection::StartTlsNoVerify,
    ];
    let initial_auth = dto.smtp_auth.clone();
    let no_oauth = dto.oauth_servers.is_empty();
    let oauth_options = options_html(
        dto.oauth_servers
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone())),
        &oauth_server.get_untracked(),
    );
    let oauth_status = dto.oauth.clone();
    let owner = if webmail { "settings:2" } else { "settings:1" };
    let initial_mech = dto.smtp_mechanism.clone();
    let initial_from = dto.from_mode.clone();
    let initial_user = dto.auth_user.clone();
    let initial_custom = dto.from_custom.clone();
    let initial_charset = dto.notify_charset.clone();
    let initial_timeout = dto.timeout_secs.to_string();
    let notify_enabled = dto.notify_enabled;
    let updated_at = dto.updated_at.clone();
    let updated_by = dto.updated_by.clone();

    view! {
        <Show when=move || wizard.get()>
            <ol class="wizard-steps" data-testid="wizard-steps">
                {[(1u8, "provider"), (2, "receiving"), (3, "sending"), (4, "notification"), (5, "test")].into_iter().map(|(n, key)| {
                    let label = move || {
                        let m = m();
                        match n { 1 => m.step_provider, 2 => m.step_receiving, 3 => m.step_sending, 4 => m.step_notification, _ => m.step_test }
                    };
                    view! { <li class:current=move || step.get() == n data-testid=format!("wizard-step-{key}")>{label}</li> }
                }).collect_view()}
            </ol>
        </Show>
        {updated_at.map(|u| view! {
            <p class="muted" data-testid="last-saved">{move || m().last_saved} ": " {u.clone()} " " {updated_by.clone()}</p>
        })}
        <ActionForm action=save node_ref=form_ref attr:class="mail-form" attr:data-testid="mail-server-form">
            <input type="hidden" name="scope" value=dto.scope.clone() />
            <fieldset class=section_class(1) data-testid="section-provider">
                <legend>{move || m().step_provider}</legend>
                <label>
                    {move || m().preset}
                    <select
                        name="preset"
                        data-testid="preset"
                        inner_html=preset_options
                        prop:value=move || preset.get()
                        on:change=move |ev| apply_preset(event_target_value(&ev))
                    ></select>
                </label>
                <p class="hint" data-testid="host-hint">
                    {move || m().host_hint} ": "
                    {move || { let p = current_preset(); if lang.get() == crate::i18n::Lang::Ja { p.host_hint.0 } else { p.host_hint.1 } }}
                </p>
                {lookup.view(move || form_ref.get(), ac_scope, fill)}
                {nav(1)}
            </fieldset>

            <fieldset class=section_class(2) data-testid="section-receiving">
                <legend>{move || m().step_receiving}</legend>
                {host_input(pop_host, "pop_host", "pop-host")}
                <FieldMsg err field="pop_host" />
                {port_input(pop, "pop_port", "pop-port", "pop-port-warning")}
                <FieldMsg err field="pop_port" />
                {protection_select(pop, "pop_protection", "pop-protection", POP_PROTECTIONS)}
                <FieldMsg err field="pop_protection" />
                <label>
                    {move || m().pop_auth}
                    <select name="pop_auth" data-testid="pop-auth" prop:value=move || if pop_apop.get() { "apop" } else { "standard" }
                        on:change=move |ev| pop_apop.set(event_target_value(&ev) == "apop")>
                        <option value="standard" selected=!dto.pop_apop>{move || m().pop_auth_standard}</option>
                        <option value="apop" selected=dto.pop_apop>{move || m().pop_auth_apop}</option>
                    </select>
                </label>
                <div class="actions">
                    {pop_test.button(form_ref, "pop3", "test-pop3", held)}
                </div>
                {pop_test.results("pop3-")}
                {nav(2)}
            </fieldset>

            <fieldset class=section_class(3) data-testid="section-sending">
                <legend>{move || m().step_sending}</legend>
                {host_input(smtp_host, "smtp_host", "smtp-host")}
                <FieldMsg err field="smtp_host" />
                {port_input(smtp, "smtp_port", "smtp-port", "smtp-port-warning")}
                <FieldMsg err field="smtp_port" />
                {protection_select(smtp, "smtp_protection", "smtp-protection", SMTP_PROTECTIONS)}
                <FieldMsg err field="smtp_protection" />
                <label>
                    {move || m().smtp_auth}
                    <select name="smtp_auth" data-testid="smtp-auth" prop:value=move || smtp_auth.get()
                        on:change=move |ev| smtp_auth.set(event_target_value(&ev))>
                        <option value="none" selected=initial_auth == "none">{move || m().auth_none}</option>
                        <option value="pop-before-smtp" selected=initial_auth == "pop-before-smtp"
                            disabled=move || !current_preset().pop_before_smtp>
                            {move || if current_preset().pop_before_smtp { m().auth_pop_before_smtp.to_owned() } else { format!("{}（{}）", m().auth_pop_before_smtp, m().not_supported_by) }}
                        </option>
                        <option value="smtp" selected=initial_auth == "smtp">{move || m().auth_smtp}</option>
                        <option value="xoauth2" selected=initial_auth == "xoauth2" disabled=no_oauth data-testid="auth-xoauth2">
                            {move || if no_oauth { format!("{}（{}）", m().auth_xoauth2, m().oauth_first) } else { m().auth_xoauth2.to_owned() }}
                        </option>
                    </select>
                </label>
                <FieldMsg err field="smtp_auth" />
                <div class="oauth-settings" hidden=move || smtp_auth.get() != "xoauth2" data-testid="oauth-settings">
                    <label>
                        {move || lang.get().t().oauth().server}
                        <select name="oauth_server_id" data-testid="oauth-server" inner_html=oauth_options
                            prop:value=move || oauth_server.get()
                            on:change=move |ev| oauth_server.set(event_target_value(&ev))></select>
                    </label>
                    <FieldMsg err field="oauth_server_id" />
                    <OAuthStatus status=oauth_status result=oauth_result />
                    // Posts the separate form below: the settings need not
                    // be saved first, and the browser leaves for the
                    // authorization server's login page.
                    <button type="submit" form="oauth-start" data-testid="oauth-sign-in">
                        {move || lang.get().t().oauth().sign_in}
                    </button>
                </div>
                <label>
                    {move || m().mechanism}
                    <select name="smtp_mechanism" data-testid="smtp-mechanism" prop:value=move || mechanism.get()
                        on:change=move |ev| mechanism.set(event_target_value(&ev))>
                        {SmtpMechanism::ALL.into_iter().map(|mech| {
                            let label = move || match mech {
                                SmtpMechanism::Standard => m().mech_standard.to_owned(),
                                other => {
                                    let name = other.as_str().to_uppercase();
                                    if mech_allowed(other) { name } else { format!("{name}（{}）", m().not_supported_by) }
                                }
                            };
                            view! {
                                <option value=mech.as_str() selected=initial_mech == mech.as_str() disabled=move || !mech_allowed(mech)
                                    data-testid=format!("mech-{}", mech.as_str())>
                                    {label}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </label>
                <FieldMsg err field="smtp_mechanism" />
                <label>
                    {move || m().auth_user}
                    <input type="text" name="auth_user" value=initial_user autocomplete="off" data-testid="auth-user"
                        prop:value=move || auth_user.get() on:input=move |ev| auth_user.set(event_target_value(&ev)) />
                </label>
                <FieldMsg err field="auth_user" />
                <label>
                    // One line: the label is a column, so each loose piece
                    // of text would get a line of its own.
                    <span>{move || m().password}
                        " (" <span data-testid="password-state">{move || if password_set() { m().password_set } else { m().password_not_set }}</span> ")"</span>
                    <input type="password" name="password" autocomplete="new-password" data-testid="password"
                        placeholder=move || if password_set() { m().password_keep_hint } else { "" }
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                <FieldMsg err field="password" />
                <label>
                    {move || m().timeout}
                    <input type="text" inputmode="numeric" name="timeout_secs" value=initial_timeout data-testid="timeout" />
                </label>
                <FieldMsg err field="timeout_secs" />
                {nav(3)}
            </fieldset>

            <fieldset class=section_class(4) data-testid="section-notification" hidden=webmail>
                <legend>{move || m().step_notification}</legend>
                <label class="check">
                    <input type="checkbox" name="notify_enabled" value="on" checked=notify_enabled data-testid="notify-enabled" />
                    {move || m().notify} ": " {move || m().notify_on}
                </label>
                <details class="hint" data-testid="notify-features">
                    <summary>{move || m().notify_features}</summary>
                    <ul><li>{move || m().notify_feature_schedule}</li></ul>
                </details>
                <fieldset class="radio-group">
                    <legend>{move || m().from}</legend>
                    {[("user", "from-user"), ("company", "from-company"), ("custom", "from-custom")].into_iter().map(|(value, testid)| {
                        let checked = initial_from == value;
                        let label = move || {
                            let m = m();
                            match value { "user" => m.from_user, "company" => m.from_company, _ => m.from_custom }
                        };
                        view! {
                            <label class="check">
                                <input type="radio" name="from_mode" value=value checked=checked data-testid=testid
                                    disabled=move || value == "user" && smtp_auth.get() == "xoauth2"
                                    on:change=move |_| from_mode.set(value.to_owned()) />
                                {label}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <FieldMsg err field="from_mode" />
                <Show when=move || smtp_auth.get() == "xoauth2">
                    <p class="hint" data-testid="from-user-xoauth2">{move || lang.get().t().oauth().from_user_xoauth2}</p>
                </Show>
                <label>
                    {move || m().from_custom}
                    <input type="text" name="from_custom" value=initial_custom data-testid="from-custom-address"
                        placeholder=move || m().from_custom_hint
                        prop:value=move || from_custom.get() on:input=move |ev| from_custom.set(event_target_value(&ev)) />
                </label>
                <FieldMsg err field="from_custom" />
                <Show when=from_differs>
                    <p class="field-warning" data-testid="from-differs-warning">{move || m().from_differs}</p>
                </Show>
                <fieldset class="radio-group">
                    <legend>{move || m().charset}</legend>
                    {[("utf-8", "charset-utf8"), ("iso-2022-jp", "charset-iso2022jp")].into_iter().map(|(value, testid)| {
                        let checked = initial_charset == value;
                        let label = move || if value == "utf-8" { m().charset_utf8 } else { m().charset_jis };
                        view! {
                            <label class="check">
                                <input type="radio" name="notify_charset" value=value checked=checked data-testid=testid />
                                {label}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <FieldMsg err field="notify_charset" />
                {nav(4)}
            </fieldset>

            <fieldset class=section_class(5) data-testid="section-test">
                <legend>{move || m().step_test}</legend>
                <div class="actions">
                    {smtp_test.button(form_ref, "smtp", "test-connection", held)}
                    <button type="submit" class="primary" data-testid="save" disabled=move || held.get()>{move || m().save_settings}</button>
                </div>
                {smtp_test.results("")}
                <FormMsg err ok=save_ok />
                {nav(5)}
            </fieldset>
        </ActionForm>

        <section class="test-mail" hidden=webmail>
            <h2>{move || m().test_mail}</h2>
            <p class="hint">{move || m().test_mail_needs_save}</p>
            <ActionForm action=send_test attr:class="row-form" attr:data-testid="test-mail-form">
                <label>
                    {move || m().test_mail_to}
                    <input type="text" name="to" inputmode="email" data-testid="test-mail-to" />
                </label>
                <button type="submit" data-testid="test-mail-send">{move || m().test_mail_send}</button>
            </ActionForm>
            <FieldMsg err=err_of(send_test.value()) field="to" />
            // No sender: why, and where to set one.
            <FieldMsg err=err_of(send_test.value()) field="from" />
            <FormMsg err=err_of(send_test.value()) />
            {move || send_test.value().get().and_then(Result::ok).map(|reply| view! {
                <p class="form-ok" data-testid="test-mail-result">{move || m().test_mail_sent} " " {reply.clone()}</p>
            })}
        </section>
        <form id="oauth-start" method="post" action="/oauth/start" data-reload hidden>
            <input type="hidden" name="owner" value=owner />
            <input type="hidden" name="server_id" prop:value=move || oauth_server.get() value=oauth_server.get_untracked() />
        </form>
    }
}

/// The address part of a From value (`"名前" <a@b>` → `a@b`), if any.
fn domain_free_address(from: &str) -> Option<String> {
    let from = from.trim();
    let addr = match from.rfind('<') {
        Some(start) => from[start + 1..].split('>').next()?.trim(),
        None => from,
    };
    (!addr.is_empty()).then(|| addr.to_owned())
}

/// The connection test's server function (`api::mail_server::connection_test`).
const TEST_URL: &str = "/api/mail_server/test";

/// One connection test: its streamed steps, verdict and refusal.
#[derive(Clone, Copy)]
struct TestRun {
    steps: RwSignal<Vec<Value>>,
    verdict: RwSignal<Option<Value>>,
    testing: RwSignal<bool>,
    err: RwSignal<Option<AppError>>,
}

impl TestRun {
    fn new() -> Self {
        TestRun {
            steps: RwSignal::new(Vec::new()),
            verdict: RwSignal::new(None),
            testing: RwSignal::new(false),
            err: RwSignal::new(None),
        }
    }

    /// Posts the form's current values to the connection test of `target`
    /// and shows each line as it arrives. Without JavaScript the button
    /// posts the form there instead (with its own name and value).
    fn start(self, form_ref: NodeRef<Form>, target: &'static str) {
        self.steps.set(Vec::new());
        self.verdict.set(None);
        self.err.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(form) = form_ref.get() {
            self.testing.set(true);
            leptos::task::spawn_local(async move {
                let extra = [("target", target)];
                let result =
                    crate::browser::stream::post_form_lines(&form, TEST_URL, &extra, |v| {
                        if v.get("step").is_some() {
                            self.steps.update(|s| s.push(v));
                        } else if v.get("verdict").is_some() {
                            self.verdict.set(Some(v));
                        } else if let Ok(e) = serde_json::from_value::<AppError>(v) {
                            self.err.set(Some(e));
                        }
                    })
                    .await;
                if let Err(e) = result {
                    self.verdict.set(Some(serde_json::json!({
                        "verdict": "fail", "advice": "server_error", "error": e
                    })));
                }
                self.testing.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form_ref, target);
    }

    fn button(
        self,
        form_ref: NodeRef<Form>,
        target: &'static str,
        testid: &'static str,
        // Third-party hosts not yet confirmed: no password goes out.
        held: Signal<bool>,
    ) -> impl IntoView {
        let lang = use_lang();
        let m = move || lang.get().t().mail();
        view! {
            <button type="submit" formaction=TEST_URL name="target" value=target data-testid=testid
                disabled=move || self.testing.get() || held.get()
                on:click=move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    self.start(form_ref, target);
                }>
                {move || if self.testing.get() { m().testing } else { m().test_connection }}
            </button>
        }
    }

    fn results(self, prefix: &'static str) -> impl IntoView {
        let lang = use_lang();
        let m = move || lang.get().t().mail();
        view! {
            <ol class="test-steps" data-testid=format!("{prefix}test-steps")>
                <For each=move || self.steps.get().into_iter().enumerate() key=|(i, _)| *i let:item>
                    {
                        let (_, v) = item;
                        let ok = v["ok"].as_bool().unwrap_or(false);
                        let key = v["step"].as_str().unwrap_or_default().to_owned();
                        let key2 = key.clone();
                        view! {
                            <li class=if ok { "ok" } else { "fail" } data-testid=format!("{prefix}test-step") data-step=key2 data-ok=ok.to_string()>
                                <span class="mark">{if ok { "✓" } else { "✗" }}</span>
                                <span class="name">{move || m().step(&key, prefix == "pop3-")}</span>
                                <span class="ms">{format!("{} ms", v["ms"].as_u64().unwrap_or_default())}</span>
                                <span class="detail">{v["detail"].as_str().unwrap_or_default().to_owned()}</span>
                            </li>
                        }
                    }
                </For>
            </ol>
            {move || self.verdict.get().map(|v| {
                let ok = v["verdict"] == "ok";
                let advice = v["advice"].as_str().unwrap_or_default().to_owned();
                let field = v["field"].as_str().unwrap_or_default().to_owned();
                let error = v["error"].as_str().unwrap_or_default().to_owned();
                let starttls = v["recommend"] == "starttls";
                view! {
                    <div class=if ok { "verdict ok" } else { "verdict fail" } data-testid=format!("{prefix}test-verdict")
                        data-verdict=if ok { "ok" } else { "fail" } data-advice=advice.clone() data-field=field>
                        <strong>{move || if ok { m().test_ok } else { m().test_failed }}</strong>
                        {starttls.then(|| view! { <p class="field-warning" data-testid=format!("{prefix}test-recommend")>{move || m().recommend_starttls}</p> })}
                        {(!ok).then(|| {
                            let advice = advice.clone();
                            let untrusted = advice == "certificate_untrusted";
                            view! {
                                <p data-testid=format!("{prefix}test-advice")>{move || m().advice(&advice, prefix == "pop3-")}</p>
                                {untrusted.then(|| view! {
                                    <p><a href="/admin/certificates" data-testid=format!("{prefix}test-ca-link")>{move || m().ca_advice_link}</a></p>
                                })}
                                <p class="muted">{error.clone()}</p>
                            }
                        })}
                    </div>
                }
            })}
        }
    }
}
