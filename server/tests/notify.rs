//! Schedule notifications end to end through the real Postfix and Dovecot:
//! the outbox dispatcher sends what a schedule change queued, the mail is
//! read back over POP3 and parsed by an independent MIME parser.
mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use domain::audit::Actor;
use domain::outbox;
use domain::schedule::{self, Input};
use mail_parser::MessageParser;
use support::*;

fn entry(title: &str, users: &[i32], skip_self: bool) -> Input {
    Input {
        title: title.into(),
        place: "会議室A".into(),
        body: "議題：来期の予算\n資料は当日配布します。".into(),
        start_date: "2026-12-01".into(),
        start_time: "14:00".into(),
        end_time: "15:30".into(),
        notify_method: "mail".into(),
        skip_self,
        user_ids: users.to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn schedule_mail_reaches_participants_with_decodable_headers() {
    let (_dir, db) = fresh_sqlite().await;
    let secrets = secrets();
    configure_mail(&db, &secrets, port("MS_SUBMISSION_PORT"), "utf-8").await;
    let marker = unique("m");
    let admin = user(
        &db,
        "admin",
        "管理者 一郎",
        Some("alice@example.test"),
        "ja",
    )
    .await;
    let bob = user(&db, "bob", "Bob Smith", Some("bob@example.test"), "en").await;
    let carol = user(&db, "carol", "住所 なし子", None, "ja").await;
    let worker = dispatcher(&db).spawn();

    let title = format!("【テスト】{marker}");
    let saved = schedule::create(
        &db,
        &admin,
        &Actor::user(admin.id, None),
        "https://gw.example.test",
        &entry(&title, &[bob.id, carol.id], false),
    )
    .await
    .expect("entry saved");
    assert_eq!(saved.mails_queued, 2);
    assert_eq!(saved.without_address, vec!["住所 なし子".to_owned()]);

    // The admin (author, 自分には通知しない unchecked) gets the Japanese one.
    let mine = take_n(
        "alice@example.test",
        "alicepass",
        &marker,
        1,
        Duration::from_secs(30),
    )
    .await;
    let m = MessageParser::default().parse(&mine[0]).expect("parses");
    assert_eq!(
        m.subject(),
        Some(format!("【予定の追加】{title}（12/1(火) 14:00）").as_str())
    );
    let from = m.from().and_then(|a| a.first()).expect("From");
    assert_eq!(from.address(), Some("info@example.test"));
    assert_eq!(from.name(), Some("便り商事"));
    assert_eq!(
        m.to().and_then(|a| a.first()).and_then(|a| a.name()),
        Some("管理者 一郎")
    );
    assert!(
        m.message_id()
            .is_some_and(|id| id.ends_with("@example.test"))
    );
    assert!(m.date().is_some());
    let body = m.body_text(0).expect("text body");
    for want in [
        "日時　：2026年12月1日(火) 14:00〜15:30",
        "場所　：会議室A",
        "登録者：管理者 一郎",
        "登録先：Bob Smith、住所 なし子",
        "  議題：来期の予算",
        &format!(
            "予定を開く：https://gw.example.test/schedule/entry/{}",
            saved.id
        ),
    ] {
        assert!(body.contains(want), "missing {want:?} in\n{body}");
    }
    let raw = String::from_utf8_lossy(&mine[0]);
    assert!(raw.contains("Received: from"), "went through Postfix");

    // Bob reads English.
    let his = take_n(
        "bob@example.test",
        "bobpass",
        &marker,
        1,
        Duration::from_secs(30),
    )
    .await;
    let m = MessageParser::default().parse(&his[0]).expect("parses");
    assert_eq!(
        m.subject(),
        Some(format!("[New event] {title} (Tue 12/1 14:00)").as_str())
    );
    assert!(
        m.body_text(0)
            .unwrap()
            .contains("When:     Tue, Dec 1, 2026 14:00 - 15:30")
    );

    // ISO-2022-JP, and 自分には通知しない on a change: Bob gets valid JIS,
    // the admin nothing.
    configure_mail(&db, &secrets, port("MS_SUBMISSION_PORT"), "iso-2022-jp").await;
    let mut change = entry(&title, &[bob.id], true);
    change.place = "応接室〜別館".into();
    schedule::update(
        &db,
        &admin,
        &Actor::user(admin.id, None),
        "https://gw.example.test",
        saved.id,
        &change,
    )
    .await
    .expect("entry changed");
    let his = take_n(
        "bob@example.test",
        "bobpass",
        &marker,
        1,
        Duration::from_secs(30),
    )
    .await;
    assert!(
        his[0].iter().all(|b| *b < 0x80),
        "ISO-2022-JP mail is 7-bit"
    );
    let raw = String::from_utf8_lossy(&his[0]);
    assert!(raw.contains("charset=ISO-2022-JP"), "{raw}");
    assert!(raw.contains("=?ISO-2022-JP?B?"), "{raw}");
    let m = MessageParser::default().parse(&his[0]).expect("parses");
    assert_eq!(
        m.subject(),
        Some(format!("[Event changed] {title} (Tue 12/1 14:00)").as_str())
    );
    let body = m.body_text(0).unwrap();
    // 〜 travels as JIS 0x2141; decoders show it as 〜 or its Windows twin ～.
    assert!(
        body.contains("Where:    応接室〜別館") || body.contains("Where:    応接室～別館"),
        "{body}"
    );
    settled(&db, Duration::from_secs(30)).await;
    assert!(
        take("alice@example.test", "alicepass", &marker)
            .await
            .is_empty(),
        "自分には通知しない: the admin got no mail for the change"
    );
    worker.abort();
}

#[tokio::test]
async fn notifications_wait_while_the_server_is_down_and_go_when_it_is_back() {
    let (_dir, db) = fresh_sqlite().await;
    let secrets = secrets();
    let proxy = proxy(port("MS_SUBMISSION_PORT")).await;
    proxy.up.store(false, Ordering::SeqCst);
    configure_mail(&db, &secrets, proxy.port, "utf-8").await;
    let marker = unique("down");
    let admin = user(&db, "admin", "管理者", Some("alice@example.test"), "ja").await;
    let bob = user(&db, "bob", "Bob", Some("bob@example.test"), "en").await;
    let worker = dispatcher(&db).spawn();

    schedule::create(
        &db,
        &admin,
        &Actor::user(admin.id, None),
        "",
        &entry(&marker, &[bob.id], true),
    )
    .await
    .expect("entry saved while the server is down");

    // The attempt fails and the notification waits, with the reason kept.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let row = loop {
        let rows = outbox::list(&db, None, 10).await.unwrap();
        if let Some(r) = rows
            .iter()
            .find(|r| r.attempts >= 1 && r.status == outbox::QUEUED)
        {
            break r.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(row.last_reply.as_deref().is_some_and(|r| !r.is_empty()));
    assert!(
        row.next_attempt_at > chrono::Utc::now(),
        "retry is scheduled later"
    );

    // Back up: delivered without anyone acting (the back-off is ~5 s).
    proxy.up.store(true, Ordering::SeqCst);
    let got = take_n(
        "bob@example.test",
        "bobpass",
        &marker,
        1,
        Duration::from_secs(40),
    )
    .await;
    assert_eq!(got.len(), 1);
    settled(&db, Duration::from_secs(10)).await;
    let sent = outbox::list(&db, Some(outbox::SENT), 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].attempts >= 2);
    assert!(
        sent[0]
            .last_reply
            .as_deref()
            .unwrap_or("")
            .starts_with("250")
    );
    worker.abort();
}

#[tokio::test]
async fn an_unknown_recipient_fails_with_the_servers_reply_and_others_still_go() {
    let (_dir, db) = fresh_sqlite().await;
    let secrets = secrets();
    configure_mail(&db, &secrets, port("MS_SUBMISSION_PORT"), "utf-8").await;
    let marker = unique("unk");
    let admin = user(&db, "admin", "管理者", Some("alice@example.test"), "ja").await;
    let ghost_addr = format!("{marker}@example.test");
    let ghost = user(&db, "ghost", "存在しない人", Some(&ghost_addr), "ja").await;
    let bob = user(&db, "bob", "Bob", Some("bob@example.test"), "en").await;
    // One connection: the refused recipient and the good one share it, so
    // this also proves the session is reset and reused after a 550.
    let mut d = dispatcher(&db);
    d.connections = 1;
    let worker = d.spawn();

    schedule::create(
        &db,
        &admin,
        &Actor::user(admin.id, None),
        "",
        &entry(&marker, &[ghost.id, bob.id], true),
    )
    .await
    .expect("entry saved");
    settled(&db, Duration::from_secs(30)).await;
    let failed = outbox::list(&db, Some(outbox::FAILED), 10).await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].recipient, ghost_addr);
    let reply = failed[0].last_reply.clone().unwrap_or_default();
    assert!(reply.contains("550"), "{reply}");
    assert_eq!(failed[0].attempts, 1, "a permanent failure is not retried");
    take_n(
        "bob@example.test",
        "bobpass",
        &marker,
        1,
        Duration::from_secs(30),
    )
    .await;
    worker.abort();
}
