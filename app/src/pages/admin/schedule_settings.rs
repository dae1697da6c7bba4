//! スケジュール設定 (the ▼選択 list of titles) and 言語及びタイムゾーン設定.
use leptos::prelude::*;

use super::AdminFrame;
use crate::api::schedule::{SaveScheduleTitles, SaveTimeZone, get_schedule_settings};
use crate::components::{FieldMsg, FormMsg, err_of, ok_of};
use crate::i18n::use_lang;

#[component]
pub fn ScheduleSettingsPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let titles = ServerAction::<SaveScheduleTitles>::new();
    let zone = ServerAction::<SaveTimeZone>::new();
    let data = Resource::new(
        move || (titles.version().get(), zone.version().get()),
        |_| get_schedule_settings(),
    );
    let (t_err, t_ok) = (err_of(titles.value()), ok_of(titles));
    let (z_err, z_ok) = (err_of(zone.value()), ok_of(zone));
    view! {
        <AdminFrame title=|t| t.sched().settings>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let s = data.await.unwrap_or_default();
                    view! {
                        <ActionForm action=titles attr:data-testid="titles-form">
                            <label>
                                {move || t().sched().titles}
                                <textarea name="titles" rows="8" data-testid="titles-input">{s.titles.clone()}</textarea>
                            </label>
                            <p class="hint">{move || t().sched().titles_hint}</p>
                            <FieldMsg err=t_err field="titles" />
                            <FormMsg err=t_err ok=t_ok />
                            <button type="submit" class="primary" data-testid="titles-save">{move || t().save}</button>
                        </ActionForm>
                        <h2 id="locale">{move || t().sched().locale}</h2>
                        <ActionForm action=zone attr:data-testid="time-zone-form">
                            <label>
                                {move || t().sched().time_zone}
                                <input type="text" name="time_zone" value=s.time_zone.clone() list="zones" data-testid="time-zone" />
                                <datalist id="zones">
                                    {s.zones.iter().map(|z| view! { <option value=z.clone()></option> }).collect_view()}
                                </datalist>
                            </label>
                            <p class="hint">{move || crate::components::with_literals(t().sched().time_zone_hint)}</p>
                            <FieldMsg err=z_err field="time_zone" />
                            <FormMsg err=z_err ok=z_ok />
                            <button type="submit" class="primary" data-testid="time-zone-save">{move || t().save}</button>
                        </ActionForm>
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}
