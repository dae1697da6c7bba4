//! The message list and search at two sizes of mailbox, server time.
//!
//! Run with `scripts/bench-mailbox.sh` (release build). Two SQLite stores
//! are filled through the same path received mail takes
//! (`domain::mailbox::store`: parse, list fields, search text and pieces):
//! one of 1,000 and one of 100,000 messages (two thirds Japanese, one third
//! English, 1–4 KB of text each, fixed seed). For each: the folder pane
//! (unread counts), the first page, page 1,000 (50 rows a page; at 1,000
//! messages the deepest page there is, page 20), and searches of two
//! Japanese characters — 会議 (in about a sixth of the messages) and 稟議
//! (in about 5 %, so that even at 1,000 a page fills) — and of four
//! (東京都庁, 0.3 %: fewer hits than a page at 1,000). p50 / p95 of each over many runs, and
//! the ratio of the 100,000 figures to the 1,000 ones.
use std::time::{Duration, Instant};

use domain::mailbox::{self, fts, search, view};

mod bench_util;
use bench_util::{Rng, message};

const PAGE: u64 = 50;

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

struct Figures {
    name: &'static str,
    p50: f64,
    p95: f64,
    rows: usize,
}

async fn time<F, Fut>(name: &'static str, runs: usize, mut f: F) -> Figures
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut rows = f().await; // warm
    let mut d = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        rows = f().await;
        d.push(t.elapsed());
    }
    Figures {
        name,
        p50: pct(d.clone(), 0.5),
        p95: pct(d, 0.95),
        rows,
    }
}

async fn measure(n: usize) -> Vec<Figures> {
    let dir = std::env::temp_dir().join(format!("tayori-lbench-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = server::open_database(&domain::db::sqlite_url(&dir))
        .await
        .expect("store");
    let account = bench_account(&db).await;
    let t = Instant::now();
    let mut rng = Rng(0x1157_2026_1128);
    let mut i = 0;
    while i < n {
        let batch: Vec<Vec<u8>> = (i..(i + 500).min(n))
            .map(|k| message(&mut rng, k))
            .collect();
        i += batch.len();
        mailbox::store(&db, account, mailbox::INBOX, batch)
            .await
            .expect("store");
    }
    eprintln!("{n} messages stored in {:.1} s", t.elapsed().as_secs_f64());
    if std::env::var("BENCH_NO_OPTIMIZE").is_err() {
        // As メール索引の最適化 leaves it.
        let t = Instant::now();
        fts::optimize(&db).await.expect("optimize");
        eprintln!("  index merged in {:.1} s", t.elapsed().as_secs_f64());
    }
    let size: u64 = std::fs::metadata(dir.join("tayori.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!("  database {:.1} MB", size as f64 / 1e6);
    // The cursor of the page before the deepest one measured.
    let depth = (1000usize).min(n.div_ceil(PAGE as usize));
    let (rows, _) = view::page(
        &db,
        account,
        mailbox::INBOX,
        view::Sort::Date,
        true,
        None,
        (depth as u64 - 1) * PAGE,
    )
    .await
    .expect("page");
    let cursor = rows.last().map(|r| view::Cursor {
        key: String::new(),
        id: r.id,
    });
    let runs = 300;
    let mut out = Vec::new();
    out.push(
        time("folder pane (unread counts)", runs, || async {
            view::folders(&db, account).await.expect("folders").len()
        })
        .await,
    );
    out.push(
        time("first page", runs, || async {
            view::page(
                &db,
                account,
                mailbox::INBOX,
                view::Sort::Date,
                true,
                None,
                PAGE,
            )
            .await
            .expect("page")
            .0
            .len()
        })
        .await,
    );
    out.push(
        time("page 1,000 (deepest at 1,000: 20)", runs, || async {
            view::page(
                &db,
                account,
                mailbox::INBOX,
                view::Sort::Date,
                true,
                cursor.as_ref(),
                PAGE,
            )
            .await
            .expect("page")
            .0
            .len()
        })
        .await,
    );
    for (name, q) in [
        ("search 会議 (2 chars, ~17 %)", "会議"),
        ("search 稟議 (2 chars, ~5 %)", "稟議"),
        ("search 東京都庁 (4 chars, ~0.3 %)", "東京都庁"),
    ] {
        out.push(
            time(name, runs, || async {
                search::search(&db, account, None, q, None, PAGE)
                    .await
                    .expect("search")
                    .rows
                    .len()
            })
            .await,
        );
    }
    drop(db);
    if std::env::var("BENCH_KEEP").is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    out
}

async fn bench_account(db: &domain::DatabaseConnection) -> i32 {
    use sea_orm::{ActiveModelTrait, Set};
    let u = domain::users::entity::ActiveModel {
        login_id: Set("bench".into()),
        name: Set("ベンチ".into()),
        email: Set(None),
        role: Set(domain::users::Role::User),
        password_hash: Set("-".into()),
        must_change_password: Set(false),
        disabled: Set(false),
        language: Set("ja".into()),
        organisation_id: Set(None),
        webmail_enabled: Set(true),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("user");
    let key = format!("{}=", "A".repeat(43));
    let secrets =
        domain::secrets::SecretBox::load_or_create(&std::env::temp_dir(), Some(&key)).expect("key");
    mailbox::create_account(
        db,
        &secrets,
        &mailbox::NewAccount {
            user_id: u.id,
            name: "ベンチ".into(),
            display_name: "ベンチ".into(),
            email: "bench@example.test".into(),
            pop_host: "127.0.0.1".into(),
            pop_port: 110,
            pop_protection: mail::presets::Protection::None,
            pop_user: "bench".into(),
            pop_password: "-".into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: true,
            leave_days: None,
        },
    )
    .await
    .expect("account")
    .id
}

#[tokio::main]
async fn main() {
    let small_n = std::env::var("BENCH_SMALL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let large_n = std::env::var("BENCH_LARGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let small = measure(small_n).await;
    let large = measure(large_n).await;
    println!(
        "| what | {small_n}: p50 / p95 ms (rows) | {large_n}: p50 / p95 ms (rows) | p95 ratio |"
    );
    println!("|---|---|---|---|");
    for (s, l) in small.iter().zip(&large) {
        println!(
            "| {} | {:.2} / {:.2} ({}) | {:.2} / {:.2} ({}) | {:.2} |",
            s.name,
            s.p50,
            s.p95,
            s.rows,
            l.p50,
            l.p95,
            l.rows,
            l.p95 / s.p95
        );
    }
}
