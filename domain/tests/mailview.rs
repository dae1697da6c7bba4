//! The webmail's view of the store on both databases: folders, pages in
//! every order at any depth, flags, moving and deleting through ごみ箱,
//! search of Japanese substrings, and other users' mail out of reach.
use domain::testing;
use rstest::rstest;

use domain::mailbox::{self, NewAccount, search, view};
use mail::presets::Protection;

use testing::secrets;

async fn owner(
    db: &domain::DatabaseConnection,
    login: &str,
) -> (domain::users::User, mailbox::Account) {
    let u = testing::user(login).name("山田").webmail().insert(db).await;
    let a = mailbox::create_account(
        db,
        &secrets(),
        &NewAccount {
            user_id: u.id,
            name: format!("会社-{login}"),
            display_name: "山田".into(),
            email: format!("{login}@example.test"),
            pop_host: "127.0.0.1".into(),
            pop_port: 110,
            pop_protection: Protection::None,
            pop_user: login.into(),
            pop_password: "x".into(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .unwrap();
    (u, a)
}

fn message(n: usize, from: &str, subject: &str, body: &str, size_pad: usize) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: yamada@example.test\r\nSubject: =?UTF-8?B?{}?=\r\nMessage-ID: <m{n}@example.test>\r\n\
Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n{}\r\n",
        base64_of(subject),
        "x".repeat(size_pad)
    )
    .into_bytes()
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn pages_flags_folders_and_trash(#[case] name: &str) {
    let db = testing::database(name).await;
    let (u, a) = owner(&db, "pager").await;
    let senders = [
        "佐藤 <sato@example.test>",
        "alice@example.test",
        "鈴木 <suzuki@example.test>",
    ];
    let raws: Vec<Vec<u8>> = (0..57)
        .map(|n| {
            message(
                n,
                senders[n % 3],
                &format!("件名{:02}", (n * 7) % 57),
                "本文です。",
                (n * 13) % 50,
            )
        })
        .collect();
    let ids = mailbox::store(&db, a.id, mailbox::INBOX, raws)
        .await
        .unwrap();
    assert_eq!(ids.len(), 57, "{name}");
    // Every order, paged by 10, gives the same rows as one sorted read.
    for sort in [
        view::Sort::Date,
        view::Sort::From,
        view::Sort::Subject,
        view::Sort::Size,
    ] {
        for desc in [true, false] {
            let (all, none) = view::page(&db, a.id, mailbox::INBOX, sort, desc, None, 1000)
                .await
                .unwrap();
            assert_eq!((all.len(), none), (57, None), "{name} {sort:?}");
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let (rows, next) =
                    view::page(&db, a.id, mailbox::INBOX, sort, desc, after.as_ref(), 10)
                        .await
                        .unwrap();
                assert!(rows.len() <= 10);
                paged.extend(rows.into_iter().map(|r| r.id));
                match next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            let ids_all: Vec<i64> = all.iter().map(|r| r.id).collect();
            assert_eq!(paged, ids_all, "{name} {sort:?} desc={desc}");
            let keys: Vec<String> = all
                .iter()
                .map(|r| match sort {
                    view::Sort::Date => format!("{:020}", r.received_at.timestamp_micros()),
                    view::Sort::From => r.from_addr.clone(),
                    view::Sort::Subject => r.subject.clone(),
                    view::Sort::Size => format!("{:010}", r.size),
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if desc {
                sorted.reverse();
            }
            assert_eq!(keys, sorted, "{name} {sort:?} desc={desc}");
        }
    }
    // Unread counts, marks.
    let f = view::folders(&db, a.id).await.unwrap();
    assert_eq!(
        f.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        ["inbox", "sent", "drafts", "trash"]
    );
    assert_eq!(f[0].unread, 57, "{name}");
    assert_eq!(
        view::mark(&db, a.id, &ids[..5], view::Mark::Read)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        view::mark(&db, a.id, &ids[..2], view::Mark::Flag)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        view::folders(&db, a.id).await.unwrap()[0].unread,
        52,
        "{name}"
    );
    let (row, raw) = view::message(&db, a.id, ids[0]).await.unwrap();
    assert!(row.seen && row.flagged && !raw.is_empty());
    assert_eq!(row.to_addr, "yamada@example.test");
    // User folders: create, duplicate refused at the field, rename, move, delete → ごみ箱.
    let key = view::create_folder(&db, a.id, " 取引先 ").await.unwrap();
    let dup = view::create_folder(&db, a.id, "取引先").await.unwrap_err();
    assert!(
        matches!(dup, domain::Error::Invalid(ref e) if e[0].field == "folder_name"),
        "{dup:?}"
    );
    assert!(matches!(
        view::create_folder(&db, a.id, "  ").await,
        Err(domain::Error::Invalid(_))
    ));
    assert!(matches!(
        view::create_folder(&db, a.id, &"長".repeat(101)).await,
        Err(domain::Error::Invalid(_))
    ));
    view::rename_folder(&db, a.id, &key, "取引先A")
        .await
        .unwrap();
    assert_eq!(
        view::move_to(&db, a.id, &ids[5..15], &key).await.unwrap(),
        10
    );
    let f = view::folders(&db, a.id).await.unwrap();
    assert_eq!(f[4].name.as_deref(), Some("取引先A"));
    assert_eq!(f[4].unread, 10);
    assert!(matches!(
        view::move_to(&db, a.id, &ids[..1], "f999999").await,
        Err(domain::Error::NotFound)
    ));
    view::delete_folder(&db, a.id, &key).await.unwrap();
    let f = view::folders(&db, a.id).await.unwrap();
    assert_eq!(
        (f.len(), f[3].unread),
        (4, 10),
        "{name}: the folder's mail is in ごみ箱"
    );
    // Delete: to ごみ箱, then for good; 空にする.
    assert_eq!(view::delete(&db, a.id, &ids[15..20]).await.unwrap(), 5);
    let (trash, _) = view::page(&db, a.id, view::TRASH, view::Sort::Date, true, None, 100)
        .await
        .unwrap();
    assert_eq!(trash.len(), 15);
    assert_eq!(view::delete(&db, a.id, &ids[15..17]).await.unwrap(), 2);
    assert!(matches!(
        view::message(&db, a.id, ids[15]).await,
        Err(domain::Error::NotFound)
    ));
    assert_eq!(view::empty_trash(&db, a.id).await.unwrap(), 13);
    let (inbox, _) = view::page(&db, a.id, mailbox::INBOX, view::Sort::Date, true, None, 100)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 42, "{name}");
    // Nothing of it is another user's to touch.
    let (_, other) = owner(&db, "other").await;
    assert!(matches!(
        view::mine(&db, u.id, other.id).await,
        Err(domain::Error::NotFound)
    ));
    assert_eq!(
        view::mark(&db, other.id, &ids, view::Mark::Unread)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        view::move_to(&db, other.id, &ids, view::TRASH)
            .await
            .unwrap(),
        0
    );
    assert_eq!(view::delete(&db, other.id, &ids).await.unwrap(), 0);
    assert!(matches!(
        view::message(&db, other.id, ids[30]).await,
        Err(domain::Error::NotFound)
    ));
    assert_eq!(
        view::account_of_message(&db, u.id, ids[30]).await.unwrap(),
        a.id
    );
    assert!(matches!(
        view::account_of_message(&db, u.id + 1, ids[30]).await,
        Err(domain::Error::NotFound)
    ));
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn search_finds_japanese_substrings_of_two_characters(#[case] name: &str) {
    let db = testing::database(name).await;
    let (_, a) = owner(&db, "finder").await;
    let (_, b) = owner(&db, "stranger").await;
    let texts = [
        (
            "定例会議のお知らせ",
            "来週の会議室は３階です。",
            "佐藤 <sato@example.test>",
        ),
        (
            "見積書の送付",
            "お見積もりを添付します。ﾃｽﾄ",
            "鈴木 <suzuki@example.test>",
        ),
        (
            "Weekly Meeting notes",
            "Agenda for the meeting.",
            "Alice <alice@example.test>",
        ),
        (
            "議事録",
            "会議の議事録です。東京都庁にて。",
            "田中 <tanaka@example.test>",
        ),
        ("お昼", "東 にて", "田中 <tanaka@example.test>"),
    ];
    let raws: Vec<Vec<u8>> = texts
        .iter()
        .enumerate()
        .map(|(n, (s, body, from))| message(n, from, s, body, 0))
        .collect();
    let ids = mailbox::store(&db, a.id, mailbox::INBOX, raws.clone())
        .await
        .unwrap();
    mailbox::store(&db, b.id, mailbox::INBOX, raws)
        .await
        .unwrap();
    let find = |q: &'static str, folder: Option<&'static str>| {
        let db = db.clone();
        async move {
            search::search(&db, a.id, folder, q, None, 50)
                .await
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<i64>>()
        }
    };
    // Two characters inside words, newest first; only this account's mail.
    assert_eq!(find("会議", None).await, [ids[3], ids[0]], "{name}");
    assert_eq!(find("議室", None).await, [ids[0]], "{name}");
    assert_eq!(find("都庁", None).await, [ids[3]], "{name}");
    assert_eq!(find("東京都庁", None).await, [ids[3]], "{name}");
    // Full-width digits and half-width kana match their other forms.
    assert_eq!(find("3階", None).await, [ids[0]], "{name}");
    assert_eq!(find("テスト", None).await, [ids[1]], "{name}");
    // From, case, prefix of an English word, several terms.
    assert_eq!(find("SUZUKI", None).await, [ids[1]], "{name}");
    assert_eq!(find("meet", None).await, [ids[2]], "{name}");
    assert_eq!(find("会議 東京", None).await, [ids[3]], "{name}");
    // One character: scanned, still right.
    assert_eq!(find("東", None).await, [ids[4], ids[3]], "{name}");
    // The pieces only narrow: 会議 and 議室 both occur in ids[3]'s text
    // only apart, so 会議室 is not a hit there.
    assert_eq!(find("会議室", None).await, [ids[0]], "{name}");
    assert!(find("存在しない語", None).await.is_empty());
    // Folder scope; ごみ箱 is left out of "every folder".
    view::move_to(&db, a.id, &ids[3..4], view::TRASH)
        .await
        .unwrap();
    assert_eq!(find("会議", None).await, [ids[0]], "{name}");
    assert_eq!(find("会議", Some(view::TRASH)).await, [ids[3]], "{name}");
    // Pages of hits.
    let more = mailbox::store(
        &db,
        a.id,
        mailbox::INBOX,
        (0..7)
            .map(|n| message(100 + n, "x@example.test", "会議の件", "", 0))
            .collect(),
    )
    .await
    .unwrap();
    let first = search::search(&db, a.id, None, "会議", None, 5)
        .await
        .unwrap();
    assert_eq!(first.rows.len(), 5);
    assert_eq!(first.rows[0].id, more[6]);
    let second = search::search(&db, a.id, None, "会議", first.before, 5)
        .await
        .unwrap();
    assert_eq!(
        second.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [more[1], more[0], ids[0]]
    );
    assert_eq!(second.before, None);
    // Deleted for good: gone from the search too; the index rebuild
    // keeps what is there findable.
    view::delete(&db, a.id, &ids[3..4]).await.unwrap();
    assert!(find("都庁", Some(view::TRASH)).await.is_empty());
    let actor = domain::audit::Actor::system();
    mailbox::rebuild_index(&db, &actor, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(find("議室", None).await, [ids[0]], "{name} after rebuild");
    assert_eq!(find("テスト", None).await, [ids[1]], "{name} after rebuild");
}

/// The storage used is kept with every message stored and deleted for
/// good (moving to ごみ箱 keeps it), so it can be shown on every page
/// without adding up the whole mailbox.
#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn storage_used_follows_every_store_and_delete(#[case] name: &str) {
    let db = testing::database(name).await;
    let (u, a) = owner(&db, "usage").await;
    let (_, other) = owner(&db, "other").await;
    let raws: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("Subject: {i}\r\n\r\n{}\r\n", "x".repeat(100 * (i + 1))).into_bytes())
        .collect();
    let total: i64 = raws.iter().map(|r| r.len() as i64).sum();
    let ids = mailbox::store(&db, a.id, mailbox::INBOX, raws.clone())
        .await
        .unwrap();
    mailbox::store(&db, other.id, mailbox::INBOX, raws.clone())
        .await
        .unwrap();
    assert_eq!(mailbox::usage(&db, u.id).await.unwrap(), total, "{name}");
    view::delete(&db, a.id, &ids[..2]).await.unwrap();
    assert_eq!(
        mailbox::usage(&db, u.id).await.unwrap(),
        total,
        "{name}: in ごみ箱"
    );
    view::delete(&db, a.id, &ids[..1]).await.unwrap();
    let first = raws[0].len() as i64;
    assert_eq!(
        mailbox::usage(&db, u.id).await.unwrap(),
        total - first,
        "{name}"
    );
    view::empty_trash(&db, a.id).await.unwrap();
    let second = raws[1].len() as i64;
    assert_eq!(
        mailbox::usage(&db, u.id).await.unwrap(),
        total - first - second,
        "{name}"
    );
}
