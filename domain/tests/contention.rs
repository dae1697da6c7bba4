//! Many writers at once on the embedded database: each waits its turn (the
//! busy timeout, and transactions that take SQLite's write lock at BEGIN)
//! instead of failing with "database is locked" because the snapshot it
//! read could no longer become a write.
use domain::mailbox::{self, NewAccount};
use domain::testing;
use mail::presets::Protection;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_wait_instead_of_failing() {
    let dir = std::env::temp_dir().join(testing::unique("tayori_contention_"));
    let db = testing::sqlite_in(&dir).await;
    let user = testing::user("busy").insert(&db).await;
    let acc = mailbox::create_account(
        &db,
        &testing::secrets(),
        &NewAccount {
            user_id: user.id,
            name: "会社".into(),
            display_name: String::new(),
            email: "busy@example.test".into(),
            pop_host: "127.0.0.1".into(),
            pop_port: 110,
            pop_protection: Protection::None,
            pop_user: "busy".into(),
            pop_password: "x".into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .unwrap();
    // Each store reads (the newest ID) before it writes, in one
    // transaction: the pattern that fails when another commit lands
    // between the read and the write.
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                mailbox::store(
                    &db,
                    acc.id,
                    mailbox::INBOX,
                    vec![format!("Subject: {i}\r\n\r\nbody {i}\r\n").into_bytes()],
                )
                .await
            })
        })
        .collect();
    let mut failed = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failed.push(e.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );
    let (n, _) = mailbox::view::page(
        &db,
        acc.id,
        mailbox::INBOX,
        mailbox::view::Sort::Date,
        true,
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(n.len(), 64);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
