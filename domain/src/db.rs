//! Opening the database and bringing its schema up to date.
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};

use crate::Result;

/// Connects to `url` (`sqlite://…` or `postgres://…`) and runs every pending
/// migration. Safe to call from several processes at once on PostgreSQL:
/// sea-orm-migration records each migration in one transaction.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(16)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // 16 KB pages: received mail is large blobs, which span a quarter
        // as many overflow pages (a quarter faster to store than with the
        // 4 KB default). Takes effect only on a new, empty database, and
        // must come before WAL, which fixes the page size.
        db.execute_unprepared("PRAGMA page_size=16384").await?;
        // WAL lets page renders read while a write commits; the file setting
        // persists, so doing it on every start is cheap and idempotent.
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// `sqlite://<dir>/tayori.db?mode=rwc` for a data directory.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("tayori.db").display())
}
