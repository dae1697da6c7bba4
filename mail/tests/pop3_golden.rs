//! The POP3 client against recorded dialogues (tests/golden/pop3): each
//! file is replayed by an in-memory server that sends the `S:` lines and
//! checks that the client sends exactly the `C:` lines, in order. Then
//! thousands of random byte streams as server replies: the client returns
//! an error or a result, never panics or hangs.
use std::time::Duration;

use mail::pop3::{Client, Pop3Error};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

const TIMEOUT: Duration = Duration::from_secs(2);

/// Plays the server side of a golden file; returns the commands that did
/// not match (empty when the client said exactly what the file says).
async fn replay(script: &'static str, server: DuplexStream) -> Vec<String> {
    let (r, mut w) = tokio::io::split(server);
    let mut r = BufReader::new(r);
    let mut wrong = Vec::new();
    for line in script.lines() {
        if let Some(s) = line.strip_prefix("S: ").or(line.strip_prefix("S:")) {
            w.write_all(format!("{s}\r\n").as_bytes()).await.unwrap();
        } else if let Some(expected) = line.strip_prefix("C: ") {
            let mut got = String::new();
            let _ = r.read_line(&mut got).await;
            let got = got.trim_end_matches(['\r', '\n']);
            if got != expected {
                wrong.push(format!("expected {expected:?}, got {got:?}"));
            }
        }
    }
    wrong
}

async fn client(
    script: &'static str,
) -> (Client<DuplexStream>, tokio::task::JoinHandle<Vec<String>>) {
    let (c, s) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(replay(script, s));
    (Client::start(c, TIMEOUT).await.expect("greeting"), server)
}

#[tokio::test]
async fn a_whole_session() {
    let (mut c, server) = client(include_str!("golden/pop3/session.txt")).await;
    assert!(c.capa().await.unwrap().contains(&"PIPELINING".to_owned()));
    c.login("yamada@example.test", "p@ss word").await.unwrap();
    assert_eq!(c.stat().await.unwrap(), (2, 321));
    assert_eq!(c.list().await.unwrap(), vec![(1, 120), (2, 201)]);
    assert_eq!(
        c.uidl().await.unwrap(),
        vec![
            (1, "000000014d3b1f8a".into()),
            (2, "000000024d3b1f8a".into())
        ]
    );
    let m = c.retr(1).await.unwrap();
    assert_eq!(
        String::from_utf8(m).unwrap(),
        "Subject: =?UTF-8?B?5L6/44KK?=\r\n\r\n.a line that began with a dot\r\n..\r\nlast line\r\n"
    );
    c.dele(1).await.unwrap();
    c.quit().await.unwrap();
    assert_eq!(server.await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn pipelined_retr() {
    let (mut c, server) = client(include_str!("golden/pop3/pipelined.txt")).await;
    c.login("u", "p").await.unwrap();
    let got = c
        .retr_many(&[1, 2, 3].map(|n| (n, mail::pop3::message_max())), true)
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![
            b"one\r\n".to_vec(),
            b"two\r\n".to_vec(),
            b"three\r\n".to_vec()
        ]
    );
    c.quit().await.unwrap();
    assert_eq!(server.await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn a_refusal_keeps_the_servers_words() {
    let (mut c, server) = client(include_str!("golden/pop3/refused.txt")).await;
    match c.login("u", "wrong").await {
        Err(Pop3Error::Refused { command, reply }) => {
            assert_eq!(command, "PASS");
            assert_eq!(reply, "-ERR [AUTH] Authentication failed.");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn a_malformed_listing_is_a_protocol_error() {
    let (mut c, server) = client(include_str!("golden/pop3/malformed.txt")).await;
    c.login("u", "p").await.unwrap();
    assert!(matches!(
        c.uidl().await,
        Err(Pop3Error::Protocol {
            command: "UIDL",
            ..
        })
    ));
    assert_eq!(server.await.unwrap(), Vec::<String>::new());
}

/// Random server replies (valid fragments mixed with noise), the same
/// sequence every run: whatever arrives, the client ends with a result or
/// an error within its timeout.
#[tokio::test]
async fn random_replies_never_panic_or_hang() {
    const PIECES: &[&[u8]] = &[
        b"+OK",
        b"-ERR",
        b" ",
        b"\r\n",
        b"\n",
        b".",
        b"..",
        b"1 ",
        b"abc",
        b"\xff\xfe",
        b"+OK 2 100\r\n",
        b"1 10\r\n",
        b".\r\n",
        b"\r",
        b"\x00",
        b"99999999999999999999",
    ];
    let mut seed: u64 = 0x2026_1128;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let mut bytes = Vec::new();
        for _ in 0..(next() % 40) {
            bytes.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        let (c, mut s) = tokio::io::duplex(1 << 16);
        let feed = bytes.clone();
        tokio::spawn(async move {
            let _ = s.write_all(&feed).await;
            // Closing after the bytes: reads end instead of waiting.
            let _ = s.shutdown().await;
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut s, &mut sink).await;
        });
        let run = async {
            let mut c = Client::start(c, Duration::from_millis(200)).await?;
            c.login("u", "p").await?;
            c.list().await?;
            c.uidl().await?;
            c.retr_many(&[1, 2].map(|n| (n, mail::pop3::message_max())), true)
                .await?;
            c.quit().await
        };
        let r = tokio::time::timeout(Duration::from_secs(2), run).await;
        assert!(r.is_ok(), "hung on {bytes:?}");
    }
}
