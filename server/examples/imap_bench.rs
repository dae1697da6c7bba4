//! ウェブメールIMAP next to the local store (a benchmark, not a test; run by
//! scripts/bench-imap.sh). For each size of IMAP_SIZES (10,000 and 100,000):
//! the same generated messages are written into the bench user's Dovecot
//! INBOX and stored for a POP account of the same user; the release server
//! runs on that store, and over HTTP (signed-in cookie to complete answer,
//! `/api/mail_list`) both accounts are asked IMAP_RUNS (30) times for the
//! first page, page 1,000 and a search for 会議. In the same run Dovecot's
//! own `UID SEARCH CHARSET UTF-8 TEXT 会議` is timed on a plain IMAP
//! session: the floor under any webmail's body search.
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod bench_util;
use bench_util::{Rng, env, message, num};

#[path = "../tests/support/mod.rs"]
mod support;

const USER: &str = "bench@example.test";
const PASS: &str = "benchpass";

/// Writes `n` messages into the Maildir (as delivered and read, `:2,S`),
/// emptying it and Dovecot's index of it first.
fn fill(maildir: &Path, n: usize) -> Vec<Vec<u8>> {
    let meta = std::fs::metadata(maildir).expect("bench Maildir (is MAILSTACK_DIR right?)");
    let (uid, gid) = (meta.uid(), meta.gid());
    for sub in ["cur", "new", "tmp"] {
        for e in std::fs::read_dir(maildir.join(sub))
            .expect("maildir")
            .flatten()
        {
            std::fs::remove_file(e.path()).expect("empty the maildir");
        }
    }
    for e in std::fs::read_dir(maildir).expect("maildir").flatten() {
        if e.file_name().to_string_lossy().starts_with("dovecot") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut rng = Rng(0x1a4a_2026_1207);
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        let m = message(&mut rng, i);
        let name = format!("{}.I{i}.bench:2,S", 1_790_000_000 + i);
        let path = maildir.join("cur").join(&name);
        let mut f = std::fs::File::create(&path).expect("write message");
        f.write_all(&m).expect("write message");
        drop(f);
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown");
        all.push(m);
    }
    all
}

fn pct(xs: &mut [f64], p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let at = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    xs[at.clamp(1, xs.len()) - 1]
}

/// One `/api/mail_list` call: its time and the answer's JSON.
async fn list(port: u16, cookie: &str, query: &str) -> (f64, serde_json::Value) {
    let t = Instant::now();
    let (status, text) = support::post(port, "/api/mail_list", cookie, query).await;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(status, 200, "{text}");
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // Chunked or not, the JSON object is the outermost braces.
    let json = body
        .find('{')
        .zip(body.rfind('}'))
        .map_or("{}", |(a, b)| &body[a..=b]);
    (ms, serde_json::from_str(json).expect("JSON answer"))
}

async fn timed(port: u16, cookie: &str, query: &str, runs: usize) -> (f64, f64, usize) {
    let mut xs = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let (ms, v) = list(port, cookie, query).await;
        rows = v["rows"].as_array().map_or(0, Vec::len);
        xs.push(ms);
    }
    (pct(&mut xs, 50.0), pct(&mut xs, 95.0), rows)
}

/// The query of page `page` (1-based) of the account's inbox, found by
/// walking the pages before it.
async fn page_query(port: u16, cookie: &str, account: i32, page: usize) -> String {
    let mut q = format!("account={account}");
    for _ in 1..page {
        let (_, v) = list(port, cookie, &q).await;
        let key = v["next_key"].as_str().unwrap_or_default().to_owned();
        let id = v["next_id"].as_i64().unwrap_or(0);
        assert!(id > 0, "the mailbox has {page} pages");
        q = format!(
            "account={account}&after={}&aid={id}",
            url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
        );
    }
    q
}

async fn run(n: usize, runs: usize, base: &Path) {
    let maildir = PathBuf::from(env("MAILSTACK_DIR")).join("mail/example.test/bench/Maildir");
    let t = Instant::now();
    let messages = fill(&maildir, n);
    println!(
        "\n{n} messages written into Dovecot in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let dir = base.join(format!("store-{n}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = server::open_database(&domain::db::sqlite_url(&dir))
        .await
        .expect("sqlite");
    let secrets = domain::testing::secrets();
    let user = support::user(&db, "bench", "ベンチ", Some(USER), "ja").await;
    support::set_password(&db, user.id, "bench-pass-1").await;
    let actor = domain::audit::Actor::system();
    for f in [
        domain::webmail::Feature::Webmail,
        domain::webmail::Feature::Imap,
    ] {
        domain::webmail::set_feature(&db, &actor, &[user.id], f, true)
            .await
            .expect("feature");
    }
    let host = env("MS_HOST");
    let port_of = |k: &str| env(k).parse::<u16>().expect("port");
    let imap = domain::imap::create_account(
        &db,
        &secrets,
        &domain::imap::NewAccount {
            user_id: user.id,
            name: "IMAP".into(),
            display_name: "ベンチ".into(),
            email: USER.into(),
            host: host.clone(),
            port: port_of("MS_IMAP_PORT"),
            protection: mail::presets::Protection::StartTls,
            user: USER.into(),
            password: PASS.into(),
            timeout_secs: 30,
            smtp_host: host.clone(),
            smtp_port: port_of("MS_SUBMISSION_PORT"),
            smtp_protection: mail::presets::Protection::StartTls,
        },
    )
    .await
    .expect("IMAP account")
    .id;
    // The POP account's store holds the same messages, stored the way
    // received mail is, with the search index as メール索引の最適化 leaves it.
    let pop = domain::webmail::save_account(
        &db,
        &secrets,
        &actor,
        domain::webmail::Who {
            user_id: user.id,
            admin: true,
        },
        user.id,
        None,
        &domain::webmail::AccountInput {
            name: "POP".into(),
            display_name: "ベンチ".into(),
            email: USER.into(),
            recv_source: "own".into(),
            pop_host: host.clone(),
            pop_port: env("MS_POP3_PORT"),
            pop_protection: "starttls".into(),
            pop_user: USER.into(),
            pop_password: PASS.into(),
            pop_auth: "standard".into(),
            timeout_secs: "30".into(),
            leave_on_server: true,
            send_source: "own".into(),
            smtp_host: host.clone(),
            smtp_port: env("MS_SUBMISSION_PORT"),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            ..Default::default()
        },
    )
    .await
    .expect("POP account")
    .id;
    let t = Instant::now();
    for chunk in messages.chunks(500) {
        domain::mailbox::store(&db, pop, domain::mailbox::INBOX, chunk.to_vec())
            .await
            .expect("store");
    }
    domain::mailbox::fts::optimize(&db).await.expect("optimize");
    println!(
        "the same {n} stored for the POP account in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (mut server, port) = support::start_server(&dir, &dir.join("server.log"), None, 0);
    support::wait_up(port).await;
    let cookie = support::sign_in(port, "bench", "bench-pass-1").await;
    // Dovecot indexes the new folder when first asked: not part of any
    // figure below, but said.
    let (first, _) = list(port, &cookie, &format!("account={imap}")).await;
    println!("first look at the IMAP inbox (Dovecot indexing it): {first:.0} ms");
    // That look started the list cache's fill in the background; subject
    // and sender searches are answered from it once it covers the folder.
    let t = Instant::now();
    loop {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let f = domain::imap::folder::Entity::find()
            .filter(domain::imap::folder::Column::AccountId.eq(imap))
            .filter(domain::imap::folder::Column::Wire.eq("INBOX"))
            .one(&db)
            .await
            .expect("folder row");
        if f.is_some_and(|f| f.uid_next.is_some_and(|next| f.cached_below >= next)) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "the cache fill did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "list cache of the IMAP inbox filled in the background in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let page1000 = |acc| page_query(port, &cookie, acc, 1000.min(n / 50));
    let cases: Vec<(&str, i32, String)> = vec![
        ("first page", imap, format!("account={imap}")),
        ("first page", pop, format!("account={pop}")),
        ("page 1,000 (or last)", imap, page1000(imap).await),
        ("page 1,000 (or last)", pop, page1000(pop).await),
        (
            "search 会議 (subject…)",
            imap,
            format!("account={imap}&q=%E4%BC%9A%E8%AD%B0"),
        ),
        (
            "search 会議 (subject…)",
            pop,
            format!("account={pop}&q=%E4%BC%9A%E8%AD%B0"),
        ),
        (
            "search 会議 (text)",
            imap,
            format!("account={imap}&q=%E4%BC%9A%E8%AD%B0&within=text"),
        ),
        (
            "search 会議 (text)",
            pop,
            format!("account={pop}&q=%E4%BC%9A%E8%AD%B0&within=text"),
        ),
    ];
    // A word no message has: the whole cache (or index) is read, the
    // slowest a subject or sender search gets.
    let none: String = url::form_urlencoded::byte_serialize("存在しない語".as_bytes()).collect();
    let cases = cases.into_iter().chain([
        (
            "search, no hit (subject…)",
            imap,
            format!("account={imap}&q={none}"),
        ),
        (
            "search, no hit (subject…)",
            pop,
            format!("account={pop}&q={none}"),
        ),
    ]);
    for (name, acc, q) in cases {
        let (p50, p95, rows) = timed(port, &cookie, &q, runs).await;
        let side = if acc == imap { "IMAP" } else { "store" };
        println!("{name:<26} {side:<6} p50 {p50:7.1} ms  p95 {p95:7.1} ms  ({rows} rows)");
    }
    // Dovecot's own body search, on a session of its own.
    let login = mail::imap::ImapLogin {
        host,
        port: port_of("MS_IMAP_PORT"),
        protection: mail::presets::Protection::StartTls,
        user: USER.into(),
        auth: mail::imap::ImapAuth::Password(PASS.into()),
        timeout: Duration::from_secs(120),
        trust: support::ca(),
    };
    let mut s = mail::imap::open(&login).await.expect("IMAP login");
    s.select("INBOX").await.expect("SELECT");
    let mut xs = Vec::with_capacity(runs);
    let mut hits = 0;
    for _ in 0..runs {
        let t = Instant::now();
        hits = s
            .search(mail::imap::SearchIn::Text, &["会議"])
            .await
            .expect("SEARCH")
            .len();
        xs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let _ = s.logout().await;
    println!(
        "Dovecot UID SEARCH TEXT 会議  p50 {:7.1} ms  p95 {:7.1} ms  ({hits} hits)",
        pct(&mut xs, 50.0),
        pct(&mut xs, 95.0)
    );
    server.kill();
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::main]
async fn main() {
    let runs = num("IMAP_RUNS", 30);
    let sizes: Vec<usize> = std::env::var("IMAP_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let base = std::env::temp_dir().join(format!("tayori_ibench_{}", std::process::id()));
    for n in sizes {
        run(n, runs, &base).await;
    }
    let _ = std::fs::remove_dir_all(&base);
}
