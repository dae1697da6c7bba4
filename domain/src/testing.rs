//! Fixtures for Tayori's tests (feature `test-util`): fresh, migrated
//! databases on both backends, a fixed secret key, users made directly,
//! and the addresses of the servers scripts/test.sh starts. A test that
//! needs a server reads its address with `env`, which fails — never
//! skips — when the server was not started.
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set};

use crate::users::User;

/// The backends every database test runs on.
pub const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

/// The stack's authorization server (scripts/mailstack.sh) as the admin
/// registers it: 汎用 by its discovery URL, with Tayori's client.
pub fn oauth_server_input(name: &str) -> crate::oauth::Input {
    crate::oauth::Input {
        name: name.into(),
        kind: "generic".into(),
        client_id: env("MS_OAUTH_CLIENT_ID"),
        client_secret: env("MS_OAUTH_CLIENT_SECRET"),
        discovery_url: format!(
            "{}/.well-known/openid-configuration",
            env("MS_OAUTH_ISSUER")
        ),
        scopes: "openid email offline_access mail".into(),
        mechanism: "auto".into(),
        ..crate::oauth::Input::default()
    }
}

/// The stored grant of `owner` (the test has signed it in).
pub async fn oauth_grant(
    db: &DatabaseConnection,
    owner: crate::oauth::grants::Owner,
) -> crate::oauth::grants::entity::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    crate::oauth::grants::entity::Entity::find()
        .filter(crate::oauth::grants::entity::Column::Owner.eq(owner.key()))
        .one(db)
        .await
        .expect("read the grant")
        .expect("a grant")
}

/// Pretends `owner`'s access token, refreshed an hour ago, is about to
/// expire (inside the grace before expiry), as an hour's wait would.
pub async fn oauth_expire_soon(db: &DatabaseConnection, owner: crate::oauth::grants::Owner) {
    let mut am = crate::oauth::grants::entity::ActiveModel::from(oauth_grant(db, owner).await);
    let now = chrono::Utc::now();
    am.access_expires_at = Set(Some(now + chrono::Duration::seconds(30)));
    am.refreshed_at = Set(Some(now - chrono::Duration::seconds(3570)));
    am.update(db).await.expect("update the grant");
}

/// Walks the test authorization server's login and consent pages as
/// `login` (the helper scripts/mailstack.sh names in MS_OAUTH_CONSENT),
/// starting at the authorization URL `url`; the callback's query.
pub async fn oauth_consent(url: &str, login: &str) -> crate::oauth::grants::Callback {
    let out = tokio::process::Command::new("node")
        .arg(env("MS_OAUTH_CONSENT"))
        .arg(url)
        .arg(login)
        .output()
        .await
        .expect("node runs the consent walk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back = url::Url::parse(String::from_utf8_lossy(&out.stdout).trim()).expect("callback URL");
    assert_eq!(back.path(), "/oauth/callback");
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    crate::oauth::grants::Callback {
        state: q.get("state").cloned().unwrap_or_default(),
        code: q.get("code").cloned().unwrap_or_default(),
        iss: q.get("iss").cloned(),
        error: q.get("error").cloned(),
        error_description: None,
    }
}

/// A variable scripts/test.sh sets for the servers it started.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with scripts/test.sh, which starts Dovecot, Postfix and PostgreSQL"
        )
    })
}

/// A port from `env`.
pub fn port(name: &str) -> u16 {
    env(name).parse().expect("a port number")
}

/// A name no other test (or test process) uses at the same time.
pub fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!(
        "{prefix}{}x{:08x}",
        std::process::id(),
        rand::thread_rng().r#gen::<u32>()
    )
}

/// Opens `url` and brings its schema up to date, as the server does.
pub async fn migrated(url: &str) -> DatabaseConnection {
    let db = crate::db::connect(url).await.expect("database");
    Migrator::up(&db, None).await.expect("migrations");
    // Fresh connections on the migrated schema, as the server serves from
    // (an in-memory database lives only as long as its pool).
    if url.contains(":memory:") {
        return db;
    }
    db.close().await.expect("close");
    crate::db::connect(url).await.expect("database")
}

/// A new SQLite database in `dir`.
pub async fn sqlite_in(dir: &std::path::Path) -> DatabaseConnection {
    std::fs::create_dir_all(dir).expect("temp dir");
    migrated(&crate::db::sqlite_url(dir)).await
}

/// A new SQLite database in a directory of its own.
pub async fn sqlite() -> DatabaseConnection {
    sqlite_in(&std::env::temp_dir().join(unique("tayori_test_"))).await
}

/// The URL of a new, empty database: a file for SQLite, a database on
/// scripts/pgstack.sh's server for PostgreSQL.
pub async fn database_url(backend: &str) -> String {
    if backend == "sqlite" {
        let dir = std::env::temp_dir().join(unique("tayori_test_"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        return crate::db::sqlite_url(&dir);
    }
    let admin_url = env("TAYORI_TEST_PG_URL");
    let admin = Database::connect(admin_url.as_str())
        .await
        .expect("PostgreSQL from TAYORI_TEST_PG_URL must be reachable");
    let name = unique("tayori_test_");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').expect("url has a database").0;
    format!("{base}/{name}")
}

/// A new, migrated database on `backend` ("sqlite" or "postgres").
pub async fn database(backend: &str) -> DatabaseConnection {
    migrated(&database_url(backend).await).await
}

/// The URL of a PostgreSQL database made by `database`, for a second pool
/// on it (a second server process).
pub async fn postgres_url_of(db: &DatabaseConnection) -> String {
    use sea_orm::Statement;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_database() AS name".to_owned(),
        ))
        .await
        .expect("current_database")
        .expect("a row");
    let name: String = row.try_get("", "name").expect("name");
    let admin_url = env("TAYORI_TEST_PG_URL");
    format!("{}/{name}", admin_url.rsplit_once('/').expect("url").0)
}

/// A fixed key (32 zero bytes in base64), never the one of a real install.
pub fn secret_key() -> String {
    format!("{}=", "A".repeat(43))
}

pub fn secrets() -> crate::secrets::SecretBox {
    crate::secrets::SecretBox::load_or_create(&std::env::temp_dir(), Some(&secret_key()))
        .expect("secret box")
}

/// A user to insert directly (hashing passwords is not what the tests
/// using it are about): `user("yamada").name("山田").insert(&db)`.
#[must_use]
pub fn user(login: &str) -> UserBuilder {
    UserBuilder {
        login: login.to_owned(),
        name: login.to_owned(),
        email: None,
        language: "ja".into(),
        admin: false,
        webmail: false,
        imap: false,
    }
}

pub struct UserBuilder {
    login: String,
    name: String,
    email: Option<String>,
    language: String,
    admin: bool,
    webmail: bool,
    imap: bool,
}

impl UserBuilder {
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }
    pub fn email(mut self, email: Option<&str>) -> Self {
        self.email = email.map(str::to_owned);
        self
    }
    pub fn language(mut self, language: &str) -> Self {
        self.language = language.to_owned();
        self
    }
    /// An administrator instead of a user.
    pub fn admin(mut self, admin: bool) -> Self {
        self.admin = admin;
        self
    }
    /// ウェブメール > 機能管理: 利用させる.
    pub fn webmail(mut self) -> Self {
        self.webmail = true;
        self
    }
    /// ウェブメールIMAP: 利用させる.
    pub fn imap(mut self) -> Self {
        self.imap = true;
        self
    }
    pub async fn insert(self, db: &DatabaseConnection) -> User {
        let role = if self.admin {
            crate::users::Role::Admin
        } else {
            crate::users::Role::User
        };
        crate::entity::users::ActiveModel {
            login_id: Set(self.login),
            name: Set(self.name),
            email: Set(self.email),
            role: Set(role),
            password_hash: Set("-".into()),
            must_change_password: Set(false),
            disabled: Set(false),
            language: Set(self.language),
            organisation_id: Set(None),
            webmail_enabled: Set(self.webmail),
            imap_enabled: Set(self.imap),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("user")
    }
}
