//! Receiving over POP3 from the project's real Dovecot: connections cut at
//! random byte offsets by a proxy (200 runs) never lose or duplicate mail;
//! サーバーに残す日数 deletes exactly what is older; delete-after-download
//! empties the server only of what is stored.
use domain::testing;
use rstest::rstest;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use domain::mailbox::{self, NewAccount};
use domain::users::User;
use mail::presets::Protection;
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

const USER: &str = "dave@example.test";
const PASS: &str = "davepass";
const MESSAGES: usize = 25;

use testing::env;

fn pop_login(port: u16, user: &str, pass: &str) -> mail::pop3::PopLogin {
    mail::pop3::PopLogin {
        host: env("MS_HOST"),
        port,
        protection: Protection::None,
        user: user.into(),
        auth: mail::pop3::PopAuth::Pass(pass.into()),
        timeout: Duration::from_secs(10),
        trust: mail::tls::Trust::public(),
    }
}

/// The server's UIDLs, read directly (not through the proxy).
async fn server_uidls() -> Vec<String> {
    server_uidls_of(USER, PASS).await
}

async fn server_uidls_of(user: &str, pass: &str) -> Vec<String> {
    let port = env("MS_POP3_PORT").parse().unwrap();
    let mut c = mail::pop3::open(&pop_login(port, user, pass))
        .await
        .expect("POP3");
    let list = c.uidl().await.expect("UIDL");
    c.quit().await.expect("QUIT");
    list.into_iter().map(|(_, u)| u).collect()
}

async fn empty_mailbox(user: &str, pass: &str) {
    let port = env("MS_POP3_PORT").parse().unwrap();
    let mut c = mail::pop3::open(&pop_login(port, user, pass))
        .await
        .expect("POP3");
    for (n, _) in c.uidl().await.expect("UIDL") {
        c.dele(n).await.expect("DELE");
    }
    c.quit().await.expect("QUIT");
}

/// Delivers `n` messages to the test mailbox through the real Postfix and
/// waits until Dovecot has them all.
async fn deliver(n: usize, marker: &str) {
    deliver_to(n, marker, USER, PASS).await
}

async fn deliver_to(n: usize, marker: &str, rcpt: &str, pass: &str) {
    deliver_sized(n, marker, rcpt, pass, None).await
}

/// `lines` fixes the body's length (about 30 bytes a line once encoded);
/// None mixes sizes.
async fn deliver_sized(n: usize, marker: &str, rcpt: &str, pass: &str, lines: Option<usize>) {
    let ca = std::fs::read(env("MS_CA_PEM")).expect("CA");
    let settings = mail::smtp::SmtpSettings {
        host: env("MS_HOST"),
        port: env("MS_SUBMISSION_PORT").parse().unwrap(),
        protection: Protection::StartTls,
        auth: mail::smtp::SmtpAuth::Smtp {
            mechanism: mail::presets::SmtpMechanism::Standard,
            user: "bob@example.test".into(),
            password: "bobpass".into(),
        },
        timeout: Duration::from_secs(10),
        trust: mail::tls::Trust::new(Some(&ca)).expect("the test CA"),
        helo_name: "tayori-test".into(),
    };
    let mut s = mail::smtp::open(&settings, &mut |_| {})
        .await
        .expect("SMTP");
    let from = mail::compose::Mailbox::new("ボブ", "bob@example.test");
    let to = mail::compose::Mailbox::new("", rcpt);
    for i in 0..n {
        let subject = format!("受信テスト {marker} #{i:03}");
        // Mixed sizes, so cuts land in headers, bodies and between messages.
        let body = "本文の行です。\n".repeat(lines.unwrap_or(1 + (i * 37) % 60));
        let m = mail::compose::render(&mail::compose::Draft {
            from: &from,
            to: &to,
            subject: &subject,
            body: &body,
            date: chrono::Utc::now().fixed_offset(),
            charset: mail::compose::Charset::Utf8,
        })
        .unwrap();
        s.send("bob@example.test", &[rcpt.to_owned()], m.message.as_bytes())
            .await
            .expect("accepted");
    }
    s.quit().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while server_uidls_of(rcpt, pass).await.len() < n {
        assert!(Instant::now() < deadline, "{n} messages did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A proxy to the real Dovecot that closes both sides once `cut_after`
/// bytes have come from the server (0 = never).
async fn cutting_proxy(cut_after: Arc<AtomicUsize>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let target: u16 = env("MS_POP3_PORT").parse().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let limit = cut_after.load(Ordering::SeqCst);
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut passed = 0usize;
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let n = if limit > 0 { n.min(limit - passed) } else { n };
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    passed += n;
                    if limit > 0 && passed >= limit {
                        break;
                    }
                }
                // Both directions end here: the client sees the cut, and
                // Dovecot sees its client go away without QUIT.
                up.abort();
            });
        }
    });
    port
}

/// A proxy to the real Dovecot that lists every message as 1 octet, so
/// what RETR then brings is far beyond its listed size.
async fn understating_proxy() -> u16 {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let target: u16 = env("MS_POP3_PORT").parse().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (sr, mut sw) = server.into_split();
                let listing = Arc::new(AtomicBool::new(false));
                let asked = listing.clone();
                let up = tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        // A command arrives before the server answers it
                        // (its CRLF may come in a write of its own).
                        if n >= 4 && buf[..4].eq_ignore_ascii_case(b"LIST") {
                            asked.store(true, Ordering::SeqCst);
                        }
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
                let mut sr = tokio::io::BufReader::new(sr);
                let mut line = Vec::new();
                let mut in_list = false;
                loop {
                    line.clear();
                    match sr.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    if listing.swap(false, Ordering::SeqCst) {
                        in_list = true; // this is LIST's +OK
                    } else if in_list && line == b".\r\n" {
                        in_list = false;
                    } else if in_list && let Some(n) = line.split(|b| *b == b' ').next() {
                        line = [n, b" 1\r\n"].concat();
                    }
                    if cw.write_all(&line).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    port
}

/// A proxy to the real Dovecot that holds the server's first bytes (the
/// greeting) back for `stall`, then passes everything.
async fn stalling_proxy(stall: Duration) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let target: u16 = env("MS_POP3_PORT").parse().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                tokio::time::sleep(stall).await;
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = sr.read(&mut buf).await {
                    if n == 0 || cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    port
}

async fn owner(db: &domain::DatabaseConnection) -> User {
    testing::user("dave")
        .name("デイブ")
        .email(Some(USER))
        .insert(db)
        .await
}

use testing::secrets;

async fn account(
    db: &domain::DatabaseConnection,
    user: &User,
    port: u16,
    leave_on_server: bool,
    leave_days: Option<u16>,
) -> mailbox::Account {
    account_for(db, user, (USER, PASS), port, leave_on_server, leave_days).await
}

/// An account of `user` that receives the mailbox `(address, password)`
/// through `port` on the test host.
async fn account_for(
    db: &domain::DatabaseConnection,
    user: &User,
    (address, password): (&str, &str),
    port: u16,
    leave_on_server: bool,
    leave_days: Option<u16>,
) -> mailbox::Account {
    mailbox::create_account(
        db,
        &secrets(),
        &NewAccount {
            user_id: user.id,
            name: "会社".into(),
            display_name: "受信テスト".into(),
            email: address.into(),
            pop_host: env("MS_HOST"),
            pop_port: port,
            pop_protection: Protection::None,
            pop_user: address.into(),
            pop_password: password.into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server,
            leave_days,
        },
    )
    .await
    .unwrap()
}

async fn stored(db: &domain::DatabaseConnection, account_id: i32) -> Vec<String> {
    mailbox::message::Entity::find()
        .filter(mailbox::message::Column::AccountId.eq(account_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.uidl)
        .collect()
}

async fn receive(db: &domain::DatabaseConnection, id: i32) -> domain::Result<mailbox::Received> {
    mailbox::receive(
        db,
        &secrets(),
        id,
        "test",
        &mail::tls::Trust::public(),
        &mut |_, _| {},
    )
    .await
}

fn assert_same(stored: &[String], server: &[String], what: &str) {
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "{what}: duplicated in the store"
    );
    let on_server: HashSet<&String> = server.iter().collect();
    assert_eq!(
        unique, on_server,
        "{what}: stored set differs from the server's"
    );
}

#[tokio::test]
async fn cut_connections_lose_and_duplicate_nothing() {
    let db = testing::sqlite().await;
    let user = owner(&db).await;
    empty_mailbox(USER, PASS).await;
    let marker = format!("r{}", std::process::id());
    deliver(MESSAGES, &marker).await;
    let server = server_uidls().await;
    assert_eq!(server.len(), MESSAGES);

    let cut = Arc::new(AtomicUsize::new(0));
    let port = cutting_proxy(cut.clone()).await;
    let mut rng = rand::thread_rng();
    let mut failed_runs = 0;
    // 20 cycles of 10 cut receives and one whole one, each on a fresh
    // account (mail left on the server), then the stores are compared.
    for cycle in 0..20 {
        let acc = account(&db, &user, port, true, None).await;
        for _ in 0..10 {
            cut.store(rng.gen_range(1..40_000), Ordering::SeqCst);
            if receive(&db, acc.id).await.is_err() {
                failed_runs += 1;
            }
            // Whatever the cut, the store holds no duplicate and nothing
            // the server lacks.
            let now = stored(&db, acc.id).await;
            let unique: HashSet<&String> = now.iter().collect();
            assert_eq!(
                unique.len(),
                now.len(),
                "cycle {cycle}: duplicate after a cut"
            );
        }
        cut.store(0, Ordering::SeqCst);
        let r = receive(&db, acc.id).await.expect("a whole receive");
        assert_eq!(r.on_server, MESSAGES);
        assert_same(
            &stored(&db, acc.id).await,
            &server,
            &format!("cycle {cycle}"),
        );
    }
    // Later runs of a cycle have less left to fetch and complete more often.
    assert!(
        failed_runs > 60,
        "the cuts hit: {failed_runs} of 200 runs failed"
    );
    println!("200 cut receives ({failed_runs} cut before completion): 0 lost, 0 duplicated");

    // サーバーに残す日数 = 3: exactly the messages received more than 3 days
    // ago are deleted.
    let acc = account(&db, &user, port, true, Some(3)).await;
    let r = receive(&db, acc.id).await.unwrap();
    assert_eq!((r.stored, r.deleted), (MESSAGES, 0));
    let old: Vec<String> = server[..5].to_vec();
    mailbox::uidl::Entity::update_many()
        .col_expr(
            mailbox::uidl::Column::ReceivedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::days(4)),
        )
        .filter(mailbox::uidl::Column::AccountId.eq(acc.id))
        .filter(mailbox::uidl::Column::Uidl.is_in(old.clone()))
        .exec(&db)
        .await
        .unwrap();
    let r = receive(&db, acc.id).await.unwrap();
    assert_eq!((r.stored, r.deleted), (0, 5));
    let left = server_uidls().await;
    assert_eq!(left.len(), MESSAGES - 5);
    assert!(
        old.iter().all(|u| !left.contains(u)),
        "the old five are gone"
    );
    // Kept forever (no days): nothing more is deleted; the vanished UIDLs
    // are forgotten.
    let r = receive(&db, acc.id).await.unwrap();
    assert_eq!((r.stored, r.deleted, r.forgotten), (0, 0, 5));

    // Not left on the server, with cuts: the server ends empty and the
    // store holds every message once.
    let acc = account(&db, &user, port, false, None).await;
    for _ in 0..10 {
        cut.store(rng.gen_range(1..40_000), Ordering::SeqCst);
        let _ = receive(&db, acc.id).await;
    }
    cut.store(0, Ordering::SeqCst);
    receive(&db, acc.id).await.expect("a whole receive");
    let kept = stored(&db, acc.id).await;
    assert_same(&kept, &left, "delete after download");
    assert!(server_uidls().await.is_empty(), "the server is empty");
    let _ = db.execute_unprepared("SELECT 1").await;
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn one_receive_per_account_at_a_time(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let user = owner(&db).await;
    let acc = account(&db, &user, 1, true, None).await;
    // Another process holds the account: this receive is refused
    // without touching the server (port 1 would fail to connect).
    mailbox::account::Entity::update_many()
        .col_expr(
            mailbox::account::Column::ReceivingUntil,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() + chrono::Duration::minutes(1)),
        )
        .filter(mailbox::account::Column::Id.eq(acc.id))
        .exec(&db)
        .await
        .unwrap();
    assert!(
        matches!(receive(&db, acc.id).await, Err(domain::Error::Busy)),
        "{backend}"
    );
    // Once the lease has run out, the receive runs (and fails to
    // connect, which is recorded on the account).
    mailbox::account::Entity::update_many()
        .col_expr(
            mailbox::account::Column::ReceivingUntil,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(mailbox::account::Column::Id.eq(acc.id))
        .exec(&db)
        .await
        .unwrap();
    assert!(
        matches!(receive(&db, acc.id).await, Err(domain::Error::Pop3(_))),
        "{backend}"
    );
    let after = mailbox::account::Entity::find_by_id(acc.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(after.receiving_until.is_none(), "{backend}: released");
    assert!(after.last_error.is_some(), "{backend}: the failure is kept");
}

#[tokio::test]
async fn stls_pop3s_and_apop_receive_and_refusals_are_clear() {
    const CAROL: &str = "carol@example.test";
    const CAROL_PASS: &str = "Pa ss\"w\\rd!";
    let db = testing::sqlite().await;
    let user = testing::user("carol")
        .name("キャロル")
        .email(Some(CAROL))
        .insert(&db)
        .await;
    empty_mailbox(CAROL, CAROL_PASS).await;
    deliver_to(3, &format!("p{}", std::process::id()), CAROL, CAROL_PASS).await;
    let ca = mail::tls::Trust::new(Some(&std::fs::read(env("MS_CA_PEM")).expect("CA")))
        .expect("the test CA");
    let pop3: u16 = env("MS_POP3_PORT").parse().unwrap();
    let pop3s: u16 = env("MS_POP3S_PORT").parse().unwrap();
    let make = |protection: Protection, port: u16, apop: bool, password: &'static str| NewAccount {
        user_id: user.id,
        name: "会社".into(),
        display_name: "キャロル".into(),
        email: CAROL.into(),
        pop_host: "localhost".into(),
        pop_port: port,
        pop_protection: protection,
        pop_user: CAROL.into(),
        pop_password: password.into(),
        pop_apop: apop,
        timeout_secs: 10,
        leave_on_server: true,
        leave_days: None,
    };
    for (what, protection, port, apop) in [
        ("STLS", Protection::StartTls, pop3, false),
        ("POP3S", Protection::SslTls, pop3s, false),
        ("APOP", Protection::None, pop3, true),
    ] {
        let acc =
            mailbox::create_account(&db, &secrets(), &make(protection, port, apop, CAROL_PASS))
                .await
                .unwrap();
        let r = mailbox::receive(&db, &secrets(), acc.id, "t", &ca, &mut |_, _| {})
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.stored, 3, "{what}");
    }
    // A wrong password and a refused APOP say so, with the server's words.
    for (what, apop) in [("USER/PASS", false), ("APOP", true)] {
        let acc = mailbox::create_account(
            &db,
            &secrets(),
            &make(Protection::None, pop3, apop, "wrong"),
        )
        .await
        .unwrap();
        // 受信時のログ shows the dialogue without the password or the digest.
        mailbox::set_receive_log(&db, acc.id, true).await.unwrap();
        match mailbox::receive(
            &db,
            &secrets(),
            acc.id,
            "t",
            &mail::tls::Trust::public(),
            &mut |_, _| {},
        )
        .await
        {
            Err(e @ domain::Error::Pop3(_)) => {
                let msg = e.to_string();
                let command = if apop { "APOP" } else { "PASS" };
                assert!(
                    msg.contains(command) && msg.contains("Authentication failed"),
                    "{what}: {msg}"
                );
            }
            other => panic!("{what}: {other:?}"),
        }
        let acc = mailbox::account::Entity::find_by_id(acc.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            acc.last_error
                .is_some_and(|e| e.contains("Authentication failed")),
            "{what}"
        );
        let log = acc.receive_log.expect("a log was kept");
        assert!(log.contains("Authentication failed"), "{what}: {log}");
        assert!(
            !log.contains("wrong"),
            "{what}: the password is in the log: {log}"
        );
        if apop {
            assert!(log.contains("C: APOP carol@example.test ********"), "{log}");
        } else {
            assert!(log.contains("C: USER carol@example.test\nS: +OK"), "{log}");
            assert!(log.contains("C: PASS ********"), "{log}");
        }
    }
    // A whole receive with the log on: every command, no password, message
    // bodies as sizes only.
    let acc = mailbox::create_account(
        &db,
        &secrets(),
        &make(Protection::StartTls, pop3, false, CAROL_PASS),
    )
    .await
    .unwrap();
    mailbox::set_receive_log(&db, acc.id, true).await.unwrap();
    mailbox::receive(&db, &secrets(), acc.id, "t", &ca, &mut |_, _| {})
        .await
        .unwrap();
    let acc = mailbox::account::Entity::find_by_id(acc.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let log = acc.receive_log.unwrap();
    for want in ["-- TLS", "C: UIDL", "C: RETR 1", "C: QUIT", "bytes>"] {
        assert!(log.contains(want), "missing {want:?} in {log}");
    }
    assert!(!log.contains(CAROL_PASS) && !log.contains("本文"), "{log}");
}

/// A full quota stops receiving with a clear message; what did not fit
/// stays on the server and arrives once there is room.
#[tokio::test]
async fn a_full_quota_stops_receiving_and_keeps_mail_on_the_server() {
    const ERIN: &str = "erin@example.test";
    const ERIN_PASS: &str = "erinpass";
    let db = testing::sqlite().await;
    let user = testing::user("erin")
        .name("エリン")
        .email(Some(ERIN))
        .insert(&db)
        .await;
    empty_mailbox(ERIN, ERIN_PASS).await;
    // Eight messages of about 200 KB against a 1 MB quota.
    deliver_sized(
        8,
        &format!("q{}", std::process::id()),
        ERIN,
        ERIN_PASS,
        Some(7_000),
    )
    .await;
    let all = server_uidls_of(ERIN, ERIN_PASS).await;
    let port = env("MS_POP3_PORT").parse().unwrap();
    let acc = account_for(&db, &user, (ERIN, ERIN_PASS), port, false, None).await;
    let sys = domain::audit::Actor::system();
    domain::webmail::set_quota(&db, &sys, user.id, "1")
        .await
        .unwrap();
    let r = receive(&db, acc.id).await;
    assert!(
        matches!(r, Err(domain::Error::QuotaFull { limit_mb: 1 })),
        "{r:?}"
    );
    let got = stored(&db, acc.id).await;
    let left = server_uidls_of(ERIN, ERIN_PASS).await;
    assert!(
        !got.is_empty() && got.len() < 8,
        "stored {} of 8",
        got.len()
    );
    assert!(mailbox::usage(&db, user.id).await.unwrap() <= 1024 * 1024);
    // Only what was stored left the server.
    let mut both: Vec<String> = got.iter().chain(left.iter()).cloned().collect();
    both.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(both, expected, "nothing lost, nothing in both places");
    let a = domain::webmail::accounts_of(&db, user.id).await.unwrap();
    let msg = a[0].last_error.clone().unwrap_or_default();
    // Kept as a code, so each reader sees it in their own language.
    assert_eq!(
        domain::Stored::parse(&msg),
        domain::Stored::Code {
            key: "quota_full",
            param: Some(1)
        },
        "{msg}"
    );

    // Still full: nothing more is stored, the server keeps the rest.
    let r = receive(&db, acc.id).await;
    assert!(matches!(r, Err(domain::Error::QuotaFull { .. })), "{r:?}");
    assert_eq!(server_uidls_of(ERIN, ERIN_PASS).await.len(), left.len());

    domain::webmail::set_quota(&db, &sys, user.id, "")
        .await
        .unwrap();
    receive(&db, acc.id).await.unwrap();
    assert_same(
        &stored(&db, acc.id).await,
        &all,
        "after the quota was lifted",
    );
    assert!(server_uidls_of(ERIN, ERIN_PASS).await.is_empty());
}

/// A server that sends far more than it listed (or than the largest
/// message taken) cannot make Tayori hold it: the receive stops at the
/// bound with a coded error on the account and a line in its log, and
/// nothing is deleted from the server.
#[tokio::test]
async fn a_message_beyond_its_listed_size_stops_the_receive_and_stays() {
    const JUDY: &str = "judy@example.test";
    const JUDY_PASS: &str = "judypass";
    let db = testing::sqlite().await;
    let user = testing::user("judy").email(Some(JUDY)).insert(&db).await;
    empty_mailbox(JUDY, JUDY_PASS).await;
    // About 200 KB each: past 1 octet and its margin.
    deliver_sized(
        2,
        &format!("big{}", std::process::id()),
        JUDY,
        JUDY_PASS,
        Some(7_000),
    )
    .await;
    let all = server_uidls_of(JUDY, JUDY_PASS).await;
    let acc = account_for(
        &db,
        &user,
        (JUDY, JUDY_PASS),
        understating_proxy().await,
        false,
        None,
    )
    .await;
    let mut am = acc.clone().into_active_model();
    am.log_receive = Set(true);
    am.update(&db).await.unwrap();
    let r = receive(&db, acc.id).await;
    assert!(
        matches!(
            r,
            Err(domain::Error::Pop3(mail::pop3::Pop3Error::TooLong {
                command: "RETR",
                ..
            }))
        ),
        "{r:?}"
    );
    assert!(stored(&db, acc.id).await.is_empty());
    assert_eq!(
        server_uidls_of(JUDY, JUDY_PASS).await,
        all,
        "left on the server"
    );
    let a = &domain::webmail::accounts_of(&db, user.id).await.unwrap()[0];
    let msg = a.last_error.clone().unwrap_or_default();
    assert_eq!(
        domain::Stored::parse(&msg),
        domain::Stored::Code {
            key: "message_too_large",
            param: Some(1)
        },
        "{msg}"
    );
    let log = a.receive_log.clone().unwrap_or_default();
    assert!(log.contains("past"), "{log}");
    empty_mailbox(JUDY, JUDY_PASS).await;
}

/// Remembered UIDLs belong to the server (host, port, user ID) they came
/// from: pointing an account at another mailbox for a while, where none of
/// them is listed, does not make Tayori forget them, so pointing back
/// downloads nothing twice. The same messages reached by another address
/// of the same server are recognised by Message-ID and bytes.
#[tokio::test]
async fn pointing_an_account_away_and_back_duplicates_nothing() {
    const KEN: &str = "ken@example.test";
    const KEN_PASS: &str = "kenpass";
    let db = testing::sqlite().await;
    let user = testing::user("ken").email(Some(KEN)).insert(&db).await;
    empty_mailbox(KEN, KEN_PASS).await;
    empty_mailbox("catchall@example.test", "catchallpass").await;
    deliver_to(3, &format!("away{}", std::process::id()), KEN, KEN_PASS).await;
    let direct: u16 = env("MS_POP3_PORT").parse().unwrap();
    let acc = account_for(&db, &user, (KEN, KEN_PASS), direct, true, None).await;
    let point = |user: &'static str, pass: &'static str, port: u16| {
        let db = db.clone();
        let acc = acc.clone();
        async move {
            let sealed = secrets().seal("mail_account.pop_password", pass).unwrap();
            let mut am = acc.into_active_model();
            am.pop_user = Set(user.into());
            am.pop_port = Set(port.into());
            am.pop_host = Set("127.0.0.1".into());
            am.pop_password_sealed = Set(Some(sealed));
            am.update(&db).await.unwrap();
        }
    };
    point(KEN, KEN_PASS, direct).await;
    assert_eq!(receive(&db, acc.id).await.unwrap().stored, 3);
    // Another mailbox, which lists none of them.
    point("catchall@example.test", "catchallpass", direct).await;
    receive(&db, acc.id).await.unwrap();
    // Back: nothing is new.
    point(KEN, KEN_PASS, direct).await;
    receive(&db, acc.id).await.unwrap();
    assert_eq!(stored(&db, acc.id).await.len(), 3, "pointed back");
    // The same mailbox by another port (a new server to Tayori): its
    // messages are already held.
    let port = cutting_proxy(Arc::new(AtomicUsize::new(0))).await;
    point(KEN, KEN_PASS, port).await;
    receive(&db, acc.id).await.unwrap();
    assert_eq!(stored(&db, acc.id).await.len(), 3, "another address");
    empty_mailbox(KEN, KEN_PASS).await;
}

/// A receive renews its lease while it runs (here: a server that takes
/// longer than a renewal period to greet), so a slow receive keeps its
/// account; and the lease is short, so a dead holder's account is taken
/// over within half a minute.
#[tokio::test]
async fn a_running_receive_renews_its_short_lease() {
    const MIKE: &str = "mike@example.test";
    const MIKE_PASS: &str = "mikepass";
    assert!(mailbox::LEASE <= Duration::from_secs(30));
    let db = testing::sqlite().await;
    let user = testing::user("mike").email(Some(MIKE)).insert(&db).await;
    empty_mailbox(MIKE, MIKE_PASS).await;
    deliver_to(1, &format!("lease{}", std::process::id()), MIKE, MIKE_PASS).await;
    let port = stalling_proxy(Duration::from_secs(12)).await;
    let acc = account_for(&db, &user, (MIKE, MIKE_PASS), port, false, None).await;
    let mut am = acc.clone().into_active_model();
    am.timeout_secs = Set(30);
    am.update(&db).await.unwrap();
    let until = |db: domain::DatabaseConnection| async move {
        mailbox::account::Entity::find_by_id(acc.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .receiving_until
    };
    let running = tokio::spawn({
        let db = db.clone();
        async move { receive(&db, acc.id).await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first = until(db.clone()).await.expect("held");
    tokio::time::sleep(Duration::from_secs(9)).await;
    let renewed = until(db.clone()).await.expect("still held");
    assert!(renewed > first, "renewed: {first} -> {renewed}");
    assert!(renewed - chrono::Utc::now() <= chrono::Duration::seconds(30));
    let r = running.await.unwrap().unwrap();
    assert_eq!(r.stored, 1);
    assert!(until(db.clone()).await.is_none(), "given back");
}

/// An account that uses 管理者設定 receives from the admin's server with
/// its own user ID and password.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn an_account_using_the_admin_settings_receives(#[case] backend: &str) {
    // A mailbox per case: the two run at once.
    let (addr, pass) = match backend {
        "sqlite" => ("frank@example.test", "frankpass"),
        _ => ("leo@example.test", "leopass"),
    };
    let db = testing::database(backend).await;
    let sys = domain::audit::Actor::system();
    let user = testing::user("frank")
        .name("フランク")
        .email(Some(addr))
        .insert(&db)
        .await;
    empty_mailbox(addr, pass).await;
    deliver_to(3, &format!("a{}{backend}", std::process::id()), addr, pass).await;
    let all = server_uidls_of(addr, pass).await;
    domain::mailserver::save(
        &db,
        &secrets(),
        &sys,
        &domain::mailserver::Input {
            preset: "custom".into(),
            pop_host: env("MS_HOST"),
            pop_port: env("MS_POP3_PORT"),
            pop_protection: "none".into(),
            smtp_host: env("MS_HOST"),
            smtp_port: env("MS_SUBMISSION_PORT"),
            smtp_protection: "starttls".into(),
            smtp_auth: "none".into(),
            smtp_mechanism: "standard".into(),
            timeout_secs: "10".into(),
            from_mode: "company".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let acc = domain::webmail::save_account(
        &db,
        &secrets(),
        &sys,
        domain::webmail::Who {
            user_id: 0,
            admin: true,
        },
        user.id,
        None,
        &domain::webmail::AccountInput {
            name: "会社".into(),
            email: addr.into(),
            recv_source: "admin".into(),
            pop_user: addr.into(),
            pop_password: pass.into(),
            timeout_secs: "10".into(),
            leave_on_server: true,
            send_source: "admin".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = receive(&db, acc.id).await.unwrap();
    assert_eq!(r.stored, 3, "{backend}");
    assert_same(&stored(&db, acc.id).await, &all, backend);
    // The search index has a row per message, with the decoded subject.
    let index = mailbox::index::Entity::find().all(&db).await.unwrap();
    assert_eq!(index.len(), 3, "{backend}");
    assert!(
        index.iter().all(|i| i.body.contains("受信テスト")),
        "{backend}"
    );
    // Rebuilding it changes no message and keeps one row per message.
    let n = mailbox::rebuild_index(&db, &sys, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        mailbox::index::Entity::find().all(&db).await.unwrap().len(),
        3
    );
    assert_same(&stored(&db, acc.id).await, &all, backend);
    empty_mailbox(addr, pass).await;
}
