//! kill -9 of the real server binary in the middle of its work, then a
//! restart on the same data directory:
//! - a 200-notification fan-out through the real Postfix: every
//!   notification arrives; duplicates (messages sent whose verdict was not
//!   yet committed) are counted and reported, a missing one fails the test;
//! - a receive from the real Dovecot (mail not left on the server): every
//!   message ends up stored once and the server empty.
mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use domain::outbox;
use support::*;

const FAN_OUT: usize = 200;

#[tokio::test]
async fn kill_dash_nine_during_a_fan_out_loses_nothing() {
    let (dir, db) = fresh_sqlite().await;
    let secrets = secrets();
    // A slow link makes the fan-out last long enough to be interrupted.
    let proxy = proxy(port("MS_SUBMISSION_PORT")).await;
    proxy.delay_ms.store(15, Ordering::SeqCst);
    configure_mail(&db, &secrets, proxy.port, "utf-8").await;
    let marker = unique("k");
    assert_eq!(entry_for_many(&db, &marker, FAN_OUT).await, FAN_OUT);
    let (mut server, _) = start_server(&dir, &dir.join("first.log"), None, 1);

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
    server.kill();
    let at_kill = count(&db, outbox::SENT).await;
    let in_flight = count(&db, outbox::SENDING).await;
    println!("killed with {at_kill} sent and {in_flight} claimed");

    proxy.delay_ms.store(0, Ordering::SeqCst);
    let (mut server, _) = start_server(&dir, &dir.join("second.log"), None, 1);
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
    server.kill();
    assert_eq!(count(&db, outbox::FAILED).await, 0);

    // Count what arrived, per recipient.
    let per_rcpt = arrivals(&marker, FAN_OUT, Duration::from_secs(60)).await;
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

    let (mut server, _) = start_server(&dir, &dir.join("recv-first.log"), None, 1);
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
    server.kill();
    let at_kill = stored_uidls(&db, acc.id).await.len();

    proxy.delay_ms.store(0, Ordering::SeqCst);
    let (mut server, _) = start_server(&dir, &dir.join("recv-second.log"), None, 1);
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
    server.kill();
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
