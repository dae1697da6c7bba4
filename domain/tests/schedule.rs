//! Schedule rules on real databases (SQLite and PostgreSQL): participants
//! from organisations, who may edit, notifications written in the same
//! transaction as the entry, 伝言, and nothing half-saved on bad input.
use domain::testing;
use rstest::rstest;

use domain::audit::Actor;
use domain::outbox::{self, QUEUED};
use domain::schedule::{self, Input, MailOff};
use domain::users::User;
use domain::{Code, DatabaseConnection, Error, memos, orgs};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

async fn user(
    db: &DatabaseConnection,
    login: &str,
    email: Option<&str>,
    org: Option<i32>,
    lang: &str,
    role: &str,
) -> User {
    let u = testing::user(login)
        .name(&format!("{login} 氏名"))
        .email(email)
        .language(lang)
        .admin(role == "admin")
        .insert(db)
        .await;
    if org.is_none() {
        return u;
    }
    let mut am: domain::users::entity::ActiveModel = u.into();
    am.organisation_id = Set(org);
    am.update(db).await.unwrap()
}

async fn enable_notifications(db: &DatabaseConnection) {
    let secrets = secrets();
    domain::company::save(db, &Actor::system(), "便り商事", "info@example.test")
        .await
        .unwrap();
    domain::mailserver::save(
        db,
        &secrets,
        &Actor::system(),
        &domain::mailserver::Input {
            preset: "custom".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: "587".into(),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            auth_user: "notice@example.test".into(),
            password: "pw".into(),
            pop_protection: "none".into(),
            timeout_secs: "10".into(),
            notify_enabled: true,
            from_mode: "company".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

use testing::secrets;

fn entry(users: &[i32], orgs: &[i32]) -> Input {
    Input {
        title: "定例会議".into(),
        place: "会議室A".into(),
        start_date: "2026-11-27".into(),
        start_time: "10:00".into(),
        end_time: "11:00".into(),
        notify_method: "mail".into(),
        user_ids: users.to_vec(),
        org_ids: orgs.to_vec(),
        ..Default::default()
    }
}

async fn queued(db: &DatabaseConnection) -> Vec<String> {
    let mut r: Vec<String> = outbox::list(db, Some(QUEUED), 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.recipient)
        .collect();
    r.sort();
    r
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn organisations_expand_to_members_and_mail_is_queued_with_the_entry(#[case] backend: &str) {
    let db = testing::database(backend).await;
    enable_notifications(&db).await;
    let sales = orgs::create(&db, &Actor::system(), "営業部", None)
        .await
        .unwrap();
    let east = orgs::create(&db, &Actor::system(), "東日本", Some(sales.id))
        .await
        .unwrap();
    let author = user(
        &db,
        "author",
        Some("author@example.test"),
        None,
        "ja",
        "user",
    )
    .await;
    let a = user(
        &db,
        "a",
        Some("a@example.test"),
        Some(sales.id),
        "ja",
        "user",
    )
    .await;
    let b = user(
        &db,
        "b",
        Some("b@example.test"),
        Some(east.id),
        "en",
        "user",
    )
    .await;
    let no_mail = user(&db, "c", None, Some(east.id), "ja", "user").await;
    let outsider = user(&db, "d", Some("d@example.test"), None, "ja", "user").await;

    let saved = schedule::create(
        &db,
        &author,
        &Actor::user(author.id, None),
        "https://gw.example.test/",
        &entry(&[], &[sales.id]),
    )
    .await
    .unwrap();
    assert_eq!(saved.mails_queued, 3, "{backend}: a, b and the author");
    assert_eq!(
        saved.without_address,
        vec![no_mail.name.clone()],
        "{backend}"
    );
    assert_eq!(
        queued(&db).await,
        vec!["a@example.test", "author@example.test", "b@example.test"],
        "{backend}"
    );
    // The English member got the English template, with the link.
    let rows = outbox::list(&db, Some(QUEUED), 10).await.unwrap();
    let b_row = rows
        .iter()
        .find(|r| r.recipient == b.email.clone().unwrap())
        .unwrap();
    assert!(
        b_row.subject.starts_with("[New event] 定例会議"),
        "{backend}"
    );
    let a_row = rows
        .iter()
        .find(|r| r.recipient == "a@example.test")
        .unwrap();
    assert!(
        a_row.subject.starts_with("【予定の追加】定例会議"),
        "{backend}"
    );
    assert!(a_row.message.contains("From: =?UTF-8?B?"), "{backend}");
    assert_eq!(a_row.envelope_from, "info@example.test", "{backend}");

    // The outsider may look but not change; a participant may change.
    let d = schedule::get(&db, saved.id, &outsider).await.unwrap();
    assert!(!d.may_edit, "{backend}");
    assert_eq!(d.participants.len(), 3, "{backend}");
    let err = schedule::update(
        &db,
        &outsider,
        &Actor::user(outsider.id, None),
        "",
        saved.id,
        &entry(&[outsider.id], &[]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden), "{backend}: {err:?}");

    // 自分には通知しない on a change: a is told, the author is not; b,
    // removed from the entry, is told too.
    let mut change = entry(&[a.id], &[]);
    change.skip_self = true;
    let before = outbox::list(&db, None, 1000).await.unwrap().len();
    let saved2 = schedule::update(&db, &a, &Actor::user(a.id, None), "", saved.id, &change)
        .await
        .unwrap();
    let after = outbox::list(&db, None, 1000).await.unwrap();
    let new: Vec<&str> = after[..after.len() - before]
        .iter()
        .map(|r| r.recipient.as_str())
        .collect();
    assert_eq!(saved2.mails_queued as usize, new.len(), "{backend}");
    assert!(
        !new.contains(&"a@example.test"),
        "{backend}: a edited and skipped self"
    );
    assert!(
        new.contains(&"b@example.test"),
        "{backend}: removed participant told"
    );
    assert!(
        after[0].subject.contains("予定の変更") || after[0].subject.contains("Event changed"),
        "{backend}"
    );

    // The week of a participant holds the entry; the outsider's does not.
    let from = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00+09:00")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let to = from + chrono::Duration::days(7);
    let week = schedule::for_users(&db, &[a.id, outsider.id], from, to)
        .await
        .unwrap();
    assert_eq!(week.len(), 1, "{backend}");
    assert_eq!(week[0].0, a.id, "{backend}");

    // Delete tells the remaining participant.
    let saved3 = schedule::delete(
        &db,
        &author,
        &Actor::user(author.id, None),
        "",
        saved.id,
        false,
    )
    .await
    .unwrap();
    assert_eq!(saved3.mails_queued, 2, "{backend}: a and the author");
    assert!(matches!(
        schedule::get(&db, saved.id, &author).await,
        Err(Error::NotFound)
    ));
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn bad_input_saves_nothing_and_memo_leaves_no_mail(#[case] backend: &str) {
    let db = testing::database(backend).await;
    enable_notifications(&db).await;
    let author = user(
        &db,
        "author",
        Some("author@example.test"),
        None,
        "ja",
        "admin",
    )
    .await;
    let other = user(&db, "other", Some("other@example.test"), None, "ja", "user").await;
    // A participant that does not exist: no entry, no outbox row.
    let err = schedule::create(&db, &author, &Actor::system(), "", &entry(&[999_999], &[]))
        .await
        .unwrap_err();
    match err {
        Error::Invalid(v) => assert_eq!(v[0].field, "participants", "{backend}"),
        e => panic!("{backend}: {e:?}"),
    }
    assert_eq!(
        schedule::entry::Entity::find().count(&db).await.unwrap(),
        0,
        "{backend}"
    );
    assert!(
        outbox::list(&db, None, 10).await.unwrap().is_empty(),
        "{backend}"
    );

    let mut memo = entry(&[other.id], &[]);
    memo.notify_method = "memo".into();
    memo.skip_self = true;
    let saved = schedule::create(&db, &author, &Actor::system(), "", &memo)
        .await
        .unwrap();
    assert_eq!((saved.mails_queued, saved.memos_left), (0, 1), "{backend}");
    assert!(
        outbox::list(&db, None, 10).await.unwrap().is_empty(),
        "{backend}"
    );
    assert_eq!(
        memos::unread_count(&db, other.id).await.unwrap(),
        1,
        "{backend}"
    );
    assert_eq!(
        memos::unread_count(&db, author.id).await.unwrap(),
        0,
        "{backend}"
    );
    let list = memos::list(&db, other.id, 10).await.unwrap();
    assert!(list[0].subject.contains("定例会議"), "{backend}");
    // Someone else's memo is "not found" to a user.
    assert!(matches!(
        memos::mark_read(&db, author.id, list[0].id).await,
        Err(Error::NotFound)
    ));
    memos::mark_read(&db, other.id, list[0].id).await.unwrap();
    assert_eq!(
        memos::unread_count(&db, other.id).await.unwrap(),
        0,
        "{backend}"
    );

    // Notifications off: the entry is saved and the author is told why
    // no mail went.
    let secrets = secrets();
    let mut off = domain::mailserver::view(&db).await.unwrap().settings;
    off.notify_enabled = false;
    let input = domain::mailserver::Input {
        preset: off.preset,
        smtp_host: off.smtp_host,
        smtp_port: off.smtp_port.to_string(),
        smtp_protection: off.smtp_protection.as_str().into(),
        smtp_auth: off.smtp_auth.as_str().into(),
        smtp_mechanism: off.smtp_mechanism.as_str().into(),
        auth_user: off.auth_user,
        pop_protection: "none".into(),
        timeout_secs: "10".into(),
        notify_enabled: false,
        from_mode: "company".into(),
        ..Default::default()
    };
    domain::mailserver::save(&db, &secrets, &Actor::system(), &input)
        .await
        .unwrap();
    let saved = schedule::create(&db, &author, &Actor::system(), "", &entry(&[other.id], &[]))
        .await
        .unwrap();
    assert_eq!(saved.mail_off, Some(MailOff::Disabled), "{backend}");
    assert!(
        outbox::list(&db, None, 10).await.unwrap().is_empty(),
        "{backend}"
    );

    // Titles: the admin's list replaces the default one; a line too long
    // is refused with the limit.
    let titles = schedule::set_titles(&db, &Actor::system(), "会議\n\n 来客 \n会議\n")
        .await
        .unwrap();
    assert_eq!(titles, vec!["会議", "来客"], "{backend}");
    let err = schedule::set_titles(&db, &Actor::system(), &"長".repeat(51))
        .await
        .unwrap_err();
    match err {
        Error::Invalid(v) => assert_eq!(v[0].code, Code::TooLong { max: 50 }, "{backend}"),
        e => panic!("{backend}: {e:?}"),
    }
    assert_eq!(schedule::titles(&db).await.unwrap(), titles, "{backend}");
}
