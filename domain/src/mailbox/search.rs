//! Searching an account's mail through the search index (`super::fts`).
//! The index only narrows a search; every candidate is confirmed against
//! the text in `mail_index`, newest first, up to a limit.
use sea_orm::{DatabaseBackend, DatabaseConnection, Statement, Value};

use super::view::{Row, TRASH};
use crate::Result;

/// What a search found: rows newest first, where the next page starts,
/// and the normalized terms (for highlighting).
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub rows: Vec<Row>,
    pub before: Option<i64>,
    pub terms: Vec<String>,
}

/// Where a search looks (a source whose index holds both answers both
/// alike: `MailSource::searches_text_apart`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Within {
    /// Subject, From and To: what the list shows.
    #[default]
    Head,
    /// Those and the text of the message.
    Text,
}

const ROW_COLUMNS: &str = "m.id, m.folder, m.subject, m.from_addr, m.to_addr, m.sent_at, m.received_at, m.size, m.seen, m.flagged, m.has_attachment";

/// Searches an account's mail (one folder, or every folder but ごみ箱) for
/// messages whose subject, addresses or text contain every term; newest
/// (highest ID) first, below `before`, at most `limit`.
pub async fn search(
    db: &DatabaseConnection,
    account_id: i32,
    folder: Option<&str>,
    typed: &str,
    before: Option<i64>,
    limit: u64,
) -> Result<Found> {
    let Some(q) = mail::search::query(typed) else {
        return Ok(Found::default());
    };
    let backend = db.get_database_backend();
    let pg = backend == DatabaseBackend::Postgres;
    let mut values: Vec<Value> = Vec::new();
    let arg = |v: Value, values: &mut Vec<Value>| {
        values.push(v);
        if pg {
            format!("${}", values.len())
        } else {
            "?".to_owned()
        }
    };
    let mut from = String::from("mail_messages m JOIN mail_index i ON i.message_id = m.id");
    let mut wh: Vec<String> = Vec::new();
    let mut order = "m.id DESC".to_owned();
    if pg {
        if !q.grams.is_empty() {
            let g = arg(q.grams.join(" ").into(), &mut values);
            wh.push(format!("i.grams @> string_to_array({g}, ' ')"));
        }
    } else if let Some(f) = &q.fts {
        // Walk the pieces' index newest first and stop at the limit. CROSS
        // JOIN keeps that order of the loops: left to itself, SQLite would
        // walk the account's messages and look each one up in the index.
        from = "mail_fts f CROSS JOIN mail_messages m ON m.id = f.rowid CROSS JOIN mail_index i ON i.message_id = m.id".into();
        let f = arg(f.clone().into(), &mut values);
        wh.push(format!("mail_fts MATCH {f}"));
        order = "f.rowid DESC".into();
    }
    let a = arg(account_id.into(), &mut values);
    wh.push(format!("m.account_id = {a}"));
    match folder {
        Some(f) => {
            let f = arg(f.to_owned().into(), &mut values);
            wh.push(format!("m.folder = {f}"));
        }
        None => {
            let t = arg(TRASH.into(), &mut values);
            wh.push(format!("m.folder <> {t}"));
        }
    }
    if let Some(b) = before {
        let b = arg(b.into(), &mut values);
        wh.push(format!("m.id < {b}"));
    }
    for t in &q.terms {
        let t = arg(t.clone().into(), &mut values);
        wh.push(if pg {
            format!("strpos(i.body, {t}) > 0")
        } else {
            format!("instr(i.body, {t}) > 0")
        });
    }
    let lim = arg(((limit + 1) as i64).into(), &mut values);
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM {from} WHERE {} ORDER BY {order} LIMIT {lim}",
        wh.join(" AND ")
    );
    let mut rows: Vec<Row> = sea_orm::FromQueryResult::find_by_statement(
        Statement::from_sql_and_values(backend, sql, values),
    )
    .all(db)
    .await?;
    let before = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Found {
        rows,
        before,
        terms: q.terms,
    })
}
