//! The IMAP client against the project's real Dovecot (scripts/test.sh
//! starts it): every protection, logins with awkward passwords, folders
//! with SPECIAL-USE, pages, reading, flags, changes since a mod-sequence,
//! move, delete, search in Japanese, APPEND, IDLE and UIDVALIDITY.
//! Each test works in folders of its own, so they run side by side.
use std::time::{Duration, Instant};

use mail::imap::{self, Flags, ImapAuth, ImapError, ImapLogin, SearchIn, SortKey, Special};
use mail::presets::Protection;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts Dovecot")
    })
}

fn port(name: &str) -> u16 {
    env(name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a port"))
}

fn trust() -> mail::tls::Trust {
    let ca = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    mail::tls::Trust::new(Some(&ca)).expect("CA parses")
}

fn login(user: &str, password: &str, protection: Protection) -> ImapLogin {
    let port = match protection {
        Protection::SslTls => port("MS_IMAPS_PORT"),
        _ => port("MS_IMAP_PORT"),
    };
    ImapLogin {
        // The certificate names localhost.
        host: "localhost".into(),
        port,
        protection,
        user: user.into(),
        auth: ImapAuth::Password(password.into()),
        timeout: Duration::from_secs(10),
        trust: trust(),
    }
}

fn erin() -> ImapLogin {
    login("erin@example.test", "erinpass", Protection::SslTls)
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

fn message(subject_header: &str, body: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.test>\r\nTo: erin@example.test\r\n\
         Subject: {subject_header}\r\nDate: Mon, 7 Dec 2026 10:00:00 +0900\r\n\
         Message-ID: <{}@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        unique("m")
    )
    .into_bytes()
}

fn with_attachment() -> Vec<u8> {
    b"From: sato@example.test\r\nTo: erin@example.test\r\nSubject: report\r\n\
      MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
      --b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nsee attached\r\n\
      --b1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n\
      Content-Disposition: attachment; filename=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
      JVBERi0xLjQK\r\n--b1--\r\n"
        .to_vec()
}

#[tokio::test]
async fn every_protection_logs_in_and_lists_the_special_use_folders() {
    for protection in [Protection::None, Protection::StartTls, Protection::SslTls] {
        let mut s = imap::open(&login("erin@example.test", "erinpass", protection))
            .await
            .unwrap_or_else(|e| panic!("{protection:?}: {e}"));
        let folders = s.folders().await.expect("LIST");
        let role = |r: Special| folders.iter().find(|f| f.special == Some(r));
        assert_eq!(role(Special::Inbox).map(|f| f.wire.as_str()), Some("INBOX"));
        assert_eq!(role(Special::Sent).map(|f| f.name.as_str()), Some("Sent"));
        assert_eq!(
            role(Special::Drafts).map(|f| f.name.as_str()),
            Some("Drafts")
        );
        assert_eq!(role(Special::Trash).map(|f| f.name.as_str()), Some("Trash"));
        s.logout().await.expect("LOGOUT");
    }
}

#[tokio::test]
async fn a_password_with_space_quote_and_backslash_logs_in() {
    let s = imap::open(&login(
        "carol@example.test",
        "Pa ss\"w\\rd!",
        Protection::StartTls,
    ))
    .await
    .expect("PLAIN carries any password");
    s.logout().await.expect("LOGOUT");
}

#[tokio::test]
async fn a_wrong_password_is_a_refusal_not_worth_retrying() {
    let e = imap::open(&login("erin@example.test", "wrong", Protection::SslTls))
        .await
        .expect_err("refused");
    assert!(matches!(e, ImapError::Refused { .. }), "{e:?}");
    assert!(e.is_permanent());
}

#[tokio::test]
async fn a_server_that_never_greets_fails_within_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let mut l = erin();
    l.host = "127.0.0.1".into();
    l.port = port;
    l.protection = Protection::None;
    l.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let e = imap::open(&l).await.expect_err("times out");
    assert!(
        e.is_timeout() || matches!(e, ImapError::Timeout(..)),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn pages_rows_reading_flags_move_search_and_delete() {
    let mut s = imap::open(&erin()).await.expect("login");
    let folder = unique("work");
    let other = imap::utf7::encode(&format!("{}-会議室", unique("archive")));
    s.create(&folder).await.expect("CREATE");
    s.create(&other).await.expect("CREATE 会議室");

    let first = message(
        "=?ISO-2022-JP?B?GyRCMnE1RBsoQg==?= 12/8",
        "明日の会議は10時からです。",
    );
    s.append(&folder, Flags::default(), &first)
        .await
        .expect("APPEND");
    s.append(&folder, Flags::default(), &with_attachment())
        .await
        .expect("APPEND");
    let third = message("lunch", "お昼は蕎麦にしましょう。");
    s.append(&folder, Flags::default(), &third)
        .await
        .expect("APPEND");

    let counts = s.select(&folder).await.expect("SELECT");
    assert_eq!(counts.exists, 3);
    assert!(counts.uid_validity > 0);
    let newest_first = s.sorted_uids(SortKey::Arrival, true).await.expect("SORT");
    assert_eq!(newest_first.len(), 3);
    assert!(newest_first.windows(2).all(|w| w[0] > w[1]));

    let rows = s.rows(&newest_first[..2]).await.expect("FETCH");
    assert_eq!(rows.len(), 2);
    let by_subject = |subject: &str| rows.iter().find(|r| r.subject == subject);
    let lunch = by_subject("lunch").expect("lunch row");
    assert_eq!(lunch.from, "山田 <yamada@example.test>");
    assert!(!lunch.flags.seen && !lunch.has_attachment);
    assert_eq!(lunch.size as usize, third.len());
    assert!(by_subject("report").expect("report row").has_attachment);

    // Reading fetches the bytes as appended and does not mark them read.
    let oldest = newest_first[2];
    let raw = s.message(oldest, 1 << 20).await.expect("FETCH body");
    assert_eq!(raw.as_deref(), Some(&first[..]));
    let row = &s.rows(&[oldest]).await.expect("FETCH")[0];
    assert_eq!(row.subject, "会議 12/8");
    assert!(!row.flags.seen, "BODY.PEEK leaves \\Seen alone");
    assert!(s.message(999_999, 1 << 20).await.expect("FETCH").is_none());

    // Flags, and what changed since a mod-sequence.
    let before = s.select(&folder).await.expect("SELECT").highest_modseq;
    let before = before.expect("Dovecot keeps mod-sequences");
    let seen = Flags {
        seen: true,
        ..Flags::default()
    };
    s.set_flags(&[oldest], seen, true).await.expect("STORE");
    let flagged = Flags {
        flagged: true,
        ..Flags::default()
    };
    s.set_flags(&[lunch.uid], flagged, true)
        .await
        .expect("STORE");
    let changes = s.changes_since(before).await.expect("CHANGEDSINCE");
    let mut changed: Vec<(u32, Flags)> = changes.flags.clone();
    changed.sort_by_key(|c| c.0);
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed.iter().any(|(u, f)| *u == oldest && f.seen));
    assert!(changed.iter().any(|(u, f)| *u == lunch.uid && f.flagged));
    s.set_flags(&[oldest], seen, false).await.expect("STORE");
    assert!(!s.rows(&[oldest]).await.expect("FETCH")[0].flags.seen);

    // Search: subject in Japanese (two characters), body text, sender.
    assert_eq!(
        s.search(SearchIn::Subject, &["会議"])
            .await
            .expect("SEARCH"),
        vec![oldest]
    );
    assert_eq!(
        s.search(SearchIn::Text, &["蕎麦", "お昼"])
            .await
            .expect("SEARCH"),
        vec![lunch.uid]
    );
    let mut from_yamada = s.search(SearchIn::From, &["yamada"]).await.expect("SEARCH");
    from_yamada.sort_unstable();
    assert_eq!(from_yamada.len(), 2);

    // Move to a folder with a Japanese name, then delete for good.
    let before = s.select(&folder).await.expect("SELECT").highest_modseq;
    s.move_to(&[lunch.uid], &other).await.expect("MOVE");
    assert_eq!(s.select(&folder).await.expect("SELECT").exists, 2);
    let changes = s
        .changes_since(before.expect("modseq"))
        .await
        .expect("CHANGEDSINCE");
    assert_eq!(
        changes.vanished,
        vec![lunch.uid],
        "QRESYNC reports the move"
    );
    let moved = s.select(&other).await.expect("SELECT 会議室");
    assert_eq!(moved.exists, 1);
    let there = s.sorted_uids(SortKey::Arrival, false).await.expect("SORT");
    assert_eq!(s.rows(&there).await.expect("FETCH")[0].subject, "lunch");
    let folders = s.folders().await.expect("LIST");
    assert!(
        folders
            .iter()
            .any(|f| f.wire == other && f.name.ends_with("-会議室")),
        "the folder's name is shown decoded"
    );

    s.select(&folder).await.expect("SELECT");
    s.expunge(&[oldest]).await.expect("EXPUNGE");
    assert_eq!(s.select(&folder).await.expect("SELECT").exists, 1);

    s.delete_folder(&folder).await.expect("DELETE");
    s.delete_folder(&other).await.expect("DELETE");
    s.logout().await.expect("LOGOUT");
}

#[tokio::test]
async fn other_orders_come_from_the_servers_sort() {
    let mut s = imap::open(&erin()).await.expect("login");
    assert!(s.has("SORT"), "Dovecot sorts");
    let folder = unique("sorted");
    s.create(&folder).await.expect("CREATE");
    for subject in ["b", "c", "a"] {
        s.append(&folder, Flags::default(), &message(subject, "x"))
            .await
            .expect("APPEND");
    }
    s.select(&folder).await.expect("SELECT");
    let uids = s.sorted_uids(SortKey::Subject, false).await.expect("SORT");
    let rows = s.rows(&uids).await.expect("FETCH");
    let subject_of = |uid: u32| {
        rows.iter()
            .find(|r| r.uid == uid)
            .map(|r| r.subject.clone())
    };
    let order: Vec<String> = uids.iter().filter_map(|u| subject_of(*u)).collect();
    assert_eq!(order, ["a", "b", "c"]);
    s.delete_folder(&folder).await.expect("DELETE");
}

#[tokio::test]
async fn idle_wakes_when_mail_arrives() {
    let folder = unique("idle");
    let mut watcher = imap::open(&erin()).await.expect("login");
    watcher.create(&folder).await.expect("CREATE");
    watcher.select(&folder).await.expect("SELECT");
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let (s, changed) = watcher.idle(Duration::from_secs(30)).await.expect("IDLE");
        (s, changed, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut other = imap::open(&erin()).await.expect("login");
    other
        .append(&folder, Flags::default(), &message("new", "x"))
        .await
        .expect("APPEND");
    let (mut watcher, changed, took) = waiting.await.expect("task");
    assert!(changed, "IDLE reports the new message");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(watcher.select(&folder).await.expect("SELECT").exists, 1);
    watcher.delete_folder(&folder).await.expect("DELETE");
}

#[tokio::test]
async fn idle_with_nothing_new_returns_after_its_wait() {
    let folder = unique("quiet");
    let mut s = imap::open(&erin()).await.expect("login");
    s.create(&folder).await.expect("CREATE");
    s.select(&folder).await.expect("SELECT");
    let (mut s, changed) = s.idle(Duration::from_millis(800)).await.expect("IDLE");
    assert!(!changed);
    s.noop().await.expect("the session goes on after IDLE");
    s.delete_folder(&folder).await.expect("DELETE");
}

#[tokio::test]
async fn a_folder_made_again_has_a_new_uidvalidity() {
    let folder = unique("again");
    let mut s = imap::open(&erin()).await.expect("login");
    s.create(&folder).await.expect("CREATE");
    let first = s.status(&folder).await.expect("STATUS").uid_validity;
    s.delete_folder(&folder).await.expect("DELETE");
    // Dovecot derives UIDVALIDITY from the clock: a second apart.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.create(&folder).await.expect("CREATE");
    let second = s.status(&folder).await.expect("STATUS").uid_validity;
    assert_ne!(first, second);
    s.delete_folder(&folder).await.expect("DELETE");
}

#[tokio::test]
async fn the_connection_test_reports_each_step() {
    let mut steps = Vec::new();
    let mut on_step = |s: mail::diag::Step| steps.push(s);
    let caps = imap::diagnose(
        &login("erin@example.test", "erinpass", Protection::StartTls),
        &mut on_step,
    )
    .await
    .expect("diagnose");
    assert!(caps.iter().any(|c| c == "IMAP4REV1"));
    let kinds: Vec<&str> = steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "dns",
            "tcp",
            "greeting",
            "capabilities",
            "starttls",
            "capabilities",
            "login"
        ]
    );
    assert!(steps.iter().all(|s| s.ok), "{steps:?}");
}
