//! The server process gives back the memory of work that is done: after a
//! burst of sign-ins (argon2 takes 19 MB per hash, on whichever blocking
//! thread runs it) its resident memory is back near where it was, instead
//! of each thread's allocator arena keeping a hash's worth for good (an
//! hour of ordinary use once held 437 MB against 25 MB idle).
mod support;

use std::time::Duration;

use support::*;

#[tokio::test]
async fn a_burst_of_sign_ins_leaves_no_memory_behind() {
    let (dir, db) = fresh_sqlite().await;
    // Eight colleagues, signing in at the same moment, again and again.
    let logins: Vec<String> = (0..8).map(|i| format!("memory{i}")).collect();
    for login in &logins {
        let u = user(&db, login, "メモリ", None, "ja").await;
        set_password(&db, u.id, "memory-pass-1").await;
    }
    let (server, port) = start_server(&dir, &dir.join("server.log"), None, 0);
    wait_up(port).await;
    sign_in(port, "memory0", "memory-pass-1").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss_bytes();
    for _ in 0..6 {
        let burst = logins.iter().map(|l| sign_in(port, l, "memory-pass-1"));
        futures_util::future::join_all(burst).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = server.rss_bytes();
    println!(
        "48 sign-ins in bursts of 8: resident {} MB before, {} MB after",
        before >> 20,
        after >> 20
    );
    // Two hashes run at once (domain::password): their 38 MB may stay
    // mapped for a while, nothing more.
    assert!(
        after.saturating_sub(before) < 48 << 20,
        "grew by {} MB",
        after.saturating_sub(before) >> 20
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
