//! 送信 through the real Postfix (submission, STARTTLS, SMTP AUTH) and back
//! through the real Dovecot with the POP engine: a Japanese subject, text
//! and attachment name come back identical, in UTF-8 and in ISO-2022-JP;
//! a copy is in 送信済み; the log masks the password; a refused recipient
//! keeps the message in 下書き with the server's reply; every sending mode
//! an account can choose delivers.
use domain::mailbox::source::Source;
use domain::testing;

use domain::entity::kinds;
use domain::mailbox::{self, send, view};
use mail::presets::Protection;
use sea_orm::{ActiveEnum, ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use testing::secrets;

use testing::env;

async fn account(
    db: &domain::DatabaseConnection,
    login: &str,
    address: &str,
    password: &str,
) -> mailbox::Account {
    let u = testing::user(login).name(login).webmail().insert(db).await;
    let a = mailbox::create_account(
        db,
        &secrets(),
        &mailbox::NewAccount {
            user_id: u.id,
            name: "会社".into(),
            display_name: "山田 太郎".into(),
            email: address.into(),
            pop_host: env("MS_HOST"),
            pop_port: env("MS_POP3_PORT").parse().unwrap(),
            pop_protection: Protection::None,
            pop_user: address.into(),
            pop_password: password.into(),
            pop_apop: false,
            timeout_secs: 20,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .unwrap();
    // Sending: the submission port, STARTTLS, SMTP AUTH with the receiving
    // user ID and password; 送信時のログ on.
    let mut am = a.into_active_model();
    am.send_source = Set(domain::webmail::Source::Own);
    am.smtp_host = Set(env("MS_HOST"));
    am.smtp_port = Set(env("MS_SUBMISSION_PORT").parse().unwrap());
    am.smtp_protection = Set(kinds::Protection::StartTls);
    am.smtp_auth = Set(kinds::SmtpAuthMode::Smtp);
    am.smtp_mechanism = Set(kinds::Mechanism::Standard);
    am.log_send = Set(true);
    am.update(db).await.unwrap()
}

fn ca() -> mail::tls::Trust {
    let pem = std::fs::read(env("MS_CA_PEM")).unwrap();
    mail::tls::Trust::new(Some(&pem)).expect("the test CA")
}

/// The account's 受信箱 as stored (up to 1,000 rows).
async fn inbox(db: &domain::DatabaseConnection, account_id: i32) -> Vec<view::Row> {
    view::page(
        db,
        account_id,
        mailbox::INBOX,
        view::Sort::Date,
        true,
        None,
        1000,
    )
    .await
    .unwrap()
    .0
}

/// The account's 受信箱 after one receive.
async fn received(db: &domain::DatabaseConnection, account_id: i32) -> Vec<view::Row> {
    mailbox::receive(db, &secrets(), account_id, "t", &ca(), &mut |_, _| {})
        .await
        .unwrap();
    inbox(db, account_id).await
}

/// Receives until `done` holds for the 受信箱 (Postfix delivers on its own
/// time), for at most 10 s; returns the last 受信箱 seen.
async fn received_until(
    db: &domain::DatabaseConnection,
    account_id: i32,
    done: impl Fn(&[view::Row]) -> bool,
) -> Vec<view::Row> {
    let mut rows = Vec::new();
    for _ in 0..50 {
        rows = received(db, account_id).await;
        if done(&rows) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    rows
}

#[tokio::test]
async fn japanese_mail_goes_out_and_comes_back_identical() {
    let db = testing::sqlite().await;
    let grace = account(&db, "grace", "grace@example.test", "gracepass").await;
    let heidi = account(&db, "heidi", "heidi@example.test", "heidipass").await;
    // What Heidi's mailbox held before.
    let before = received(&db, heidi.id).await.len();
    let pdf: Vec<u8> = (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    for charset in ["utf-8", "iso-2022-jp"] {
        let subject = format!("お見積りの件（{charset}）");
        let body = "山田様\n\nお世話になっております。\n見積書を添付いたします。\n〜よろしくお願いいたします〜\n".to_owned();
        let c = send::Compose {
            to: "ハイジ <heidi@example.test>".into(),
            subject: subject.clone(),
            body: body.clone(),
            // In UTF-8 also written in HTML (with a script the cleaning drops).
            html: if charset == "utf-8" {
                "<p>山田様</p><p><b>見積書</b>を添付いたします。<script>alert(1)</script></p>"
                    .into()
            } else {
                String::new()
            },
            charset: charset.into(),
            attachments: vec![mail::compose::Attachment {
                name: "見積書（最終版）.pdf".into(),
                content_type: "application/pdf".into(),
                data: pdf.clone(),
            }],
            ..Default::default()
        };
        let sent = send::send(&Source::local(&db, grace.clone()), &secrets(), &c, &ca())
            .await
            .unwrap();
        let sent = sent.unwrap_or_else(|n| panic!("{charset}: not sent: {}", n.error));
        assert!(sent.reply.starts_with("250"), "{}", sent.reply);
        // The copy in 送信済み.
        let (row, raw) = view::message(&db, grace.id, sent.id).await.unwrap();
        assert_eq!(
            (row.folder.as_str(), row.subject.as_str()),
            (view::SENT, subject.as_str())
        );
        assert!(row.has_attachment);
        assert!(
            String::from_utf8_lossy(&raw).contains(if charset == "utf-8" {
                "UTF-8"
            } else {
                "ISO-2022-JP"
            })
        );
        // Back through Dovecot with the POP engine.
        let rows = received_until(&db, heidi.id, |rows| {
            rows.iter().any(|r| r.subject == subject)
        })
        .await;
        let found = rows.iter().find(|r| r.subject == subject).map(|r| r.id);
        let id = found.unwrap_or_else(|| panic!("{charset}: never arrived"));
        let (_, raw) = view::message(&db, heidi.id, id).await.unwrap();
        let r = mail::mime::read(&raw);
        assert_eq!(r.subject, subject);
        assert_eq!(r.from, ["山田 太郎 <grace@example.test>"]);
        assert_eq!(r.to, ["ハイジ <heidi@example.test>"]);
        // JIS has one code for 〜 and ～; it reads back in the form browsers'
        // ISO-2022-JP decoders give (～), everything else as written.
        let expected = if charset == "utf-8" {
            body.clone()
        } else {
            body.replace('〜', "～")
        };
        assert_eq!(
            r.text.replace("\r\n", "\n").trim_end(),
            expected.trim_end(),
            "{charset}"
        );
        match (charset, r.html.as_deref()) {
            ("utf-8", Some(h)) => assert!(
                h.contains("<b>見積書</b>を添付いたします。") && !h.contains("<script"),
                "{h}"
            ),
            ("iso-2022-jp", None) => {}
            (_, h) => panic!("{charset}: HTML part {h:?}"),
        }
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(r.attachments[0].name, "見積書（最終版）.pdf");
        let (_, _, data) = mail::mime::attachment(&raw, 0).unwrap();
        assert!(data == pdf, "{charset}: the attachment changed on the way");
    }
    let after = inbox(&db, heidi.id).await.len();
    assert_eq!(after, before + 2);
    // 送信時のログ: the dialogue without the password.
    let g = mailbox::account::Entity::find_by_id(grace.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let log = g.send_log.unwrap_or_default();
    assert!(log.contains("AUTH") && log.contains("********"), "{log}");
    assert!(!log.contains("gracepass"), "{log}");
    use base64::Engine;
    let plain = base64::engine::general_purpose::STANDARD.encode("\0grace@example.test\0gracepass");
    assert!(!log.contains(&plain), "{log}");
}

#[tokio::test]
async fn a_refused_recipient_keeps_the_message_as_a_draft() {
    let db = testing::sqlite().await;
    let grace = account(&db, "grace2", "grace@example.test", "gracepass").await;
    let c = send::Compose {
        to: "nobody-here@example.test".into(),
        subject: "届かない".into(),
        body: "本文".into(),
        ..Default::default()
    };
    let r = send::send(&Source::local(&db, grace.clone()), &secrets(), &c, &ca())
        .await
        .unwrap();
    let n = r.expect_err("refused");
    assert!(
        n.error.contains("550") || n.error.contains("5.1.1"),
        "{}",
        n.error
    );
    let (row, _) = view::message(&db, grace.id, n.draft).await.unwrap();
    assert_eq!(
        (row.folder.as_str(), row.subject.as_str()),
        (view::DRAFTS, "届かない")
    );
    // Sending again from the draft, to someone real, replaces it (to grace
    // herself: heidi's mailbox belongs to the other test).
    let c2 = send::Compose {
        to: "grace@example.test".into(),
        draft: Some(n.draft),
        ..c
    };
    let sent = send::send(&Source::local(&db, grace.clone()), &secrets(), &c2, &ca())
        .await
        .unwrap()
        .expect("sent");
    assert!(matches!(
        view::message(&db, grace.id, n.draft).await,
        Err(domain::Error::NotFound)
    ));
    assert!(view::message(&db, grace.id, sent.id).await.is_ok());
    // Bad input: at the field, nothing sent or kept.
    let bad = send::Compose {
        to: "heidi@".into(),
        ..Default::default()
    };
    let e = send::send(&Source::local(&db, grace.clone()), &secrets(), &bad, &ca())
        .await
        .unwrap_err();
    assert!(
        matches!(e, domain::Error::Invalid(ref v) if v[0].field == "to"),
        "{e:?}"
    );
    let none = send::Compose::default();
    let e = send::send(&Source::local(&db, grace.clone()), &secrets(), &none, &ca())
        .await
        .unwrap_err();
    assert!(
        matches!(e, domain::Error::Invalid(ref v) if v[0].field == "to"),
        "{e:?}"
    );
    let drafts = view::page(
        &db,
        grace.id,
        view::DRAFTS,
        view::Sort::Date,
        true,
        None,
        10,
    )
    .await
    .unwrap()
    .0;
    assert!(drafts.is_empty(), "{drafts:?}");
}

/// Every way an account can send (its own server settings): SSL/TLS with
/// its own SMTP credentials and each mechanism, STARTTLS, POP before SMTP,
/// and no authentication where the server takes mail for its own domain.
#[tokio::test]
async fn every_sending_mode_of_an_account_delivers() {
    let db = testing::sqlite().await;
    let grace = account(&db, "grace3", "grace@example.test", "gracepass").await;
    let ivan = account(&db, "ivan", "ivan@example.test", "ivanpass").await;
    let port = |name: &str| -> i32 { env(name).parse().unwrap() };
    let modes = [
        ("MS_SMTPS_PORT", "ssl", "smtp", "login", true),
        ("MS_SMTPS_PORT", "ssl", "smtp", "plain", true),
        ("MS_SUBMISSION_PORT", "starttls", "smtp", "cram-md5", false),
        ("MS_SUBMISSION_PORT", "starttls", "smtp", "standard", false),
        (
            "MS_SMTP_POPB4_PORT",
            "none",
            "pop-before-smtp",
            "standard",
            false,
        ),
        ("MS_SMTP_NOTLS_PORT", "none", "none", "standard", false),
    ];
    let mut subjects = Vec::new();
    for (i, (port_name, protection, auth, mechanism, own_credentials)) in
        modes.into_iter().enumerate()
    {
        let mut am = grace.clone().into_active_model();
        am.smtp_port = Set(port(port_name));
        am.smtp_protection = Set(kinds::Protection::try_from_value(&protection.into()).unwrap());
        am.smtp_auth = Set(kinds::SmtpAuthMode::try_from_value(&auth.into()).unwrap());
        am.smtp_mechanism = Set(kinds::Mechanism::try_from_value(&mechanism.into()).unwrap());
        // Own SMTP credentials, or (empty) the receiving ones.
        am.smtp_user = Set(if own_credentials {
            "grace@example.test".into()
        } else {
            String::new()
        });
        am.smtp_password_sealed = Set(own_credentials.then(|| {
            secrets()
                .seal("mail_account.smtp_password", "gracepass")
                .unwrap()
        }));
        let acc = am.update(&db).await.unwrap();
        let subject = format!("送信方法 {i}: {port_name} {protection} {auth} {mechanism}");
        let c = send::Compose {
            to: "イワン <ivan@example.test>".into(),
            subject: subject.clone(),
            body: "届きましたか。".into(),
            ..Default::default()
        };
        let sent = send::send(&Source::local(&db, acc.clone()), &secrets(), &c, &ca())
            .await
            .unwrap()
            .unwrap_or_else(|n| panic!("{subject}: not sent: {}", n.error));
        assert!(sent.reply.starts_with("250"), "{subject}: {}", sent.reply);
        subjects.push(subject);
    }
    // Each arrives once, through Dovecot.
    let got: Vec<String> = received_until(&db, ivan.id, |rows| {
        subjects
            .iter()
            .all(|s| rows.iter().any(|r| &r.subject == s))
    })
    .await
    .into_iter()
    .map(|r| r.subject)
    .collect();
    for s in &subjects {
        assert_eq!(got.iter().filter(|g| *g == s).count(), 1, "{s}: {got:?}");
    }
}
