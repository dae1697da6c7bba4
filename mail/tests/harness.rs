//! Proves the project's mail stack (scripts/mailstack.sh): a message submitted
//! to the real Postfix with STARTTLS + AUTH arrives in the real Dovecot and is
//! read back over POP3. Fails, never skips, when the stack is not running.
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mail::pop3;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts Dovecot and Postfix")
    })
}

fn port(name: &str) -> u16 {
    env(name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a port"))
}

#[tokio::test]
async fn submission_with_starttls_and_auth_then_pop3_retrieval() {
    let host = env("MS_HOST");
    let ca = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    let tls = TlsParameters::builder("localhost".into())
        .add_root_certificate(Certificate::from_pem(&ca).expect("CA parses"))
        .build_rustls()
        .expect("TLS parameters");
    // The submission port refuses AUTH and MAIL before STARTTLS, so a success
    // here proves the upgrade happened and the certificate chain verified.
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
        .port(port("MS_SUBMISSION_PORT"))
        .tls(Tls::Required(tls))
        .credentials(Credentials::new(
            "bob@example.test".into(),
            "bobpass".into(),
        ))
        .timeout(Some(Duration::from_secs(10)))
        .build();
    let marker = format!(
        "harness-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let msg = Message::builder()
        .from("ボブ <bob@example.test>".parse().unwrap())
        .to("alice@example.test".parse().unwrap())
        .subject(format!("便りの試験 {marker}"))
        .header(ContentType::TEXT_PLAIN)
        .body("本文です。\nこんにちは。\n".to_string())
        .unwrap();
    let reply = mailer.send(msg).await.expect("Postfix accepts the message");
    assert!(reply.is_positive());

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let tcp = mail::net::connect(
            &host,
            port("MS_POP3_PORT"),
            Duration::from_secs(10),
            &mut mail::diag::silent,
        )
        .await
        .expect("POP3 connect");
        let mut c = pop3::Client::start(tcp, Duration::from_secs(10))
            .await
            .expect("greeting");
        c.login("alice@example.test", "alicepass")
            .await
            .expect("POP3 login");
        let list = c.uidl().await.expect("UIDL");
        let mut found = None;
        for (n, _uid) in &list {
            let raw = c.retr(*n).await.expect("RETR");
            let text = String::from_utf8_lossy(&raw);
            if text.contains(&marker) {
                found = Some((*n, text.into_owned()));
                break;
            }
        }
        if let Some((n, text)) = found {
            assert!(
                text.to_ascii_lowercase().contains("from: =?utf-8?b?"),
                "encoded display name: {text}"
            );
            assert!(
                text.contains("Received: from"),
                "went through Postfix: {text}"
            );
            c.dele(n).await.expect("DELE");
            c.quit().await.expect("QUIT");
            return;
        }
        c.quit().await.expect("QUIT");
        assert!(
            Instant::now() < deadline,
            "message {marker} did not arrive within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn pop3_wrong_password_keeps_the_servers_reply() {
    let tcp = mail::net::connect(
        &env("MS_HOST"),
        port("MS_POP3_PORT"),
        Duration::from_secs(10),
        &mut mail::diag::silent,
    )
    .await
    .expect("POP3 connect");
    let mut c = pop3::Client::start(tcp, Duration::from_secs(10))
        .await
        .unwrap();
    match c.login("alice@example.test", "not-her-password").await {
        Err(pop3::Pop3Error::Refused { command, reply }) => {
            assert_eq!(command, "PASS");
            assert!(reply.starts_with("-ERR"), "{reply}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
