//! The outbox on SQLite and PostgreSQL: queued with the change, claimed under
//! a lease, retried, failed, resent; on PostgreSQL two dispatchers claiming
//! at once never get the same row.
use domain::testing;
use rstest::rstest;

use std::time::Duration;

use domain::outbox::{self, FAILED, NewMessage, QUEUED, SENDING, SENT};
use sea_orm::TransactionTrait;

fn msg(n: usize) -> NewMessage {
    NewMessage {
        kind: "schedule.created".into(),
        envelope_from: "notice@example.test".into(),
        recipient: format!("user{n}@example.test"),
        subject: format!("予定 {n}"),
        message: format!("Subject: {n}\r\n\r\nbody\r\n"),
    }
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn queued_only_with_a_committed_change(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let txn = db.begin().await.unwrap();
    outbox::enqueue(&txn, msg(1)).await.unwrap();
    txn.rollback().await.unwrap();
    assert!(
        outbox::list(&db, None, 10).await.unwrap().is_empty(),
        "{backend}"
    );
    let txn = db.begin().await.unwrap();
    outbox::enqueue(&txn, msg(2)).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        outbox::list(&db, Some(QUEUED), 10).await.unwrap().len(),
        1,
        "{backend}"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn lease_retry_failure_and_resend(#[case] backend: &str) {
    let db = testing::database(backend).await;
    for n in 0..3 {
        outbox::enqueue(&db, msg(n)).await.unwrap();
    }
    let a = outbox::claim(&db, "a", 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(a.len(), 3, "{backend}");
    assert!(a.iter().all(|r| r.status == SENDING && r.attempts == 1));
    assert!(
        outbox::claim(&db, "b", 10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty(),
        "{backend}: leased rows are not claimed twice"
    );
    assert!(
        outbox::mark_sent(&db, a[0].id, "a", "250 2.0.0 Ok: queued as X")
            .await
            .unwrap()
    );
    assert!(
        !outbox::mark_sent(&db, a[1].id, "b", "250").await.unwrap(),
        "{backend}: only the lease owner finishes a row"
    );
    assert!(
        outbox::mark_retry(&db, &a[1], "a", "451 4.3.0 try later")
            .await
            .unwrap()
    );
    assert!(
        outbox::mark_failed(&db, a[2].id, "a", "550 5.1.1 User unknown")
            .await
            .unwrap()
    );
    // The retried row is not due yet.
    assert!(
        outbox::claim(&db, "a", 10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    let failed = outbox::list(&db, Some(FAILED), 10).await.unwrap();
    assert_eq!(
        failed[0].last_reply.as_deref(),
        Some("550 5.1.1 User unknown"),
        "{backend}"
    );
    assert_eq!(outbox::list(&db, Some(SENT), 10).await.unwrap().len(), 1);
    outbox::resend(&db, failed[0].id).await.unwrap();
    let again = outbox::claim(&db, "a", 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "{backend}");
    assert_eq!(again[0].id, failed[0].id);
    assert!(
        outbox::resend(&db, again[0].id).await.is_err(),
        "only failed rows are resent"
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn an_expired_lease_is_claimed_again(#[case] backend: &str) {
    let db = testing::database(backend).await;
    outbox::enqueue(&db, msg(1)).await.unwrap();
    let first = outbox::claim(&db, "crashed", 10, Duration::from_millis(1))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = outbox::claim(&db, "alive", 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        second.len(),
        1,
        "{backend}: a crash resends what was in flight"
    );
    assert_eq!(second[0].attempts, 2);
    assert!(
        !outbox::mark_sent(&db, first[0].id, "crashed", "250")
            .await
            .unwrap()
    );
    assert!(
        outbox::mark_sent(&db, second[0].id, "alive", "250")
            .await
            .unwrap()
    );
}

#[cfg(feature = "servers")]
#[tokio::test]
async fn concurrent_dispatchers_on_postgres_never_share_a_row() {
    let db = testing::database("postgres").await;
    for n in 0..200 {
        outbox::enqueue(&db, msg(n)).await.unwrap();
    }
    // Separate pools stand for separate server processes.
    let url = testing::postgres_url_of(&db).await;
    let other = domain::db::connect(&url).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    loop {
        let (a, b) = tokio::join!(
            outbox::claim(&db, "a", 7, Duration::from_secs(60)),
            outbox::claim(&other, "b", 7, Duration::from_secs(60)),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        if a.is_empty() && b.is_empty() {
            break;
        }
        for r in a.iter().chain(b.iter()) {
            assert!(seen.insert(r.id), "row {} claimed twice", r.id);
        }
    }
    assert_eq!(seen.len(), 200);
}
