//! Notification texts: one template per event, in the recipient's language,
//! and the Japanese/English date formats shared with the schedule screens.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

/// What happened to an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Created,
    Changed,
    Deleted,
}

impl Event {
    pub fn kind(self) -> &'static str {
        match self {
            Event::Created => "schedule.created",
            Event::Changed => "schedule.changed",
            Event::Deleted => "schedule.deleted",
        }
    }
}

/// The facts of an entry a notification tells.
pub struct EntryFacts<'a> {
    pub title: &'a str,
    pub place: &'a str,
    pub body: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    pub author: &'a str,
    pub participants: &'a [String],
    /// The entry's page; None for a deleted entry.
    pub link: Option<String>,
}

const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn is_en(lang: &str) -> bool {
    lang == "en"
}

/// 2026年11月27日(金) / Fri, Nov 27, 2026
pub fn date_long(lang: &str, d: NaiveDate) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    if is_en(lang) {
        format!(
            "{}, {} {}, {}",
            WEEKDAYS_EN[wd],
            MONTHS_EN[d.month0() as usize],
            d.day(),
            d.year()
        )
    } else {
        format!(
            "{}年{}月{}日({})",
            d.year(),
            d.month(),
            d.day(),
            WEEKDAYS_JA[wd]
        )
    }
}

/// 11/27(金) / Fri 11/27: the heading of a day column.
pub fn date_short(lang: &str, d: NaiveDate) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    if is_en(lang) {
        format!("{} {}/{}", WEEKDAYS_EN[wd], d.month(), d.day())
    } else {
        format!("{}/{}({})", d.month(), d.day(), WEEKDAYS_JA[wd])
    }
}

/// When an entry takes place, in the installation's zone:
/// 「2026年11月27日(金) 10:00〜11:00」, 「… 終日」, or both ends in full when
/// it spans days. An all-day entry's end is exclusive (the next midnight).
pub fn when(
    lang: &str,
    tz: Tz,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    all_day: bool,
) -> String {
    let s = starts.with_timezone(&tz);
    let e = ends.with_timezone(&tz);
    let all_day_word = if is_en(lang) { "all day" } else { "終日" };
    // ASCII in English: an en dash would push ISO-2022-JP mail to UTF-8.
    let sep = if is_en(lang) { " - " } else { "〜" };
    if all_day {
        let last = (e - chrono::Duration::seconds(1)).date_naive();
        if last <= s.date_naive() {
            format!("{} {all_day_word}", date_long(lang, s.date_naive()))
        } else {
            format!(
                "{}{sep}{} {all_day_word}",
                date_long(lang, s.date_naive()),
                date_long(lang, last)
            )
        }
    } else if s.date_naive() == e.date_naive() {
        format!(
            "{} {}{sep}{}",
            date_long(lang, s.date_naive()),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    } else {
        format!(
            "{} {}{sep}{} {}",
            date_long(lang, s.date_naive()),
            s.format("%H:%M"),
            date_long(lang, e.date_naive()),
            e.format("%H:%M")
        )
    }
}

pub fn subject(lang: &str, event: Event, f: &EntryFacts<'_>, tz: Tz) -> String {
    let s = f.starts_at.with_timezone(&tz);
    let d = s.date_naive();
    if is_en(lang) {
        let tag = match event {
            Event::Created => "New event",
            Event::Changed => "Event changed",
            Event::Deleted => "Event cancelled",
        };
        let time = if f.all_day {
            String::new()
        } else {
            format!(" {}", s.format("%H:%M"))
        };
        format!("[{tag}] {} ({}{time})", f.title, date_short(lang, d))
    } else {
        let tag = match event {
            Event::Created => "予定の追加",
            Event::Changed => "予定の変更",
            Event::Deleted => "予定の削除",
        };
        let time = if f.all_day {
            " 終日".to_owned()
        } else {
            format!(" {}", s.format("%H:%M"))
        };
        format!("【{tag}】{}（{}{time}）", f.title, date_short(lang, d))
    }
}

pub fn body(lang: &str, event: Event, f: &EntryFacts<'_>, tz: Tz, company: &str) -> String {
    let when = when(lang, tz, f.starts_at, f.ends_at, f.all_day);
    let mut out = String::new();
    let indent =
        |text: &str| -> String { text.lines().map(|l| format!("  {l}\n")).collect::<String>() };
    if is_en(lang) {
        let what = match event {
            Event::Created => "added an event",
            Event::Changed => "changed an event",
            Event::Deleted => "cancelled an event",
        };
        out.push_str(&format!("{} {what} you take part in.\n\n", f.author));
        out.push_str(&format!("Title:    {}\n", f.title));
        out.push_str(&format!("When:     {when}\n"));
        if !f.place.is_empty() {
            out.push_str(&format!("Where:    {}\n", f.place));
        }
        out.push_str(&format!("By:       {}\n", f.author));
        out.push_str(&format!("With:     {}\n", f.participants.join(", ")));
        if !f.body.is_empty() {
            out.push_str("Details:\n");
            out.push_str(&indent(f.body));
        }
        if let Some(link) = &f.link {
            out.push_str(&format!("\nOpen the event: {link}\n"));
        }
        out.push_str("\n-- \nSent automatically by Tayori");
        if !company.is_empty() {
            out.push_str(&format!(" ({company})"));
        }
        out.push_str(". Replies are not read.\n");
    } else {
        let what = match event {
            Event::Created => "予定を登録しました",
            Event::Changed => "予定を変更しました",
            Event::Deleted => "予定を削除しました",
        };
        out.push_str(&format!("{}さんが、あなたの参加する{what}。\n\n", f.author));
        out.push_str(&format!("予定　：{}\n", f.title));
        out.push_str(&format!("日時　：{when}\n"));
        if !f.place.is_empty() {
            out.push_str(&format!("場所　：{}\n", f.place));
        }
        out.push_str(&format!("登録者：{}\n", f.author));
        out.push_str(&format!("登録先：{}\n", f.participants.join("、")));
        if !f.body.is_empty() {
            out.push_str("内容　：\n");
            out.push_str(&indent(f.body));
        }
        if let Some(link) = &f.link {
            out.push_str(&format!("\n予定を開く：{link}\n"));
        }
        out.push_str("\n-- \n便り");
        if !company.is_empty() {
            out.push_str(&format!("（{company}）"));
        }
        out.push_str("からの自動送信メールです。このメールに返信しても読まれません。\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn japanese_dates_have_weekdays_in_the_installation_zone() {
        let tz = chrono_tz::Asia::Tokyo;
        // 01:00 UTC on the 27th is 10:00 in Tokyo.
        let s = at("2026-11-27T01:00:00Z");
        let e = at("2026-11-27T02:30:00Z");
        assert_eq!(
            when("ja", tz, s, e, false),
            "2026年11月27日(金) 10:00〜11:30"
        );
        assert_eq!(
            when("en", tz, s, e, false),
            "Fri, Nov 27, 2026 10:00 - 11:30"
        );
        // 20:00 UTC on the 27th is already Saturday in Tokyo.
        let late = at("2026-11-27T20:00:00Z");
        assert_eq!(
            when("ja", tz, late, late + chrono::Duration::hours(1), false),
            "2026年11月28日(土) 05:00〜06:00"
        );
        // All day: [local midnight, next local midnight).
        let day = at("2026-11-26T15:00:00Z");
        assert_eq!(
            when("ja", tz, day, day + chrono::Duration::days(1), true),
            "2026年11月27日(金) 終日"
        );
        assert_eq!(
            when("ja", tz, day, day + chrono::Duration::days(3), true),
            "2026年11月27日(金)〜2026年11月29日(日) 終日"
        );
    }

    #[test]
    fn templates_name_every_fact() {
        let parts = vec!["山田 太郎".to_owned(), "鈴木 花子".to_owned()];
        let f = EntryFacts {
            title: "定例会議",
            place: "会議室A",
            body: "議題:\n予算",
            starts_at: at("2026-11-27T01:00:00Z"),
            ends_at: at("2026-11-27T02:00:00Z"),
            all_day: false,
            author: "管理者",
            participants: &parts,
            link: Some("https://groupware.example.test/schedule/entry/7".into()),
        };
        let tz = chrono_tz::Asia::Tokyo;
        assert_eq!(
            subject("ja", Event::Created, &f, tz),
            "【予定の追加】定例会議（11/27(金) 10:00）"
        );
        assert_eq!(
            subject("en", Event::Deleted, &f, tz),
            "[Event cancelled] 定例会議 (Fri 11/27 10:00)"
        );
        let b = body("ja", Event::Changed, &f, tz, "便り商事");
        for want in [
            "管理者さんが、あなたの参加する予定を変更しました。",
            "日時　：2026年11月27日(金) 10:00〜11:00",
            "場所　：会議室A",
            "登録先：山田 太郎、鈴木 花子",
            "  議題:\n  予算\n",
            "予定を開く：https://groupware.example.test/schedule/entry/7",
            "便り（便り商事）からの自動送信メールです。",
        ] {
            assert!(b.contains(want), "missing {want:?} in\n{b}");
        }
    }
}
