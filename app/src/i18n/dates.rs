//! Dates and times of day in words: the calendar's headings, a day column's
//! label, when an entry takes place. Server functions send the parts of a
//! local date ([`Ymd`]); the words are chosen here, per language, like every
//! other label. Only server-rendered pages call these, so none of it reaches
//! the browser bundles.
use serde::{Deserialize, Serialize};

use super::Lang;

/// A local day of the installation's time zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ymd {
    pub y: i32,
    pub m: u8,
    pub d: u8,
    /// 0 = Monday … 6 = Sunday
    pub wd: u8,
}

impl Ymd {
    /// YYYY-MM-DD, as the pages' links and date inputs carry it.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

#[cfg(feature = "ssr")]
impl From<chrono::NaiveDate> for Ymd {
    fn from(d: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Ymd {
            y: d.year(),
            // Month and day always fit (1–12, 1–31).
            m: d.month() as u8,
            d: d.day() as u8,
            wd: d.weekday().num_days_from_monday() as u8,
        }
    }
}

/// A local day and time of day ("HH:MM"): when a message was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub day: Ymd,
    pub time: String,
}

/// 「2026年11月28日(土) 10:00」 / 「Sat 2026-11-28 10:00」: the reading
/// pane's date.
pub fn stamp_long(lang: Lang, s: &Stamp) -> String {
    match lang {
        Lang::Ja => format!(
            "{}年{}月{}日({}) {}",
            s.day.y,
            s.day.m,
            s.day.d,
            weekday(lang, s.day.wd),
            s.time
        ),
        Lang::En => format!("{} {} {}", weekday(lang, s.day.wd), s.day.iso(), s.time),
    }
}

const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// 月 / Mon
pub fn weekday(lang: Lang, wd: u8) -> &'static str {
    let i = usize::from(wd.min(6));
    match lang {
        Lang::Ja => WEEKDAYS_JA[i],
        Lang::En => WEEKDAYS_EN[i],
    }
}

fn month_name(m: u8) -> &'static str {
    MONTHS_EN[usize::from(m.clamp(1, 12) - 1)]
}

/// 2026年12月 / December 2026: the heading of 個人月間.
pub fn month_title(lang: Lang, d: Ymd) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月", d.y, d.m),
        Lang::En => format!("{} {}", month_name(d.m), d.y),
    }
}

/// 11/27(金) / Fri 11/27: the heading of a day column.
pub fn day_label(lang: Lang, d: Ymd) -> String {
    match lang {
        Lang::Ja => format!("{}/{}({})", d.m, d.d, weekday(lang, d.wd)),
        Lang::En => format!("{} {}/{}", weekday(lang, d.wd), d.m, d.d),
    }
}

/// 2026年11月27日(金) / Fri, November 27, 2026
pub fn date_long(lang: Lang, d: Ymd) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月{}日({})", d.y, d.m, d.d, weekday(lang, d.wd)),
        Lang::En => format!(
            "{}, {} {}, {}",
            weekday(lang, d.wd),
            month_name(d.m),
            d.d,
            d.y
        ),
    }
}

/// 「10:00〜11:00」, 「〜11:00」 (began the day before) or 「終日」.
pub fn time_span(lang: Lang, all_day: bool, from: &str, to: &str) -> String {
    if all_day {
        lang.t().sched().all_day.to_owned()
    } else {
        format!("{from}〜{to}")
    }
}

/// When an entry takes place: 「2026年11月27日(金) 10:00〜11:00」,
/// 「… 終日」, or both ends in full when it spans days. `end` is the last day
/// (inclusive) of an all-day entry.
pub fn when(lang: Lang, start: Ymd, from: &str, end: Ymd, to: &str, all_day: bool) -> String {
    let all_day_word = lang.t().sched().all_day;
    let sep = match lang {
        Lang::Ja => "〜",
        Lang::En => " - ",
    };
    match (all_day, start == end) {
        (true, true) => format!("{} {all_day_word}", date_long(lang, start)),
        (true, false) => format!(
            "{}{sep}{} {all_day_word}",
            date_long(lang, start),
            date_long(lang, end)
        ),
        (false, true) => format!("{} {from}{sep}{to}", date_long(lang, start)),
        (false, false) => format!(
            "{} {from}{sep}{} {to}",
            date_long(lang, start),
            date_long(lang, end)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRI: Ymd = Ymd {
        y: 2026,
        m: 11,
        d: 27,
        wd: 4,
    };

    #[test]
    fn dates_read_in_each_language() {
        assert_eq!(date_long(Lang::Ja, FRI), "2026年11月27日(金)");
        assert_eq!(date_long(Lang::En, FRI), "Fri, November 27, 2026");
        assert_eq!(day_label(Lang::Ja, FRI), "11/27(金)");
        assert_eq!(day_label(Lang::En, FRI), "Fri 11/27");
        assert_eq!(month_title(Lang::Ja, FRI), "2026年11月");
        assert_eq!(month_title(Lang::En, FRI), "November 2026");
        assert_eq!(FRI.iso(), "2026-11-27");
        let at = Stamp {
            day: FRI,
            time: "09:05".into(),
        };
        assert_eq!(stamp_long(Lang::Ja, &at), "2026年11月27日(金) 09:05");
        assert_eq!(stamp_long(Lang::En, &at), "Fri 2026-11-27 09:05");
    }

    #[test]
    fn an_entry_over_two_days_names_both() {
        let sat = Ymd {
            d: 28,
            wd: 5,
            ..FRI
        };
        assert_eq!(
            when(Lang::Ja, FRI, "10:00", FRI, "11:00", false),
            "2026年11月27日(金) 10:00〜11:00"
        );
        assert_eq!(
            when(Lang::Ja, FRI, "", sat, "", true),
            "2026年11月27日(金)〜2026年11月28日(土) 終日"
        );
        assert_eq!(
            when(Lang::En, FRI, "09:00", sat, "17:00", false),
            "Fri, November 27, 2026 09:00 - Sat, November 28, 2026 17:00"
        );
    }
}
