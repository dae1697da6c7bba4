//! スケジュール: entries with participants (users and whole organisations),
//! and their notifications. A notification — a queued mail in the outbox or
//! a 伝言 — is written in the same transaction as the change it tells of, so
//! a saved entry always has its notifications and a failed save has none.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::notify::{self, EntryFacts, Event};
use crate::users::User;
use crate::validate::Checks;
use crate::{Code, Error, Result};

pub use crate::entity::schedule_entries as entry;

pub use crate::entity::schedule_participants as participant;

pub use crate::entity::schedule_entry_orgs as entry_org;

pub use crate::entity::schedule_titles as title;

pub use entry::Model as Entry;

pub mod calendar;

pub const MAIL: &str = "mail";
pub const MEMO: &str = "memo";
/// メール and 伝言 together.
pub const BOTH: &str = "both";
pub const TITLE_MAX: u32 = 100;
pub const PLACE_MAX: u32 = 200;
pub const BODY_MAX: u32 = 10_000;
pub const TITLE_LABEL_MAX: u32 = 50;
pub const TITLES_MAX: usize = 50;

/// The 予定の追加/編集 form as typed (dates and times in the installation's
/// zone).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Input {
    pub title: String,
    pub place: String,
    pub body: String,
    /// YYYY-MM-DD
    pub start_date: String,
    /// HH:MM; ignored for 終日
    pub start_time: String,
    /// Empty: the start date.
    pub end_date: String,
    /// Empty: an hour after the start.
    pub end_time: String,
    pub all_day: bool,
    /// "mail", "memo" (伝言) or "both"; the form's two boxes as a list
    /// ("mail,memo") are read too.
    pub notify_method: String,
    /// 自分には通知しない
    pub skip_self: bool,
    pub user_ids: Vec<i32>,
    pub org_ids: Vec<i32>,
}

struct Checked {
    title: String,
    place: String,
    body: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    all_day: bool,
    method: &'static str,
    skip_self: bool,
}

/// Full-width digits and separators, as a Japanese input method types
/// them, read as their ASCII forms.
fn narrow(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '／' => '/',
            '：' => ':',
            'ー' | '－' => '-',
            c => c,
        })
        .collect()
}

/// A date as typed: 2026/12/08 (the form's own), 2026-12-08 or in
/// full-width digits.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = narrow(s).replace('/', "-");
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
}

/// A time as typed: 10:00, or in full-width digits.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(&narrow(s), "%H:%M").ok()
}

/// Local wall-clock time to UTC. In a DST gap the earliest valid reading
/// wins; zones without DST (Asia/Tokyo) never meet one.
pub fn local_to_utc(tz: Tz, d: NaiveDate, t: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&d.and_time(t))
        .earliest()
        .map(|x| x.with_timezone(&Utc))
}

/// Local midnight of `d`, in UTC.
pub fn day_start(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    local_to_utc(tz, d, NaiveTime::MIN).unwrap_or_else(|| d.and_time(NaiveTime::MIN).and_utc())
}

fn check(input: &Input, tz: Tz) -> Result<Checked> {
    let mut c = Checks::default();
    let title = c.text("title", &input.title, TITLE_MAX);
    let place = optional_text(&mut c, "place", &input.place, PLACE_MAX);
    let body = input.body.trim_end().to_owned();
    if body.chars().count() > BODY_MAX as usize {
        c.push("body", Code::TooLong { max: BODY_MAX });
    }
    let start_date = parse_date(&input.start_date);
    if start_date.is_none() {
        c.push(
            "start_date",
            if input.start_date.trim().is_empty() {
                Code::Required
            } else {
                Code::InvalidDate
            },
        );
    }
    let end_date = if input.end_date.trim().is_empty() {
        start_date
    } else {
        let d = parse_date(&input.end_date);
        if d.is_none() {
            c.push("end_date", Code::InvalidDate);
        }
        d
    };
    let mut span = None;
    if input.all_day {
        if let (Some(s), Some(e)) = (start_date, end_date) {
            if e < s {
                c.push("end_date", Code::EndBeforeStart);
            } else {
                span = Some((
                    day_start(tz, s),
                    day_start(tz, e + chrono::Duration::days(1)),
                ));
            }
        }
    } else {
        let st = parse_time(&input.start_time);
        if st.is_none() {
            c.push(
                "start_time",
                if input.start_time.trim().is_empty() {
                    Code::Required
                } else {
                    Code::InvalidTime
                },
            );
        }
        let et = if input.end_time.trim().is_empty() {
            None
        } else {
            let t = parse_time(&input.end_time);
            if t.is_none() {
                c.push("end_time", Code::InvalidTime);
            }
            t
        };
        if let (Some(sd), Some(st), Some(ed)) = (start_date, st, end_date) {
            let starts = local_to_utc(tz, sd, st);
            let ends = match et {
                Some(et) => local_to_utc(tz, ed, et),
                None if input.end_time.trim().is_empty() => {
                    starts.map(|s| s + chrono::Duration::hours(1))
                }
                None => None,
            };
            match (starts, ends) {
                (Some(s), Some(e)) if e < s => c.push("end_time", Code::EndBeforeStart),
                (Some(s), Some(e)) => span = Some((s, e)),
                (None, _) => c.push("start_time", Code::InvalidTime),
                _ => {}
            }
        }
    }
    let chosen: Vec<&str> = input
        .notify_method
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let method = match (chosen.contains(&MAIL), chosen.contains(&MEMO)) {
        _ if chosen.contains(&BOTH) => BOTH,
        (true, true) => BOTH,
        (false, true) => MEMO,
        (true, false) if chosen.iter().all(|m| *m == MAIL) => MAIL,
        // Neither box (or a method Tayori does not know): the form asks.
        _ => {
            c.push("notify_method", Code::Required);
            MAIL
        }
    };
    if input.user_ids.is_empty() && input.org_ids.is_empty() {
        c.push("participants", Code::Required);
    }
    c.finish()?;
    let (starts_at, ends_at) = span.ok_or(Error::field("start_date", Code::InvalidDate))?;
    Ok(Checked {
        title,
        place,
        body,
        starts_at,
        ends_at,
        all_day: input.all_day,
        method,
        skip_self: input.skip_self,
    })
}

fn optional_text(c: &mut Checks, field: &'static str, value: &str, max: u32) -> String {
    let v = value.trim();
    if v.chars().count() > max as usize {
        c.push(field, Code::TooLong { max });
    } else if v.chars().any(char::is_control) {
        c.push(field, Code::InvalidChars);
    }
    v.to_owned()
}

/// Why no mail was queued although 通知の方法 is メール.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailOff {
    /// メール通知設定 is off (or the mail server was never set up).
    Disabled,
    /// The chosen sender (the author's or the company's address) is missing.
    NoSender,
}

/// What a save did, for the message under the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub id: i32,
    pub mails_queued: u32,
    pub memos_left: u32,
    /// Participants to be told who have no 職場用メールアドレス.
    pub without_address: Vec<String>,
    pub mail_off: Option<MailOff>,
}

/// What a notification needs besides the entry, read before the transaction.
struct NotifyContext {
    tz: Tz,
    settings: crate::mailserver::View,
    company: crate::company::CompanyInfo,
    base_url: String,
}

async fn notify_context(db: &DatabaseConnection, base_url: &str) -> Result<NotifyContext> {
    Ok(NotifyContext {
        tz: crate::locale::time_zone(db).await?,
        settings: crate::mailserver::view(db).await?,
        company: crate::company::get(db).await?,
        base_url: base_url.trim_end_matches('/').to_owned(),
    })
}

/// The active users an entry is for: those chosen, and every member of the
/// chosen organisations and their sub-organisations.
async fn expand<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[i32],
    org_ids: &[i32],
) -> Result<Vec<User>> {
    use crate::users::entity as u;
    let orgs = crate::orgs::list(conn).await?;
    let chosen: BTreeSet<i32> = org_ids.iter().copied().collect();
    if chosen.iter().any(|id| !orgs.iter().any(|o| o.id == *id)) {
        return Err(Error::field("participants", Code::NotFound));
    }
    let mut all_orgs = chosen.clone();
    // Children are added until nothing changes: the tree is shallow and
    // has no cycles (orgs::move_to refuses them).
    loop {
        let before = all_orgs.len();
        for o in &orgs {
            if o.parent_id.is_some_and(|p| all_orgs.contains(&p)) {
                all_orgs.insert(o.id);
            }
        }
        if all_orgs.len() == before {
            break;
        }
    }
    let wanted: BTreeSet<i32> = user_ids.iter().copied().collect();
    let mut users = Vec::new();
    if !wanted.is_empty() {
        let found = u::Entity::find()
            .filter(u::Column::Id.is_in(wanted.iter().copied()))
            .all(conn)
            .await?;
        if found.len() != wanted.len() {
            return Err(Error::field("participants", Code::NotFound));
        }
        users.extend(found.into_iter().filter(|u| !u.disabled));
    }
    if !all_orgs.is_empty() {
        let members = u::Entity::find()
            .filter(u::Column::OrganisationId.is_in(all_orgs.iter().copied()))
            .filter(u::Column::Disabled.eq(false))
            .all(conn)
            .await?;
        for m in members {
            if !users.iter().any(|x| x.id == m.id) {
                users.push(m);
            }
        }
    }
    if users.is_empty() {
        return Err(Error::field("participants", Code::Required));
    }
    users.sort_by_key(|u| u.id);
    Ok(users)
}

/// Queues the mails (or leaves the 伝言) for one event on `conn`, the
/// caller's transaction.
async fn notify<C: ConnectionTrait>(
    conn: &C,
    ctx: &NotifyContext,
    event: Event,
    e: &Entry,
    participants: &[User],
    author: &User,
    skip_self: bool,
) -> Result<Saved> {
    let mut out = Saved {
        id: e.id,
        ..Default::default()
    };
    let mut recipients: Vec<&User> = participants
        .iter()
        .filter(|u| !(skip_self && u.id == author.id))
        .collect();
    if !skip_self && !participants.iter().any(|u| u.id == author.id) {
        recipients.push(author);
    }
    let names: Vec<String> = participants.iter().map(|u| u.name.clone()).collect();
    let link =
        (event != Event::Deleted).then(|| format!("{}/schedule/entry/{}", ctx.base_url, e.id));
    let facts = EntryFacts {
        title: &e.title,
        place: &e.place,
        body: &e.body,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        all_day: e.all_day,
        author: &author.name,
        participants: &names,
        link,
    };
    if e.notify_method == MEMO || e.notify_method == BOTH {
        for r in &recipients {
            let lang = r.language.as_str();
            crate::memos::leave(
                conn,
                r.id,
                Some(author.id),
                (event != Event::Deleted).then_some(e.id),
                &notify::subject(lang, event, &facts, ctx.tz),
                &notify::body(lang, event, &facts, ctx.tz, &ctx.company.name),
            )
            .await?;
            out.memos_left += 1;
        }
        if e.notify_method == MEMO {
            return Ok(out);
        }
    }
    let s = &ctx.settings.settings;
    if !s.notify_enabled || ctx.settings.updated_at.is_none() {
        out.mail_off = Some(MailOff::Disabled);
        return Ok(out);
    }
    let Some(from) = crate::mailserver::notification_from(
        s,
        &ctx.company,
        Some((&author.name, author.email.as_deref())),
    ) else {
        out.mail_off = Some(MailOff::NoSender);
        return Ok(out);
    };
    let charset =
        mail::compose::Charset::parse(&s.notify_charset).unwrap_or(mail::compose::Charset::Utf8);
    let date = Utc::now().with_timezone(&ctx.tz).fixed_offset();
    for r in recipients {
        let Some(addr) = r
            .email
            .as_deref()
            .filter(|a| mail::compose::is_safe_address(a))
        else {
            out.without_address.push(r.name.clone());
            continue;
        };
        let lang = r.language.as_str();
        let subject = notify::subject(lang, event, &facts, ctx.tz);
        let body = notify::body(lang, event, &facts, ctx.tz, &ctx.company.name);
        let to = mail::compose::Mailbox::new(r.name.clone(), addr);
        let rendered = mail::compose::render(&mail::compose::Draft {
            from: &from,
            to: &to,
            subject: &subject,
            body: &body,
            date,
            charset,
        })
        .map_err(|err| Error::Internal(err.to_string()))?;
        crate::outbox::enqueue(
            conn,
            crate::outbox::NewMessage {
                kind: event.kind().into(),
                envelope_from: from.addr.clone(),
                recipient: addr.to_owned(),
                subject,
                message: rendered.message,
            },
        )
        .await?;
        out.mails_queued += 1;
    }
    Ok(out)
}

async fn replace_participants<C: ConnectionTrait>(
    conn: &C,
    entry_id: i32,
    users: &[User],
    org_ids: &[i32],
) -> Result<()> {
    participant::Entity::delete_many()
        .filter(participant::Column::EntryId.eq(entry_id))
        .exec(conn)
        .await?;
    entry_org::Entity::delete_many()
        .filter(entry_org::Column::EntryId.eq(entry_id))
        .exec(conn)
        .await?;
    if !users.is_empty() {
        participant::Entity::insert_many(users.iter().map(|u| participant::ActiveModel {
            entry_id: Set(entry_id),
            user_id: Set(u.id),
        }))
        .exec(conn)
        .await?;
    }
    let orgs: BTreeSet<i32> = org_ids.iter().copied().collect();
    if !orgs.is_empty() {
        entry_org::Entity::insert_many(orgs.into_iter().map(|o| entry_org::ActiveModel {
            entry_id: Set(entry_id),
            organisation_id: Set(o),
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// 予定の追加.
pub async fn create(
    db: &DatabaseConnection,
    author: &User,
    actor: &Actor,
    base_url: &str,
    input: &Input,
) -> Result<Saved> {
    let ctx = notify_context(db, base_url).await?;
    let c = check(input, ctx.tz)?;
    let txn = crate::db::write(db).await?;
    let users = expand(&txn, &input.user_ids, &input.org_ids).await?;
    let now = Utc::now();
    let e = entry::ActiveModel {
        title: Set(c.title),
        place: Set(c.place),
        body: Set(c.body),
        starts_at: Set(c.starts_at),
        ends_at: Set(c.ends_at),
        all_day: Set(c.all_day),
        notify_method: Set(c.method.into()),
        notify_self: Set(!c.skip_self),
        created_by: Set(Some(author.id)),
        updated_by: Set(Some(author.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    replace_participants(&txn, e.id, &users, &input.org_ids).await?;
    let saved = notify(&txn, &ctx, Event::Created, &e, &users, author, c.skip_self).await?;
    audit::record(
        &txn,
        actor,
        "schedule.create",
        &format!("entry {}", e.id),
        &e.title,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The author, a participant or an administrator may change an entry.
fn may_edit(e: &Entry, participants: &[i32], who: &User) -> bool {
    who.is_admin() || e.created_by == Some(who.id) || participants.contains(&who.id)
}

async fn participant_ids<C: ConnectionTrait>(conn: &C, entry_id: i32) -> Result<Vec<i32>> {
    Ok(participant::Entity::find()
        .filter(participant::Column::EntryId.eq(entry_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect())
}

/// 予定の編集. Those removed from the entry are told as well as those on it.
pub async fn update(
    db: &DatabaseConnection,
    author: &User,
    actor: &Actor,
    base_url: &str,
    id: i32,
    input: &Input,
) -> Result<Saved> {
    let ctx = notify_context(db, base_url).await?;
    let c = check(input, ctx.tz)?;
    let txn = crate::db::write(db).await?;
    let existing = entry::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let before = participant_ids(&txn, id).await?;
    if !may_edit(&existing, &before, author) {
        return Err(Error::Forbidden);
    }
    let users = expand(&txn, &input.user_ids, &input.org_ids).await?;
    let mut am: entry::ActiveModel = existing.into();
    am.title = Set(c.title);
    am.place = Set(c.place);
    am.body = Set(c.body);
    am.starts_at = Set(c.starts_at);
    am.ends_at = Set(c.ends_at);
    am.all_day = Set(c.all_day);
    am.notify_method = Set(c.method.into());
    am.notify_self = Set(!c.skip_self);
    am.updated_by = Set(Some(author.id));
    am.updated_at = Set(Utc::now());
    let e = am.update(&txn).await?;
    replace_participants(&txn, e.id, &users, &input.org_ids).await?;
    let removed: Vec<i32> = before
        .into_iter()
        .filter(|id| !users.iter().any(|u| u.id == *id))
        .collect();
    let mut told = users.clone();
    if !removed.is_empty() {
        use crate::users::entity as u;
        told.extend(
            u::Entity::find()
                .filter(u::Column::Id.is_in(removed))
                .filter(u::Column::Disabled.eq(false))
                .all(&txn)
                .await?,
        );
    }
    let saved = notify(&txn, &ctx, Event::Changed, &e, &told, author, c.skip_self).await?;
    audit::record(
        &txn,
        actor,
        "schedule.update",
        &format!("entry {}", e.id),
        &e.title,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// 予定の削除: participants are told before the entry goes; `skip_self` is
/// the 自分には通知しない of the one deleting.
pub async fn delete(
    db: &DatabaseConnection,
    author: &User,
    actor: &Actor,
    base_url: &str,
    id: i32,
    skip_self: bool,
) -> Result<Saved> {
    let ctx = notify_context(db, base_url).await?;
    let txn = crate::db::write(db).await?;
    let e = entry::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let ids = participant_ids(&txn, id).await?;
    if !may_edit(&e, &ids, author) {
        return Err(Error::Forbidden);
    }
    let users = expand(&txn, &ids, &[]).await.unwrap_or_default();
    let saved = notify(&txn, &ctx, Event::Deleted, &e, &users, author, skip_self).await?;
    entry::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "schedule.delete",
        &format!("entry {id}"),
        &e.title,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One entry with who it is for.
#[derive(Clone, Debug)]
pub struct Detail {
    pub entry: Entry,
    pub participants: Vec<(i32, String)>,
    pub org_ids: Vec<i32>,
    pub author_name: Option<String>,
    pub may_edit: bool,
}

pub async fn get(db: &DatabaseConnection, id: i32, viewer: &User) -> Result<Detail> {
    use crate::users::entity as u;
    let e = entry::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let ids = participant_ids(db, id).await?;
    let people = u::Entity::find()
        .filter(u::Column::Id.is_in(ids.clone()))
        .order_by_asc(u::Column::Id)
        .all(db)
        .await?;
    let org_ids = entry_org::Entity::find()
        .filter(entry_org::Column::EntryId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.organisation_id)
        .collect();
    let author_name = match e.created_by {
        Some(a) => u::Entity::find_by_id(a).one(db).await?.map(|u| u.name),
        None => None,
    };
    Ok(Detail {
        may_edit: may_edit(&e, &ids, viewer),
        participants: people.into_iter().map(|u| (u.id, u.name)).collect(),
        org_ids,
        author_name,
        entry: e,
    })
}

/// Entries overlapping `[from, to)` for each of `user_ids`, by start.
pub async fn for_users(
    db: &DatabaseConnection,
    user_ids: &[i32],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i32, Entry)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    // An entry belongs to the range when it overlaps it; a zero-length one
    // (start = end) when it starts inside it.
    let entries = entry::Entity::find()
        .filter(entry::Column::StartsAt.lt(to))
        .filter(
            Condition::any()
                .add(entry::Column::EndsAt.gt(from))
                .add(entry::Column::StartsAt.gte(from)),
        )
        .order_by_asc(entry::Column::StartsAt)
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let by_id: HashMap<i32, &Entry> = entries.iter().map(|e| (e.id, e)).collect();
    let links = participant::Entity::find()
        .filter(participant::Column::EntryId.is_in(by_id.keys().copied()))
        .filter(participant::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: Vec<(i32, Entry)> = links
        .into_iter()
        .filter_map(|l| by_id.get(&l.entry_id).map(|e| (l.user_id, (*e).clone())))
        .collect();
    out.sort_by_key(|a| (a.1.starts_at, a.1.id));
    Ok(out)
}

/// The ▼選択 list of common titles.
pub async fn titles<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>> {
    Ok(title::Entity::find()
        .order_by_asc(title::Column::Position)
        .order_by_asc(title::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.label)
        .collect())
}

/// Replaces the ▼選択 list with the lines of `text` (blank lines dropped,
/// duplicates kept once). A line that is too long is named by its number.
pub async fn set_titles(db: &DatabaseConnection, actor: &Actor, text: &str) -> Result<Vec<String>> {
    let mut labels: Vec<String> = Vec::new();
    let mut c = Checks::default();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || labels.iter().any(|x| x == l) {
            continue;
        }
        if l.chars().count() > TITLE_LABEL_MAX as usize {
            c.push(
                "titles",
                Code::TooLong {
                    max: TITLE_LABEL_MAX,
                },
            );
            break;
        }
        if l.chars().any(char::is_control) {
            c.push("titles", Code::InvalidChars);
            break;
        }
        labels.push(l.to_owned());
    }
    if labels.len() > TITLES_MAX {
        c.push(
            "titles",
            Code::Range {
                min: 0,
                max: TITLES_MAX as u32,
            },
        );
    }
    c.finish()?;
    let txn = crate::db::write(db).await?;
    title::Entity::delete_many().exec(&txn).await?;
    if !labels.is_empty() {
        title::Entity::insert_many(labels.iter().enumerate().map(|(i, l)| title::ActiveModel {
            label: Set(l.clone()),
            position: Set(i as i32),
            ..Default::default()
        }))
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        actor,
        "schedule.titles",
        "schedule_titles",
        &labels.join(","),
    )
    .await?;
    txn.commit().await?;
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input {
            title: "定例会議".into(),
            start_date: "2026-11-27".into(),
            start_time: "10:00".into(),
            user_ids: vec![1],
            notify_method: MAIL.into(),
            ..Default::default()
        }
    }

    fn codes(r: Result<Checked>) -> Vec<(&'static str, Code)> {
        match r {
            Err(Error::Invalid(v)) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            Err(e) => panic!("{e}"),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn times_are_read_in_the_installation_zone() {
        let c = check(&input(), chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(c.starts_at.to_rfc3339(), "2026-11-27T01:00:00+00:00");
        // No end time: an hour.
        assert_eq!(c.ends_at.to_rfc3339(), "2026-11-27T02:00:00+00:00");
        let mut all_day = input();
        all_day.all_day = true;
        all_day.start_time = "garbage is ignored".into();
        all_day.end_date = "2026/11/28".into();
        let c = check(&all_day, chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(c.starts_at.to_rfc3339(), "2026-11-26T15:00:00+00:00");
        assert_eq!(c.ends_at.to_rfc3339(), "2026-11-28T15:00:00+00:00");
    }

    #[test]
    fn mail_and_memo_may_be_chosen_together_but_not_neither() {
        let tz = chrono_tz::Asia::Tokyo;
        for (typed, method) in [
            ("mail", MAIL),
            ("memo", MEMO),
            ("mail,memo", BOTH),
            ("both", BOTH),
        ] {
            let mut i = input();
            i.notify_method = typed.into();
            assert_eq!(
                check(&i, tz).map(|c| c.method).ok(),
                Some(method),
                "{typed}"
            );
        }
        let mut i = input();
        i.notify_method = String::new();
        assert_eq!(
            codes(check(&i, tz)),
            vec![("notify_method", Code::Required)]
        );
    }

    #[test]
    fn dates_and_times_are_read_as_japanese_offices_type_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 8);
        for typed in [
            "2026/12/08",
            "2026-12-08",
            " ２０２６／１２／０８ ",
            "2026/12/8",
        ] {
            assert_eq!(parse_date(typed), d, "{typed}");
        }
        assert_eq!(parse_time("１０：３０"), NaiveTime::from_hms_opt(10, 30, 0));
        assert_eq!(parse_date("12/08/2026"), None);
    }

    #[test]
    fn bad_input_is_named_by_field() {
        let tz = chrono_tz::Asia::Tokyo;
        let mut i = input();
        i.title = " ".into();
        i.start_date = "2026-13-01".into();
        i.start_time = "25:00".into();
        i.user_ids.clear();
        assert_eq!(
            codes(check(&i, tz)),
            vec![
                ("title", Code::Required),
                ("start_date", Code::InvalidDate),
                ("start_time", Code::InvalidTime),
                ("participants", Code::Required),
            ]
        );
        let mut i = input();
        i.end_time = "09:00".into();
        assert_eq!(
            codes(check(&i, tz)),
            vec![("end_time", Code::EndBeforeStart)]
        );
        let mut i = input();
        i.place = "a\r\nb".into();
        i.notify_method = "fax".into();
        assert_eq!(
            codes(check(&i, tz)),
            vec![
                ("place", Code::InvalidChars),
                ("notify_method", Code::Required)
            ]
        );
    }
}
