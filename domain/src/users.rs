//! Users: ログインID, 氏名, 職場用メールアドレス, role, password, language.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Actor};
use crate::password;
use crate::validate::Checks;
use crate::{Code, Error, Result};

pub use crate::entity::users as entity;

pub use entity::Model as User;

pub use crate::entity::users::Role;

impl User {
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

pub const NAME_MAX: u32 = 100;
/// The longest login ID (characters); longer ones are never valid.
pub const LOGIN_ID_MAX: usize = 64;
pub const LANGUAGES: [&str; 2] = ["ja", "en"];

/// Fields an administrator fills in when creating a user.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub role: Option<Role>,
    pub password: String,
    pub organisation_id: Option<i32>,
    pub language: String,
}

/// Fields an administrator may change on an existing user.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    pub name: String,
    pub email: String,
    pub role: Option<Role>,
    pub organisation_id: Option<i32>,
    pub disabled: bool,
    pub language: String,
}

fn check_language(checks: &mut Checks, lang: &str) -> String {
    let lang = if lang.trim().is_empty() {
        "ja"
    } else {
        lang.trim()
    };
    if !LANGUAGES.contains(&lang) {
        checks.push("language", Code::InvalidChars);
    }
    lang.to_owned()
}

async fn check_org<C: ConnectionTrait>(
    conn: &C,
    checks: &mut Checks,
    org: Option<i32>,
) -> Result<()> {
    if let Some(id) = org
        && crate::entity::organisations::Entity::find_by_id(id)
            .one(conn)
            .await?
            .is_none()
    {
        checks.push("organisation_id", Code::NotFound);
    }
    Ok(())
}

pub async fn find_by_login<C: ConnectionTrait>(conn: &C, login_id: &str) -> Result<Option<User>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::LoginId.eq(login_id.trim().to_lowercase()))
        .one(conn)
        .await?)
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: i32) -> Result<User> {
    entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Users of one organisation (`Some(Some(id))`), of none (`Some(None)`), or all.
pub async fn list<C: ConnectionTrait>(conn: &C, org: Option<Option<i32>>) -> Result<Vec<User>> {
    let mut q = entity::Entity::find();
    match org {
        Some(Some(id)) => q = q.filter(entity::Column::OrganisationId.eq(id)),
        Some(None) => q = q.filter(entity::Column::OrganisationId.is_null()),
        None => {}
    }
    Ok(q.order_by_asc(entity::Column::LoginId).all(conn).await?)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewUser,
    must_change_password: bool,
) -> Result<User> {
    let mut checks = Checks::default();
    let login_id = checks.login_id("login_id", &input.login_id);
    let name = checks.text("name", &input.name, NAME_MAX);
    let email = checks.optional_email("email", &input.email);
    checks.new_password("password", &input.password);
    let language = check_language(&mut checks, &input.language);
    let role = match input.role {
        Some(r) => r,
        None => {
            checks.push("role", Code::Required);
            Role::User
        }
    };
    check_org(db, &mut checks, input.organisation_id).await?;
    if !login_id.is_empty() && find_by_login(db, &login_id).await?.is_some() {
        checks.push("login_id", Code::Duplicate);
    }
    checks.finish()?;

    let hash = password::hash(&input.password).await?;
    let now = chrono::Utc::now();
    let txn = crate::db::write(db).await?;
    let user = entity::ActiveModel {
        login_id: Set(login_id.clone()),
        name: Set(name),
        email: Set(email),
        role: Set(role),
        password_hash: Set(hash),
        must_change_password: Set(must_change_password),
        disabled: Set(false),
        language: Set(language),
        organisation_id: Set(input.organisation_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| Error::unique_violation_as(e, "login_id"))?;
    audit::record(
        &txn,
        actor,
        "user.create",
        &format!("user:{}", user.id),
        &format!("login_id={login_id} role={}", role.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

async fn active_admins<C: ConnectionTrait>(conn: &C) -> Result<u64> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Role.eq(Role::Admin))
        .filter(entity::Column::Disabled.eq(false))
        .count(conn)
        .await?)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    input: UserUpdate,
) -> Result<User> {
    let mut checks = Checks::default();
    let name = checks.text("name", &input.name, NAME_MAX);
    let email = checks.optional_email("email", &input.email);
    let language = check_language(&mut checks, &input.language);
    let role = input.role.unwrap_or(Role::User);
    check_org(db, &mut checks, input.organisation_id).await?;

    let txn = crate::db::write(db).await?;
    let user = get(&txn, id).await?;
    let loses_admin = user.is_admin() && !user.disabled && (role != Role::Admin || input.disabled);
    if loses_admin && active_admins(&txn).await? <= 1 {
        checks.push(
            if input.disabled { "disabled" } else { "role" },
            Code::LastAdmin,
        );
    }
    if input.disabled && actor.user_id == Some(id) {
        checks.push("disabled", Code::NotYourself);
    }
    checks.finish()?;

    let was_disabled = user.disabled;
    let mut am: entity::ActiveModel = user.into();
    am.name = Set(name);
    am.email = Set(email);
    am.role = Set(role);
    am.organisation_id = Set(input.organisation_id);
    am.disabled = Set(input.disabled);
    am.language = Set(language);
    am.updated_at = Set(chrono::Utc::now());
    let user = am.update(&txn).await?;
    if input.disabled && !was_disabled {
        crate::sessions::delete_for_user(&txn, id).await?;
    }
    audit::record(
        &txn,
        actor,
        "user.update",
        &format!("user:{id}"),
        &format!("role={} disabled={}", role.as_str(), input.disabled),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// An administrator sets a new password; the user must change it at next login
/// and every open session of that user ends.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    new_password: &str,
) -> Result<()> {
    let mut checks = Checks::default();
    checks.new_password("password", new_password);
    checks.finish()?;
    let hash = password::hash(new_password).await?;
    let txn = crate::db::write(db).await?;
    let user = get(&txn, id).await?;
    let mut am: entity::ActiveModel = user.into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(actor.user_id != Some(id));
    am.updated_at = Set(chrono::Utc::now());
    am.update(&txn).await?;
    crate::sessions::delete_for_user(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        "user.reset_password",
        &format!("user:{id}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A signed-in user changes their own password, proving the current one.
/// Every other session of the user ends (a stolen cookie dies with the old
/// password); the session `keep` that made the change stays.
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    current: &str,
    new_password: &str,
    confirm: &str,
    keep: Option<&str>,
) -> Result<()> {
    let mut checks = Checks::default();
    checks.new_password("new_password", new_password);
    if new_password != confirm {
        checks.push("confirm", Code::PasswordMismatch);
    }
    let user = get(db, id).await?;
    if !password::verify(current, &user.password_hash).await? {
        checks.push("current", Code::WrongPassword);
    }
    checks.finish()?;
    let hash = password::hash(new_password).await?;
    let txn = crate::db::write(db).await?;
    let mut am: entity::ActiveModel = user.into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(false);
    am.updated_at = Set(chrono::Utc::now());
    am.update(&txn).await?;
    crate::sessions::delete_others(&txn, id, keep).await?;
    audit::record(
        &txn,
        actor,
        "user.change_password",
        &format!("user:{id}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn set_language(db: &DatabaseConnection, id: i32, lang: &str) -> Result<()> {
    if !LANGUAGES.contains(&lang) {
        return Err(Error::field("language", Code::InvalidChars));
    }
    let user = get(db, id).await?;
    let mut am: entity::ActiveModel = user.into();
    am.language = Set(lang.to_owned());
    am.updated_at = Set(chrono::Utc::now());
    am.update(db).await?;
    Ok(())
}

/// Checks a login. `Ok(None)` for an unknown ID, a wrong password or a
/// disabled account alike, so the caller cannot tell which; the unknown-ID
/// path still runs argon2 to keep the timing the same.
pub async fn authenticate(
    db: &DatabaseConnection,
    login_id: &str,
    password_text: &str,
) -> Result<Option<User>> {
    // No account has such an ID or password (new passwords are at most 128
    // characters): refused before the database and argon2 see it, so a
    // megabyte-long field costs nothing.
    if login_id.trim().chars().count() > LOGIN_ID_MAX || password_text.chars().count() > 128 {
        return Ok(None);
    }
    let user = find_by_login(db, login_id).await?;
    let phc = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.to_owned());
    let ok = password::verify(password_text, &phc).await?;
    Ok(match user {
        Some(u) if ok && !u.disabled => Some(u),
        _ => None,
    })
}

/// First start: with no user at all, create `admin` with a one-time
/// password and return it so the caller can print it once.
pub async fn ensure_bootstrap_admin(db: &DatabaseConnection) -> Result<Option<(String, String)>> {
    if entity::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let pw = password::generate_one_time();
    let input = NewUser {
        login_id: "admin".into(),
        name: "管理者".into(),
        email: String::new(),
        role: Some(Role::Admin),
        password: pw.clone(),
        organisation_id: None,
        language: "ja".into(),
    };
    match create(db, &Actor::system(), input, true).await {
        Ok(u) => Ok(Some((u.login_id, pw))),
        // Another process bootstrapped at the same moment.
        Err(Error::Invalid(errs)) if errs.iter().any(|e| e.code == Code::Duplicate) => Ok(None),
        Err(e) => Err(e),
    }
}

/// CLI: create an administrator, or reset an existing one's password. Returns
/// the one-time password to print.
pub async fn create_or_reset_admin(
    db: &DatabaseConnection,
    login_id: &str,
    name: &str,
) -> Result<String> {
    let pw = password::generate_one_time();
    match find_by_login(db, login_id).await? {
        Some(u) => {
            let hash = password::hash(&pw).await?;
            let txn = crate::db::write(db).await?;
            let mut am: entity::ActiveModel = u.clone().into();
            am.password_hash = Set(hash);
            am.must_change_password = Set(true);
            am.role = Set(Role::Admin);
            am.disabled = Set(false);
            am.updated_at = Set(chrono::Utc::now());
            am.update(&txn).await?;
            crate::sessions::delete_for_user(&txn, u.id).await?;
            audit::record(
                &txn,
                &Actor::system(),
                "cli.reset_admin",
                &format!("user:{}", u.id),
                "",
            )
            .await?;
            txn.commit().await?;
        }
        None => {
            let input = NewUser {
                login_id: login_id.into(),
                name: name.into(),
                role: Some(Role::Admin),
                password: pw.clone(),
                ..Default::default()
            };
            create(db, &Actor::system(), input, true).await?;
        }
    }
    Ok(pw)
}
