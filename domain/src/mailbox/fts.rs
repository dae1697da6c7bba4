//! The search index: two-character pieces of each message's search text
//! (`mail::search`), in an FTS5 table on SQLite and a GIN-indexed array on
//! PostgreSQL. This module writes and maintains it; `super::search` reads
//! it.
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value};

use crate::Result;

/// A message's search pieces as the database takes them: FTS5 text on
/// SQLite, the space-separated array elements on PostgreSQL. Computed
/// where the message is parsed, off the thread that writes.
pub(crate) fn pieces(pg: bool, text: &str) -> String {
    if pg {
        mail::search::pg_grams(text).join(" ")
    } else {
        mail::search::fts_text(text)
    }
}

/// Writes the pieces of freshly stored messages: `(message ID, pieces)`.
/// One statement for the lot.
pub(crate) async fn index<C: ConnectionTrait>(c: &C, rows: &[(i64, String)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = c.get_database_backend();
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 2);
    let mut sql = String::new();
    match backend {
        DatabaseBackend::Postgres => {
            sql.push_str(
                "UPDATE mail_index AS i SET grams = string_to_array(v.g, ' ') FROM (VALUES ",
            );
            for (n, (id, pieces)) in rows.iter().enumerate() {
                if n > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}::bigint, ${}::text)", 2 * n + 1, 2 * n + 2));
                values.push((*id).into());
                values.push(pieces.clone().into());
            }
            sql.push_str(") AS v(id, g) WHERE i.message_id = v.id");
        }
        _ => {
            sql.push_str("INSERT INTO mail_fts (rowid, grams) VALUES ");
            for (n, (id, pieces)) in rows.iter().enumerate() {
                if n > 0 {
                    sql.push_str(", ");
                }
                sql.push_str("(?, ?)");
                values.push((*id).into());
                values.push(pieces.clone().into());
            }
        }
    }
    c.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Forgets the pieces of deleted messages (SQLite; on PostgreSQL they go
/// with their `mail_index` row).
pub(crate) async fn unindex<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<()> {
    let backend = c.get_database_backend();
    if backend == DatabaseBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        c.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM mail_fts WHERE rowid IN ({marks})"),
            chunk.iter().map(|&i| Value::from(i)).collect::<Vec<_>>(),
        ))
        .await?;
    }
    Ok(())
}

/// Merges the search index into one piece per term (SQLite FTS5
/// 'optimize'): searches then read one list per piece instead of one per
/// batch of received mail. Part of メール索引の最適化; PostgreSQL keeps its
/// GIN index merged itself.
pub async fn optimize(db: &DatabaseConnection) -> Result<()> {
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.execute_unprepared("INSERT INTO mail_fts (mail_fts) VALUES ('optimize')")
            .await?;
    }
    Ok(())
}
