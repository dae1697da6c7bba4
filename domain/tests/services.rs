//! Service rules on real databases: SQLite and PostgreSQL, same assertions.
use domain::testing;
use rstest::rstest;

use domain::audit::Actor;
use domain::users::{NewUser, Role, UserUpdate};
use domain::{Code, Error, orgs, sessions, users};
use sea_orm::{EntityTrait, PaginatorTrait};

fn new_user(login: &str, name: &str) -> NewUser {
    NewUser {
        login_id: login.into(),
        name: name.into(),
        email: format!("{login}@example.co.jp"),
        role: Some(Role::User),
        password: "correct horse".into(),
        organisation_id: None,
        language: "ja".into(),
    }
}

fn codes(err: Error) -> Vec<(&'static str, Code)> {
    match err {
        Error::Invalid(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected validation error, got {other:?}"),
    }
}

async fn user_count(db: &domain::DatabaseConnection) -> u64 {
    users::entity::Entity::find().count(db).await.unwrap()
}

/// Changing one's password ends every other session of the user (a stolen
/// cookie dies with the old password) but not the one that changed it; an
/// admin's reset ends them all.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn a_new_password_ends_the_other_sessions(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let admin = Actor::system();
    let u = users::create(&db, &admin, new_user("ito", "伊藤"), false)
        .await
        .unwrap();
    let here = sessions::create(&db, u.id, None).await.unwrap();
    let elsewhere = sessions::create(&db, u.id, None).await.unwrap();
    let other_user = testing::user("sato").insert(&db).await;
    let theirs = sessions::create(&db, other_user.id, None).await.unwrap();
    users::change_own_password(
        &db,
        &Actor::user(u.id, None),
        u.id,
        "correct horse",
        "battery staple 2",
        "battery staple 2",
        Some(&here),
    )
    .await
    .unwrap();
    let live = |t: String| {
        let db = db.clone();
        async move { sessions::lookup(&db, &t).await.unwrap().is_some() }
    };
    assert!(
        live(here.clone()).await,
        "{backend}: the changing session stays"
    );
    assert!(!live(elsewhere).await, "{backend}: the other one ends");
    assert!(
        live(theirs.clone()).await,
        "{backend}: others' sessions stay"
    );
    users::reset_password(&db, &admin, u.id, "reset-pass-3")
        .await
        .unwrap();
    assert!(!live(here).await, "{backend}: a reset ends them all");
    assert!(live(theirs).await, "{backend}");
}

/// A role that is neither admin nor user (a hand-edited row) is an error
/// when the user is read, not a user with some default role.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn a_stored_role_tayori_does_not_know_is_an_error(#[case] backend: &str) {
    use sea_orm::ConnectionTrait;
    let db = testing::database(backend).await;
    let u = testing::user("sato").insert(&db).await;
    assert_eq!(
        users::get(&db, u.id).await.unwrap().role,
        Role::User,
        "{backend}"
    );
    db.execute_unprepared(&format!(
        "UPDATE users SET role = 'root' WHERE id = {}",
        u.id
    ))
    .await
    .unwrap();
    assert!(
        matches!(users::get(&db, u.id).await, Err(Error::Db(_))),
        "{backend}"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn bootstrap_admin_once_with_a_working_one_time_password(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let (login, pw) = users::ensure_bootstrap_admin(&db)
        .await
        .unwrap()
        .expect("first start creates the admin");
    assert_eq!(login, "admin", "{backend}");
    assert!(
        users::ensure_bootstrap_admin(&db).await.unwrap().is_none(),
        "{backend}: second start must not create or print again"
    );
    let admin = users::authenticate(&db, "ADMIN", &pw)
        .await
        .unwrap()
        .expect("printed password logs in");
    assert!(admin.is_admin() && admin.must_change_password, "{backend}");
    assert!(
        users::authenticate(&db, "admin", "wrong-password")
            .await
            .unwrap()
            .is_none()
    );
    // Fields longer than any ID or password are refused outright.
    let huge = "a".repeat(1 << 20);
    assert!(
        users::authenticate(&db, &huge, &pw)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::authenticate(&db, "admin", &huge)
            .await
            .unwrap()
            .is_none()
    );
    let reset = users::create_or_reset_admin(&db, "admin", "x")
        .await
        .unwrap();
    assert!(
        users::authenticate(&db, "admin", &reset)
            .await
            .unwrap()
            .is_some(),
        "{backend}"
    );
    assert!(
        users::authenticate(&db, "admin", &pw)
            .await
            .unwrap()
            .is_none(),
        "{backend}"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn bad_user_input_names_every_field_and_saves_nothing(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let actor = Actor::system();
    users::create(&db, &actor, new_user("yamada", "山田 太郎"), true)
        .await
        .unwrap();
    let before = user_count(&db).await;

    let dup = users::create(&db, &actor, new_user("Yamada", "別人"), true)
        .await
        .unwrap_err();
    assert_eq!(codes(dup), vec![("login_id", Code::Duplicate)], "{backend}");

    let bad = NewUser {
        login_id: "suzuki".into(),
        name: "   ".into(),
        email: "suzuki@@example".into(),
        password: "short".into(),
        ..new_user("suzuki", "")
    };
    let got = codes(users::create(&db, &actor, bad, true).await.unwrap_err());
    assert!(
        got.contains(&("name", Code::Required)),
        "{backend}: {got:?}"
    );
    assert!(
        got.contains(&("email", Code::InvalidEmail)),
        "{backend}: {got:?}"
    );
    assert!(
        got.contains(&("password", Code::TooShort { min: 8 })),
        "{backend}: {got:?}"
    );

    let long = new_user("tanaka", &"長".repeat(101));
    assert_eq!(
        codes(users::create(&db, &actor, long, true).await.unwrap_err()),
        vec![("name", Code::TooLong { max: 100 })],
        "{backend}"
    );
    let mut long_login = new_user(&"a".repeat(65), "田中");
    long_login.email = String::new();
    assert_eq!(
        codes(
            users::create(&db, &actor, long_login, true)
                .await
                .unwrap_err()
        ),
        vec![("login_id", Code::TooLong { max: 64 })],
        "{backend}"
    );
    assert_eq!(
        user_count(&db).await,
        before,
        "{backend}: nothing half-saved"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn japanese_names_round_trip_and_update_validates(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let actor = Actor::system();
    let u = users::create(&db, &actor, new_user("sato", "佐藤 花子①㈱ｶﾅ"), false)
        .await
        .unwrap();
    assert_eq!(
        users::get(&db, u.id).await.unwrap().name,
        "佐藤 花子①㈱ｶﾅ",
        "{backend}"
    );
    let err = users::update(
        &db,
        &actor,
        u.id,
        UserUpdate {
            name: "佐藤".into(),
            email: "not-an-address".into(),
            role: Some(Role::User),
            language: "en".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(codes(err), vec![("email", Code::InvalidEmail)], "{backend}");
    assert_eq!(
        users::get(&db, u.id).await.unwrap().language,
        "ja",
        "{backend}: unchanged"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn last_active_admin_cannot_be_demoted_or_disabled(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let (_, _) = users::ensure_bootstrap_admin(&db).await.unwrap().unwrap();
    let admin = users::find_by_login(&db, "admin").await.unwrap().unwrap();
    let demote = UserUpdate {
        name: admin.name.clone(),
        role: Some(Role::User),
        ..Default::default()
    };
    let err = users::update(&db, &Actor::system(), admin.id, demote)
        .await
        .unwrap_err();
    assert_eq!(codes(err), vec![("role", Code::LastAdmin)], "{backend}");
    assert!(
        users::get(&db, admin.id).await.unwrap().is_admin(),
        "{backend}"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_blocks_login(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let actor = Actor::system();
    let u = users::create(&db, &actor, new_user("ito", "伊藤"), false)
        .await
        .unwrap();
    let token = sessions::create(&db, u.id, None).await.unwrap();
    assert_eq!(
        sessions::lookup(&db, &token).await.unwrap().map(|u| u.id),
        Some(u.id)
    );
    assert!(
        sessions::lookup(&db, "x".repeat(43).as_str())
            .await
            .unwrap()
            .is_none()
    );
    users::update(
        &db,
        &actor,
        u.id,
        UserUpdate {
            name: "伊藤".into(),
            role: Some(Role::User),
            disabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        sessions::lookup(&db, &token).await.unwrap().is_none(),
        "{backend}"
    );
    assert!(
        users::authenticate(&db, "ito", "correct horse")
            .await
            .unwrap()
            .is_none(),
        "{backend}: disabled users cannot sign in"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn organisation_tree_rules(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let a = Actor::system();
    let head = orgs::create(&db, &a, "本社", None).await.unwrap();
    let sales = orgs::create(&db, &a, "営業部", Some(head.id))
        .await
        .unwrap();
    let team = orgs::create(&db, &a, "第一課", Some(sales.id))
        .await
        .unwrap();

    assert_eq!(
        codes(
            orgs::create(&db, &a, "営業部", Some(head.id))
                .await
                .unwrap_err()
        ),
        vec![("name", Code::Duplicate)],
        "{backend}"
    );
    assert_eq!(
        codes(orgs::create(&db, &a, "", None).await.unwrap_err()),
        vec![("name", Code::Required)]
    );
    // Same name under another parent is fine.
    orgs::create(&db, &a, "営業部", None).await.unwrap();

    assert_eq!(
        codes(
            orgs::move_to(&db, &a, head.id, Some(team.id))
                .await
                .unwrap_err()
        ),
        vec![("parent_id", Code::WouldCycle)],
        "{backend}"
    );
    assert_eq!(
        codes(
            orgs::move_to(&db, &a, sales.id, Some(sales.id))
                .await
                .unwrap_err()
        ),
        vec![("parent_id", Code::WouldCycle)]
    );
    let moved = orgs::move_to(&db, &a, team.id, None).await.unwrap();
    assert_eq!(moved.parent_id, None);

    let renamed = orgs::rename(&db, &a, sales.id, "営業本部").await.unwrap();
    assert_eq!(renamed.name, "営業本部");

    let mut member = new_user("kato", "加藤");
    member.organisation_id = Some(team.id);
    users::create(&db, &a, member, false).await.unwrap();
    assert_eq!(
        codes(orgs::delete(&db, &a, team.id).await.unwrap_err()),
        vec![("id", Code::HasUsers)],
        "{backend}"
    );
    assert_eq!(
        codes(orgs::delete(&db, &a, head.id).await.unwrap_err()),
        vec![("id", Code::HasChildren)],
        "{backend}"
    );
    orgs::delete(&db, &a, sales.id).await.unwrap();
    orgs::delete(&db, &a, head.id).await.unwrap();
    let names: Vec<_> = orgs::list(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names.len(), 2, "{backend}: {names:?}");
    assert!(matches!(
        orgs::delete(&db, &a, 999_999).await,
        Err(Error::NotFound)
    ));
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn company_info_and_audit_log(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let a = Actor::user(0, Some("192.0.2.1".into()));
    let a = Actor { user_id: None, ..a };
    assert_eq!(domain::company::get(&db).await.unwrap().name, "");
    let err = domain::company::save(&db, &a, "デスクネッツ商事", "desknets@")
        .await
        .unwrap_err();
    assert_eq!(codes(err), vec![("email", Code::InvalidEmail)], "{backend}");
    domain::company::save(&db, &a, "デスクネッツ商事", "desknets@example.com")
        .await
        .unwrap();
    domain::company::save(&db, &a, "便り商事", "info@example.com")
        .await
        .unwrap();
    let c = domain::company::get(&db).await.unwrap();
    assert_eq!(
        (c.name.as_str(), c.email.as_deref()),
        ("便り商事", Some("info@example.com"))
    );
    let log = domain::audit::recent(&db, 10).await.unwrap();
    assert_eq!(log.len(), 2, "{backend}: one entry per successful save");
    assert_eq!(log[0].action, "company.save");
    assert_eq!(log[0].ip.as_deref(), Some("192.0.2.1"));
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn mail_server_settings_seal_the_password_and_keep_it_when_left_empty(#[case] backend: &str) {
    use domain::mailserver::{self, Input};
    use sea_orm::{ConnectionTrait, Statement};
    let dir = std::env::temp_dir().join(format!("tayori_keys_{}", std::process::id()));
    let secrets = domain::secrets::SecretBox::load_or_create(&dir, None).unwrap();
    let db = testing::database(backend).await;
    let actor = Actor::system();
    let mut input = Input {
        preset: "custom".into(),
        smtp_host: "mail.example.co.jp".into(),
        smtp_port: "587".into(),
        smtp_protection: "starttls".into(),
        smtp_auth: "smtp".into(),
        smtp_mechanism: "standard".into(),
        auth_user: "notice@example.co.jp".into(),
        password: "とても秘密".into(),
        pop_protection: "none".into(),
        timeout_secs: "10".into(),
        from_mode: "company".into(),
        ..Default::default()
    };
    let v = mailserver::save(&db, &secrets, &actor, &input)
        .await
        .unwrap();
    assert!(v.password_set, "{backend}");
    let raw = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT auth_password_sealed FROM mail_server_settings".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = raw.try_get("", "auth_password_sealed").unwrap();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains("とても秘密"),
        "{backend}"
    );

    input.password.clear();
    input.smtp_protection = "ssl".into();
    let v = mailserver::save(&db, &secrets, &actor, &input)
        .await
        .unwrap();
    assert_eq!(
        mailserver::password_for(&db, &secrets, "", &v.settings)
            .await
            .unwrap(),
        "とても秘密",
        "{backend}: an empty field keeps the stored password"
    );
    // Another port (or host, or user ID): the stored password is not sent
    // there; it must be typed again.
    input.smtp_port = "465".into();
    match mailserver::save(&db, &secrets, &actor, &input).await {
        Err(domain::Error::Invalid(f)) => assert_eq!(
            f.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
            vec![("password", domain::Code::PasswordAgain)],
            "{backend}"
        ),
        other => panic!("{backend}: {other:?}"),
    }
    let mut moved = v.settings.clone();
    moved.smtp_port = 465;
    assert_eq!(
        mailserver::password_for(&db, &secrets, "", &moved)
            .await
            .unwrap(),
        "",
        "{backend}: nor used by the connection test"
    );
    input.password = "とても秘密".into();
    mailserver::save(&db, &secrets, &actor, &input)
        .await
        .unwrap();
    input.password.clear();
    let v = mailserver::view(&db).await.unwrap();
    assert_eq!(v.settings.smtp_port, 465);
    let log = domain::audit::recent(&db, 5).await.unwrap();
    assert_eq!(log[0].action, "mail_server.save");
    assert!(
        log.iter().all(|e| !e.detail.contains("とても秘密")),
        "{backend}"
    );

    input.smtp_host = String::new();
    assert!(
        mailserver::save(&db, &secrets, &actor, &input)
            .await
            .is_err()
    );
    assert_eq!(
        mailserver::view(&db).await.unwrap().settings.smtp_host,
        "mail.example.co.jp",
        "{backend}: unchanged"
    );
}
