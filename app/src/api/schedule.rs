//! Server functions of スケジュール, 伝言, 通知メールの送信状況 and the
//! schedule settings. Dates are computed on the server in the
//! installation's time zone; the browser gets them ready to show.
// A server function's arguments are its form's fields, one per input.
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::is_on;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: i32,
    pub title: String,
    pub place: String,
    /// 「10:00〜11:00」 or 「終日」 (as of this day).
    pub time: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// YYYY-MM-DD
    pub date: String,
    pub label: String,
    /// 0 = Monday … 6 = Sunday
    pub weekday: u8,
    pub today: bool,
    pub in_month: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub user_id: i32,
    pub name: String,
    /// One list of cards per day of `days`.
    pub cells: Vec<Vec<Card>>,
}

/// A week (one row per person) or a month (one row per week of the user).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub view: String,
    pub heading: String,
    pub days: Vec<Day>,
    pub rows: Vec<Row>,
    pub prev: String,
    pub next: String,
    pub today: String,
    pub org: Option<i32>,
    pub orgs: Vec<crate::api::OrgDto>,
}

#[cfg(feature = "ssr")]
mod calc {
    use chrono::{Datelike, Duration, NaiveDate};
    use chrono_tz::Tz;
    use domain::notify::date_short;
    use domain::schedule::{Entry, day_start};

    use super::Card;

    pub fn monday_of(d: NaiveDate) -> NaiveDate {
        d - Duration::days(d.weekday().num_days_from_monday().into())
    }

    /// The card of `e` as seen on local day `d`.
    pub fn card(lang: &str, tz: Tz, e: &Entry, d: NaiveDate) -> Card {
        let all_day_word = if lang == "en" { "All day" } else { "終日" };
        let time = if e.all_day {
            all_day_word.to_owned()
        } else {
            let s = e.starts_at.with_timezone(&tz);
            let en = e.ends_at.with_timezone(&tz);
            let from = if s.date_naive() == d {
                s.format("%H:%M").to_string()
            } else {
                String::new()
            };
            let to = if en.date_naive() == d {
                en.format("%H:%M").to_string()
            } else {
                String::new()
            };
            format!("{from}〜{to}")
        };
        Card {
            id: e.id,
            title: e.title.clone(),
            place: e.place.clone(),
            time,
        }
    }

    /// Whether `e` takes place on local day `d`.
    pub fn on_day(tz: Tz, e: &Entry, d: NaiveDate) -> bool {
        let start = day_start(tz, d);
        let end = day_start(tz, d + Duration::days(1));
        (e.starts_at < end && e.ends_at > start)
            || (e.starts_at == e.ends_at && e.starts_at >= start && e.starts_at < end)
    }

    pub fn day(lang: &str, d: NaiveDate, today: NaiveDate, month: Option<u32>) -> super::Day {
        super::Day {
            date: d.format("%Y-%m-%d").to_string(),
            label: date_short(lang, d),
            weekday: d.weekday().num_days_from_monday() as u8,
            today: d == today,
            in_month: month.is_none_or(|m| d.month() == m),
        }
    }
}

/// 個人週間 (`view = "week"`), 個人月間 (`"month"`) or 組織週間 (`"org"`)
/// around `date` (today when empty).
#[server(prefix = "/api", endpoint = "schedule_calendar")]
pub async fn schedule_calendar(
    view: String,
    date: String,
    org: Option<i32>,
) -> Result<Calendar, AppError> {
    use chrono::{Datelike, Duration, NaiveDate};
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let lang = caller.user.language.clone();
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let at = domain::schedule::parse_date(&date).unwrap_or(today);
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let orgs = done(domain::orgs::list(&state.db).await)?;
    let org_dtos: Vec<crate::api::OrgDto> = orgs
        .iter()
        .map(|o| crate::api::OrgDto {
            id: o.id,
            name: o.name.clone(),
            parent_id: o.parent_id,
        })
        .collect();
    let view = match view.as_str() {
        "month" | "org" => view,
        _ => "week".to_owned(),
    };
    if view == "month" {
        let first = NaiveDate::from_ymd_opt(at.year(), at.month(), 1).unwrap_or(at);
        let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
        let prev_month = (first - Duration::days(1)).with_day(1).unwrap_or(first);
        let grid_start = calc::monday_of(first);
        let last = next_month - Duration::days(1);
        let grid_end = calc::monday_of(last) + Duration::days(7);
        let entries = done(
            domain::schedule::for_users(
                &state.db,
                &[caller.user.id],
                domain::schedule::day_start(tz, grid_start),
                domain::schedule::day_start(tz, grid_end),
            )
            .await,
        )?;
        let days: Vec<NaiveDate> = (0..(grid_end - grid_start).num_days())
            .map(|i| grid_start + Duration::days(i))
            .collect();
        let rows = days
            .chunks(7)
            .map(|week| Row {
                user_id: caller.user.id,
                name: String::new(),
                cells: week
                    .iter()
                    .map(|d| {
                        entries
                            .iter()
                            .filter(|(_, e)| calc::on_day(tz, e, *d))
                            .map(|(_, e)| calc::card(&lang, tz, e, *d))
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let heading = if lang == "en" {
            first.format("%B %Y").to_string()
        } else {
            format!("{}年{}月", first.year(), first.month())
        };
        return Ok(Calendar {
            view,
            heading,
            days: days
                .iter()
                .map(|d| calc::day(&lang, *d, today, Some(first.month())))
                .collect(),
            rows,
            prev: fmt(prev_month),
            next: fmt(next_month),
            today: fmt(today),
            org: None,
            orgs: org_dtos,
        });
    }
    let monday = calc::monday_of(at);
    let days: Vec<NaiveDate> = (0..7).map(|i| monday + Duration::days(i)).collect();
    let people: Vec<(i32, String)> = if view == "org" {
        let chosen = org
            .or(caller.user.organisation_id)
            .or(orgs.first().map(|o| o.id));
        match chosen {
            Some(id) => done(domain::users::list(&state.db, Some(Some(id))).await)?
                .into_iter()
                .filter(|u| !u.disabled)
                .map(|u| (u.id, u.name))
                .collect(),
            None => Vec::new(),
        }
    } else {
        vec![(caller.user.id, caller.user.name.clone())]
    };
    let ids: Vec<i32> = people.iter().map(|p| p.0).collect();
    let entries = done(
        domain::schedule::for_users(
            &state.db,
            &ids,
            domain::schedule::day_start(tz, monday),
            domain::schedule::day_start(tz, monday + Duration::days(7)),
        )
        .await,
    )?;
    let rows = people
        .into_iter()
        .map(|(uid, name)| Row {
            user_id: uid,
            name,
            cells: days
                .iter()
                .map(|d| {
                    entries
                        .iter()
                        .filter(|(u, e)| *u == uid && calc::on_day(tz, e, *d))
                        .map(|(_, e)| calc::card(&lang, tz, e, *d))
                        .collect()
                })
                .collect(),
        })
        .collect();
    let heading = format!(
        "{} – {}",
        domain::notify::date_long(&lang, days[0]),
        domain::notify::date_long(&lang, days[6])
    );
    Ok(Calendar {
        org: if view == "org" {
            org.or(caller.user.organisation_id)
                .or(orgs.first().map(|o| o.id))
        } else {
            None
        },
        view,
        heading,
        days: days
            .iter()
            .map(|d| calc::day(&lang, *d, today, None))
            .collect(),
        rows,
        prev: fmt(monday - Duration::days(7)),
        next: fmt(monday + Duration::days(7)),
        today: fmt(today),
        orgs: org_dtos,
    })
}

/// Someone who can be chosen as a participant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub id: i32,
    pub name: String,
    pub org: Option<i32>,
    pub has_address: bool,
}

/// An entry as the form shows it (local dates and times).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryForm {
    pub id: Option<i32>,
    pub title: String,
    pub place: String,
    pub body: String,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub all_day: bool,
    pub notify_method: String,
    pub user_ids: Vec<i32>,
    pub org_ids: Vec<i32>,
    /// 「2026年11月27日(金) 10:00〜11:00」
    pub when: String,
    pub author: String,
    pub participants: Vec<Pick>,
    pub may_edit: bool,
    /// What the form offers.
    pub people: Vec<Pick>,
    pub orgs: Vec<crate::api::OrgDto>,
    pub titles: Vec<String>,
}

#[cfg(feature = "ssr")]
async fn form_choices(
    state: &crate::server::state::AppState,
    form: &mut EntryForm,
) -> Result<(), AppError> {
    let users = done(domain::users::list(&state.db, None).await)?;
    form.people = users
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| Pick {
            id: u.id,
            name: u.name,
            org: u.organisation_id,
            has_address: u.email.is_some(),
        })
        .collect();
    form.orgs = done(domain::orgs::list(&state.db).await)?
        .into_iter()
        .map(|o| crate::api::OrgDto {
            id: o.id,
            name: o.name,
            parent_id: o.parent_id,
        })
        .collect();
    form.titles = done(domain::schedule::titles(&state.db).await)?;
    Ok(())
}

/// The form of a new entry on `date` (today when empty): the caller is
/// the first participant.
#[server(prefix = "/api", endpoint = "schedule_new_form")]
pub async fn schedule_new_form(date: String) -> Result<EntryForm, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let d = domain::schedule::parse_date(&date).unwrap_or(today);
    let mut form = EntryForm {
        start_date: d.format("%Y-%m-%d").to_string(),
        end_date: d.format("%Y-%m-%d").to_string(),
        start_time: "10:00".into(),
        end_time: "11:00".into(),
        notify_method: "mail".into(),
        user_ids: vec![caller.user.id],
        may_edit: true,
        ..Default::default()
    };
    form_choices(&state, &mut form).await?;
    Ok(form)
}

#[server(prefix = "/api", endpoint = "schedule_entry")]
pub async fn schedule_entry(id: i32) -> Result<EntryForm, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let d = done(domain::schedule::get(&state.db, id, &caller.user).await)?;
    let e = &d.entry;
    let s = e.starts_at.with_timezone(&tz);
    let mut en = e.ends_at.with_timezone(&tz);
    if e.all_day {
        // Stored as the next midnight; the form shows the last day.
        en -= chrono::Duration::seconds(1);
    }
    let lang = caller.user.language.clone();
    let mut form = EntryForm {
        id: Some(e.id),
        title: e.title.clone(),
        place: e.place.clone(),
        body: e.body.clone(),
        start_date: s.format("%Y-%m-%d").to_string(),
        start_time: s.format("%H:%M").to_string(),
        end_date: en.format("%Y-%m-%d").to_string(),
        end_time: en.format("%H:%M").to_string(),
        all_day: e.all_day,
        notify_method: e.notify_method.clone(),
        user_ids: d.participants.iter().map(|p| p.0).collect(),
        org_ids: d.org_ids.clone(),
        when: domain::notify::when(&lang, tz, e.starts_at, e.ends_at, e.all_day),
        author: d.author_name.clone().unwrap_or_default(),
        may_edit: d.may_edit,
        ..Default::default()
    };
    form_choices(&state, &mut form).await?;
    form.participants = d
        .participants
        .iter()
        .map(|(id, name)| Pick {
            id: *id,
            name: name.clone(),
            org: None,
            has_address: form.people.iter().any(|p| p.id == *id && p.has_address),
        })
        .collect();
    Ok(form)
}

/// What a save or delete did, for the message under the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDto {
    pub id: i32,
    pub mails_queued: u32,
    pub memos_left: u32,
    pub without_address: Vec<String>,
    /// "disabled" or "no_sender" when no mail could be queued.
    pub mail_off: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<domain::schedule::Saved> for SavedDto {
    fn from(s: domain::schedule::Saved) -> Self {
        use domain::schedule::MailOff;
        SavedDto {
            id: s.id,
            mails_queued: s.mails_queued,
            memos_left: s.memos_left,
            without_address: s.without_address,
            mail_off: s.mail_off.map(|m| {
                match m {
                    MailOff::Disabled => "disabled",
                    MailOff::NoSender => "no_sender",
                }
                .to_owned()
            }),
        }
    }
}

/// 予定の追加 (no `id`) or 予定の編集. Participants come as `user_ids[]` and
/// `org_ids[]` (checkboxes).
#[server(prefix = "/api", endpoint = "save_schedule_entry")]
pub async fn save_schedule_entry(
    #[server(default)] id: Option<i32>,
    title: String,
    #[server(default)] place: String,
    #[server(default)] body: String,
    #[server(default)] start_date: String,
    #[server(default)] start_time: String,
    #[server(default)] end_date: String,
    #[server(default)] end_time: String,
    #[server(default)] all_day: Option<String>,
    #[server(default)] notify_method: String,
    #[server(default)] skip_self: Option<String>,
    #[server(default)] user_ids: Vec<i32>,
    #[server(default)] org_ids: Vec<i32>,
) -> Result<SavedDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let input = domain::schedule::Input {
        title,
        place,
        body,
        start_date,
        start_time,
        end_date,
        end_time,
        all_day: is_on(&all_day),
        notify_method,
        skip_self: is_on(&skip_self),
        user_ids,
        org_ids,
    };
    let saved = match id {
        Some(id) => {
            domain::schedule::update(
                &state.db,
                &caller.user,
                &caller.actor(),
                &state.public_url,
                id,
                &input,
            )
            .await
        }
        None => {
            domain::schedule::create(
                &state.db,
                &caller.user,
                &caller.actor(),
                &state.public_url,
                &input,
            )
            .await
        }
    };
    let saved: SavedDto = done(saved)?.into();
    state.outbox_wake.notify_one();
    crate::server::auth::redirect_form_post(&saved_url(&saved));
    Ok(saved)
}

#[server(prefix = "/api", endpoint = "delete_schedule_entry")]
pub async fn delete_schedule_entry(
    id: i32,
    #[server(default)] skip_self: Option<String>,
) -> Result<SavedDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let saved = done(
        domain::schedule::delete(
            &state.db,
            &caller.user,
            &caller.actor(),
            &state.public_url,
            id,
            is_on(&skip_self),
        )
        .await,
    )?;
    state.outbox_wake.notify_one();
    crate::server::auth::redirect_form_post("/schedule?deleted=1");
    Ok(saved.into())
}

// ------------------------------------------------------------------ 伝言

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoDto {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub entry_id: Option<i32>,
    pub at: String,
    pub unread: bool,
}

#[server(prefix = "/api", endpoint = "list_memos")]
pub async fn list_memos() -> Result<Vec<MemoDto>, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    Ok(
        done(domain::memos::list(&state.db, caller.user.id, 200).await)?
            .into_iter()
            .map(|m| MemoDto {
                id: m.id,
                subject: m.subject,
                body: m.body,
                entry_id: m.entry_id,
                at: m
                    .created_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                unread: m.read_at.is_none(),
            })
            .collect(),
    )
}

#[server(prefix = "/api", endpoint = "mark_memo_read")]
pub async fn mark_memo_read(id: i64) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    done(domain::memos::mark_read(&state.db, caller.user.id, id).await)?;
    crate::server::auth::redirect_form_post("/memos");
    Ok(())
}

// ------------------------------------------------ 通知メールの送信状況

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRowDto {
    pub id: i64,
    pub status: String,
    pub at: String,
    pub recipient: String,
    pub subject: String,
    pub reply: String,
    pub attempts: i32,
    pub next_try: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxDto {
    pub status: String,
    pub counts: Vec<(String, u64)>,
    pub rows: Vec<OutboxRowDto>,
}

#[server(prefix = "/api", endpoint = "list_outbox")]
pub async fn list_outbox(#[server(default)] status: String) -> Result<OutboxDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let filter = match status.as_str() {
        "queued" | "sending" | "sent" | "failed" => Some(status.as_str()),
        _ => None,
    };
    let rows = done(domain::outbox::list(&state.db, filter, 500).await)?;
    let counts = done(domain::outbox::counts(&state.db).await)?;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
    };
    Ok(OutboxDto {
        status: filter.unwrap_or("").to_owned(),
        counts: counts.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect(),
        rows: rows
            .into_iter()
            .map(|r| OutboxRowDto {
                id: r.id,
                at: local(r.sent_at.unwrap_or(r.created_at)),
                next_try: if r.status == "queued" {
                    local(r.next_attempt_at)
                } else {
                    String::new()
                },
                status: r.status,
                recipient: r.recipient,
                subject: r.subject,
                reply: r.last_reply.unwrap_or_default(),
                attempts: r.attempts,
            })
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "resend_outbox")]
pub async fn resend_outbox(id: i64) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::outbox::resend(&state.db, id).await)?;
    let _ = domain::audit::record(
        &state.db,
        &caller.actor(),
        "outbox.resend",
        &format!("outbox {id}"),
        "",
    )
    .await;
    state.outbox_wake.notify_one();
    crate::server::auth::redirect_form_post("/admin/outbox?status=queued");
    Ok(())
}

// ------------------------------------------------------ settings

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSettingsDto {
    pub titles: String,
    pub time_zone: String,
    pub zones: Vec<String>,
}

#[server(prefix = "/api", endpoint = "schedule_settings")]
pub async fn get_schedule_settings() -> Result<ScheduleSettingsDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    Ok(ScheduleSettingsDto {
        titles: done(domain::schedule::titles(&state.db).await)?.join("\n"),
        time_zone: tz.name().to_owned(),
        zones: domain::locale::COMMON_ZONES
            .iter()
            .map(|z| (*z).to_owned())
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "save_schedule_titles")]
pub async fn save_schedule_titles(titles: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::schedule::set_titles(&state.db, &caller.actor(), &titles).await)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "save_time_zone")]
pub async fn save_time_zone(time_zone: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::locale::set_time_zone(&state.db, &caller.actor(), &time_zone).await)?;
    Ok(())
}

/// Where a save lands: the entry, with what the save did in the query so
/// the message survives the navigation (and a plain form post's redirect).
pub fn saved_url(s: &SavedDto) -> String {
    let mut url = format!(
        "/schedule/entry/{}?saved=1&queued={}&memos={}",
        s.id, s.mails_queued, s.memos_left
    );
    if let Some(off) = &s.mail_off {
        url.push_str(&format!("&off={}", crate::url::query_value(off)));
    }
    if !s.without_address.is_empty() {
        url.push_str(&format!(
            "&missing={}",
            crate::url::query_value(&s.without_address.join("、"))
        ));
    }
    url
}
