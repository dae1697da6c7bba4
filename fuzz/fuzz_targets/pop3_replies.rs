//! Arbitrary bytes as a POP3 server's replies: the client must end with a
//! result or an error, never panic, whatever the server sends.
#![no_main]
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::AsyncWriteExt;

fuzz_target!(|data: &[u8]| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (c, mut s) = tokio::io::duplex(1 << 16);
        let feed = data.to_vec();
        tokio::spawn(async move {
            let _ = s.write_all(&feed).await;
            let _ = s.shutdown().await;
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut s, &mut sink).await;
        });
        let run = async {
            let mut c = mail::pop3::Client::start(c, Duration::from_millis(50)).await?;
            c.capa().await.ok();
            c.login("u", "p").await?;
            c.stat().await?;
            c.list().await?;
            c.uidl().await?;
            c.retr_many(&[1, 2, 3], true).await?;
            c.dele(1).await?;
            c.quit().await
        };
        let _ = run.await;
    });
});
