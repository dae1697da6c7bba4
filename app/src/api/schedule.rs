//! Server functions of スケジュール, 伝言, 通知メールの送信状況 and the
//! schedule settings. Dates are computed on the server in the
//! installation's time zone; the browser gets them ready to show.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::is_on;
use crate::error::AppError;
use crate::i18n::dates::Ymd;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, require};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: i32,
    pub title: String,
    pub place: String,
    pub all_day: bool,
    /// "HH:MM" on this day; empty when the entry began on an earlier day.
    pub from: String,
    /// "HH:MM" on this day; empty when the entry ends on a later day.
    pub to: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: Ymd,
    pub today: bool,
    pub in_month: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub user_id: i32,
    pub name: String,
    /// One list of cards per day of the row.
    pub cells: Vec<Vec<Card>>,
}

/// A week (one row per person) or a month (one row per week of the user).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// "week", "month" or "org"
    pub view: String,
    /// The month's first day (month view) or the Monday shown.
    pub first: Ymd,
    pub days: Vec<Day>,
    pub rows: Vec<Row>,
    pub prev: String,
    pub next: String,
    pub today: String,
    pub org: Option<i32>,
    pub orgs: Vec<crate::api::OrgDto>,
}

#[cfg(feature = "ssr")]
fn org_dtos(orgs: Vec<domain::orgs::Organisation>) -> Vec<crate::api::OrgDto> {
    orgs.into_iter()
        .map(|o| crate::api::OrgDto {
            id: o.id,
            name: o.name,
            parent_id: o.parent_id,
        })
        .collect()
}

/// 個人週間 (`view = "week"`), 個人月間 (`"month"`) or 組織週間 (`"org"`)
/// around `date` (today when empty).
#[server(prefix = "/api", endpoint = "schedule_calendar", output = crate::api::codec::Json)]
pub async fn schedule_calendar(
    view: String,
    date: String,
    org: Option<i32>,
) -> Result<Calendar, AppError> {
    use domain::schedule::calendar::{self, View};
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let at = domain::schedule::parse_date(&date);
    let view = View::parse(&view);
    let c = done(calendar::calendar(&state.db, &caller.user, view, at, org).await)?;
    let orgs = done(domain::orgs::list(&state.db).await)?;
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(Calendar {
        view: c.view.as_str().to_owned(),
        first: Ymd::from(c.first),
        days: c
            .days
            .iter()
            .map(|d| Day {
                date: Ymd::from(d.date),
                today: d.today,
                in_month: d.in_month,
            })
            .collect(),
        rows: c
            .rows
            .into_iter()
            .map(|r| Row {
                user_id: r.user_id,
                name: r.name,
                cells: r
                    .cells
                    .into_iter()
                    .map(|cards| {
                        cards
                            .into_iter()
                            .map(|k| Card {
                                id: k.id,
                                title: k.title,
                                place: k.place,
                                all_day: k.all_day,
                                from: k.from,
                                to: k.to,
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect(),
        prev: iso(c.prev),
        next: iso(c.next),
        today: iso(c.today),
        org: c.org,
        orgs: org_dtos(orgs),
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
    /// The local days of the start and of the end (the last day of an
    /// all-day entry), for 「2026年11月27日(金) 10:00〜11:00」.
    pub start_day: Ymd,
    pub end_day: Ymd,
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
    form.orgs = org_dtos(done(domain::orgs::list(&state.db).await)?);
    form.titles = done(domain::schedule::titles(&state.db).await)?;
    Ok(())
}

/// The form of a new entry on `date` (today when empty): the caller is
/// the first participant.
#[server(prefix = "/api", endpoint = "schedule_new_form", output = crate::api::codec::Json)]
pub async fn schedule_new_form(date: String) -> Result<EntryForm, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let d = domain::schedule::parse_date(&date).unwrap_or(today);
    let mut form = EntryForm {
        start_date: d.format("%Y/%m/%d").to_string(),
        end_date: d.format("%Y/%m/%d").to_string(),
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

#[server(prefix = "/api", endpoint = "schedule_entry", output = crate::api::codec::Json)]
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
    let mut form = EntryForm {
        id: Some(e.id),
        title: e.title.clone(),
        place: e.place.clone(),
        body: e.body.clone(),
        start_date: s.format("%Y/%m/%d").to_string(),
        start_time: s.format("%H:%M").to_string(),
        end_date: en.format("%Y/%m/%d").to_string(),
        end_time: en.format("%H:%M").to_string(),
        all_day: e.all_day,
        notify_method: e.notify_method.clone(),
        user_ids: d.participants.iter().map(|p| p.0).collect(),
        org_ids: d.org_ids.clone(),
        start_day: Ymd::from(s.date_naive()),
        end_day: Ymd::from(en.date_naive()),
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

/// The 予定の追加 / 予定の編集 form as posted. Participants come as
/// `user_ids[]` and `org_ids[]` (checkboxes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryInput {
    /// Empty for a new entry.
    #[serde(deserialize_with = "super::form::opt_num")]
    pub id: Option<i32>,
    pub title: String,
    pub place: String,
    pub body: String,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    #[serde(deserialize_with = "super::form::flag")]
    pub all_day: bool,
    /// メール and / or 伝言 (`notify_method[]`).
    #[serde(deserialize_with = "super::form::joined")]
    pub notify_method: String,
    #[serde(deserialize_with = "super::form::flag")]
    pub skip_self: bool,
    #[serde(deserialize_with = "super::form::nums")]
    pub user_ids: Vec<i32>,
    #[serde(deserialize_with = "super::form::nums")]
    pub org_ids: Vec<i32>,
}

/// 予定の追加 (no `id`) or 予定の編集.
#[server(prefix = "/api", endpoint = "save_schedule_entry", output = crate::api::codec::Json)]
pub async fn save_schedule_entry(
    #[server(flatten)] form: EntryInput,
) -> Result<SavedDto, AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::User).await?;
    let id = form.id;
    let input = domain::schedule::Input {
        title: form.title,
        place: form.place,
        body: form.body,
        start_date: form.start_date,
        start_time: form.start_time,
        end_date: form.end_date,
        end_time: form.end_time,
        all_day: form.all_day,
        notify_method: form.notify_method,
        skip_self: form.skip_self,
        user_ids: form.user_ids,
        org_ids: form.org_ids,
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

#[server(prefix = "/api", endpoint = "delete_schedule_entry", output = crate::api::codec::Json)]
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

#[server(prefix = "/api", endpoint = "list_memos", output = crate::api::codec::Json)]
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

#[server(prefix = "/api", endpoint = "mark_memo_read", output = crate::api::codec::Json)]
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
    /// Sending waits for the admin to sign in again (XOAUTH2認証).
    pub needs_reauth: bool,
}

#[server(prefix = "/api", endpoint = "list_outbox", output = crate::api::codec::Json)]
pub async fn list_outbox(#[server(default)] status: String) -> Result<OutboxDto, AppError> {
    let state = crate::server::auth::state()?;
    require(Need::Admin).await?;
    let tz = done(domain::locale::time_zone(&state.db).await)?;
    let filter = domain::outbox::Status::parse(&status);
    let rows = done(domain::outbox::list(&state.db, filter, 500).await)?;
    let counts = done(domain::outbox::counts(&state.db).await)?;
    let held = done(domain::mailserver::sending_held(&state.db).await)?;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
    };
    Ok(OutboxDto {
        needs_reauth: held.is_some(),
        status: filter.map(|s| s.as_str()).unwrap_or("").to_owned(),
        counts: counts
            .iter()
            .map(|(s, n)| (s.as_str().to_owned(), *n))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| OutboxRowDto {
                id: r.id,
                at: local(r.sent_at.unwrap_or(r.created_at)),
                next_try: if r.status == domain::outbox::QUEUED {
                    local(r.next_attempt_at)
                } else {
                    String::new()
                },
                status: r.status.as_str().to_owned(),
                recipient: r.recipient,
                subject: r.subject,
                reply: r.last_reply.unwrap_or_default(),
                attempts: r.attempts,
            })
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "resend_outbox", output = crate::api::codec::Json)]
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

#[server(prefix = "/api", endpoint = "schedule_settings", output = crate::api::codec::Json)]
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

#[server(prefix = "/api", endpoint = "save_schedule_titles", output = crate::api::codec::Json)]
pub async fn save_schedule_titles(titles: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::Admin).await?;
    done(domain::schedule::set_titles(&state.db, &caller.actor(), &titles).await)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "save_time_zone", output = crate::api::codec::Json)]
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
