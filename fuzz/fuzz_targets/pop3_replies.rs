//! Whatever a POP3 server answers, the client neither panics nor holds
//! more than its bounds: each RETR at most its limit, each listing at most
//! `LISTING_MAX`.
#![no_main]
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mail::pop3::{Client, LISTING_MAX};
use tokio::io::AsyncWriteExt;

/// A small limit, so that inputs can reach it.
const RETR_LIMIT: u64 = 4096;

thread_local! {
    /// One runtime for every input: building one per input cost most of the
    /// time of a run.
    static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
}

fuzz_target!(|data: &[u8]| {
    RT.with(|rt| {
        rt.block_on(async {
            let (client_end, mut server_end) = tokio::io::duplex(1 << 16);
            let script = data.to_vec();
            tokio::spawn(async move {
                let _ = server_end.write_all(&script).await;
                let _ = server_end.shutdown().await;
                // Whatever the client sends is read and dropped.
                let mut sink = Vec::new();
                let _ = tokio::io::AsyncReadExt::read_to_end(&mut server_end, &mut sink).await;
            });
            let Ok(mut c) = Client::start(client_end, Duration::from_millis(50)).await else {
                return;
            };
            if c.login("u", "p").await.is_err() {
                return;
            }
            if let Ok(caps) = c.capa().await {
                assert!(caps.iter().map(|l| l.len() as u64).sum::<u64>() <= 64 * 1024 + 1024);
            }
            if let Ok(listing) = c.uidl().await {
                assert!(listing.len() as u64 <= LISTING_MAX);
            }
            let _ = c.stat().await;
            let _ = c.list().await;
            if let Ok(got) = c.retr_many(&[(1, RETR_LIMIT), (2, RETR_LIMIT)], true).await {
                for m in got {
                    assert!(m.len() as u64 <= RETR_LIMIT, "{} > {RETR_LIMIT}", m.len());
                }
            }
            let _ = c.dele(1).await;
            let _ = c.quit().await;
        })
    });
});
