//! Whatever an SMTP server answers, the client neither panics nor holds
//! more than its bounds: a reply of at most 201 lines of at most 4 KB each,
//! and a dialogue that ends (the server's script runs out, or a step fails).
#![no_main]
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mail::smtp::{Conn, Reply};
use tokio::io::AsyncWriteExt;

thread_local! {
    static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
}

fn bounded(r: &Reply) {
    assert!(r.lines.len() <= 201, "{} lines", r.lines.len());
    for l in &r.lines {
        assert!(l.len() <= 4096 * 3, "a line of {} bytes", l.len());
    }
}

fuzz_target!(|data: &[u8]| {
    RT.with(|rt| {
        rt.block_on(async {
            let (client_end, mut server_end) = tokio::io::duplex(1 << 16);
            let script = data.to_vec();
            tokio::spawn(async move {
                let _ = server_end.write_all(&script).await;
                let _ = server_end.shutdown().await;
                let mut sink = Vec::new();
                let _ = tokio::io::AsyncReadExt::read_to_end(&mut server_end, &mut sink).await;
            });
            let mut c = Conn::new(client_end, Duration::from_millis(50));
            match c.greeting().await {
                Ok(r) => bounded(&r),
                Err(_) => return,
            }
            if c.ehlo("tayori.test").await.is_err() {
                return;
            }
            if let Ok(r) = c
                .send_mail(
                    "a@example.test",
                    &["b@example.test".into()],
                    b"Subject: x\r\n\r\n.\r\n",
                )
                .await
            {
                bounded(&r);
            }
            if let Ok(r) = c.read_reply("fuzz").await {
                bounded(&r);
            }
            let _ = c.quit().await;
            assert!(c.transcript.lines.len() <= 400);
        })
    });
});
