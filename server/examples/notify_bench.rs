//! Notification fan-out throughput against the project's real Postfix,
//! next to Postfix's own `smtp-source` on the same server in the same run.
//!
//! Run with `scripts/bench.sh` (starts the mail stack, builds in release).
//! Each round: `smtp-source` sends N messages over C reused connections;
//! then one schedule entry with N participants is saved (N notification
//! rows committed with it) and the dispatcher sends them over C pooled
//! connections, recording every verdict. Before each side runs, Postfix is
//! left to deliver its queue. Reported: messages per second of both and
//! their ratio (Tayori / smtp-source).
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::audit::Actor;

// The notification tests' helpers: users inserted without hashing passwords.
#[path = "../tests/support/mod.rs"]
mod support;

mod bench_util;
use bench_util::{env, num};

#[tokio::main]
async fn main() {
    let n = num("BENCH_MESSAGES", 1000);
    let conns = num("BENCH_CONNECTIONS", 4);
    let rounds = num("BENCH_ROUNDS", 2);
    let host = env("MS_HOST");
    let port: u16 = env("MS_SMTP_PORT").parse().expect("port");
    let dir = std::env::temp_dir().join(format!("tayori_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = server::open_database(&domain::db::sqlite_url(&dir))
        .await
        .expect("sqlite");
    let key = format!("{}=", "A".repeat(43));
    let secrets =
        Arc::new(domain::secrets::SecretBox::load_or_create(&dir, Some(&key)).expect("key"));
    domain::company::save(&db, &Actor::system(), "便り商事", "info@example.test")
        .await
        .expect("company");
    // Plain SMTP without authentication on both sides: smtp-source speaks
    // neither TLS nor AUTH, so the comparison is protocol for protocol.
    domain::mailserver::save(
        &db,
        &secrets,
        &Actor::system(),
        &domain::mailserver::Input {
            preset: "custom".into(),
            pop_host: host.clone(),
            pop_port: "110".into(),
            pop_protection: "none".into(),
            smtp_host: host.clone(),
            smtp_port: port.to_string(),
            smtp_protection: "none".into(),
            smtp_auth: "none".into(),
            smtp_mechanism: "standard".into(),
            timeout_secs: "30".into(),
            notify_enabled: true,
            from_mode: "company".into(),
            ..Default::default()
        },
    )
    .await
    .expect("mail settings");
    let author = support::user(&db, "author", "登録者", None, "ja").await;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let login = format!("u{i:05}");
        let name = format!("参加者 {login}");
        ids.push(
            support::user(&db, &login, &name, Some("bench@example.test"), "ja")
                .await
                .id,
        );
    }
    let mut dispatcher = server::dispatch::Dispatcher {
        db: db.clone(),
        secrets: secrets.clone(),
        trust: mail::tls::Trust::public(),
        owner: "bench".into(),
        connections: conns,
        batch: 500,
        lease: Duration::from_secs(120),
        poll: Duration::from_millis(50),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    dispatcher.connections = conns;
    let size = sample_size(&db, &author, &ids).await;
    println!(
        "notify_bench: {n} messages, {conns} connections, {rounds} rounds, Postfix {host}:{port}, message ~{size} bytes"
    );
    let (mut t_tayori, mut t_source) = (0.0, 0.0);
    for round in 1..=rounds {
        // Each side starts with Postfix idle (its queue delivered), so
        // neither pays for the other's backlog.
        postfix_idle();
        let s = smtp_source(n, conns, size, &host, port);
        postfix_idle();
        let (queue, send) = tayori(&db, &dispatcher, &author, &ids, n).await;
        t_source += s;
        t_tayori += send;
        println!(
            "round {round}: smtp-source {:.0} msg/s ({s:.2} s) | tayori {:.0} msg/s ({send:.2} s; saving the entry with its {n} rows took {queue:.2} s) | ratio {:.2}",
            n as f64 / s,
            n as f64 / send,
            s / send
        );
    }
    println!(
        "total: smtp-source {:.0} msg/s, tayori {:.0} msg/s, ratio tayori/smtp-source = {:.2}",
        (n * rounds) as f64 / t_source,
        (n * rounds) as f64 / t_tayori,
        t_source / t_tayori
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn entry(ids: &[i32]) -> domain::schedule::Input {
    domain::schedule::Input {
        title: "全社説明会".into(),
        place: "大会議室".into(),
        body: "来期の方針について説明します。\n資料は当日配布します。".into(),
        start_date: "2026-12-10".into(),
        start_time: "15:00".into(),
        end_time: "16:00".into(),
        notify_method: "mail".into(),
        skip_self: true,
        user_ids: ids.to_vec(),
        ..Default::default()
    }
}

/// The size of one rendered notification, so smtp-source sends as much.
async fn sample_size(
    db: &domain::DatabaseConnection,
    author: &domain::users::User,
    ids: &[i32],
) -> usize {
    let saved = domain::schedule::create(
        db,
        author,
        &Actor::system(),
        "https://gw.example.test",
        &entry(&ids[..1]),
    )
    .await
    .expect("sample entry");
    let rows = domain::outbox::list(db, None, 1).await.expect("outbox");
    let size = rows.first().map(|r| r.message.len()).unwrap_or(1000);
    // The sample is not sent: it would count in the first round.
    domain::schedule::delete(db, author, &Actor::system(), "", saved.id, true)
        .await
        .expect("sample deleted");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("DELETE FROM outbox")
        .await
        .expect("outbox cleared");
    size
}

/// Waits (at most two minutes) until the private Postfix has delivered
/// everything queued.
fn postfix_idle() {
    let conf = format!("{}/postfix", env("MAILSTACK_DIR"));
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let out = std::process::Command::new("/usr/sbin/postqueue")
            .args(["-c", &conf, "-j"])
            .output()
            .expect("postqueue runs");
        if out.stdout.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("(Postfix still had mail queued after two minutes)");
}

fn smtp_source(n: usize, conns: usize, size: usize, host: &str, port: u16) -> f64 {
    let started = Instant::now();
    let status = std::process::Command::new("/usr/sbin/smtp-source")
        .args([
            "-d",
            "-s",
            &conns.to_string(),
            "-m",
            &n.to_string(),
            "-l",
            &size.to_string(),
            "-f",
            "info@example.test",
            "-t",
            "bench@example.test",
            &format!("{host}:{port}"),
        ])
        .status()
        .expect("smtp-source runs (Debian package postfix)");
    assert!(status.success(), "smtp-source failed: {status}");
    started.elapsed().as_secs_f64()
}

/// Saves one entry with `n` participants, then sends until every row is
/// recorded. Returns (seconds to save, seconds to send).
async fn tayori(
    db: &domain::DatabaseConnection,
    d: &server::dispatch::Dispatcher,
    author: &domain::users::User,
    ids: &[i32],
    n: usize,
) -> (f64, f64) {
    let t0 = Instant::now();
    let saved = domain::schedule::create(
        db,
        author,
        &Actor::system(),
        "https://gw.example.test",
        &entry(ids),
    )
    .await
    .expect("entry saved");
    assert_eq!(saved.mails_queued as usize, n);
    let queued = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut handled = 0;
    while handled < n {
        handled += d.round().await.expect("round");
    }
    let send = t1.elapsed().as_secs_f64();
    let sent = domain::outbox::list(db, Some(domain::outbox::SENT), 100_000)
        .await
        .expect("outbox")
        .len();
    assert!(sent >= n, "only {sent} of {n} sent");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("DELETE FROM outbox")
        .await
        .expect("outbox cleared");
    (queued, send)
}
