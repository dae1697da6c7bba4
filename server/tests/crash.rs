//! kill -9 of the real server binary in the middle of its work, then a
//! restart on the same data directory:
//! - a 200-notification fan-out through the real Postfix: every
//!   notification arrives; duplicates (messages sent whose verdict was not
//!   yet committed) are counted and reported, a missing one fails the test;
//! - a receive from the real Dovecot (mail not left on the server): every
//!   message ends up stored once and the server empty.
mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use domain::audit::Actor;
use domain::outbox;
use domain::schedule::{self, Input};
use support::*;

const FAN_OUT: usize = 200;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_server(dir: &std::path::Path, log: &std::path::Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_tayori"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("TAYORI_SECRET_KEY", domain::testing::secret_key())
        .env("TAYORI_MAIL_CA_FILE", env("MS_CA_PEM"))
        .env("TAYORI_SMTP_CONNECTIONS", "2")
        .env("TAYORI_RECEIVE_INTERVAL", "1")
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("tayori starts")
}

async fn count(db: &domain::DatabaseConnection, status: outbox::Status) -> usize {
    outbox::list(db, Some(status), 10_000)
        .await
        .expect("outbox")
        .len()
}

#[tokio::test]
async fn kill_dash_nine_during_a_fan_out_loses_nothing() {
    let (dir, db) = fresh_sqlite().await;
    let secrets = secrets();
    // A slow link makes the fan-out last long enough to be interrupted.
    let proxy = proxy(port("MS_SUBMISSION_PORT")).await;
    proxy.delay_ms.store(15, Ordering::SeqCst);
    configure_mail(&db, &secrets, proxy.port, "utf-8").await;
    let marker = unique("k");
    let author = user(&db, "author", "登録者", None, "ja").await;
    let mut ids = Vec::new();
    for i in 0..FAN_OUT {
        // Other domains land in the stack's catch-all mailbox.
        let addr = format!("p{i:03}.{marker}@fanout.test");
        ids.push(
            user(
                &db,
                &format!("p{i:03}"),
                &format!("参加者{i:03}"),
                Some(&addr),
                "ja",
            )
            .await
            .id,
        );
    }

    let mut server = start_server(&dir, &dir.join("first.log"));
    let mut input = Input {
        title: format!("全社説明会 {marker}"),
        start_date: "2026-12-01".into(),
        start_time: "09:00".into(),
        notify_method: "mail".into(),
        skip_self: true,
        user_ids: ids,
        ..Default::default()
    };
    input.place = "大会議室".into();
    let saved = schedule::create(&db, &author, &Actor::user(author.id, None), "", &input)
        .await
        .expect("entry saved");
    assert_eq!(saved.mails_queued as usize, FAN_OUT);

    // Kill in the middle: some sent, most not.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = count(&db, outbox::SENT).await;
        if sent >= 30 {
            assert!(
                sent < FAN_OUT,
                "the fan-out finished before it could be interrupted"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server sent only {sent} within 60 s; log: {}",
            std::fs::read_to_string(dir.join("first.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    let at_kill = count(&db, outbox::SENT).await;
    let in_flight = count(&db, outbox::SENDING).await;
    println!("killed with {at_kill} sent and {in_flight} claimed");

    proxy.delay_ms.store(0, Ordering::SeqCst);
    let mut server = start_server(&dir, &dir.join("second.log"));
    let deadline = Instant::now() + Duration::from_secs(90);
    while count(&db, outbox::SENT).await < FAN_OUT {
        assert!(
            Instant::now() < deadline,
            "after the restart only {} of {FAN_OUT} sent; log: {}",
            count(&db, outbox::SENT).await,
            std::fs::read_to_string(dir.join("second.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(count(&db, outbox::FAILED).await, 0);

    // Count what arrived, per recipient.
    let mut per_rcpt: HashMap<String, usize> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for raw in take("catchall@example.test", "catchallpass", &marker).await {
            let m = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("parses");
            let to = m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            *per_rcpt.entry(to).or_default() += 1;
        }
        if per_rcpt.len() >= FAN_OUT || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let total: usize = per_rcpt.values().sum();
    let duplicates = total - per_rcpt.len();
    let missing = FAN_OUT - per_rcpt.len();
    println!(
        "fan-out of {FAN_OUT} with kill -9 after {at_kill} sent: {} delivered, {duplicates} duplicates, {missing} missing",
        per_rcpt.len()
    );
    assert_eq!(missing, 0, "every notification is delivered");
    // At most the messages that were claimed at the kill can be sent twice.
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates > {in_flight} in flight"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn stored_uidls(db: &domain::DatabaseConnection, account: i32) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    domain::mailbox::message::Entity::find()
        .filter(domain::mailbox::message::Column::AccountId.eq(account))
        .all(db)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| m.uidl)
        .collect()
}

#[tokio::test]
async fn kill_dash_nine_during_a_receive_loses_and_duplicates_nothing() {
    // More than two batches (a receive stores up to 100 messages at a time),
    // so the kill lands after a commit and before the end.
    const N: usize = 250;
    let (dir, db) = fresh_sqlite().await;
    let (user_addr, pass) = ("dave@example.test", "davepass");
    empty_mailbox(user_addr, pass).await;
    let marker = unique("rk");
    deliver(N, user_addr, pass, &marker).await;
    let on_server = server_uidls(user_addr, pass).await;
    // A slow link between the receiver and Dovecot, so the kill lands in
    // the middle of the receive.
    let proxy = proxy(port("MS_POP3_PORT")).await;
    proxy.delay_ms.store(40, Ordering::SeqCst);
    let owner = user(&db, "dave", "デイブ", Some(user_addr), "ja").await;
    let acc = domain::mailbox::create_account(
        &db,
        &secrets(),
        &domain::mailbox::NewAccount {
            user_id: owner.id,
            name: "会社".into(),
            display_name: "デイブ".into(),
            email: user_addr.into(),
            pop_host: env("MS_HOST"),
            pop_port: proxy.port,
            pop_protection: mail::presets::Protection::None,
            pop_user: user_addr.into(),
            pop_password: pass.into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .expect("account");
    // Background receiving covers users webmail is enabled for.
    domain::webmail::set_enabled(&db, &domain::audit::Actor::system(), &[owner.id], true)
        .await
        .expect("enable webmail");

    let mut server = start_server(&dir, &dir.join("recv-first.log"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = stored_uidls(&db, acc.id).await.len();
        if n > 0 {
            assert!(n < N, "the receive finished before it could be interrupted");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing stored within 60 s; log: {}",
            std::fs::read_to_string(dir.join("recv-first.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    let at_kill = stored_uidls(&db, acc.id).await.len();

    proxy.delay_ms.store(0, Ordering::SeqCst);
    let mut server = start_server(&dir, &dir.join("recv-second.log"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server_uidls(user_addr, pass).await.is_empty()
        || stored_uidls(&db, acc.id).await.len() < N
    {
        assert!(
            Instant::now() < deadline,
            "after the restart: {} stored, {} left on the server; log: {}",
            stored_uidls(&db, acc.id).await.len(),
            server_uidls(user_addr, pass).await.len(),
            std::fs::read_to_string(dir.join("recv-second.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let stored = stored_uidls(&db, acc.id).await;
    let unique: std::collections::HashSet<&String> = stored.iter().collect();
    println!(
        "receive of {N} killed with {at_kill} stored: {} stored after the restart, {} duplicates",
        unique.len(),
        stored.len() - unique.len()
    );
    assert_eq!(unique.len(), stored.len(), "no message stored twice");
    let expected: std::collections::HashSet<&String> = on_server.iter().collect();
    assert_eq!(unique, expected, "every message stored");
    let _ = std::fs::remove_dir_all(&dir);
}
