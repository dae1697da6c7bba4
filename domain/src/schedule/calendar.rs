//! The grids of スケジュール: 個人週間 (the caller's week), 組織週間 (one row
//! per member of an organisation) and 個人月間 (the caller's month, one row
//! per week, Monday first). Days are local days of the installation's time
//! zone; an entry appears on every local day it overlaps. The grid is data
//! (dates, times of day, flags): the UI words it in the reader's language.
use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;

use super::{Entry, day_start, for_users};
use crate::Result;
use crate::users::User;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// 個人週間
    Week,
    /// 個人月間
    Month,
    /// 組織週間
    Org,
}

impl View {
    /// The view named in a URL; anything else is the week.
    pub fn parse(s: &str) -> View {
        match s {
            "month" => View::Month,
            "org" => View::Org,
            _ => View::Week,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            View::Week => "week",
            View::Month => "month",
            View::Org => "org",
        }
    }
}

/// An entry as seen on one day: the times are those that fall on that day
/// ("HH:MM"), empty when the entry began before it or ends after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub id: i32,
    pub title: String,
    pub place: String,
    pub all_day: bool,
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub today: bool,
    /// False for the days of the neighbouring months that fill a month's
    /// first and last week.
    pub in_month: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub user_id: i32,
    /// Empty in the month view (its rows are weeks, not people).
    pub name: String,
    /// One list of cards per day of the row.
    pub cells: Vec<Vec<Card>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub view: View,
    /// The first day of the month (month view) or the Monday shown.
    pub first: NaiveDate,
    /// Every day shown, in order: 7 for a week, whole weeks for a month.
    pub days: Vec<Day>,
    pub rows: Vec<Row>,
    pub prev: NaiveDate,
    pub next: NaiveDate,
    pub today: NaiveDate,
    /// The organisation shown by 組織週間.
    pub org: Option<i32>,
}

/// The calendar `view` around `at` (today when `None`) as `caller` sees it;
/// 組織週間 shows `org`, else the caller's own organisation, else the first.
pub async fn calendar(
    db: &DatabaseConnection,
    caller: &User,
    view: View,
    at: Option<NaiveDate>,
    org: Option<i32>,
) -> Result<Calendar> {
    let tz = crate::locale::time_zone(db).await?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let at = at.unwrap_or(today);
    if view == View::Month {
        return month(db, caller, tz, at, today).await;
    }
    let monday = monday_of(at);
    let dates: Vec<NaiveDate> = (0..7).map(|i| monday + Duration::days(i)).collect();
    let (org, people) = if view == View::Org {
        let chosen = match org.or(caller.organisation_id) {
            Some(id) => Some(id),
            None => crate::orgs::list(db).await?.first().map(|o| o.id),
        };
        let people = match chosen {
            Some(id) => crate::users::list(db, Some(Some(id)))
                .await?
                .into_iter()
                .filter(|u| !u.disabled)
                .map(|u| (u.id, u.name))
                .collect(),
            None => Vec::new(),
        };
        (chosen, people)
    } else {
        (None, vec![(caller.id, caller.name.clone())])
    };
    let ids: Vec<i32> = people.iter().map(|p| p.0).collect();
    let entries = for_users(
        db,
        &ids,
        day_start(tz, monday),
        day_start(tz, monday + Duration::days(7)),
    )
    .await?;
    let rows = people
        .into_iter()
        .map(|(user_id, name)| Row {
            user_id,
            name,
            cells: cells(tz, &entries, Some(user_id), &dates),
        })
        .collect();
    Ok(Calendar {
        view,
        first: monday,
        days: dates
            .iter()
            .map(|&date| Day {
                date,
                today: date == today,
                in_month: true,
            })
            .collect(),
        rows,
        prev: monday - Duration::days(7),
        next: monday + Duration::days(7),
        today,
        org,
    })
}

async fn month(
    db: &DatabaseConnection,
    caller: &User,
    tz: Tz,
    at: NaiveDate,
    today: NaiveDate,
) -> Result<Calendar> {
    let first = at.with_day(1).unwrap_or(at);
    let next = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let prev = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    let grid_start = monday_of(first);
    let grid_end = monday_of(next - Duration::days(1)) + Duration::days(7);
    let entries = for_users(
        db,
        &[caller.id],
        day_start(tz, grid_start),
        day_start(tz, grid_end),
    )
    .await?;
    let dates: Vec<NaiveDate> = (0..(grid_end - grid_start).num_days())
        .map(|i| grid_start + Duration::days(i))
        .collect();
    let rows = dates
        .chunks(7)
        .map(|week| Row {
            user_id: caller.id,
            name: String::new(),
            cells: cells(tz, &entries, None, week),
        })
        .collect();
    Ok(Calendar {
        view: View::Month,
        first,
        days: dates
            .iter()
            .map(|&date| Day {
                date,
                today: date == today,
                in_month: date.month() == first.month(),
            })
            .collect(),
        rows,
        prev,
        next,
        today,
        org: None,
    })
}

/// The cards of each of `dates`, of one participant or of all.
fn cells(
    tz: Tz,
    entries: &[(i32, Entry)],
    user: Option<i32>,
    dates: &[NaiveDate],
) -> Vec<Vec<Card>> {
    dates
        .iter()
        .map(|&d| {
            entries
                .iter()
                .filter(|(u, e)| user.is_none_or(|id| id == *u) && on_day(tz, e, d))
                .map(|(_, e)| card(tz, e, d))
                .collect()
        })
        .collect()
}

pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}

/// Whether `e` takes place on local day `d` (a zero-length entry counts on
/// the day of its instant).
pub fn on_day(tz: Tz, e: &Entry, d: NaiveDate) -> bool {
    let start = day_start(tz, d);
    let end = day_start(tz, d + Duration::days(1));
    (e.starts_at < end && e.ends_at > start)
        || (e.starts_at == e.ends_at && e.starts_at >= start && e.starts_at < end)
}

/// The card of `e` as seen on local day `d`.
fn card(tz: Tz, e: &Entry, d: NaiveDate) -> Card {
    let on_this_day = |t: chrono::DateTime<chrono::Utc>| {
        let t = t.with_timezone(&tz);
        if t.date_naive() == d {
            t.format("%H:%M").to_string()
        } else {
            String::new()
        }
    };
    let (from, to) = if e.all_day {
        (String::new(), String::new())
    } else {
        (on_this_day(e.starts_at), on_this_day(e.ends_at))
    };
    Card {
        id: e.id,
        title: e.title.clone(),
        place: e.place.clone(),
        all_day: e.all_day,
        from,
        to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn a_week_starts_on_monday() {
        assert_eq!(monday_of(date("2026-12-06")), date("2026-11-30"));
        assert_eq!(monday_of(date("2026-11-30")), date("2026-11-30"));
    }

    #[test]
    fn unknown_views_are_the_week() {
        assert_eq!(View::parse("month"), View::Month);
        assert_eq!(View::parse("org"), View::Org);
        assert_eq!(View::parse(""), View::Week);
        assert_eq!(View::parse("year"), View::Week);
    }
}
