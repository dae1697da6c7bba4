//! Receiving throughput from the project's real Dovecot into the store,
//! next to a raw POP3 RETR loop over the same mailbox in the same run.
//!
//! Run with `scripts/bench-receive.sh` (starts the mail stack, builds in
//! release). A mailbox of N messages of mixed sizes (2–200 KB, log-uniform,
//! Japanese and English, fixed seed) is written straight into the bench
//! user's Maildir. Each round, alternating: the raw loop (login, UIDL, RETR
//! every message, bytes counted and dropped), then `domain::mailbox::receive`
//! into a fresh SQLite store (UIDL diff, RETR, parse, index, store in
//! batches, with "leave on server" so the mailbox stays for the next round).
//! Then the same through the running product: the release server on a
//! fresh store, 受信 pressed over HTTP, timed until every message is stored.
//! Reported: messages/s and MB/s of each and the ratios (Tayori / raw).
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USER: &str = "bench@example.test";
const PASS: &str = "benchpass";

mod bench_util;
use bench_util::{Rng, b64, env, num};

/// One message of about `size` bytes: Japanese (UTF-8, base64) or English
/// (plain) text, with a Japanese or English subject.
fn message(i: usize, size: usize, japanese: bool) -> Vec<u8> {
    let (subject, line) = if japanese {
        (
            format!(
                "=?UTF-8?B?{}?=",
                b64(format!("受信ベンチ #{i} 月次報告").as_bytes())
            ),
            "今月の売上と来月の予定について報告します。詳細は添付をご覧ください。\n",
        )
    } else {
        (
            format!("Receive bench #{i} monthly report"),
            "Here is the report for this month and the plan for the next one.\n",
        )
    };
    let mut m = format!(
        "From: Bench <bench-sender@example.test>\r\nTo: <{USER}>\r\nSubject: {subject}\r\n\
Date: Sat, 28 Nov 2026 09:00:00 +0900\r\nMessage-ID: <bench-{i}@example.test>\r\nMIME-Version: 1.0\r\n"
    )
    .into_bytes();
    let header_len = m.len() + 80;
    let want = size.saturating_sub(header_len).max(64);
    if japanese {
        // base64 grows text by 4/3 (plus line ends).
        let raw_len = want * 3 / 4;
        let body: String = line.repeat(raw_len / line.len() + 1);
        let mut cut = raw_len.min(body.len());
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        m.extend_from_slice(
            b"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        m.extend_from_slice(b64(&body.as_bytes()[..cut]).as_bytes());
    } else {
        m.extend_from_slice(b"Content-Type: text/plain; charset=US-ASCII\r\n\r\n");
        let body = line.replace('\n', "\r\n").repeat(want / line.len() + 1);
        m.extend_from_slice(&body.as_bytes()[..want.min(body.len())]);
    }
    m.extend_from_slice(b"\r\n");
    m
}

/// Writes the mailbox straight into the bench user's Maildir (as Postfix's
/// local delivery would), owned like the directory, after emptying it and
/// Dovecot's index of it.
fn fill(maildir: &Path, n: usize) -> (usize, u64) {
    let meta = std::fs::metadata(maildir).expect("bench Maildir (is MAILSTACK_DIR right?)");
    let (uid, gid) = (meta.uid(), meta.gid());
    for sub in ["cur", "new", "tmp"] {
        let d = maildir.join(sub);
        for e in std::fs::read_dir(&d).expect("maildir").flatten() {
            std::fs::remove_file(e.path()).expect("empty the maildir");
        }
    }
    for e in std::fs::read_dir(maildir).expect("maildir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("dovecot") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut rng = Rng(0x7a70_2026_1128);
    let mut bytes = 0u64;
    for i in 0..n {
        // Log-uniform between 2 KB and 200 KB: many small, some large.
        let size = (2048.0 * (100f64).powf(rng.unit())) as usize;
        let m = message(i, size, i % 3 != 2);
        bytes += m.len() as u64;
        let name = format!("{}.B{i}.bench", 1_790_000_000 + i);
        let tmp = maildir.join("tmp").join(&name);
        let mut f = std::fs::File::create(&tmp).expect("write message");
        f.write_all(&m).expect("write message");
        drop(f);
        std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).expect("chown");
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("deliver");
    }
    (n, bytes)
}

fn login() -> mail::pop3::PopLogin {
    mail::pop3::PopLogin {
        host: env("MS_HOST"),
        port: env("MS_POP3_PORT").parse().expect("port"),
        protection: mail::presets::Protection::None,
        user: USER.into(),
        auth: mail::pop3::PopAuth::Pass(PASS.into()),
        timeout: Duration::from_secs(60),
        trust: mail::tls::Trust::public(),
    }
}

/// The reference: one session, UIDL, then RETR of every message in turn.
async fn raw_loop() -> (Duration, usize, u64) {
    let start = Instant::now();
    let mut c = mail::pop3::open(&login()).await.expect("POP3");
    let list = c.uidl().await.expect("UIDL");
    let mut bytes = 0u64;
    for (n, _) in &list {
        bytes += c.retr(*n).await.expect("RETR").len() as u64;
    }
    c.quit().await.expect("QUIT");
    (start.elapsed(), list.len(), bytes)
}

/// The bench mailbox as an account of `user_id`, mail left on the server
/// for the next round.
async fn bench_account(
    db: &domain::DatabaseConnection,
    secrets: &domain::secrets::SecretBox,
    user_id: i32,
) -> domain::mailbox::Account {
    let l = login();
    domain::mailbox::create_account(
        db,
        secrets,
        &domain::mailbox::NewAccount {
            user_id,
            name: "bench".into(),
            display_name: "ベンチ".into(),
            email: USER.into(),
            pop_host: l.host,
            pop_port: l.port,
            pop_protection: l.protection,
            pop_user: l.user,
            pop_password: l.auth.secret().to_owned(),
            pop_apop: false,
            timeout_secs: 60,
            leave_on_server: true,
            leave_days: None,
        },
    )
    .await
    .expect("account")
}

async fn tayori(round: usize, base: &Path) -> (Duration, usize, u64) {
    let dir = base.join(format!("store-{round}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = server::open_database(&domain::db::sqlite_url(&dir))
        .await
        .expect("sqlite");
    let secrets = domain::testing::secrets();
    let user = support::user(&db, "bench", "ベンチ", Some(USER), "ja").await;
    let acc = bench_account(&db, &secrets, user.id).await;
    let start = Instant::now();
    let r = domain::mailbox::receive(
        &db,
        &secrets,
        acc.id,
        "bench",
        &mail::tls::Trust::public(),
        &mut |_, _| {},
    )
    .await
    .expect("receive");
    let took = start.elapsed();
    let bytes = domain::mailbox::usage(&db, user.id).await.expect("usage") as u64;
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    (took, r.stored, bytes)
}

/// The same receive through the running product: the release server on a
/// fresh store, 受信 pressed over HTTP by a signed-in user, timed until
/// every message is in the store.
async fn over_http(round: usize, base: &Path, count: usize) -> (Duration, usize, u64) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let dir = base.join(format!("http-{round}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = server::open_database(&domain::db::sqlite_url(&dir))
        .await
        .expect("sqlite");
    let user = support::user(&db, "bench", "ベンチ", Some(USER), "ja").await;
    support::set_password(&db, user.id, "bench-pass-1").await;
    domain::webmail::set_enabled(&db, &domain::audit::Actor::system(), &[user.id], true)
        .await
        .expect("webmail");
    let acc = bench_account(&db, &domain::testing::secrets(), user.id).await;
    let (mut server, port) = support::start_server(&dir, &dir.join("server.log"), None, 0);
    support::wait_up(port).await;
    let cookie = support::sign_in(port, "bench", "bench-pass-1").await;
    let stored = || {
        domain::mailbox::message::Entity::find()
            .filter(domain::mailbox::message::Column::AccountId.eq(acc.id))
            .count(&db)
    };
    let start = Instant::now();
    let (status, text) = support::post(
        port,
        "/api/receive_now",
        &cookie,
        &format!("account={}", acc.id),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    loop {
        if stored().await.expect("count") as usize >= count {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "not received within 15 minutes: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = start.elapsed();
    server.kill();
    let bytes = domain::mailbox::usage(&db, user.id).await.expect("usage") as u64;
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    (took, count, bytes)
}

#[path = "../tests/support/mod.rs"]
mod support;

fn rate(d: Duration, n: usize, bytes: u64) -> (f64, f64) {
    let s = d.as_secs_f64().max(1e-9);
    (n as f64 / s, bytes as f64 / 1e6 / s)
}

#[tokio::main]
async fn main() {
    let n = num("BENCH_MESSAGES", 10_000);
    let rounds = num("BENCH_ROUNDS", 2);
    let maildir: PathBuf =
        PathBuf::from(env("MAILSTACK_DIR")).join("mail/example.test/bench/Maildir");
    let t = Instant::now();
    let (count, bytes) = fill(&maildir, n);
    println!(
        "mailbox: {count} messages, {:.1} MB (2–200 KB, log-uniform), written in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    // Dovecot indexes the new mailbox on first login; not part of either side.
    let t = Instant::now();
    let mut c = mail::pop3::open(&login()).await.expect("POP3");
    let listed = c.uidl().await.expect("UIDL").len();
    c.quit().await.expect("QUIT");
    assert_eq!(listed, count, "Dovecot lists every message written");
    println!("Dovecot indexed it in {:.1} s", t.elapsed().as_secs_f64());

    let base = std::env::temp_dir().join(format!("tayori_rbench_{}", std::process::id()));
    let (mut raw_t, mut raw_n, mut raw_b) = (Duration::ZERO, 0, 0u64);
    let (mut our_t, mut our_n, mut our_b) = (Duration::ZERO, 0, 0u64);
    let (mut web_t, mut web_n, mut web_b) = (Duration::ZERO, 0, 0u64);
    for round in 0..rounds {
        let (d, k, b) = raw_loop().await;
        assert_eq!(k, count);
        let (rm, rb) = rate(d, k, b);
        let (d2, k2, b2) = tayori(round, &base).await;
        assert_eq!(k2, count, "every message stored");
        assert_eq!(b2, b, "the store holds exactly the bytes RETR gave");
        let (tm, tb) = rate(d2, k2, b2);
        let (d3, k3, b3) = over_http(round, &base, count).await;
        assert_eq!(b3, b, "the store holds exactly the bytes RETR gave");
        let (wm, wb) = rate(d3, k3, b3);
        println!(
            "round {}: raw RETR loop {:.0} msg/s {:.1} MB/s ({:.2} s) | Tayori receive {:.0} msg/s {:.1} MB/s ({:.2} s), ratio {:.2} | 受信 over HTTP {:.0} msg/s {:.1} MB/s ({:.2} s), ratio {:.2}",
            round + 1,
            rm,
            rb,
            d.as_secs_f64(),
            tm,
            tb,
            d2.as_secs_f64(),
            tm / rm,
            wm,
            wb,
            d3.as_secs_f64(),
            wm / rm
        );
        web_t += d3;
        web_n += k3;
        web_b += b3;
        raw_t += d;
        raw_n += k;
        raw_b += b;
        our_t += d2;
        our_n += k2;
        our_b += b2;
    }
    let _ = std::fs::remove_dir_all(&base);
    let (rm, rb) = rate(raw_t, raw_n, raw_b);
    let (tm, tb) = rate(our_t, our_n, our_b);
    let (wm, wb) = rate(web_t, web_n, web_b);
    println!(
        "total: raw {rm:.0} msg/s {rb:.1} MB/s | Tayori in-process {tm:.0} msg/s {tb:.1} MB/s, ratio {:.2} | 受信 over HTTP {wm:.0} msg/s {wb:.1} MB/s, ratio {:.2} (goal ≥ 0.5)",
        tm / rm,
        wm / rm
    );
}
