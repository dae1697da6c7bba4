//! Two server processes on one PostgreSQL database, as installations that
//! run several processes behind one address do, against the real Postfix
//! and Dovecot:
//! - a 1,000-notification fan-out while one process is killed (-9) midway:
//!   every notification arrives; duplicates at most what was claimed and
//!   unsettled at the kill (the README's figure);
//! - both processes pressing 受信 for the same account, again and again:
//!   every message stored once;
//! - the process receiving an account is killed: the other takes the
//!   receive over within the lease (30 s) and finishes it;
//! - both processes needing the same expiring OAuth access token at once:
//!   one refresh between them (the real authorization server rotates
//!   refresh tokens and ends the sign-in when one is used twice).
mod support;

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use domain::audit::Actor;
use domain::outbox;
use support::*;

const FAN_OUT: usize = 1000;

fn log_of(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A fresh PostgreSQL database and its URL, for the processes.
async fn postgres() -> (domain::DatabaseConnection, String) {
    let db = domain::testing::database("postgres").await;
    let url = domain::testing::postgres_url_of(&db).await;
    (db, url)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn a_fan_out_survives_one_of_two_processes_killed() {
    let (db, url) = postgres().await;
    let secrets = secrets();
    // A slow link makes the fan-out last long enough to be interrupted.
    let proxy = proxy(port("MS_SUBMISSION_PORT")).await;
    proxy.delay_ms.store(10, Ordering::SeqCst);
    configure_mail(&db, &secrets, proxy.port, "utf-8").await;
    let marker = unique("so");
    assert_eq!(entry_for_many(&db, &marker, FAN_OUT).await, FAN_OUT);
    let dir = temp_dir("tayori_scaleout_");
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    let (mut a, _) = start_server(&dir.join("a"), &log_a, Some(&url), 1);
    let (mut b, _) = start_server(&dir.join("b"), &log_b, Some(&url), 1);

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let sent = count(&db, outbox::SENT).await;
        if sent >= FAN_OUT / 5 {
            assert!(sent < FAN_OUT, "the fan-out finished before the kill");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {sent} sent within 90 s; logs: {} {}",
            log_of(&log_a),
            log_of(&log_b)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill();
    let killed_at = Instant::now();
    let at_kill = count(&db, outbox::SENT).await;
    let in_flight = count(&db, outbox::SENDING).await;
    proxy.delay_ms.store(0, Ordering::SeqCst);

    // The survivor sends the rest, including what the dead process had
    // claimed once its lease (60 s) runs out.
    let deadline = Instant::now() + Duration::from_secs(150);
    while count(&db, outbox::SENT).await < FAN_OUT {
        assert!(
            Instant::now() < deadline,
            "only {} of {FAN_OUT} sent by the survivor; log: {}",
            count(&db, outbox::SENT).await,
            log_of(&log_b)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let finished_after = killed_at.elapsed();
    b.kill();
    assert_eq!(count(&db, outbox::FAILED).await, 0);

    let per_rcpt = arrivals(&marker, FAN_OUT, Duration::from_secs(90)).await;
    let total: usize = per_rcpt.values().sum();
    let duplicates = total - per_rcpt.len();
    let missing = FAN_OUT - per_rcpt.len();
    println!(
        "fan-out of {FAN_OUT} over two processes, one killed -9 after {at_kill} sent with {in_flight} claimed: \
         {} delivered, {duplicates} duplicates, {missing} missing; the survivor finished {:.1} s after the kill",
        per_rcpt.len(),
        finished_after.as_secs_f64()
    );
    assert_eq!(missing, 0, "every notification is delivered");
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates > {in_flight} claimed at the kill"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A signed-in user with one account on `addr` (mail not left on the
/// server) behind `pop_port`, webmail on.
async fn receiver(
    db: &domain::DatabaseConnection,
    login: &str,
    addr: &str,
    pass: &str,
    pop_port: u16,
) -> i32 {
    let owner = user(db, login, "受信者", Some(addr), "ja").await;
    set_password(db, owner.id, "twin-pass-1").await;
    domain::webmail::set_enabled(db, &Actor::system(), &[owner.id], true)
        .await
        .expect("enable webmail");
    domain::mailbox::create_account(
        db,
        &secrets(),
        &domain::mailbox::NewAccount {
            user_id: owner.id,
            name: "会社".into(),
            display_name: "受信者".into(),
            email: addr.into(),
            pop_host: env("MS_HOST"),
            pop_port,
            pop_protection: mail::presets::Protection::None,
            pop_user: addr.into(),
            pop_password: pass.into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .expect("account")
    .id
}

#[tokio::test]
async fn two_processes_pressing_receive_store_each_message_once() {
    const N: usize = 300;
    let (addr, pass) = ("nora@example.test", "norapass");
    empty_mailbox(addr, pass).await;
    let marker = unique("tw");
    deliver(N, addr, pass, &marker).await;
    let on_server: HashSet<String> = server_uidls(addr, pass).await.into_iter().collect();
    let (db, url) = postgres().await;
    // A slightly slow link, so that the presses overlap receives.
    let proxy = proxy(port("MS_POP3_PORT")).await;
    proxy.delay_ms.store(3, Ordering::SeqCst);
    let account = receiver(&db, "twin", addr, pass, proxy.port).await;
    let dir = temp_dir("tayori_twin_");
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    // Without background receiving: only the presses receive.
    let (mut a, port_a) = start_server(&dir.join("a"), &log_a, Some(&url), 0);
    let (mut b, port_b) = start_server(&dir.join("b"), &log_b, Some(&url), 0);
    wait_up(port_a).await;
    wait_up(port_b).await;
    let (cookie_a, cookie_b) = (
        sign_in(port_a, "twin", "twin-pass-1").await,
        sign_in(port_b, "twin", "twin-pass-1").await,
    );
    let form = format!("account={account}");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut presses = 0;
    loop {
        let (ra, rb) = tokio::join!(
            post(port_a, "/api/receive_now", &cookie_a, &form),
            post(port_b, "/api/receive_now", &cookie_b, &form)
        );
        assert_eq!(ra.0, 200, "{}", ra.1);
        assert_eq!(rb.0, 200, "{}", rb.1);
        presses += 2;
        let stored = stored_uidls(&db, account).await;
        let unique: HashSet<&String> = stored.iter().collect();
        assert_eq!(unique.len(), stored.len(), "a message stored twice");
        if stored.len() >= N && server_uidls(addr, pass).await.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {N} stored after {presses} presses; logs: {} {}",
            stored.len(),
            log_of(&log_a),
            log_of(&log_b)
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    a.kill();
    b.kill();
    let stored: HashSet<String> = stored_uidls(&db, account).await.into_iter().collect();
    println!(
        "two processes, {presses} presses of 受信: {} of {N} stored, none twice",
        stored.len()
    );
    assert_eq!(stored, on_server, "every message stored once");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn another_process_takes_over_a_receive_whose_process_died() {
    const N: usize = 250;
    let (addr, pass) = ("oscar@example.test", "oscarpass");
    empty_mailbox(addr, pass).await;
    let marker = unique("to");
    deliver(N, addr, pass, &marker).await;
    let on_server: HashSet<String> = server_uidls(addr, pass).await.into_iter().collect();
    let (db, url) = postgres().await;
    // A very slow link (a pause before each chunk from Dovecot), so that
    // the kill lands in the middle of the receive.
    let proxy = proxy(port("MS_POP3_PORT")).await;
    proxy.delay_ms.store(250, Ordering::SeqCst);
    let account = receiver(&db, "taker", addr, pass, proxy.port).await;
    let dir = temp_dir("tayori_takeover_");
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    // Both receive in the background every second.
    let (mut a, _) = start_server(&dir.join("a"), &log_a, Some(&url), 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_uidls(&db, account).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "nothing stored within 60 s; log: {}",
            log_of(&log_a)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut b, _) = start_server(&dir.join("b"), &log_b, Some(&url), 1);
    // B tries every second and finds the account taken.
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.delay_ms.store(0, Ordering::SeqCst);
    a.kill();
    let killed = Instant::now();
    let at_kill = stored_uidls(&db, account).await.len();
    assert!(at_kill < N, "the receive finished before the kill");

    // The first message stored after the kill marks the takeover.
    let deadline = Instant::now() + Duration::from_secs(60);
    let taken_over = loop {
        let n = stored_uidls(&db, account).await.len();
        if n > at_kill {
            break killed.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "no receive after the kill within 60 s; log: {}",
            log_of(&log_b)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while stored_uidls(&db, account).await.len() < N || !server_uidls(addr, pass).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the survivor did not finish; log: {}",
            log_of(&log_b)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.kill();
    let stored = stored_uidls(&db, account).await;
    let unique: HashSet<String> = stored.iter().cloned().collect();
    println!(
        "receive of {N} killed -9 with {at_kill} stored: the other process took over after {:.1} s",
        taken_over.as_secs_f64()
    );
    assert_eq!(unique.len(), stored.len(), "no message stored twice");
    assert_eq!(unique, on_server, "every message stored");
    assert!(
        taken_over <= domain::mailbox::LEASE + Duration::from_secs(5),
        "taken over only after {taken_over:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Refresh tokens the test authorization server has taken in (rotation
/// consumes one per refresh), from its log.
fn refreshes_so_far() -> usize {
    let log = std::path::Path::new(&env("MAILSTACK_DIR")).join("log/authserver.log");
    log_of(&log).matches("refresh token consumed").count()
}

/// The form 「接続テスト」 posts for the notification settings as saved by
/// `oauth_settings`.
fn xoauth2_form(server: i32) -> String {
    [
        ("preset", "custom".to_owned()),
        ("pop_host", env("MS_HOST")),
        ("pop_port", env("MS_POP3_PORT")),
        ("pop_protection", "none".into()),
        ("smtp_host", env("MS_HOST")),
        ("smtp_port", env("MS_SUBMISSION_PORT")),
        ("smtp_protection", "starttls".into()),
        ("smtp_auth", "xoauth2".into()),
        ("smtp_mechanism", "standard".into()),
        ("oauth_server_id", server.to_string()),
        ("timeout_secs", "10".into()),
        ("from_mode", "custom".into()),
        ("from_custom", "dave@example.test".into()),
        ("target", "smtp".into()),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", app::url::query_value(v)))
    .collect::<Vec<_>>()
    .join("&")
}

/// The stack's authorization server registered, XOAUTH2認証 saved for the
/// notification settings and signed in as dave; the server's ID.
async fn oauth_settings(db: &domain::DatabaseConnection, admin: i32) -> i32 {
    use domain::oauth::grants::{self, Owner};
    let secrets = secrets();
    let http = mail::oauth::Http {
        trust: ca(),
        timeout: Duration::from_secs(10),
    };
    let server = domain::oauth::save(
        db,
        &secrets,
        &http,
        &Actor::user(admin, None),
        None,
        &domain::testing::oauth_server_input("認可"),
    )
    .await
    .expect("register the authorization server");
    domain::mailserver::save(
        db,
        &secrets,
        &Actor::system(),
        &domain::mailserver::Input {
            preset: "custom".into(),
            pop_host: env("MS_HOST"),
            pop_port: env("MS_POP3_PORT"),
            pop_protection: "none".into(),
            smtp_host: env("MS_HOST"),
            smtp_port: env("MS_SUBMISSION_PORT"),
            smtp_protection: "starttls".into(),
            smtp_auth: "xoauth2".into(),
            smtp_mechanism: "standard".into(),
            oauth_server_id: server.id.to_string(),
            timeout_secs: "10".into(),
            notify_enabled: true,
            from_mode: "custom".into(),
            from_custom: "dave@example.test".into(),
            ..Default::default()
        },
    )
    .await
    .expect("XOAUTH2 settings");
    let session = domain::sessions::create(db, admin, None).await.unwrap();
    let owner = Owner::Settings(domain::mailserver::Scope::Admin);
    let url = grants::start(
        db,
        &secrets,
        admin,
        &session,
        owner,
        server.id,
        "http://127.0.0.1:3000",
        Some("dave@example.test"),
    )
    .await
    .unwrap();
    let cb = domain::testing::oauth_consent(&url, "dave@example.test").await;
    grants::finish(db, &secrets, &http, &session, &cb)
        .await
        .expect("signed in");
    server.id
}

/// Both processes asked for the notification settings' access token at
/// once, just before it expires (eight connection tests, four on each):
/// one refresh in all. The test server rotates refresh tokens and ends the
/// grant when one is used twice, as Microsoft's does, so a second refresh
/// would have ended the sign-in (再認証が必要) and failed the tests.
#[tokio::test]
async fn two_processes_refresh_an_expiring_token_once() {
    use domain::oauth::grants::{self, Owner};
    let (db, url) = postgres().await;
    let admin = domain::testing::user(&unique("rt"))
        .admin(true)
        .insert(&db)
        .await;
    set_password(&db, admin.id, "twin-pass-1").await;
    let server = oauth_settings(&db, admin.id).await;
    let dir = temp_dir("tayori_refresh_");
    let (mut a, pa) = start_server(&dir.join("a"), &dir.join("a.log"), Some(&url), 0);
    let (mut b, pb) = start_server(&dir.join("b"), &dir.join("b.log"), Some(&url), 0);
    wait_up(pa).await;
    wait_up(pb).await;
    let ca_ = sign_in(pa, &admin.login_id, "twin-pass-1").await;
    let cb_ = sign_in(pb, &admin.login_id, "twin-pass-1").await;

    // About to expire: inside the grace before expiry.
    let owner = Owner::Settings(domain::mailserver::Scope::Admin);
    domain::testing::oauth_expire_soon(&db, owner).await;

    let before = refreshes_so_far();
    let body = xoauth2_form(server);
    let tests: Vec<_> = (0..8)
        .map(|i| {
            let (port, cookie) = if i % 2 == 0 {
                (pa, ca_.clone())
            } else {
                (pb, cb_.clone())
            };
            let body = body.clone();
            tokio::spawn(async move { post(port, "/api/mail_server/test", &cookie, &body).await })
        })
        .collect();
    for t in tests {
        let (status, text) = t.await.unwrap();
        assert_eq!(status, 200, "{text}");
        assert!(text.contains(r#""step":"token""#), "{text}");
        assert!(text.contains(r#""verdict":"ok""#), "{text}");
    }
    let status = grants::status(&db, owner).await.unwrap().unwrap();
    assert!(!status.needs_reauth, "{}", status.last_error);
    // The log line may follow the answer by a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while refreshes_so_far() == before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        refreshes_so_far() - before,
        1,
        "one refresh between the two processes"
    );
    a.kill();
    b.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
