//! Opening the database and bringing its schema up to date.
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::Result;

/// Connects to `url` (`sqlite://…` or `postgres://…`). The schema is the
/// server's to bring up to date (the `migrations` crate, on every start).
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(16)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // 16 KB pages: received mail is large blobs, which then span a
        // quarter as many overflow pages (about a quarter faster to store
        // than with the 4 KB default). Set on every connection before
        // anything else, so a new database is created with it; an existing
        // one keeps its size.
        .map_sqlx_sqlite_opts(|o| o.page_size(16384));
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // WAL lets page renders read while a write commits; the file setting
        // persists, so doing it on every start is cheap and idempotent.
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON").await?;
    }
    Ok(db)
}

/// Starts a transaction that will write. On SQLite it takes the write lock
/// at BEGIN (IMMEDIATE): a writer then waits its turn under the busy
/// timeout, where a deferred transaction that read first fails at once
/// with "database is locked" once another commit has moved the database
/// past its snapshot. PostgreSQL ignores the mode.
pub async fn write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?)
}

/// `sqlite://<dir>/tayori.db?mode=rwc` for a data directory.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("tayori.db").display())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_new_sqlite_database_has_16_kb_pages() {
        use sea_orm::ConnectionTrait;
        let dir = std::env::temp_dir().join(format!("tayori_pages_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = super::connect(&super::sqlite_url(&dir)).await.unwrap();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "PRAGMA page_size".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        let size: i64 = row.try_get_by_index(0).unwrap();
        assert_eq!(size, 16384);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
