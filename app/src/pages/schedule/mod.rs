//! スケジュール: 個人週間 / 個人月間 / 組織週間, 予定の追加 / 編集 / 削除, and 伝言.
//! Navigation is plain links and GET forms, so every view also works before
//! or without JavaScript.
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::OrgDto;
use crate::api::schedule::*;
use crate::components::{FieldMsg, FormMsg, err_of, escape_html, options_html, org_tree};
use crate::i18n::{dates, use_lang};

#[component]
pub fn SchedulePage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let q = use_query_map();
    let key = move || {
        let q = q.read();
        (
            q.get("view").unwrap_or_default(),
            q.get("date").unwrap_or_default(),
            q.get("org").and_then(|o| o.parse::<i32>().ok()),
        )
    };
    let deleted = move || q.read().get("deleted").is_some();
    let cal = Resource::new(key, |(v, d, o)| schedule_calendar(v, d, o));
    view! {
        <section class="page schedule-page">
            <Show when=deleted>
                <p class="form-ok" role="status" data-testid="form-ok">{move || t().sched().deleted}</p>
            </Show>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match cal.await {
                        Ok(c) => view! { <CalendarView c /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A label chosen by the view, read in the current language.
type Label = fn(&crate::i18n::schedule::SchedTexts) -> &'static str;

#[component]
fn CalendarView(c: Calendar) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().sched();
    let view_name = c.view.clone();
    let tab = |v: &'static str, label: Label, date: &str| {
        let current = view_name == v;
        let href = format!("/schedule?view={v}&date={date}");
        view! {
            <a href=href class=if current { "tab current" } else { "tab" } data-testid=format!("view-{v}")
                aria-current=if current { "page" } else { "false" }>
                {move || label(lang.get().t().sched())}
            </a>
        }
    };
    let org_q = c.org.map(|o| format!("&org={o}")).unwrap_or_default();
    let nav = |date: &str| format!("/schedule?view={}&date={date}{org_q}", c.view);
    let (prev_label, next_label): (Label, Label) = if c.view == "month" {
        (|s| s.prev_month, |s| s.next_month)
    } else {
        (|s| s.prev_week, |s| s.next_week)
    };
    let month = c.view == "month";
    let org_form = (c.view == "org").then(|| {
        let opts = org_tree(&c.orgs)
            .into_iter()
            .map(|(o, depth)| (o.id.to_string(), crate::components::indent(&o.name, depth)));
        let selected = c.org.map(|o| o.to_string()).unwrap_or_default();
        let html = options_html(opts, &selected);
        view! {
            <form method="get" action="/schedule" class="inline-form org-pick" data-testid="org-pick">
                <input type="hidden" name="view" value="org" />
                <input type="hidden" name="date" value=c.days.first().map(|d| d.date.iso()).unwrap_or_default() />
                <label>{move || t().org} " "
                    <select name="org" data-testid="org-select" inner_html=html
                        data-action="submit"></select>
                </label>
                <noscript><button type="submit">"OK"</button></noscript>
            </form>
        }
    });
    let head_days = if month {
        c.days.iter().take(7).cloned().collect::<Vec<_>>()
    } else {
        c.days.clone()
    };
    let days = c.days.clone();
    let add_date = c
        .days
        .iter()
        .find(|d| d.today)
        .or(c.days.first())
        .map(|d| d.date.iso())
        .unwrap_or_default();
    let l = lang.get_untracked();
    let heading = if month {
        dates::month_title(l, c.first)
    } else {
        let last = c.days.last().map_or(c.first, |d| d.date);
        format!(
            "{} – {}",
            dates::date_long(l, c.first),
            dates::date_long(l, last)
        )
    };
    view! {
        <div class="sched-toolbar">
            <nav class="tabs" data-testid="schedule-views">
                {tab("week", |s| s.week, &c.today)}
                {tab("month", |s| s.month, &c.today)}
                {tab("org", |s| s.org_week, &c.today)}
            </nav>
            <a class="button primary" href=format!("/schedule/new?date={add_date}") data-testid="schedule-add">
                {move || t().add}
            </a>
        </div>
        <div class="sched-nav">
            <a href=nav(&c.prev) data-testid="schedule-prev">{move || prev_label(t())}</a>
            <a href=nav(&c.today) data-testid="schedule-today">{move || t().today}</a>
            <a href=nav(&c.next) data-testid="schedule-next">{move || next_label(t())}</a>
            <h1 data-testid="schedule-heading">{heading}</h1>
            {org_form}
        </div>
        <div class="calendar-scroll">
            <table class=if month { "calendar month" } else { "calendar week" } data-testid="calendar">
                <thead>
                    <tr>
                        {(!month).then(|| view! { <th class="who"></th> })}
                        {head_days.into_iter().map(|d| {
                            let class = format!("wd{}{}", d.date.wd, if d.today && !month { " today" } else { "" });
                            let label = if month { dates::weekday(l, d.date.wd).to_owned() } else { dates::day_label(l, d.date) };
                            view! { <th class=class>{label}</th> }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {c.rows.into_iter().enumerate().map(|(wi, row)| {
                        let row_days: Vec<Day> = if month { days.iter().skip(wi * 7).take(7).cloned().collect() } else { days.clone() };
                        view! {
                            <tr data-testid="calendar-row">
                                {(!month).then(|| view! { <th class="who" data-testid="row-name" translate="no">{row.name.clone()}</th> })}
                                {row.cells.into_iter().zip(row_days).map(|(cards, d)| {
                                    let class = format!("wd{}{}{}", d.date.wd, if d.today { " today" } else { "" }, if d.in_month { "" } else { " outside" });
                                    let day_no = d.date.d;
                                    let iso = d.date.iso();
                                    view! {
                                        <td class=class data-date=iso.clone()>
                                            {month.then(|| view! { <span class="day-no">{day_no}</span> })}
                                            {cards.into_iter().map(|card| {
                                                let time = dates::time_span(l, card.all_day, &card.from, &card.to);
                                                let tip = format!("{} {} {}", time, card.title, card.place);
                                                view! {
                                                <a class="card" href=format!("/schedule/entry/{}", card.id) data-testid="entry-card"
                                                    title=tip>
                                                    <span class="time">{time}</span>
                                                    <span class="title" translate="no">{card.title}</span>
                                                </a>
                                            }}).collect_view()}
                                            <a class="add-here" href=format!("/schedule/new?date={iso}") title=move || t().add aria-label=move || t().add>"+"</a>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn ScheduleNewPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let q = use_query_map();
    let form = Resource::new(
        move || q.read().get("date").unwrap_or_default(),
        schedule_new_form,
    );
    view! {
        <section class="page entry-page">
            <h1 data-testid="page-title">{move || t().sched().add}</h1>
            <Suspense fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(f) => view! { <EntryFormView f /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn ScheduleEntryPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let params = use_params_map();
    let q = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let entry = Resource::new(id, schedule_entry);
    let outcome = move || {
        let q = q.read();
        q.get("saved").map(|_| {
            let n = |k: &str| q.get(k).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
            (n("queued"), n("memos"), q.get("off"), q.get("missing"))
        })
    };
    view! {
        <section class="page entry-page">
            {move || outcome().map(|(queued, memos, off, missing)| {
                let s = t().sched();
                let mut lines = vec![s.saved.to_owned()];
                if queued > 0 { lines.push(format!("{queued}{}", s.queued_n)); }
                if memos > 0 { lines.push(format!("{memos}{}", s.memos_n)); }
                match off.as_deref() {
                    Some("disabled") => lines.push(s.mail_off.to_owned()),
                    Some("no_sender") => lines.push(s.no_sender.to_owned()),
                    _ => {}
                }
                view! {
                    <div class="form-ok" role="status" data-testid="entry-saved">
                        {lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                        {missing.map(|m| view! { <p class="field-warning" data-testid="not-notified">{s.not_notified}{m}</p> })}
                    </div>
                }
            })}
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match entry.await {
                        Ok(f) => view! { <EntryDetail f /> }.into_any(),
                        Err(e) => view! { <p class="form-error" data-testid="form-error">{e.message(lang.get_untracked().t())}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p><A href="/schedule" attr:data-testid="back-to-schedule">{move || t().sched().back}</A></p>
        </section>
    }
}

#[component]
fn EntryDetail(f: EntryForm) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().sched();
    let del = ServerAction::<DeleteScheduleEntry>::new();
    let del_err = err_of(del.value());
    let id = f.id.unwrap_or_default();
    let may_edit = f.may_edit;
    view! {
        <h1 data-testid="entry-title" translate="no">{f.title.clone()}</h1>
        <dl class="entry-facts">
            <dt>{move || t().date_time}</dt><dd data-testid="entry-when">{dates::when(lang.get_untracked(), f.start_day, &f.start_time, f.end_day, &f.end_time, f.all_day)}</dd>
            <dt>{move || t().place}</dt><dd data-testid="entry-place" translate="no">{f.place.clone()}</dd>
            <dt>{move || t().participants}</dt>
            <dd data-testid="entry-participants">
                {f.participants.iter().map(|p| {
                    let missing = !p.has_address;
                    view! {
                        <span class="participant"><span translate="no">{p.name.clone()}</span>
                            {missing.then(|| view! { <small class="muted">" (" {move || t().no_address} ")"</small> })}
                        </span>
                    }
                }).collect_view()}
            </dd>
            <dt>{move || t().author}</dt><dd data-testid="entry-author" translate="no">{f.author.clone()}</dd>
            <dt>{move || t().body}</dt><dd class="pre" data-testid="entry-body" translate="no">{f.body.clone()}</dd>
        </dl>
        {if may_edit {
            view! {
                <h2>{move || t().edit}</h2>
                <EntryFormView f=f.clone() />
                <ActionForm action=del attr:class="delete-form" attr:data-testid="entry-delete-form">
                    <input type="hidden" name="id" value=id />
                    <p class="muted">{move || t().delete_confirm}</p>
                    <label class="check">
                        <input type="checkbox" name="skip_self" value="on" data-testid="delete-skip-self" />
                        {move || t().skip_self}
                    </label>
                    <button type="submit" class="danger" data-testid="entry-delete">{move || t().delete}</button>
                    <FormMsg err=del_err />
                </ActionForm>
            }.into_any()
        } else {
            view! { <p class="muted" data-testid="entry-read-only">{move || t().read_only}</p> }.into_any()
        }}
    }
}

/// The 予定の追加/編集 form: a plain form (the server redirects to the
/// saved entry); 終日 and ▼選択 act in the page through two inline
/// handlers, so no bundle carries the form.
#[component]
fn EntryFormView(f: EntryForm) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().sched();
    let save = ServerAction::<SaveScheduleEntry>::new();
    let err = err_of(save.value());
    // ▼選択 is the first, selected entry; picking a title copies it into
    // the field, and the field's datalist offers the same list.
    let choose_label = lang.get_untracked().t().sched().choose;
    let titles_html = format!(
        "<option value=\"\" selected>{}</option>{}",
        escape_html(choose_label),
        options_html(f.titles.iter().map(|x| (x.clone(), x.clone())), "\u{0}")
    );
    let groups = participant_groups(&f.orgs, &f.people);
    let chosen = f.user_ids.clone();
    let chosen_orgs = f.org_ids.clone();
    let method = f.notify_method.clone();
    view! {
        <ActionForm action=save attr:class="entry-form" attr:data-testid="entry-form">
            {f.id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <fieldset class="when">
                <legend>{move || t().date_time} <span class="req">"*"</span></legend>
                <div class="row">
                    // Text, not the browser's date and time pickers: those
                    // follow the browser's language (12/08/2026, 10:00 AM),
                    // where the page reads 2026/12/08 10:00 whatever it is.
                    <input type="text" name="start_date" value=f.start_date.clone() class="date" inputmode="numeric"
                        placeholder="2026/12/08" data-testid="start-date" aria-label=move || t().start />
                    <input type="text" name="start_time" value=f.start_time.clone() class="time" inputmode="numeric"
                        placeholder="10:00" data-testid="start-time" aria-label=move || t().start disabled=f.all_day />
                    <span>"〜"</span>
                    <input type="text" name="end_date" value=f.end_date.clone() class="date" inputmode="numeric"
                        placeholder="2026/12/08" data-testid="end-date" aria-label=move || t().end />
                    <input type="text" name="end_time" value=f.end_time.clone() class="time" inputmode="numeric"
                        placeholder="10:00" data-testid="end-time" aria-label=move || t().end disabled=f.all_day />
                    <label class="check">
                        <input type="checkbox" name="all_day" value="on" checked=f.all_day data-testid="all-day"
                            data-action="all-day" />
                        {move || t().all_day}
                    </label>
                </div>
                <FieldMsg err field="start_date" />
                <FieldMsg err field="start_time" />
                <FieldMsg err field="end_date" />
                <FieldMsg err field="end_time" />
            </fieldset>
            <label>
                {move || t().subject} <span class="req">"*"</span>
                <span class="row">
                    <input type="text" name="title" maxlength="100" list="title-choices" data-testid="entry-title-input"
                        value=f.title.clone() />
                    <select class="choose" data-testid="title-choose" aria-label=move || t().choose inner_html=titles_html
                        data-action="set-title"></select>
                </span>
                <datalist id="title-choices">
                    {f.titles.iter().map(|x| view! { <option value=x.clone()></option> }).collect_view()}
                </datalist>
            </label>
            <FieldMsg err field="title" />
            <label>
                {move || t().place}
                <input type="text" name="place" maxlength="200" value=f.place.clone() data-testid="entry-place-input" />
            </label>
            <FieldMsg err field="place" />
            <label>
                {move || t().body}
                <textarea name="body" rows="4" data-testid="entry-body-input">{f.body.clone()}</textarea>
            </label>
            <FieldMsg err field="body" />
            <fieldset class="participants" data-testid="participants">
                <legend>{move || t().participants} <span class="req">"*"</span></legend>
                {groups.into_iter().map(|(org, depth, members)| {
                    let org_box = org.as_ref().map(|o| {
                        let checked = chosen_orgs.contains(&o.id);
                        view! {
                            <label class="check org">
                                <input type="checkbox" name="org_ids[]" value=o.id checked=checked data-testid=format!("org-{}", o.id) />
                                {move || t().whole_org}
                            </label>
                        }
                    });
                    let name = org.as_ref().map(|o| o.name.clone());
                    let open = members.iter().any(|m| chosen.contains(&m.id)) || org.as_ref().is_some_and(|o| chosen_orgs.contains(&o.id));
                    view! {
                        <details class="org-group" open=open style=format!("margin-left: {}em", depth)>
                            <summary>{name.unwrap_or_else(|| lang.get_untracked().t().sched().no_org.to_owned())} " (" {members.len()} ")"</summary>
                            {org_box}
                            {members.into_iter().map(|p| {
                                let checked = chosen.contains(&p.id);
                                let missing = !p.has_address;
                                view! {
                                    <label class="check person">
                                        <input type="checkbox" name="user_ids[]" value=p.id checked=checked data-testid=format!("participant-{}", p.id) />
                                        <span translate="no">{p.name.clone()}</span>
                                        {missing.then(|| view! { <small class="muted">" (" {move || t().no_address} ")"</small> })}
                                    </label>
                                }
                            }).collect_view()}
                        </details>
                    }
                }).collect_view()}
            </fieldset>
            <FieldMsg err field="participants" />
            // メール and 伝言 may both be chosen, as in the seed's form.
            <fieldset class="radio-group">
                <legend>{move || t().notify_method}</legend>
                <label class="check">
                    <input type="checkbox" name="notify_method[]" value="mail" checked=method != "memo" data-testid="notify-mail" />
                    {move || t().by_mail}
                </label>
                <label class="check">
                    <input type="checkbox" name="notify_method[]" value="memo" checked=method == "memo" || method == "both" data-testid="notify-memo" />
                    {move || t().by_memo}
                </label>
            </fieldset>
            <FieldMsg err field="notify_method" />
            <label class="check">
                <input type="checkbox" name="skip_self" value="on" data-testid="skip-self" />
                {move || t().skip_self}
            </label>
            <FormMsg err />
            <div class="actions">
                <button type="submit" class="primary" data-testid="entry-save">{move || lang.get().t().save}</button>
            </div>
        </ActionForm>
    }
}

/// Organisations in tree order with their members, then those without one.
fn participant_groups(orgs: &[OrgDto], people: &[Pick]) -> Vec<(Option<OrgDto>, usize, Vec<Pick>)> {
    let mut out: Vec<(Option<OrgDto>, usize, Vec<Pick>)> = org_tree(orgs)
        .into_iter()
        .map(|(o, depth)| {
            let members = people
                .iter()
                .filter(|p| p.org == Some(o.id))
                .cloned()
                .collect();
            (Some(o), depth, members)
        })
        .collect();
    let loose: Vec<Pick> = people
        .iter()
        .filter(|p| p.org.is_none_or(|id| !orgs.iter().any(|o| o.id == id)))
        .cloned()
        .collect();
    if !loose.is_empty() {
        out.push((None, 0, loose));
    }
    out
}

#[component]
pub fn MemosPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t().sched();
    let read = ServerAction::<MarkMemoRead>::new();
    let memos = Resource::new(move || read.version().get(), |_| list_memos());
    view! {
        <section class="page memos-page">
            <h1 data-testid="page-title">{move || t().memos}</h1>
            <Transition fallback=move || view! { <p>{move || lang.get().t().loading}</p> }>
                {move || Suspend::new(async move {
                    let list = memos.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="muted" data-testid="memo-empty">{move || t().memo_empty}</p> }.into_any();
                    }
                    view! {
                        <ul class="memo-list">
                            {list.into_iter().map(|m| view! {
                                <li class=if m.unread { "memo unread" } else { "memo" } data-testid="memo">
                                    <div class="memo-head">
                                        {m.unread.then(|| view! { <span class="badge" data-testid="memo-unread">{move || t().memo_unread}</span> })}
                                        <strong data-testid="memo-subject" translate="no">{m.subject.clone()}</strong>
                                        <span class="muted">{m.at.clone()}</span>
                                    </div>
                                    <div class="pre" translate="no">{m.body.clone()}</div>
                                    <div class="actions">
                                        {m.entry_id.map(|id| view! { <a href=format!("/schedule/entry/{id}")>{move || t().open_entry}</a> })}
                                        {m.unread.then(|| view! {
                                            <ActionForm action=read attr:class="inline-form">
                                                <input type="hidden" name="id" value=m.id />
                                                <button type="submit" data-testid="memo-read">{move || t().memo_mark_read}</button>
                                            </ActionForm>
                                        })}
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}
