//! Every protection × authentication combination the project's mail stack
//! offers, against the real Postfix + Dovecot (scripts/mailstack.sh); each
//! success is proven by the message arriving over POP3.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail::diag::StepKind;
use mail::pop3;
use mail::presets::{Protection, SmtpMechanism};
use mail::smtp::{self, Envelope, SmtpAuth, SmtpError, SmtpSettings};
use mail::tls::Trust;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts Dovecot and Postfix")
    })
}
fn port(name: &str) -> u16 {
    env(name).parse().expect("port")
}
fn ca() -> Trust {
    let pem = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    Trust::new(Some(&pem)).expect("the test CA")
}

fn settings(port: u16, protection: Protection, auth: SmtpAuth) -> SmtpSettings {
    SmtpSettings {
        // A name on the certificate, so verification really checks the name.
        host: "localhost".into(),
        port,
        protection,
        auth,
        timeout: Duration::from_secs(10),
        trust: ca(),
        helo_name: "tayori.test".into(),
    }
}

fn bob(mechanism: SmtpMechanism) -> SmtpAuth {
    SmtpAuth::Smtp {
        mechanism,
        user: "bob@example.test".into(),
        password: "bobpass".into(),
    }
}

fn message(marker: &str) -> Vec<u8> {
    format!(
        "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: {marker}\r\n\
         Message-ID: <{marker}@tayori.test>\r\n\r\nbody of {marker}\r\n.leading dot\r\n"
    )
    .into_bytes()
}

async fn send(s: &SmtpSettings, marker: &str) -> Result<smtp::Outcome, SmtpError> {
    let to = vec!["alice@example.test".to_string()];
    let data = message(marker);
    smtp::session(
        s,
        Some(Envelope {
            from: "bob@example.test",
            to: &to,
            data: &data,
        }),
        &mut |_| {},
    )
    .await
}

/// Waits until every marker has arrived in alice's mailbox over POP3.
async fn assert_arrived(markers: &[String]) {
    let seen = arrived_in("alice@example.test", "alicepass", markers).await;
    assert!(
        seen.contains("\r\n.leading dot\r\n"),
        "dot-stuffing undone by the server"
    );
}

/// Waits until every marker has arrived in a mailbox; returns its contents.
async fn arrived_in(user: &str, pass: &str, markers: &[String]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let tcp = mail::net::connect(
            "127.0.0.1",
            port("MS_POP3_PORT"),
            Duration::from_secs(10),
            &mut mail::diag::silent,
        )
        .await
        .unwrap();
        let mut c = pop3::Client::start(tcp, Duration::from_secs(10))
            .await
            .unwrap();
        c.login(user, pass).await.unwrap();
        let mut seen = String::new();
        for (n, _) in c.uidl().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&c.retr(n).await.unwrap()));
        }
        c.quit().await.unwrap();
        let missing: Vec<_> = markers
            .iter()
            .filter(|m| !seen.contains(m.as_str()))
            .collect();
        if missing.is_empty() {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered to {user}: {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn marker(tag: &str) -> String {
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    )
}

#[tokio::test]
async fn every_protection_and_mechanism_delivers() {
    use Protection::*;
    use SmtpMechanism::*;
    let plain = port("MS_SMTP_NOTLS_PORT");
    let submission = port("MS_SUBMISSION_PORT");
    let smtps = port("MS_SMTPS_PORT");
    let mut markers = Vec::new();
    let cases = [
        (
            "none-noauth",
            settings(port("MS_SMTP_PORT"), None, SmtpAuth::None),
            Option::<&str>::None,
        ),
        (
            "none-plain",
            settings(plain, None, bob(Plain)),
            Some("PLAIN"),
        ),
        (
            "none-login",
            settings(plain, None, bob(Login)),
            Some("LOGIN"),
        ),
        (
            "none-cram",
            settings(plain, None, bob(CramMd5)),
            Some("CRAM-MD5"),
        ),
        (
            "none-std",
            settings(plain, None, bob(Standard)),
            Some("CRAM-MD5"),
        ),
        (
            "starttls-plain",
            settings(submission, StartTls, bob(Plain)),
            Some("PLAIN"),
        ),
        (
            "starttls-login",
            settings(submission, StartTls, bob(Login)),
            Some("LOGIN"),
        ),
        (
            "starttls-cram",
            settings(submission, StartTls, bob(CramMd5)),
            Some("CRAM-MD5"),
        ),
        (
            "starttls-std",
            settings(submission, StartTls, bob(Standard)),
            Some("CRAM-MD5"),
        ),
        (
            "starttls-noverify",
            SmtpSettings {
                trust: Trust::public(),
                ..settings(submission, StartTlsNoVerify, bob(Standard))
            },
            Some("CRAM-MD5"),
        ),
        (
            "ssl-plain",
            settings(smtps, SslTls, bob(Plain)),
            Some("PLAIN"),
        ),
        (
            "ssl-login",
            settings(smtps, SslTls, bob(Login)),
            Some("LOGIN"),
        ),
        (
            "ssl-cram",
            settings(smtps, SslTls, bob(CramMd5)),
            Some("CRAM-MD5"),
        ),
        (
            "ssl-std",
            settings(smtps, SslTls, bob(Standard)),
            Some("CRAM-MD5"),
        ),
    ];
    for (tag, s, mech) in cases {
        let m = marker(tag);
        let outcome = send(&s, &m).await.unwrap_or_else(|e| panic!("{tag}: {e}"));
        assert_eq!(outcome.mechanism, mech, "{tag}");
        assert_eq!(outcome.tls.is_some(), s.protection != None, "{tag}");
        markers.push(m);
    }
    assert_arrived(&markers).await;
}

#[tokio::test]
async fn login_only_port_standard_picks_login_and_cram_md5_is_not_offered() {
    let p = port("MS_SMTP_LOGINONLY_PORT");
    let m = marker("loginonly");
    let outcome = send(
        &settings(p, Protection::None, bob(SmtpMechanism::Standard)),
        &m,
    )
    .await
    .unwrap();
    assert_eq!(outcome.mechanism, Some("LOGIN"));
    assert_eq!(outcome.capabilities.auth, vec!["LOGIN"]);
    match send(
        &settings(p, Protection::None, bob(SmtpMechanism::CramMd5)),
        "x",
    )
    .await
    {
        Err(
            e @ SmtpError::MechanismNotOffered {
                wanted: "CRAM-MD5", ..
            },
        ) => assert!(e.is_permanent()),
        other => panic!("expected mechanism not offered, got {other:?}"),
    }
    assert_arrived(&[m]).await;
}

#[tokio::test]
async fn wrong_password_and_untrusted_certificate_are_classified() {
    let mut s = settings(
        port("MS_SUBMISSION_PORT"),
        Protection::StartTls,
        bob(SmtpMechanism::Plain),
    );
    s.auth = SmtpAuth::Smtp {
        mechanism: SmtpMechanism::Plain,
        user: "bob@example.test".into(),
        password: "not-bobs".into(),
    };
    match send(&s, "x").await {
        Err(e @ SmtpError::AuthFailed(_)) => assert!(e.is_permanent() && !e.is_transient()),
        other => panic!("expected auth failure, got {other:?}"),
    }
    // Without the test CA, the chain is untrusted: verification is on by default.
    let s = SmtpSettings {
        trust: Trust::public(),
        ..settings(
            port("MS_SMTPS_PORT"),
            Protection::SslTls,
            bob(SmtpMechanism::Plain),
        )
    };
    match send(&s, "x").await {
        Err(SmtpError::Tls(t)) => assert!(t.is_certificate(), "{t}"),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    // A name the certificate does not carry.
    let s = SmtpSettings {
        host: "127.0.0.2".into(),
        ..settings(
            port("MS_SMTPS_PORT"),
            Protection::SslTls,
            bob(SmtpMechanism::Plain),
        )
    };
    let err = send(&s, "x").await.unwrap_err();
    assert!(
        err.is_tls() || matches!(err, SmtpError::Net(mail::net::NetError::Connect(_))),
        "{err}"
    );
}

#[tokio::test]
async fn a_ca_added_later_is_trusted_by_every_clone_of_the_handle() {
    let pem = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    let shared = Trust::public();
    let s = SmtpSettings {
        trust: shared.clone(),
        ..settings(port("MS_SMTPS_PORT"), Protection::SslTls, SmtpAuth::None)
    };
    match smtp::session(&s, None, &mut |_| {}).await {
        Err(SmtpError::Tls(t)) => assert!(t.is_certificate(), "{t}"),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    // What 信頼するCA証明書 does: the CA is added to the shared handle, and
    // the settings' clone trusts it from its next connection on.
    let listed = mail::tls::read_ca_pem(&pem).expect("the test CA reads");
    assert!(!listed[0].subject.is_empty() && listed[0].not_after.is_some());
    shared.set_added(&[pem]).expect("the CA is added");
    smtp::session(&s, None, &mut |_| {})
        .await
        .expect("trusted once added");
    // Another handle is not changed, and garbage is refused.
    assert!(Trust::public().set_added(&[b"not a pem".to_vec()]).is_err());
    let other = SmtpSettings {
        trust: Trust::public(),
        ..settings(port("MS_SMTPS_PORT"), Protection::SslTls, SmtpAuth::None)
    };
    assert!(smtp::session(&other, None, &mut |_| {}).await.is_err());
}

/// Records what the client sends on its way to the real server.
async fn recording_proxy(target: u16) -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let server = tokio::net::TcpStream::connect(("127.0.0.1", target))
                    .await
                    .unwrap();
                let (mut sr, mut sw) = server.into_split();
                let (mut cr, mut cw) = client.split();
                let up = async {
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = cr.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn starttls_required_but_not_offered_fails_before_any_credential_is_sent() {
    let (proxy, seen) = recording_proxy(port("MS_SMTP_NOTLS_PORT")).await;
    let s = SmtpSettings {
        host: "127.0.0.1".into(),
        ..settings(proxy, Protection::StartTls, bob(SmtpMechanism::Plain))
    };
    let mut steps = Vec::new();
    let err = smtp::session(&s, None, &mut |st| steps.push(st))
        .await
        .unwrap_err();
    assert!(matches!(err, SmtpError::StartTlsNotOffered), "{err}");
    assert!(steps.iter().any(|s| s.kind == StepKind::StartTls && !s.ok));
    assert!(!steps.iter().any(|s| s.kind == StepKind::Login));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(sent.starts_with("EHLO "), "{sent}");
    assert!(!sent.contains("AUTH"), "no AUTH on the wire: {sent}");
    assert!(
        !sent.contains("bobpass") && !sent.contains("Ym9icGFzcw"),
        "{sent}"
    );
}

#[tokio::test]
async fn steps_are_reported_in_order_with_times() {
    let s = settings(
        port("MS_SUBMISSION_PORT"),
        Protection::StartTls,
        bob(SmtpMechanism::Standard),
    );
    let mut steps = Vec::new();
    smtp::session(&s, None, &mut |st| steps.push(st))
        .await
        .unwrap();
    let kinds: Vec<_> = steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Dns,
            StepKind::Tcp,
            StepKind::Greeting,
            StepKind::Capabilities,
            StepKind::StartTls,
            StepKind::Capabilities,
            StepKind::Login
        ]
    );
    assert!(steps.iter().all(|s| s.ok));
    assert!(steps.windows(2).all(|w| w[0].elapsed_ms <= w[1].elapsed_ms));
    assert!(
        !steps[3].detail.contains("AUTH PLAIN"),
        "no AUTH before TLS on 587: {}",
        steps[3].detail
    );
    assert!(steps[5].detail.contains("CRAM-MD5"));
}

#[tokio::test]
async fn apop_and_stls_logins() {
    for (protection, p, apop) in [
        (Protection::None, port("MS_POP3_PORT"), true),
        (Protection::StartTls, port("MS_POP3_PORT"), false),
        (Protection::StartTls, port("MS_POP3_PORT"), true),
        (Protection::SslTls, port("MS_POP3S_PORT"), false),
    ] {
        let l = pop3::PopLogin {
            host: "localhost".into(),
            port: p,
            protection,
            user: "carol@example.test".into(),
            auth: if apop {
                pop3::PopAuth::Apop("Pa ss\"w\\rd!".into())
            } else {
                pop3::PopAuth::Pass("Pa ss\"w\\rd!".into())
            },
            timeout: Duration::from_secs(10),
            trust: ca(),
        };
        pop3::login_session(&l)
            .await
            .unwrap_or_else(|e| panic!("{protection:?} apop={apop}: {e}"));
        let wrong = pop3::PopLogin {
            auth: match l.auth {
                pop3::PopAuth::Apop(_) => pop3::PopAuth::Apop("nope".into()),
                _ => pop3::PopAuth::Pass("nope".into()),
            },
            ..l
        };
        assert!(
            pop3::login_session(&wrong).await.is_err(),
            "{protection:?} apop={apop}"
        );
    }
}

#[tokio::test]
async fn pop_before_smtp_with_user_pass_and_apop_relays() {
    let mut markers = Vec::new();
    for apop in [false, true] {
        let login = pop3::PopLogin {
            host: "localhost".into(),
            port: port("MS_POP3_PORT"),
            protection: Protection::None,
            user: "bob@example.test".into(),
            auth: if apop {
                pop3::PopAuth::Apop("bobpass".into())
            } else {
                pop3::PopAuth::Pass("bobpass".into())
            },
            timeout: Duration::from_secs(10),
            trust: ca(),
        };
        let s = settings(
            port("MS_SMTP_POPB4_PORT"),
            Protection::None,
            SmtpAuth::PopBeforeSmtp(login),
        );
        let m = marker(if apop { "popb4-apop" } else { "popb4-user" });
        // Relay to a foreign domain is what POP before SMTP unlocks; the
        // stack rewrites it to the catch-all mailbox.
        let to = vec!["friend@elsewhere.example".to_string()];
        let data = message(&m);
        let mut steps = Vec::new();
        smtp::session(
            &s,
            Some(Envelope {
                from: "bob@example.test",
                to: &to,
                data: &data,
            }),
            &mut |st| steps.push(st.kind),
        )
        .await
        .unwrap_or_else(|e| panic!("apop={apop}: {e}"));
        assert_eq!(steps.first(), Some(&StepKind::PopLogin));
        markers.push(m);
    }
    arrived_in("catchall@example.test", "catchallpass", &markers).await;
}

#[tokio::test]
async fn pop3_connection_test_reports_steps_and_refuses_missing_stls() {
    let login = |p: u16, protection| pop3::PopLogin {
        host: "localhost".into(),
        port: p,
        protection,
        user: "alice@example.test".into(),
        auth: pop3::PopAuth::Pass("alicepass".into()),
        timeout: Duration::from_secs(10),
        trust: ca(),
    };
    let mut steps = Vec::new();
    let caps = pop3::diagnose(
        &login(port("MS_POP3_PORT"), Protection::StartTls),
        &mut |s| steps.push(s),
    )
    .await
    .unwrap();
    assert!(
        caps.iter().any(|c| c == "STLS") && caps.iter().any(|c| c.starts_with("SASL")),
        "{caps:?}"
    );
    let kinds: Vec<_> = steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Dns,
            StepKind::Tcp,
            StepKind::Greeting,
            StepKind::Capabilities,
            StepKind::StartTls,
            StepKind::Login
        ]
    );
    let tls = &steps[4].detail;
    assert!(
        tls.contains("subject: CN=localhost")
            && tls.contains("issuer: CN=Tayori test CA")
            && tls.contains("verified"),
        "{tls}"
    );

    let mut steps = Vec::new();
    pop3::diagnose(
        &login(port("MS_POP3S_PORT"), Protection::SslTls),
        &mut |s| steps.push(s),
    )
    .await
    .unwrap();
    assert_eq!(steps[2].kind, StepKind::Tls);

    // IMAP's port does not speak POP3: a clear failure at the greeting, no login.
    let mut steps = Vec::new();
    let err = pop3::diagnose(&login(port("MS_IMAP_PORT"), Protection::None), &mut |s| {
        steps.push(s)
    })
    .await;
    assert!(err.is_err());
    assert!(!steps.iter().any(|s| s.kind == StepKind::Login && s.ok));
}

// ---- OAuth 2.0: tokens from the stack's real authorization server ----

fn oauth_http() -> mail::oauth::Http {
    mail::oauth::Http {
        trust: ca(),
        timeout: Duration::from_secs(10),
    }
}

fn registration() -> mail::oauth::Registration {
    mail::oauth::Registration {
        client_id: env("MS_OAUTH_CLIENT_ID"),
        client_secret: env("MS_OAUTH_CLIENT_SECRET"),
        // Any loopback port: the test client is registered as native.
        redirect_uri: "http://127.0.0.1:9/oauth/callback".into(),
    }
}

/// Signs `login` in through the authorization server's own login and
/// consent pages (end2end/authserver/consent.mjs walks them as a browser
/// would) and exchanges the code: the whole authorization-code flow.
async fn sign_in(login: &str) -> (mail::oauth::Endpoints, mail::oauth::Tokens) {
    let http = oauth_http();
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        env("MS_OAUTH_ISSUER")
    );
    let ep = mail::oauth::discover(&http, &discovery)
        .await
        .expect("discovery");
    assert_eq!(ep.issuer.as_deref(), Some(env("MS_OAUTH_ISSUER").as_str()));
    let reg = registration();
    let started = mail::oauth::start(
        &ep,
        &reg,
        &mail::oauth::Request {
            scopes: ["openid", "email", "offline_access", "mail"]
                .map(String::from)
                .to_vec(),
            login_hint: Some(login.into()),
            extra: vec![("prompt".into(), "consent".into())],
        },
    )
    .expect("authorization URL");
    let out = tokio::process::Command::new("node")
        .arg(env("MS_OAUTH_CONSENT"))
        .arg(&started.url)
        .arg(login)
        .output()
        .await
        .expect("node runs the consent walk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let callback = url::Url::parse(String::from_utf8_lossy(&out.stdout).trim()).expect("callback");
    let q: std::collections::HashMap<_, _> = callback.query_pairs().into_owned().collect();
    assert_eq!(q.get("state"), Some(&started.state));
    assert_eq!(q.get("iss"), ep.issuer.as_ref(), "RFC 9207 iss");
    let tokens = mail::oauth::exchange_code(&http, &ep, &reg, &q["code"], &started.verifier)
        .await
        .expect("code exchange");
    (ep, tokens)
}

#[tokio::test]
async fn xoauth2_and_oauthbearer_log_in_to_pop3_and_send_through_postfix() {
    let (_, tokens) = sign_in("bob@example.test").await;
    assert_eq!(tokens.signed_in_as.as_deref(), Some("bob@example.test"));
    assert!(
        tokens.refresh.is_some(),
        "offline_access brings a refresh token"
    );
    let bearer = |mechanism| pop3::PopAuth::Bearer {
        mechanism,
        token: tokens.access.clone(),
    };
    use mail::sasl::BearerMechanism;
    for (protection, p, mechanism, spoken) in [
        (
            Protection::StartTls,
            port("MS_POP3_PORT"),
            BearerMechanism::Auto,
            "OAUTHBEARER",
        ),
        (
            Protection::SslTls,
            port("MS_POP3S_PORT"),
            BearerMechanism::XOauth2,
            "XOAUTH2",
        ),
        (
            Protection::None,
            port("MS_POP3_PORT"),
            BearerMechanism::Auto,
            "OAUTHBEARER",
        ),
    ] {
        let l = pop3::PopLogin {
            host: "localhost".into(),
            port: p,
            protection,
            user: "bob@example.test".into(),
            auth: bearer(mechanism),
            timeout: Duration::from_secs(10),
            trust: ca(),
        };
        let mut steps = Vec::new();
        pop3::diagnose(&l, &mut |s| steps.push(s))
            .await
            .unwrap_or_else(|e| panic!("{protection:?} {mechanism:?}: {e}"));
        let login = steps
            .iter()
            .find(|s| s.kind == StepKind::Login)
            .expect("login step");
        assert!(login.ok && login.detail == spoken, "{login:?}");
    }

    let mut markers = Vec::new();
    for (p, protection, mechanism) in [
        (
            port("MS_SUBMISSION_PORT"),
            Protection::StartTls,
            BearerMechanism::XOauth2,
        ),
        (
            port("MS_SMTPS_PORT"),
            Protection::SslTls,
            BearerMechanism::Auto,
        ),
    ] {
        let s = settings(
            p,
            protection,
            SmtpAuth::Bearer {
                mechanism,
                user: "bob@example.test".into(),
                token: tokens.access.clone(),
            },
        );
        let m = marker("xoauth2");
        let outcome = send(&s, &m)
            .await
            .unwrap_or_else(|e| panic!("{mechanism:?}: {e}"));
        let transcript = outcome.transcript.lines.join("\n");
        assert!(
            !transcript.contains(&tokens.access),
            "the transcript shows the token"
        );
        assert!(transcript.contains("********"));
        markers.push(m);
    }
    assert_arrived(&markers).await;
}

#[tokio::test]
async fn a_refused_token_is_told_apart_with_the_servers_reason_and_never_logged() {
    use mail::sasl::BearerMechanism;
    let bogus = "not-a-token-the-server-issued";
    for mechanism in [BearerMechanism::XOauth2, BearerMechanism::OAuthBearer] {
        let l = pop3::PopLogin {
            host: "localhost".into(),
            port: port("MS_POP3_PORT"),
            protection: Protection::StartTls,
            user: "bob@example.test".into(),
            auth: pop3::PopAuth::Bearer {
                mechanism,
                token: bogus.into(),
            },
            timeout: Duration::from_secs(10),
            trust: ca(),
        };
        let log = pop3::Log::default();
        match pop3::open_logged(&l, Some(log.clone())).await {
            Err(pop3::Pop3Error::TokenRefused { refusal, .. }) => {
                assert!(refusal.is_invalid_token(), "{mechanism:?}: {refusal}");
                assert!(!refusal.raw.is_empty(), "the JSON reason was read");
            }
            Err(e) => panic!("{mechanism:?}: expected a token refusal, got {e}"),
            Ok(_) => panic!("{mechanism:?}: a bogus token logged in"),
        }
        assert!(!log.text().contains(bogus), "{}", log.text());
        assert!(log.text().contains("token refused"), "{}", log.text());

        let s = settings(
            port("MS_SUBMISSION_PORT"),
            Protection::StartTls,
            SmtpAuth::Bearer {
                mechanism,
                user: "bob@example.test".into(),
                token: bogus.into(),
            },
        );
        match send(&s, &marker("refused")).await {
            Err(SmtpError::TokenRefused { refusal, reply }) => {
                assert!(reply.starts_with("535"), "{reply}");
                assert!(refusal.is_invalid_token(), "{refusal}");
            }
            Err(e) => panic!("{mechanism:?}: expected a token refusal, got {e}"),
            Ok(_) => panic!("{mechanism:?}: a bogus token sent mail"),
        }
    }
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_ends_the_grant() {
    let (ep, first) = sign_in("carol@example.test").await;
    let http = oauth_http();
    let reg = registration();
    let old = first.refresh.clone().expect("refresh token");
    let second = mail::oauth::refresh(&http, &ep, &reg, &old)
        .await
        .expect("refresh");
    assert_ne!(second.access, first.access);
    let rotated = second
        .refresh
        .clone()
        .expect("rotation hands out a new refresh token");
    assert_ne!(rotated, old);
    // Reusing the consumed refresh token is taken as theft: the grant ends,
    // the rotated token with it.
    let reuse = mail::oauth::refresh(&http, &ep, &reg, &old)
        .await
        .unwrap_err();
    assert!(reuse.is_invalid_grant(), "{reuse}");
    let after = mail::oauth::refresh(&http, &ep, &reg, &rotated)
        .await
        .unwrap_err();
    assert!(after.is_invalid_grant(), "{after}");
}
