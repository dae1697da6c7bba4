//! kill -9 of the real server binary in the middle of a 200-notification
//! fan-out through the real Postfix: after a restart on the same data
//! directory every notification arrives. Duplicates (messages sent whose
//! verdict was not yet committed) are counted and reported; a missing
//! notification fails the test.
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
        .env("TAYORI_SECRET_KEY", test_key())
        .env("TAYORI_MAIL_CA_FILE", env("MS_CA_PEM"))
        .env("TAYORI_SMTP_CONNECTIONS", "2")
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("tayori starts")
}

async fn count(db: &domain::DatabaseConnection, status: &str) -> usize {
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
        let sent = count(&db, "sent").await;
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
    let at_kill = count(&db, "sent").await;
    let in_flight = count(&db, "sending").await;
    println!("killed with {at_kill} sent and {in_flight} claimed");

    proxy.delay_ms.store(0, Ordering::SeqCst);
    let mut server = start_server(&dir, &dir.join("second.log"));
    let deadline = Instant::now() + Duration::from_secs(90);
    while count(&db, "sent").await < FAN_OUT {
        assert!(
            Instant::now() < deadline,
            "after the restart only {} of {FAN_OUT} sent; log: {}",
            count(&db, "sent").await,
            std::fs::read_to_string(dir.join("second.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(count(&db, "failed").await, 0);

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
