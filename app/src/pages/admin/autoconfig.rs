//! 「メールアドレスから設定」 (自動設定) inside the server settings forms:
//! the address field and button, each source's step as it ends (read from
//! the streamed `api::autoconfig`), and what was found, handed to the form
//! to fill its fields. Hosts a third party named wait for the
//! administrator's confirmation before the form tests or saves.
use leptos::prelude::*;
use serde_json::Value;

use crate::error::AppError;
use crate::i18n::use_lang;

#[derive(Clone, Copy)]
pub(crate) struct Lookup {
    steps: RwSignal<Vec<Value>>,
    found: RwSignal<Option<Value>>,
    done: RwSignal<bool>,
    running: RwSignal<bool>,
    err: RwSignal<Option<AppError>>,
    confirmed: RwSignal<bool>,
}

impl Lookup {
    pub(crate) fn new() -> Self {
        Lookup {
            steps: RwSignal::new(Vec::new()),
            found: RwSignal::new(None),
            done: RwSignal::new(false),
            running: RwSignal::new(false),
            err: RwSignal::new(None),
            confirmed: RwSignal::new(false),
        }
    }

    /// The refusal of the address, for the form's field messages.
    pub(crate) fn err(self) -> Signal<Option<AppError>> {
        self.err.into()
    }

    /// Third-party hosts are in the form and not yet confirmed: nothing
    /// may send a password to them.
    pub(crate) fn holds_password(self) -> bool {
        self.found.get().is_some_and(|f| f["confirm_hosts"] == true) && !self.confirmed.get()
    }

    fn start(
        self,
        form: impl Fn() -> Option<leptos::web_sys::HtmlFormElement>,
        scope: &'static str,
        fill: impl Fn(&Value) + 'static,
    ) {
        self.steps.set(Vec::new());
        self.found.set(None);
        self.done.set(false);
        self.err.set(None);
        self.confirmed.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            self.running.set(true);
            leptos::task::spawn_local(async move {
                let extra = [("autoconfig_scope", scope)];
                let url = crate::api::autoconfig::URL;
                let result = crate::browser::stream::post_form_lines(&form, url, &extra, |v| {
                    if v.get("step").is_some() {
                        self.steps.update(|s| s.push(v));
                    } else if let Some(found) = v.get("found") {
                        if !found.is_null() {
                            fill(found);
                            self.found.set(Some(found.clone()));
                        }
                        self.done.set(true);
                    } else if let Ok(e) = serde_json::from_value::<AppError>(v) {
                        self.err.set(Some(e));
                    }
                })
                .await;
                if let Err(e) = result {
                    self.err.set(Some(AppError::Transport(e)));
                }
                self.running.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form, scope, fill);
    }

    pub(crate) fn view(
        self,
        form: impl Fn() -> Option<leptos::web_sys::HtmlFormElement> + Copy + Send + Sync + 'static,
        scope: &'static str,
        fill: impl Fn(&Value) + Copy + Send + Sync + 'static,
    ) -> impl IntoView {
        let lang = use_lang();
        let m = move || lang.get().t().mail();
        view! {
            <div class="autoconfig" data-testid="autoconfig">
                <h3>{move || m().ac_title}</h3>
                <div class="row-form">
                    <label>{move || m().ac_address}
                        <input type="email" name="autoconfig_address" autocomplete="off" data-testid="autoconfig-address" />
                    </label>
                    <button type="button" data-testid="autoconfig-run" disabled=move || self.running.get()
                        on:click=move |_| self.start(form, scope, fill)>
                        {move || if self.running.get() { m().ac_running } else { m().ac_run }}
                    </button>
                </div>
                <crate::components::FieldMsg err=self.err() field="autoconfig_address" />
                <ol class="test-steps" data-testid="autoconfig-steps">
                    <For each=move || self.steps.get().into_iter().enumerate() key=|(i, _)| *i let:item>
                        {
                            let (_, v) = item;
                            let ok = v["ok"].as_bool().unwrap_or(false);
                            let skipped = v["skipped"].as_bool().unwrap_or(false);
                            let key = v["step"].as_str().unwrap_or_default().to_owned();
                            let key2 = key.clone();
                            let detail = if skipped { String::new() } else { v["detail"].as_str().unwrap_or_default().to_owned() };
                            view! {
                                <li class=if ok { "ok" } else { "fail" } data-testid="autoconfig-step" data-step=key2 data-ok=ok.to_string()>
                                    <span class="mark">{if ok { "✓" } else if skipped { "–" } else { "✗" }}</span>
                                    <span class="name">{move || m().ac_source(&key)}</span>
                                    <span class="ms">{format!("{} ms", v["ms"].as_u64().unwrap_or_default())}</span>
                                    <span class="detail" translate="no">{detail}</span>
                                    {skipped.then(|| view! { <span class="muted">{move || m().ac_skipped}</span> })}
                                </li>
                            }
                        }
                    </For>
                </ol>
                {move || self.done.get().then(|| match self.found.get() {
                    None => view! { <p class="field-warning" data-testid="autoconfig-none">{move || m().ac_not_found}</p> }.into_any(),
                    Some(f) => {
                        let confirm = f["confirm_hosts"] == true;
                        let not_offered: Vec<String> = f["not_offered"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_uppercase)).collect()).unwrap_or_default();
                        view! {
                            <div class="verdict ok" data-testid="autoconfig-found" data-source=f["source"].as_str().unwrap_or_default().to_owned()>
                                <strong>{move || m().ac_found}</strong>
                                <p class="muted" translate="no">{f["origin"].as_str().unwrap_or_default().to_owned()}</p>
                                {(!not_offered.is_empty()).then(|| view! {
                                    <p data-testid="autoconfig-not-offered">{move || m().ac_not_offered} ": " {not_offered.join(", ")}</p>
                                })}
                                {confirm.then(|| view! {
                                    <p class="field-warning" data-testid="autoconfig-confirm-text">{move || m().ac_confirm}</p>
                                    <label class="check">
                                        <input type="checkbox" data-testid="autoconfig-confirm"
                                            on:change=move |ev| self.confirmed.set(event_target_checked(&ev)) />
                                        {move || m().ac_confirmed}
                                    </label>
                                })}
                            </div>
                        }.into_any()
                    }
                })}
            </div>
        }
    }
}
