//! ウェブメールIMAP through the mail screen's boundary (`MailSource`),
//! against the project's Dovecot and a real database of each backend:
//! pages, reading, flags, move, delete through ごみ箱, search in Japanese,
//! folders, sent mail filed, a changed UIDVALIDITY, a connection cut in
//! the middle of a FETCH, and another user's IDs and folders.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use domain::imap::{Ctx, Pool};
use domain::mailbox::source::{self, MailSource, Within};
use domain::mailbox::view::{Mark, Sort};
use domain::testing::{self, env, port};
use domain::{DatabaseConnection, Error};
use mail::imap::{Flags, ImapAuth, ImapLogin};
use mail::presets::Protection;
use rstest::rstest;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn trust() -> mail::tls::Trust {
    let ca = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    mail::tls::Trust::new(Some(&ca)).expect("CA parses")
}

/// A mailbox per test and backend (box1 … box10): the cases run at once.
fn mailbox_of(backend: &str, test: &str) -> String {
    let tests = ["read", "uidvalidity", "cut", "others", "watch"];
    let n = tests.iter().position(|t| *t == test).expect("a known test");
    let b = usize::from(backend == "postgres");
    format!("box{}", 1 + n * 2 + b)
}

fn direct(login: &str) -> ImapLogin {
    ImapLogin {
        host: "localhost".into(),
        port: port("MS_IMAPS_PORT"),
        protection: Protection::SslTls,
        user: format!("{login}@example.test"),
        auth: ImapAuth::Password(format!("{login}pass")),
        timeout: Duration::from_secs(10),
        trust: trust(),
    }
}

/// Empties the mailbox's INBOX and Trash and removes its other folders,
/// straight on the server.
async fn clean(login: &str) -> mail::imap::Session {
    let mut s = mail::imap::open(&direct(login)).await.expect("login");
    for f in s.folders().await.expect("LIST") {
        if ["INBOX", "Trash", "Sent", "Drafts"].contains(&f.wire.as_str()) {
            s.select(&f.wire).await.expect("SELECT");
            let uids = s
                .sorted_uids(mail::imap::SortKey::Arrival, false)
                .await
                .expect("SEARCH");
            s.expunge(&uids).await.expect("EXPUNGE");
        } else if f.selectable {
            s.delete_folder(&f.wire).await.expect("DELETE");
        }
    }
    s
}

fn message(n: usize, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.test>\r\nTo: someone@example.test\r\n\
         Subject: {subject}\r\nDate: Mon, 7 Dec 2026 10:{:02}:00 +0900\r\n\
         Message-ID: <{n}.{}@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        n % 60,
        testing::unique("m")
    )
    .into_bytes()
}

struct Setup {
    db: DatabaseConnection,
    secrets: domain::secrets::SecretBox,
    trust: mail::tls::Trust,
    pool: Pool,
    user: i32,
    account: i32,
}

impl Setup {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            db: &self.db,
            secrets: &self.secrets,
            trust: &self.trust,
            pool: &self.pool,
        }
    }
    async fn source(&self) -> source::Source<'_> {
        source::open(self.ctx(), self.user, self.account)
            .await
            .expect("own account")
    }
}

async fn setup(backend: &str, login: &str, imap_port: u16) -> Setup {
    let db = testing::database(backend).await;
    let user = testing::user(&testing::unique("imapuser"))
        .imap()
        .insert(&db)
        .await;
    let secrets = testing::secrets();
    let acc = domain::imap::create_account(
        &db,
        &secrets,
        &domain::imap::NewAccount {
            user_id: user.id,
            name: "IMAP".into(),
            display_name: "テスト".into(),
            email: format!("{login}@example.test"),
            host: "localhost".into(),
            port: imap_port,
            protection: Protection::SslTls,
            user: format!("{login}@example.test"),
            password: format!("{login}pass"),
            timeout_secs: 10,
            smtp_host: "localhost".into(),
            smtp_port: port("MS_SUBMISSION_PORT"),
            smtp_protection: Protection::StartTls,
        },
    )
    .await
    .expect("account");
    Setup {
        db,
        secrets,
        trust: trust(),
        pool: Pool::default(),
        user: user.id,
        account: acc.id,
    }
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn an_imap_account_reads_and_changes_mail_on_the_server(#[case] backend: &str) {
    let login = &mailbox_of(backend, "read");
    let mut direct = clean(login).await;
    for n in 0..60 {
        let raw = if n == 3 {
            message(
                n,
                "=?ISO-2022-JP?B?GyRCMnE1RCRONUQ7dk8/GyhC?=",
                "来週の予定です。",
            )
        } else {
            message(n, &format!("連絡 {n:02}"), "本文です。")
        };
        direct
            .append("INBOX", Flags::default(), &raw)
            .await
            .expect("APPEND");
    }
    let t = setup(backend, login, port("MS_IMAPS_PORT")).await;
    let src = t.source().await;

    let folders = src.folders().await.expect("folders");
    let keys: Vec<&str> = folders.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["inbox", "sent", "drafts", "trash"], "{folders:?}");
    assert_eq!(folders[0].unread, 60);

    let (first, next) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("page 1");
    assert_eq!(first.len(), 50);
    assert_eq!(first[0].subject, "連絡 59", "newest first");
    assert!(first.iter().all(|r| r.folder == "inbox" && !r.seen));
    let next = next.expect("a second page");
    let (second, last) = src
        .page("inbox", Sort::Date, true, Some(&next), 50)
        .await
        .expect("page 2");
    assert_eq!(second.len(), 10);
    assert!(last.is_none());
    let meeting = second
        .iter()
        .find(|r| r.subject == "会議の議事録")
        .unwrap_or_else(|| panic!("ISO-2022-JP subject decoded: {second:?}"));
    assert_eq!(meeting.from_addr, "山田 <yamada@example.test>");

    // Reading brings the bytes from the server; marking read reaches it.
    let (row, raw) = src.message(meeting.id).await.expect("open");
    assert_eq!(row.id, meeting.id);
    assert!(String::from_utf8_lossy(&raw).contains("来週の予定です。"));
    src.mark(&[meeting.id], Mark::Read).await.expect("read");
    src.mark(&[first[0].id], Mark::Flag).await.expect("flag");
    direct.reselect();
    direct.select("INBOX").await.expect("SELECT");
    let seen = direct
        .search(mail::imap::SearchIn::Subject, &["議事録"])
        .await
        .expect("SEARCH");
    assert_eq!(seen.len(), 1);
    let on_server = direct.rows(&seen).await.expect("FETCH");
    assert!(on_server[0].flags.seen, "\\Seen set on the server");
    let (again, _) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("page 1 again");
    assert!(again[0].flagged);
    assert_eq!(src.folders().await.expect("folders")[0].unread, 59);

    // Flags changed by another client show on the next page (CONDSTORE).
    direct
        .set_flags(
            &[(again[1].id & 0xffff_ffff) as u32],
            Flags {
                seen: true,
                ..Flags::default()
            },
            true,
        )
        .await
        .expect("STORE");
    let (again, _) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("page 1 again");
    assert!(again[1].seen, "a change made elsewhere is seen");

    // Search: two Japanese characters, in this folder and everywhere;
    // subject and addresses first asked of the server (nothing cached).
    let found = src
        .search(Some("inbox"), "議事", Within::Head, None, 50)
        .await
        .expect("search");
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].id, meeting.id);
    let found = src
        .search(None, "予定", Within::Head, None, 50)
        .await
        .expect("search all");
    assert!(
        found.rows.is_empty(),
        "the text is not a subject: {found:?}"
    );
    let found = src
        .search(None, "予定", Within::Text, None, 50)
        .await
        .expect("search all");
    assert_eq!(found.rows.len(), 1, "body text is searched on the server");

    // The background fill caches every row of the folders; subject and
    // sender searches are then answered from the cache, in the search
    // index's normal form (full-width digits find half-width ones).
    domain::imap::fill_cache(t.ctx(), t.account)
        .await
        .expect("fill");
    let inbox = domain::imap::folder::Entity::find()
        .filter(domain::imap::folder::Column::AccountId.eq(t.account))
        .filter(domain::imap::folder::Column::Wire.eq("INBOX"))
        .one(&t.db)
        .await
        .expect("query")
        .expect("INBOX row");
    assert!(inbox.cached_below >= inbox.uid_next.expect("UIDNEXT"));
    let cached = domain::imap::row::Entity::find()
        .filter(domain::imap::row::Column::FolderId.eq(inbox.id))
        .count(&t.db)
        .await
        .expect("count");
    assert_eq!(cached, 60);
    let found = src
        .search(Some("inbox"), "議事", Within::Head, None, 50)
        .await
        .expect("search");
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].id, meeting.id);
    let found = src
        .search(None, "連絡　０７ 山田", Within::Head, None, 50)
        .await
        .expect("search all");
    let subjects: Vec<&str> = found.rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(subjects, ["連絡 07"]);

    // Folders: create, move into it, rename, delete (its mail to ごみ箱).
    let key = src.create_folder("案件A").await.expect("create");
    let moved = src
        .move_to(&[first[0].id, first[1].id], &key)
        .await
        .expect("move");
    assert_eq!(moved, 2);
    let (inside, _) = src
        .page(&key, Sort::Date, true, None, 50)
        .await
        .expect("the new folder");
    assert_eq!(inside.len(), 2);
    assert!(inside.iter().all(|r| r.folder == key));
    src.rename_folder(&key, "案件B").await.expect("rename");
    let named: Vec<String> = src
        .folders()
        .await
        .expect("folders")
        .into_iter()
        .filter_map(|f| f.name)
        .collect();
    assert_eq!(named, ["案件B"]);
    let (inbox, _) = src
        .page("inbox", Sort::Date, true, None, 100)
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 58);

    // Delete: to ごみ箱, then for good; empty ごみ箱.
    assert_eq!(src.delete(&[inbox[0].id]).await.expect("delete"), 1);
    let (trash, _) = src
        .page("trash", Sort::Date, true, None, 50)
        .await
        .expect("trash");
    assert_eq!(trash.len(), 1);
    assert_eq!(src.delete(&[trash[0].id]).await.expect("purge"), 1);
    src.delete_folder(&key).await.expect("delete folder");
    let (trash, _) = src
        .page("trash", Sort::Date, true, None, 50)
        .await
        .expect("trash");
    assert_eq!(trash.len(), 2, "the deleted folder's mail");
    assert_eq!(src.empty_trash().await.expect("empty"), 2);
    assert!(
        src.page("trash", Sort::Date, true, None, 50)
            .await
            .expect("trash")
            .0
            .is_empty()
    );

    // Sent through Postfix with the IMAP login, then filed in Sent, read.
    let subject = testing::unique("IMAPから送信 ");
    let c = domain::mailbox::send::Compose {
        to: format!("{login}@example.test"),
        subject: subject.clone(),
        body: "送信済みに保存されます。".into(),
        ..Default::default()
    };
    let sent = domain::mailbox::send::send(&src, &t.secrets, &c, &t.trust)
        .await
        .expect("send")
        .unwrap_or_else(|n| panic!("not sent: {}", n.error));
    assert!(sent.reply.starts_with("250"), "{}", sent.reply);
    assert!(sent.not_filed.is_none());
    let (copies, _) = src
        .page("sent", Sort::Date, true, None, 50)
        .await
        .expect("sent");
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].subject, subject);
    assert!(copies[0].seen);
    // And it arrives in the INBOX over Postfix and LMTP.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (inbox, _) = src
            .page("inbox", Sort::Date, true, None, 5)
            .await
            .expect("inbox");
        if inbox.iter().any(|r| r.subject == subject) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "delivered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 下書き: kept on the server, replaced by the next save, gone once sent.
    let draft = domain::mailbox::send::Compose {
        to: "someone@example.test".into(),
        subject: "書きかけ".into(),
        body: "まだ途中".into(),
        ..Default::default()
    };
    let first_draft = domain::mailbox::send::save_draft(&src, &draft)
        .await
        .expect("draft");
    assert!(first_draft > 0, "the draft's ID is found by its Message-ID");
    let second = domain::mailbox::send::save_draft(
        &src,
        &domain::mailbox::send::Compose {
            draft: Some(first_draft),
            body: "もう少し".into(),
            ..draft.clone()
        },
    )
    .await
    .expect("draft");
    let (drafts, _) = src
        .page("drafts", Sort::Date, true, None, 50)
        .await
        .expect("drafts");
    assert_eq!(drafts.len(), 1, "the old draft is replaced");
    assert_eq!(drafts[0].id, second);
    assert!(t.pool.idle_sessions() >= 1, "sessions are reused");
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn a_new_uidvalidity_drops_the_cache_and_old_ids_name_nothing(#[case] backend: &str) {
    let login = &mailbox_of(backend, "uidvalidity");
    let mut direct = clean(login).await;
    direct.create("Projekt").await.expect("CREATE");
    direct
        .append("Projekt", Flags::default(), &message(1, "first", "x"))
        .await
        .expect("APPEND");
    let t = setup(backend, login, port("MS_IMAPS_PORT")).await;
    let src = t.source().await;
    let key = src
        .folders()
        .await
        .expect("folders")
        .into_iter()
        .find(|f| f.name.as_deref() == Some("Projekt"))
        .expect("listed")
        .key;
    let (old, _) = src
        .page(&key, Sort::Date, true, None, 50)
        .await
        .expect("page");
    assert_eq!(old.len(), 1);

    // Another client deletes and makes the folder again.
    direct.delete_folder("Projekt").await.expect("DELETE");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    direct.create("Projekt").await.expect("CREATE");
    direct
        .append("Projekt", Flags::default(), &message(2, "second", "x"))
        .await
        .expect("APPEND");

    let r = src.message(old[0].id).await;
    assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
    let new_key = src
        .folders()
        .await
        .expect("folders")
        .into_iter()
        .find(|f| f.name.as_deref() == Some("Projekt"))
        .expect("listed")
        .key;
    assert_ne!(new_key, key, "a new UIDVALIDITY is a new folder row");
    let (rows, _) = src
        .page(&new_key, Sort::Date, true, None, 50)
        .await
        .expect("page");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].subject, "second");
    assert_ne!(rows[0].id, old[0].id);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let cached = domain::imap::row::Entity::find()
        .filter(domain::imap::row::Column::Subject.eq("first"))
        .all(&t.db)
        .await
        .expect("query");
    assert!(cached.is_empty(), "the old folder's rows are gone");
}

/// A proxy to Dovecot's IMAPS port that cuts its first connection once
/// `cut_after` bytes came from the server; later connections pass.
async fn cutting_proxy(cut_after: usize) -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    let target = port_of_imaps();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut passed = 0usize;
                let mut buf = vec![0u8; 4096];
                while let Ok(k) = sr.read(&mut buf).await {
                    if k == 0 {
                        break;
                    }
                    let allowed = if n == 0 {
                        k.min(cut_after.saturating_sub(passed))
                    } else {
                        k
                    };
                    if cw.write_all(&buf[..allowed]).await.is_err() {
                        break;
                    }
                    passed += allowed;
                    if allowed < k {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    (port, connections)
}

fn port_of_imaps() -> u16 {
    port("MS_IMAPS_PORT")
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn a_connection_cut_in_the_middle_of_a_fetch_is_retried_whole(#[case] backend: &str) {
    let login = &mailbox_of(backend, "cut");
    let mut direct = clean(login).await;
    for n in 0..50 {
        direct
            .append(
                "INBOX",
                Flags::default(),
                &message(n, &format!("行 {n:02}"), "x"),
            )
            .await
            .expect("APPEND");
    }
    // Login, LIST and SELECT pass; the cut falls inside the rows' FETCH.
    let (proxy, connections) = cutting_proxy(9000).await;
    let t = setup(backend, login, proxy).await;
    let src = t.source().await;
    let (rows, _) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("the page comes whole after one retry");
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[0].subject, "行 49");
    assert_eq!(connections.load(Ordering::SeqCst), 2, "one cut, one retry");
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn another_users_account_ids_and_folders_are_not_found(#[case] backend: &str) {
    let login = &mailbox_of(backend, "others");
    let mut direct = clean(login).await;
    direct
        .append("INBOX", Flags::default(), &message(1, "秘密", "x"))
        .await
        .expect("APPEND");
    let t = setup(backend, login, port("MS_IMAPS_PORT")).await;
    let src = t.source().await;
    let (rows, _) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("page");
    let id = rows[0].id;

    let other = testing::user(&testing::unique("other"))
        .imap()
        .webmail()
        .insert(&t.db)
        .await;
    let r = source::open(t.ctx(), other.id, t.account).await;
    assert!(matches!(r, Err(Error::NotFound)), "another's account");
    let r = source::account_of_message(&t.db, other.id, id).await;
    assert!(matches!(r, Err(Error::NotFound)), "another's message");

    // The other user's own IMAP account cannot reach it by ID either.
    let own = domain::imap::create_account(
        &t.db,
        &t.secrets,
        &domain::imap::NewAccount {
            user_id: other.id,
            name: "mine".into(),
            display_name: String::new(),
            email: "x@example.test".into(),
            host: "localhost".into(),
            port: port("MS_IMAPS_PORT"),
            protection: Protection::SslTls,
            user: "erin@example.test".into(),
            password: "erinpass".into(),
            timeout_secs: 10,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_protection: Protection::StartTls,
        },
    )
    .await
    .expect("account");
    let theirs = source::open(t.ctx(), other.id, own.id).await.expect("own");
    assert!(matches!(theirs.message(id).await, Err(Error::NotFound)));
    assert_eq!(theirs.mark(&[id], Mark::Read).await.expect("mark"), 0);
    assert_eq!(theirs.delete(&[id]).await.expect("delete"), 0);
    let folder_key = format!("f{}", id >> 32);
    assert!(matches!(
        theirs.page(&folder_key, Sort::Date, true, None, 50).await,
        Err(Error::NotFound)
    ));
    // Still there and unread for its owner.
    let (rows, _) = src
        .page("inbox", Sort::Date, true, None, 50)
        .await
        .expect("page");
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].seen);

    // ウェブメールIMAP not allowed: the account is forbidden to its owner.
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let u = domain::entity::users::Entity::find_by_id(t.user)
        .one(&t.db)
        .await
        .expect("query")
        .expect("user");
    let mut am: domain::entity::users::ActiveModel = u.into();
    am.imap_enabled = Set(false);
    am.update(&t.db).await.expect("update");
    let r = source::open(t.ctx(), t.user, t.account).await;
    assert!(matches!(r, Err(Error::Forbidden)));
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn a_watch_tells_of_new_mail_and_a_user_has_two_at_most(#[case] backend: &str) {
    let login = &mailbox_of(backend, "watch");
    let mut direct = clean(login).await;
    let t = setup(backend, login, port("MS_IMAPS_PORT")).await;
    let mut w = domain::imap::watch(t.ctx(), t.user, t.account, "")
        .await
        .expect("watch")
        .expect("an IMAP account is watched");
    let second = domain::imap::watch(t.ctx(), t.user, t.account, "inbox")
        .await
        .expect("a second window");
    assert!(second.is_some());
    let third = domain::imap::watch(t.ctx(), t.user, t.account, "inbox").await;
    assert!(matches!(third, Err(Error::Busy)), "a third is refused");
    drop(second);
    let again = domain::imap::watch(t.ctx(), t.user, t.account, "inbox").await;
    assert!(
        matches!(again, Ok(Some(_))),
        "a closed watch frees its place"
    );

    // Mail arriving while the watch waits is told at once, not after the
    // minute a quiet watch waits.
    let arrive = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        direct
            .append(
                "INBOX",
                Flags::default(),
                &message(1, "新着", "届きました。"),
            )
            .await
            .expect("APPEND");
    });
    let seen = tokio::time::timeout(Duration::from_secs(20), w.next())
        .await
        .expect("told within seconds")
        .expect("IDLE");
    assert_eq!(seen, Some(domain::imap::Seen::Changed));
    arrive.await.expect("append task");

    // Another user's account is not found, and takes no place.
    let other = testing::user(&testing::unique("other"))
        .imap()
        .insert(&t.db)
        .await;
    let theirs = domain::imap::watch(t.ctx(), other.id, t.account, "").await;
    assert!(matches!(theirs, Err(Error::NotFound)), "{:?}", theirs.err());
}
