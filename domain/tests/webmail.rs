//! ウェブメール > 機能管理 and the account form, on SQLite and PostgreSQL:
//! field rules, the three server sources, who may change what, the default
//! account, stored passwords kept, 利用させる / させない.
use domain::testing;
use rstest::rstest;

use domain::audit::Actor;
use domain::mailbox::account;
use domain::webmail::{self, AccountInput, Who};
use domain::{Code, DatabaseConnection, Error};
use sea_orm::EntityTrait;

use testing::secrets;

fn codes<T: std::fmt::Debug>(r: domain::Result<T>) -> Vec<(&'static str, Code)> {
    match r {
        Err(Error::Invalid(v)) => v.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// ウェブメール設定 with the default limits and the given choices for users.
fn policy(own_servers: &str, allowed_hosts: &str, from_any: bool) -> webmail::SettingsInput {
    webmail::SettingsInput {
        allow_user_edit: true,
        receive_interval_min: "5".into(),
        attachment_max_mb: "20".into(),
        own_servers: own_servers.into(),
        allowed_hosts: allowed_hosts.into(),
        from_any,
        ..Default::default()
    }
}

/// A complete form with its own POP3 and SMTP servers.
fn own(name: &str) -> AccountInput {
    AccountInput {
        name: name.into(),
        display_name: "山田 太郎".into(),
        email: "yamada@example.test".into(),
        recv_source: "own".into(),
        pop_host: "pop.example.test".into(),
        pop_port: "995".into(),
        pop_protection: "ssl".into(),
        pop_user: "yamada".into(),
        pop_password: "secret-1".into(),
        pop_auth: "standard".into(),
        timeout_secs: "30".into(),
        leave_on_server: true,
        leave_days: "14".into(),
        send_source: "own".into(),
        smtp_host: "smtp.example.test".into(),
        smtp_port: "587".into(),
        smtp_protection: "starttls".into(),
        smtp_auth: "smtp".into(),
        smtp_mechanism: "standard".into(),
        ..Default::default()
    }
}

async fn admin_settings(db: &DatabaseConnection) {
    domain::mailserver::save(
        db,
        &secrets(),
        &Actor::system(),
        &domain::mailserver::Input {
            preset: "custom".into(),
            pop_host: "pop.company.test".into(),
            pop_port: "110".into(),
            pop_protection: "none".into(),
            smtp_host: "smtp.company.test".into(),
            smtp_port: "587".into(),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            auth_user: "notice@company.test".into(),
            password: "pw".into(),
            timeout_secs: "10".into(),
            from_mode: "company".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

const ADMIN: Who = Who {
    user_id: 0,
    admin: true,
};

#[tokio::test]
async fn the_form_reports_every_bad_field() {
    let mut i = own("会社");
    i.name = " ".into();
    i.email = "yamada@".into();
    i.pop_host = "pop example".into();
    i.pop_port = "70000".into();
    i.pop_password.clear();
    i.pop_auth = "xoauth2".into();
    i.timeout_secs = "0".into();
    i.leave_days = "-1".into();
    i.smtp_auth = "xoauth2".into();
    assert_eq!(
        codes(webmail::check(&i, None)),
        vec![
            ("name", Code::Required),
            ("email", Code::InvalidEmail),
            ("pop_host", Code::InvalidHost),
            ("pop_port", Code::InvalidPort),
            // XOAUTH2 signs in with a token: no password, but a server.
            ("timeout_secs", Code::Range { min: 1, max: 300 }),
            ("leave_days", Code::Range { min: 0, max: 3650 }),
            ("oauth_server_id", Code::Required),
        ]
    );
    // A pasted URL is reduced to its host.
    let mut ok = own("会社");
    ok.pop_host = "https://pop.example.test/login".into();
    let v = webmail::check(&ok, None).unwrap();
    assert_eq!(v.pop_host, "pop.example.test");
    assert_eq!(v.leave_days, Some(14));
    // Shared sources need no host of their own.
    let mut shared = own("会社");
    shared.recv_source = "admin".into();
    shared.pop_host.clear();
    shared.send_source = "webmail".into();
    shared.smtp_host.clear();
    assert!(webmail::check(&shared, None).is_ok());
}

#[test]
fn zero_days_on_the_server_must_be_confirmed() {
    // 受信メールをサーバーに残す with 0 days deletes right after receiving.
    let mut i = own("会社");
    i.leave_days = "0".into();
    assert_eq!(
        codes(webmail::check(&i, None)),
        vec![("leave_days", Code::ConfirmDeleteNow)]
    );
    i.delete_now_ok = true;
    assert_eq!(webmail::check(&i, None).unwrap().leave_days, Some(0));
    // Not leaving mail on the server, or leaving it for a day, asks nothing.
    i.delete_now_ok = false;
    i.leave_days = "1".into();
    assert!(webmail::check(&i, None).is_ok());
    i.leave_days = "0".into();
    i.leave_on_server = false;
    assert!(webmail::check(&i, None).is_ok());
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn accounts_keep_rules_on_both_databases(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let s = secrets();
    let sys = Actor::system();
    let yamada = testing::user("yamada")
        .name("山田")
        .email(Some("yamada@example.test"))
        .insert(&db)
        .await;
    let other = testing::user("sato").name("佐藤").insert(&db).await;
    let me = Who {
        user_id: yamada.id,
        admin: false,
    };

    // A shared source that nobody has set up is refused at its field.
    let mut via_admin = own("会社");
    via_admin.recv_source = "admin".into();
    via_admin.send_source = "admin".into();
    assert_eq!(
        codes(webmail::save_account(&db, &s, &sys, ADMIN, yamada.id, None, &via_admin).await),
        vec![
            ("recv_source", Code::NotConfigured),
            ("send_source", Code::NotConfigured)
        ],
        "{backend}"
    );
    assert!(
        account::Entity::find().all(&db).await.unwrap().is_empty(),
        "{backend}: nothing half-saved"
    );
    admin_settings(&db).await;
    let first = webmail::save_account(&db, &s, &sys, ADMIN, yamada.id, None, &via_admin)
        .await
        .unwrap();
    assert!(
        first.is_default,
        "{backend}: the first account is the default"
    );
    assert_ne!(
        first.pop_password_sealed.as_deref(),
        Some("secret-1"),
        "{backend}: sealed"
    );

    // The user may not manage accounts until webmail is enabled for them.
    assert!(matches!(
        webmail::save_account(&db, &s, &sys, me, yamada.id, None, &own("個人")).await,
        Err(Error::Forbidden)
    ));
    webmail::set_enabled(&db, &sys, &[yamada.id], true)
        .await
        .unwrap();
    // Servers of the user's own choosing, which the admin allows.
    webmail::save_settings(&db, &sys, &policy("any", "", false))
        .await
        .unwrap();
    let second = webmail::save_account(&db, &s, &sys, me, yamada.id, None, &own("個人"))
        .await
        .unwrap();
    assert!(!second.is_default);
    // Same name twice is refused.
    assert_eq!(
        codes(webmail::save_account(&db, &s, &sys, me, yamada.id, None, &own("個人")).await),
        vec![("name", Code::Duplicate)],
        "{backend}"
    );
    // Someone else's accounts: neither through their ID nor by account ID.
    assert!(matches!(
        webmail::save_account(&db, &s, &sys, me, other.id, None, &own("x")).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        webmail::account_for(
            &db,
            Who {
                user_id: other.id,
                admin: false
            },
            second.id
        )
        .await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        webmail::save_account(&db, &s, &sys, me, yamada.id, Some(999_999), &own("x")).await,
        Err(Error::NotFound)
    ));

    // An empty password keeps the stored one; a new one replaces it.
    let mut edit = AccountInput::of(&second);
    edit.pop_password.clear();
    edit.display_name = "山田（個人）".into();
    let kept = webmail::save_account(&db, &s, &sys, me, yamada.id, Some(second.id), &edit)
        .await
        .unwrap();
    assert_eq!(
        kept.pop_password_sealed, second.pop_password_sealed,
        "{backend}"
    );
    assert_eq!(kept.display_name, "山田（個人）");
    edit.pop_password = "secret-2".into();
    let changed = webmail::save_account(&db, &s, &sys, me, yamada.id, Some(second.id), &edit)
        .await
        .unwrap();
    assert_ne!(changed.pop_password_sealed, second.pop_password_sealed);
    let login = domain::mailbox::pop_login(&db, &s, &changed, &Default::default())
        .await
        .unwrap();
    assert_eq!(login.auth.secret(), "secret-2");
    assert_eq!((login.host.as_str(), login.port), ("pop.example.test", 995));
    // The admin source resolves to the admin's server, the account's ID.
    let shared = domain::mailbox::pop_login(&db, &s, &first, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        (shared.host.as_str(), shared.port),
        ("pop.company.test", 110)
    );
    assert_eq!(shared.user, "yamada");

    // 通常使用するアカウント moves; deleting the default hands it on.
    webmail::set_default(&db, me, yamada.id, second.id)
        .await
        .unwrap();
    let list = webmail::accounts_of(&db, yamada.id).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|a| (a.name.as_str(), a.is_default))
            .collect::<Vec<_>>(),
        vec![("個人", true), ("会社", false)],
        "{backend}"
    );
    webmail::delete_account(&db, &sys, me, yamada.id, second.id)
        .await
        .unwrap();
    let list = webmail::accounts_of(&db, yamada.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(
        list[0].is_default,
        "{backend}: the remaining account became the default"
    );

    // The admin may forbid users to edit their own accounts.
    webmail::save_settings(
        &db,
        &sys,
        &webmail::SettingsInput {
            allow_user_edit: false,
            receive_interval_min: "10".into(),
            attachment_max_mb: "30".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        webmail::save_account(&db, &s, &sys, me, yamada.id, None, &own("三つ目")).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        codes(
            webmail::save_settings(
                &db,
                &sys,
                &webmail::SettingsInput {
                    allow_user_edit: true,
                    receive_interval_min: "0".into(),
                    attachment_max_mb: "0".into(),
                    own_servers: "some".into(),
                    allowed_hosts: "pop.example.test bad_host!".into(),
                    from_any: false,
                    autoconfig_ispdb: "ftp://ispdb.example".into(),
                    autoconfig_http: false,
                },
            )
            .await
        ),
        vec![
            ("own_servers", Code::Required),
            ("allowed_hosts", Code::InvalidHost),
            ("receive_interval_min", Code::Range { min: 1, max: 1440 }),
            ("attachment_max_mb", Code::Range { min: 1, max: 100 }),
            ("autoconfig_ispdb", Code::InvalidUrl),
        ]
    );
    // An ISPDB over plain http only when plain http is allowed.
    let mut ispdb = policy("listed", "", false);
    ispdb.autoconfig_ispdb = "http://ispdb.intranet.test/v1.1/".into();
    assert_eq!(
        codes(webmail::save_settings(&db, &sys, &ispdb).await),
        vec![("autoconfig_ispdb", Code::HttpsRequired)]
    );
    ispdb.autoconfig_http = true;
    let saved = webmail::save_settings(&db, &sys, &ispdb).await.unwrap();
    assert_eq!(saved.autoconfig_ispdb, "http://ispdb.intranet.test/v1.1/");
    assert!(webmail::settings(&db).await.unwrap().autoconfig_http);
    webmail::save_settings(
        &db,
        &sys,
        &webmail::SettingsInput {
            allow_user_edit: false,
            receive_interval_min: "10".into(),
            attachment_max_mb: "30".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let kept = webmail::settings(&db).await.unwrap();
    assert_eq!(
        (kept.receive_interval_min, kept.attachment_max_mb),
        (10, 30),
        "{backend}: a refused save changes nothing"
    );

    // 利用させない takes the user out of background receiving.
    let due = domain::mailbox::due_accounts(&db, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(due, vec![first.id], "{backend}");
    webmail::set_enabled(&db, &sys, &[yamada.id], false)
        .await
        .unwrap();
    assert!(
        domain::mailbox::due_accounts(&db, std::time::Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    let rows = webmail::user_rows(&db, None).await.unwrap();
    let row = rows.iter().find(|r| r.user_id == yamada.id).unwrap();
    assert_eq!(
        (row.enabled, row.account.as_deref(), row.accounts),
        (false, Some("会社"), 1)
    );
    assert_eq!(
        codes(webmail::set_quota(&db, &sys, yamada.id, "0").await),
        vec![(
            "quota_mb",
            Code::Range {
                min: 1,
                max: 1_000_000
            }
        )]
    );
    assert_eq!(
        webmail::set_quota(&db, &sys, yamada.id, "50")
            .await
            .unwrap(),
        Some(50)
    );
}

/// Moving the raw messages to their own table keeps every stored message,
/// byte for byte, on both databases.
#[cfg(feature = "servers")]
#[tokio::test]
async fn the_upgrade_moves_stored_mail_to_its_own_table() {
    use migrations::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let sqlite_dir = std::env::temp_dir().join(format!("tayori_upgrade_{}", std::process::id()));
    std::fs::create_dir_all(&sqlite_dir).unwrap();
    let pg = testing::database("postgres").await;
    let pg_url = testing::postgres_url_of(&pg).await;
    drop(pg);
    for url in [domain::db::sqlite_url(&sqlite_dir), pg_url] {
        let db = testing::migrated(&url).await;
        // Back to the schema before webmail administration (and the
        // folders, uploads, per-server UIDLs, user choices, storage
        // counts and OAuth servers that came after it), with mail in it.
        let after_sixth = migrations::Migrator::migrations().len() as u32 - 6;
        migrations::Migrator::down(&db, Some(after_sixth))
            .await
            .unwrap();
        let raw = "Subject: 移行\r\n\r\n本文\r\n".as_bytes();
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let blob = if url.starts_with("sqlite") {
            format!("x'{hex}'")
        } else {
            format!("'\\x{hex}'::bytea")
        };
        let now = "'2026-11-28 00:00:00+00:00'";
        for sql in [
            format!(
                "INSERT INTO users (login_id, name, role, password_hash, must_change_password, disabled, language, created_at, updated_at) \
                 VALUES ('old', '旧', 'user', '-', false, false, 'ja', {now}, {now})"
            ),
            format!(
                "INSERT INTO mail_accounts (user_id, name, display_name, email, pop_host, pop_port, pop_protection, pop_user, pop_apop, timeout_secs, leave_on_server, log_receive, is_default, created_at, updated_at) \
                 SELECT id, '会社', '', 'old@example.test', 'h', 110, 'none', 'u', false, 10, false, false, true, {now}, {now} FROM users WHERE login_id = 'old'"
            ),
            format!(
                "INSERT INTO mail_messages (account_id, uidl, folder, raw, size, subject, from_addr, received_at, seen) \
                 SELECT id, 'u1', 'inbox', {blob}, {}, '移行', '', {now}, false FROM mail_accounts",
                raw.len()
            ),
            format!(
                "INSERT INTO pop_uidls (account_id, uidl, received_at) \
                 SELECT id, 'u1', {now} FROM mail_accounts"
            ),
        ] {
            db.execute_unprepared(&sql).await.unwrap();
        }
        migrations::Migrator::up(&db, None).await.unwrap();
        let bodies = domain::mailbox::body::Entity::find()
            .all(&db)
            .await
            .unwrap();
        assert_eq!(bodies.len(), 1, "{url}");
        assert_eq!(bodies[0].raw, raw, "{url}");
        let (list, _) = domain::mailbox::view::page(
            &db,
            1,
            domain::mailbox::INBOX,
            domain::mailbox::view::Sort::Date,
            true,
            None,
            10,
        )
        .await
        .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].subject, "移行");
        // The storage used counts the mail from before.
        let owner = domain::users::find_by_login(&db, "old")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            domain::mailbox::usage(&db, owner.id).await.unwrap(),
            raw.len() as i64,
            "{url}"
        );
        // The UIDL is kept, for the server the account's next receive uses.
        let uidls = domain::entity::pop_uidls::Entity::find()
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            uidls
                .iter()
                .map(|u| (u.server.as_str(), u.uidl.as_str()))
                .collect::<Vec<_>>(),
            [("", "u1")],
            "{url}"
        );
    }
}

/// A protection or authentication word that Tayori does not know (a row
/// edited by hand, or written by a later version) fails the read: it never
/// turns silently into "no TLS" or "no authentication".
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn unknown_stored_protection_fails_the_read(#[case] backend: &str) {
    use sea_orm::ConnectionTrait;
    let db = testing::database(backend).await;
    let owner = testing::user("kato").insert(&db).await;
    let saved = webmail::save_account(
        &db,
        &secrets(),
        &Actor::system(),
        ADMIN,
        owner.id,
        None,
        &own("個別"),
    )
    .await
    .unwrap();
    admin_settings(&db).await;
    assert!(domain::mailserver::view(&db).await.is_ok(), "{backend}");
    assert!(account::Entity::find_by_id(saved.id).one(&db).await.is_ok());

    for sql in [
        format!(
            "UPDATE mail_accounts SET pop_protection = 'tls' WHERE id = {}",
            saved.id
        ),
        "UPDATE mail_server_settings SET smtp_auth = 'ntlm'".to_owned(),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    assert!(
        account::Entity::find_by_id(saved.id)
            .one(&db)
            .await
            .is_err(),
        "{backend}: the account row"
    );
    assert!(
        domain::mailserver::view(&db).await.is_err(),
        "{backend}: the settings row"
    );
}

/// A stored password is never sent to a server it was not saved for: when
/// the form names another host, port, user ID or source, an empty password
/// field is refused at that field (also for the receiving password where
/// SMTP AUTH takes it), and a typed one replaces it.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn a_stored_password_stays_with_its_server(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let s = secrets();
    let sys = Actor::system();
    let owner = testing::user("ito").insert(&db).await;
    let mut form = own("会社");
    form.smtp_user = "ito-send".into();
    form.smtp_password = "smtp-secret".into();
    let saved = webmail::save_account(&db, &s, &sys, ADMIN, owner.id, None, &form)
        .await
        .unwrap();
    form.pop_password.clear();
    form.smtp_password.clear();
    form.display_name = "伊藤".into();
    let same = webmail::save_account(&db, &s, &sys, ADMIN, owner.id, Some(saved.id), &form)
        .await
        .unwrap();
    assert_eq!(
        same.pop_password_sealed, saved.pop_password_sealed,
        "{backend}"
    );
    assert_eq!(same.smtp_password_sealed, saved.smtp_password_sealed);

    type Change = fn(&mut AccountInput);
    let changes: [(Change, Vec<&str>); 6] = [
        (
            |f| f.pop_host = "pop.elsewhere.test".into(),
            vec!["pop_password"],
        ),
        (|f| f.pop_port = "110".into(), vec!["pop_password"]),
        (|f| f.pop_user = "someone".into(), vec!["pop_password"]),
        (
            |f| f.smtp_host = "smtp.elsewhere.test".into(),
            vec!["smtp_password"],
        ),
        (|f| f.smtp_user = "other-send".into(), vec!["smtp_password"]),
        // Without a sending user ID, SMTP AUTH takes the receiving password.
        (
            |f| {
                f.smtp_user.clear();
                f.smtp_port = "465".into();
                f.smtp_protection = "ssl".into();
            },
            vec!["pop_password"],
        ),
    ];
    for (change, fields) in changes {
        let mut moved = form.clone();
        change(&mut moved);
        let r = webmail::save_account(&db, &s, &sys, ADMIN, owner.id, Some(saved.id), &moved).await;
        let got: Vec<_> = codes(r).into_iter().map(|(f, _)| f).collect();
        assert_eq!(got, fields, "{backend}: {moved:?}");
    }
    let mut moved = form.clone();
    moved.pop_host = "pop.elsewhere.test".into();
    moved.pop_password = "new-secret".into();
    let after = webmail::save_account(&db, &s, &sys, ADMIN, owner.id, Some(saved.id), &moved)
        .await
        .unwrap();
    assert_ne!(after.pop_password_sealed, saved.pop_password_sealed);
    assert!(after.pop_password_sealed.is_some(), "{backend}");
}

/// What users may choose on their own accounts is the admin's decision:
/// servers of their own (any, only listed hosts, by default the shared
/// servers' hosts, or none) and a From address other than their own. An
/// administrator setting up a user's account is not held to it.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn users_choose_servers_and_from_only_as_the_admin_allows(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let s = secrets();
    let sys = Actor::system();
    let yamada = testing::user("yamada")
        .email(Some("yamada@example.test"))
        .insert(&db)
        .await;
    webmail::set_enabled(&db, &sys, &[yamada.id], true)
        .await
        .unwrap();
    admin_settings(&db).await; // pop.company.test, smtp.company.test
    let me = Who {
        user_id: yamada.id,
        admin: false,
    };
    let save = |form: AccountInput| {
        let (db, s, sys) = (&db, &s, &sys);
        async move { webmail::save_account(db, s, sys, me, yamada.id, None, &form).await }
    };
    let at = |pop: &str, smtp: &str, name: &str| {
        let mut f = own(name);
        f.pop_host = pop.into();
        f.smtp_host = smtp.into();
        f
    };

    // By default: only the hosts of the shared settings.
    assert_eq!(
        codes(save(own("外部")).await),
        vec![
            ("pop_host", Code::NotAllowed),
            ("smtp_host", Code::NotAllowed)
        ],
        "{backend}"
    );
    save(at("POP.company.test", "https://smtp.company.test/", "社内"))
        .await
        .unwrap();
    // A list of patterns; *. covers subdomains only.
    webmail::save_settings(
        &db,
        &sys,
        &policy("listed", "*.example.test\nmail.other.test", false),
    )
    .await
    .unwrap();
    save(at("pop.example.test", "mail.other.test", "一覧"))
        .await
        .unwrap();
    assert_eq!(
        codes(save(at("example.test", "smtp.evil.test", "外")).await),
        vec![
            ("pop_host", Code::NotAllowed),
            ("smtp_host", Code::NotAllowed)
        ]
    );
    assert!(webmail::own_servers_offered(&db, me).await.unwrap());
    // None: the shared settings only, and the form does not offer others.
    webmail::save_settings(&db, &sys, &policy("none", "", false))
        .await
        .unwrap();
    assert!(!webmail::own_servers_offered(&db, me).await.unwrap());
    let admin = Who {
        user_id: yamada.id,
        admin: true,
    };
    assert!(webmail::own_servers_offered(&db, admin).await.unwrap());
    assert_eq!(
        codes(save(own("個別")).await),
        vec![
            ("recv_source", Code::NotAllowed),
            ("send_source", Code::NotAllowed)
        ]
    );
    let mut shared = own("共有");
    shared.recv_source = "admin".into();
    shared.send_source = "admin".into();
    save(shared.clone()).await.unwrap();
    // From: the user's own address or receiving user ID, unless allowed.
    let mut other_from = shared.clone();
    other_from.name = "差出人".into();
    other_from.email = "ceo@example.test".into();
    assert_eq!(
        codes(save(other_from.clone()).await),
        vec![("email", Code::NotAllowed)]
    );
    other_from.pop_user = "ceo@example.test".into();
    save(other_from.clone()).await.unwrap();
    webmail::save_settings(&db, &sys, &policy("none", "", true))
        .await
        .unwrap();
    other_from.name = "差出人2".into();
    other_from.pop_user = "yamada".into();
    save(other_from).await.unwrap();
    // The administrator is not held to it.
    webmail::save_account(&db, &s, &sys, ADMIN, yamada.id, None, &own("管理者が設定"))
        .await
        .unwrap();
    assert!(webmail::host_allowed(
        &["*.example.test".into()],
        "a.b.example.test"
    ));
    assert!(!webmail::host_allowed(
        &["*.example.test".into()],
        "badexample.test"
    ));
}
