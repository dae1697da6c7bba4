//! Test databases: every test runs on a fresh SQLite file and on a fresh
//! PostgreSQL database (from the project's scripts/pgstack.sh).
#![allow(dead_code)]
use domain::DatabaseConnection;
use sea_orm::{ConnectionTrait, Database};

fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!(
        "{prefix}_{}_{:08x}",
        std::process::id(),
        rand::thread_rng().r#gen::<u32>()
    )
}

pub async fn sqlite() -> DatabaseConnection {
    let dir = std::env::temp_dir().join(unique("tayori_test"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    domain::db::connect(&domain::db::sqlite_url(&dir))
        .await
        .expect("sqlite")
}

/// A new, migrated PostgreSQL database. Fails (never skips) when the server
/// is not there: the test command starts it.
pub async fn postgres() -> DatabaseConnection {
    let admin_url = std::env::var("TAYORI_TEST_PG_URL").expect(
        "TAYORI_TEST_PG_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL",
    );
    let admin = Database::connect(admin_url.as_str())
        .await
        .expect("PostgreSQL from TAYORI_TEST_PG_URL must be reachable");
    let name = unique("tayori_test");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').expect("url has a database").0;
    domain::db::connect(&format!("{base}/{name}"))
        .await
        .expect("postgres")
}

/// The URL of a database made by `postgres()`, for a second pool on it.
pub async fn postgres_url_of(db: &DatabaseConnection) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_database() AS name".to_owned(),
        ))
        .await
        .expect("current_database")
        .expect("a row");
    let name: String = row.try_get("", "name").expect("name");
    let admin_url = std::env::var("TAYORI_TEST_PG_URL").expect("TAYORI_TEST_PG_URL");
    format!("{}/{name}", admin_url.rsplit_once('/').expect("url").0)
}

/// Both backends, named for assertion messages.
pub async fn both() -> Vec<(&'static str, DatabaseConnection)> {
    vec![("sqlite", sqlite().await), ("postgres", postgres().await)]
}

/// A user inserted directly (password hashing is not what these tests are
/// about).
pub async fn user(
    db: &DatabaseConnection,
    login: &str,
    name: &str,
    email: Option<&str>,
    lang: &str,
    role: &str,
) -> domain::users::User {
    use sea_orm::{ActiveModelTrait, Set};
    domain::users::entity::ActiveModel {
        login_id: Set(login.into()),
        name: Set(name.into()),
        email: Set(email.map(str::to_owned)),
        role: Set(role.into()),
        password_hash: Set("-".into()),
        must_change_password: Set(false),
        disabled: Set(false),
        language: Set(lang.into()),
        organisation_id: Set(None),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("user")
}

/// A fixed key (32 zero bytes in base64), never the one of a real install.
pub fn secrets() -> domain::secrets::SecretBox {
    let key = format!("{}=", "A".repeat(43));
    domain::secrets::SecretBox::load_or_create(&std::env::temp_dir(), Some(&key)).expect("key")
}

/// A user with webmail enabled (利用させる).
pub async fn webmail_user(db: &DatabaseConnection, login: &str, name: &str) -> domain::users::User {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let u = user(db, login, name, None, "ja", "user").await;
    let mut m = domain::users::entity::Entity::find_by_id(u.id)
        .one(db)
        .await
        .expect("user")
        .expect("user")
        .into_active_model();
    m.webmail_enabled = Set(true);
    m.update(db).await.expect("enable webmail")
}
