//! OAuth認可サーバー and the grants, against the real authorization server,
//! Dovecot and Postfix that scripts/mailstack.sh starts, on SQLite and
//! PostgreSQL: registering a server by its discovery URL, the sign-in flow
//! bound to its session, refreshing before expiry (and after a real one:
//! tokens of six seconds), rotation (one refresh at a time), the weekly
//! refresh of idle sign-ins, revocation leading to 再認証が必要, no code or
//! token in any log, and deletion refused while something signs in with it.
//! Two server processes sharing a grant: server/tests/scaleout.rs.
use domain::mailbox::source::Source;
use std::time::Duration;

use domain::audit::Actor;
use domain::mailserver::Scope;
use domain::oauth::{self, grants, grants::Owner};
use domain::testing::{self, env};
use domain::{Code, DatabaseConnection, Error};
use mail::presets::Protection;
use rstest::rstest;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

fn http() -> mail::oauth::Http {
    mail::oauth::Http {
        trust: ca(),
        timeout: Duration::from_secs(10),
    }
}

fn ca() -> mail::tls::Trust {
    let pem = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    mail::tls::Trust::new(Some(&pem)).expect("the test CA")
}

/// The stack's authorization server, registered as 汎用 by its discovery URL.
async fn register(db: &DatabaseConnection, name: &str) -> oauth::View {
    let admin = testing::user(&testing::unique("adm"))
        .admin(true)
        .insert(db)
        .await;
    oauth::save(
        db,
        &testing::secrets(),
        &http(),
        &Actor::user(admin.id, None),
        None,
        &testing::oauth_server_input(name),
    )
    .await
    .expect("register the authorization server")
}

/// Walks the server's login and consent pages as `login`.
async fn consent(url: &str, login: &str) -> grants::Callback {
    testing::oauth_consent(url, login).await
}

/// Starts a sign-in as Tayori at http://127.0.0.1:3000 would.
async fn start(
    db: &DatabaseConnection,
    user_id: i32,
    session: &str,
    owner: Owner,
    server: i32,
    hint: Option<&str>,
) -> String {
    grants::start(
        db,
        &testing::secrets(),
        user_id,
        session,
        owner,
        server,
        "http://127.0.0.1:3000",
        hint,
    )
    .await
    .unwrap()
}

/// Signs `owner` in as `login` through the whole flow; returns the session.
async fn sign_in(db: &DatabaseConnection, server: i32, owner: Owner, login: &str) -> String {
    let user = testing::user(&testing::unique("u")).insert(db).await;
    let session = domain::sessions::create(db, user.id, None).await.unwrap();
    let url = start(db, user.id, &session, owner, server, Some(login)).await;
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let cb = consent(&url, login).await;
    let done = grants::finish(db, &testing::secrets(), &http(), &session, &cb)
        .await
        .expect("sign-in finishes");
    assert_eq!(done.owner, owner);
    assert_eq!(done.signed_in_as, login);
    session
}

async fn pop3_logs_in_with(bearer: &grants::Bearer) -> Result<(), mail::pop3::Pop3Error> {
    let l = mail::pop3::PopLogin {
        host: "localhost".into(),
        port: testing::port("MS_POP3_PORT"),
        protection: Protection::StartTls,
        user: bearer.user.clone(),
        auth: mail::pop3::PopAuth::Bearer {
            mechanism: bearer.mechanism,
            token: bearer.token.clone(),
        },
        timeout: Duration::from_secs(10),
        trust: ca(),
    };
    mail::pop3::login_session(&l).await
}

/// Pretends the access token is about to expire, as an hour's wait would.
async fn expire_soon(db: &DatabaseConnection, owner: Owner) {
    testing::oauth_expire_soon(db, owner).await
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_in_setting_logs_in_and_refreshes_once_before_expiry(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let server = register(&db, "社内認可サーバー").await;
    assert_eq!(
        server.authorization_url,
        format!("{}/auth", env("MS_OAUTH_ISSUER"))
    );
    let owner = Owner::Settings(Scope::Admin);
    sign_in(&db, server.id, owner, "dave@example.test").await;

    let first = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    assert_eq!(first.user, "dave@example.test");
    pop3_logs_in_with(&first).await.expect("the token logs in");
    // Good for a while: handed out again, not refreshed.
    let again = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    assert_eq!(again.token, first.token);

    // About to expire: ten users at once get one refreshed token (two
    // refreshes would use one rotated refresh token twice, and the server
    // would end the grant).
    expire_soon(&db, owner).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                grants::access_token(&db, &testing::secrets(), &http(), owner)
                    .await
                    .map(|b| b.token)
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().expect("refreshed"));
    }
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "one refresh for all"
    );
    assert_ne!(tokens[0], first.token);
    let status = grants::status(&db, owner).await.unwrap().unwrap();
    assert!(!status.needs_reauth);
    let refreshed = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    pop3_logs_in_with(&refreshed)
        .await
        .expect("the refreshed token logs in");
    // The rotated refresh token was kept: refreshing once more works.
    expire_soon(&db, owner).await;
    grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .expect("the kept refresh token still works");
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn the_callback_must_come_back_to_the_session_that_started_it_once(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let server = register(&db, "認可").await;
    let user = testing::user("alice").insert(&db).await;
    let mine = domain::sessions::create(&db, user.id, None).await.unwrap();
    let other = domain::sessions::create(&db, user.id, None).await.unwrap();
    let owner = Owner::Account(1);
    let url = start(&db, user.id, &mine, owner, server.id, None).await;
    let cb = consent(&url, "alice@example.test").await;
    let failed = |r: Result<grants::Finished, Error>| matches!(r, Err(Error::Invalid(ref e)) if e[0].code == Code::SignInFailed);
    // Another session (a login CSRF, or a stolen callback) is refused, and
    // the state is used up by the attempt.
    assert!(failed(
        grants::finish(&db, &testing::secrets(), &http(), &other, &cb).await
    ));
    assert!(failed(
        grants::finish(&db, &testing::secrets(), &http(), &mine, &cb).await
    ));
    assert!(grants::status(&db, owner).await.unwrap().is_none());

    // A response naming another issuer (a mix-up) is refused.
    let url = start(&db, user.id, &mine, owner, server.id, None).await;
    let mut cb = consent(&url, "alice@example.test").await;
    cb.iss = Some("https://attacker.example".into());
    assert!(failed(
        grants::finish(&db, &testing::secrets(), &http(), &mine, &cb).await
    ));
    assert!(grants::status(&db, owner).await.unwrap().is_none());
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn a_revoked_grant_needs_a_new_sign_in_and_is_not_retried(#[case] backend: &str) {
    let db = testing::database(backend).await;
    let server = register(&db, "認可").await;
    let owner = Owner::Account(7);
    sign_in(&db, server.id, owner, "erin@example.test").await;
    let bearer = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    // The grant ends at the server: the refresh token is used elsewhere
    // (reuse after rotation ends the whole grant at servers that rotate).
    let row = testing::oauth_grant(&db, owner).await;
    let refresh = testing::secrets()
        .open(
            "oauth_grant.refresh_token",
            row.refresh_sealed.as_ref().unwrap(),
        )
        .unwrap();
    let stored = oauth::get(&db, server.id).await.unwrap();
    let ep = mail::oauth::Endpoints {
        authorization: stored.authorization_url.clone(),
        token: stored.token_url.clone(),
        revocation: None,
        issuer: None,
    };
    let reg = mail::oauth::Registration {
        client_id: env("MS_OAUTH_CLIENT_ID"),
        client_secret: env("MS_OAUTH_CLIENT_SECRET"),
        redirect_uri: String::new(),
    };
    mail::oauth::refresh(&http(), &ep, &reg, &refresh)
        .await
        .unwrap();
    mail::oauth::refresh(&http(), &ep, &reg, &refresh)
        .await
        .expect_err("reuse ends the grant");
    // The mail server refuses the old token now; the one refresh allowed
    // meets invalid_grant: 再認証が必要, and nothing asks the server again.
    assert!(pop3_logs_in_with(&bearer).await.is_err());
    let r = grants::after_refusal(&db, &testing::secrets(), &http(), owner, &bearer.token).await;
    assert!(matches!(r, Err(Error::NeedsReauth)), "{r:?}");
    let status = grants::status(&db, owner).await.unwrap().unwrap();
    assert!(status.needs_reauth);
    assert!(
        status.last_error.contains("invalid_grant"),
        "{}",
        status.last_error
    );
    let r = grants::access_token(&db, &testing::secrets(), &http(), owner).await;
    assert!(matches!(r, Err(Error::NeedsReauth)));

    // Signing in again clears it.
    sign_in(&db, server.id, owner, "erin@example.test").await;
    let fresh = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    pop3_logs_in_with(&fresh).await.expect("signed in again");
}

#[tokio::test]
async fn a_server_in_use_cannot_be_deleted_and_its_secret_never_shows() {
    let db = testing::sqlite().await;
    let server = register(&db, "使用中").await;
    assert!(server.secret_set);
    let json = serde_json::to_string(&oauth::list(&db).await.unwrap()).unwrap();
    assert!(!json.contains(&env("MS_OAUTH_CLIENT_SECRET")), "{json}");

    let user = testing::user("owner1").insert(&db).await;
    let acc = domain::mailbox::create_account(
        &db,
        &testing::secrets(),
        &domain::mailbox::NewAccount {
            user_id: user.id,
            name: "M365".into(),
            display_name: String::new(),
            email: "owner1@example.test".into(),
            pop_host: "127.0.0.1".into(),
            pop_port: 110,
            pop_protection: Protection::None,
            pop_user: "owner1".into(),
            pop_password: String::new(),
            pop_apop: false,
            timeout_secs: 10,
            leave_on_server: false,
            leave_days: None,
        },
    )
    .await
    .unwrap();
    let mut am = domain::entity::mail_accounts::ActiveModel::from(acc);
    am.oauth_server_id = Set(Some(server.id));
    am.update(&db).await.unwrap();
    match oauth::delete(&db, &Actor::system(), server.id).await {
        Err(Error::InUse(uses)) => assert_eq!(
            uses,
            vec![oauth::Use::Account {
                name: "M365".into(),
                login_id: "owner1".into()
            }]
        ),
        other => panic!("expected in use, got {other:?}"),
    }
    assert!(oauth::get(&db, server.id).await.is_ok());

    // A discovery URL that cannot be read is reported at its field.
    let err = oauth::save(
        &db,
        &testing::secrets(),
        &http(),
        &Actor::system(),
        None,
        &oauth::Input {
            name: "壊れた".into(),
            kind: "generic".into(),
            client_id: "x".into(),
            discovery_url: "http://127.0.0.1:9/.well-known/openid-configuration".into(),
            mechanism: "auto".into(),
            ..oauth::Input::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(e) if e[0].field == "discovery_url" && e[0].code == Code::Unreachable),
        "{err:?}"
    );
}

/// An account saved through the account form with 認証方式 XOAUTH2 for
/// receiving and sending, on the stack's servers.
async fn xoauth2_account(
    db: &DatabaseConnection,
    server: i32,
    login: &str,
) -> domain::mailbox::Account {
    let user = testing::user(login).webmail().insert(db).await;
    let input = domain::webmail::AccountInput {
        name: "M365".into(),
        email: format!("{login}@example.test"),
        recv_source: "own".into(),
        pop_host: "localhost".into(),
        pop_port: env("MS_POP3_PORT"),
        pop_protection: "starttls".into(),
        pop_auth: "xoauth2".into(),
        timeout_secs: "20".into(),
        send_source: "own".into(),
        smtp_host: "localhost".into(),
        smtp_port: env("MS_SUBMISSION_PORT"),
        smtp_protection: "starttls".into(),
        smtp_auth: "xoauth2".into(),
        smtp_mechanism: "standard".into(),
        oauth_server_id: server.to_string(),
        ..domain::webmail::AccountInput::default()
    };
    domain::webmail::save_account(
        db,
        &testing::secrets(),
        &Actor::user(user.id, None),
        // As the admin sets it up (ウェブメール設定 limits what users
        // choose for themselves; not what this test is about).
        domain::webmail::Who {
            user_id: user.id,
            admin: true,
        },
        user.id,
        None,
        &input,
    )
    .await
    .expect("an XOAUTH2 account needs no password")
}

#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn an_xoauth2_account_sends_and_receives_with_its_own_sign_in(#[case] backend: &str) {
    use domain::mailbox::{self, send};
    let db = testing::database(backend).await;
    let server = register(&db, "M365").await;
    // A mailbox per case: the cases run at once, and each takes all mail.
    let login = if backend == "sqlite" {
        "frank"
    } else {
        "heidi"
    };
    let address = format!("{login}@example.test");
    let acc = xoauth2_account(&db, server.id, login).await;
    // Not signed in yet: receiving says so, without asking any server.
    let r = mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {}).await;
    assert!(matches!(r, Err(Error::NeedsReauth)), "{r:?}");

    sign_in(&db, server.id, Owner::Account(acc.id), &address).await;
    let subject = testing::unique("XOAUTH2で送信 ");
    let c = send::Compose {
        to: address.clone(),
        subject: subject.clone(),
        body: "トークンで送りました。".into(),
        ..Default::default()
    };
    let sent = send::send(
        &Source::local(&db, acc.clone()),
        &testing::secrets(),
        &c,
        &ca(),
    )
    .await
    .unwrap()
    .unwrap_or_else(|n| panic!("not sent: {}", n.error));
    assert!(sent.reply.starts_with("250"), "{}", sent.reply);

    // The token expires meanwhile: receiving refreshes it first.
    expire_soon(&db, Owner::Account(acc.id)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {})
            .await
            .expect("receives with the account's token");
        let (rows, _) = mailbox::view::page(
            &db,
            acc.id,
            mailbox::INBOX,
            mailbox::view::Sort::Date,
            true,
            None,
            1000,
        )
        .await
        .unwrap();
        if rows.iter().any(|r| r.subject == subject) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the message did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Everything every test of this binary logs from the moment the first
/// caller asks, at every level (dependencies' `log` records included).
fn captured_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let writer = move || Sink(sink.clone());
        tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(writer)
                .finish(),
        )
        .expect("the only subscriber of this test binary");
        buf
    })
    .clone()
}

struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn reload(db: &DatabaseConnection, id: i32) -> domain::mailbox::Account {
    domain::mailbox::account::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .expect("the account")
}

/// The refresh token stored for `owner`, opened.
async fn stored_refresh_token(db: &DatabaseConnection, owner: Owner) -> String {
    let row = testing::oauth_grant(db, owner).await;
    testing::secrets()
        .open(
            "oauth_grant.refresh_token",
            row.refresh_sealed.as_ref().expect("a refresh token"),
        )
        .unwrap()
}

#[tokio::test]
async fn no_log_and_no_protocol_log_ever_holds_a_code_or_token() {
    use domain::mailbox::{self, send};
    let logs = captured_logs();
    let db = testing::sqlite().await;
    let server = register(&db, "ログ").await;
    let acc = xoauth2_account(&db, server.id, "grace").await;
    mailbox::set_receive_log(&db, acc.id, true).await.unwrap();
    let mut am = mailbox::account::ActiveModel::from(acc.clone());
    am.log_send = Set(true);
    am.update(&db).await.unwrap();
    let owner = Owner::Account(acc.id);

    // The whole flow, with the code kept to look for.
    let user = testing::user(&testing::unique("u")).insert(&db).await;
    let session = domain::sessions::create(&db, user.id, None).await.unwrap();
    let url = start(
        &db,
        user.id,
        &session,
        owner,
        server.id,
        Some("grace@example.test"),
    )
    .await;
    let cb = consent(&url, "grace@example.test").await;
    let mut secrets_seen = vec![cb.code.clone()];
    grants::finish(&db, &testing::secrets(), &http(), &session, &cb)
        .await
        .expect("sign-in finishes");
    secrets_seen.push(stored_refresh_token(&db, owner).await);
    let first = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    secrets_seen.push(first.token.clone());

    // Sending and receiving with it, a refresh before expiry, and a
    // refusal (a token the server does not know) refreshed once.
    let c = send::Compose {
        to: "grace@example.test".into(),
        subject: testing::unique("ログ確認 "),
        body: "本文".into(),
        ..Default::default()
    };
    let acc = reload(&db, acc.id).await;
    send::send(
        &Source::local(&db, acc.clone()),
        &testing::secrets(),
        &c,
        &ca(),
    )
    .await
    .unwrap()
    .unwrap_or_else(|n| panic!("not sent: {}", n.error));
    mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {})
        .await
        .expect("receives");
    expire_soon(&db, owner).await;
    let second = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    assert_ne!(second.token, first.token);
    secrets_seen.push(second.token.clone());
    secrets_seen.push(stored_refresh_token(&db, owner).await);
    let third = grants::after_refusal(&db, &testing::secrets(), &http(), owner, &second.token)
        .await
        .unwrap();
    secrets_seen.push(third.token.clone());
    secrets_seen.push(stored_refresh_token(&db, owner).await);
    mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {})
        .await
        .expect("receives again");

    let acc = reload(&db, acc.id).await;
    let protocol = format!(
        "{}\n{}",
        acc.receive_log.clone().unwrap_or_default(),
        acc.send_log.clone().unwrap_or_default()
    );
    assert!(
        protocol.contains("AUTH") && protocol.contains("EHLO"),
        "both sessions were logged: {protocol}"
    );
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.contains("refresh"),
        "the capture saw this test's work"
    );
    for secret in &secrets_seen {
        assert!(secret.len() >= 16, "a real code or token: {secret:?}");
        assert!(
            !logged.contains(secret.as_str()),
            "a log line holds a code or token"
        );
        assert!(
            !protocol.contains(secret.as_str()),
            "the 受信時のログ holds a token"
        );
    }
}

#[tokio::test]
async fn a_sign_in_idle_for_a_week_is_refreshed_and_others_are_left_alone() {
    let db = testing::sqlite().await;
    let server = register(&db, "休眠").await;
    let idle = Owner::Settings(Scope::Admin);
    let busy = Owner::Settings(Scope::Webmail);
    sign_in(&db, server.id, idle, "ivan@example.test").await;
    sign_in(&db, server.id, busy, "judy@example.test").await;
    let before = grants::access_token(&db, &testing::secrets(), &http(), idle)
        .await
        .unwrap();
    let busy_before = stored_refresh_token(&db, busy).await;
    // Eight days without use; the access token itself is still good.
    let mut am = grants::entity::ActiveModel::from(testing::oauth_grant(&db, idle).await);
    am.refreshed_at = Set(Some(chrono::Utc::now() - chrono::Duration::days(8)));
    am.update(&db).await.unwrap();

    let n = grants::refresh_idle(&db, &testing::secrets(), &http())
        .await
        .unwrap();
    assert_eq!(n, 1, "only the idle sign-in");
    let after = grants::access_token(&db, &testing::secrets(), &http(), idle)
        .await
        .unwrap();
    assert_ne!(after.token, before.token);
    pop3_logs_in_with(&after)
        .await
        .expect("the refreshed token logs in");
    let status = grants::status(&db, idle).await.unwrap().unwrap();
    assert!(status.refreshed_at.unwrap() > chrono::Utc::now() - chrono::Duration::minutes(1));
    assert_eq!(stored_refresh_token(&db, busy).await, busy_before);
    // Nothing idle any more: a second pass does nothing.
    assert_eq!(
        grants::refresh_idle(&db, &testing::secrets(), &http())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_token_that_really_expires_is_refreshed_without_anyone_noticing() {
    use domain::mailbox;
    let db = testing::sqlite().await;
    let admin = testing::user(&testing::unique("adm"))
        .admin(true)
        .insert(&db)
        .await;
    // The test server gives tokens asked with `short-lived` six seconds.
    let mut input = testing::oauth_server_input("短命");
    input.scopes.push_str(" short-lived");
    let server = oauth::save(
        &db,
        &testing::secrets(),
        &http(),
        &Actor::user(admin.id, None),
        None,
        &input,
    )
    .await
    .unwrap();
    let acc = xoauth2_account(&db, server.id, "ken").await;
    let owner = Owner::Account(acc.id);
    sign_in(&db, server.id, owner, "ken@example.test").await;
    let first = grants::access_token(&db, &testing::secrets(), &http(), owner)
        .await
        .unwrap();
    let until = grants::status(&db, owner)
        .await
        .unwrap()
        .unwrap()
        .access_until
        .unwrap();
    assert!(until < chrono::Utc::now() + chrono::Duration::seconds(10));
    mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {})
        .await
        .expect("receives with the fresh token");

    tokio::time::sleep(Duration::from_secs(7)).await;
    // The mail server no longer takes the first token…
    assert!(pop3_logs_in_with(&first).await.is_err());
    // …and receiving just works: refreshed first, nothing to report.
    mailbox::receive(&db, &testing::secrets(), acc.id, "t", &ca(), &mut |_, _| {})
        .await
        .expect("receives after the expiry");
    let status = grants::status(&db, owner).await.unwrap().unwrap();
    assert!(!status.needs_reauth);
    assert!(status.access_until.unwrap() > until);
    let acc = reload(&db, acc.id).await;
    assert_eq!(acc.last_error, None);
}

/// ウェブメールIMAP with XOAUTH2: not signed in, the mail screen says
/// 再認証が必要 without asking the server; signed in, the folders and a
/// page come from Dovecot over the account's token, also after it expired.
#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn an_xoauth2_imap_account_reads_the_server_with_its_sign_in(#[case] backend: &str) {
    use domain::mailbox::source::{self, MailSource};
    use domain::mailbox::view::Sort;
    let db = testing::database(backend).await;
    let server = register(&db, "M365").await;
    let user = testing::user(&testing::unique("imapoauth"))
        .imap()
        .insert(&db)
        .await;
    let login = "erin";
    let address = format!("{login}@example.test");
    let acc = domain::imap::create_account(
        &db,
        &testing::secrets(),
        &domain::imap::NewAccount {
            user_id: user.id,
            name: "IMAP".into(),
            display_name: String::new(),
            email: address.clone(),
            host: "localhost".into(),
            port: testing::port("MS_IMAPS_PORT"),
            protection: Protection::SslTls,
            user: String::new(),
            password: String::new(),
            timeout_secs: 10,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_protection: Protection::StartTls,
        },
    )
    .await
    .expect("account");
    let mut am: domain::mailbox::account::ActiveModel = acc.clone().into();
    am.pop_oauth = Set(true);
    am.oauth_server_id = Set(Some(server.id));
    am.update(&db).await.expect("XOAUTH2");
    let (secrets, trust, pool) = (testing::secrets(), ca(), domain::imap::Pool::default());
    let ctx = domain::imap::Ctx {
        db: &db,
        secrets: &secrets,
        trust: &trust,
        pool: &pool,
    };
    let src = source::open(ctx, user.id, acc.id).await.expect("own");
    let r = src.folders().await;
    assert!(matches!(r, Err(Error::NeedsReauth)), "{r:?}");

    sign_in(&db, server.id, Owner::Account(acc.id), &address).await;
    let folders = src.folders().await.expect("folders over XOAUTH2");
    assert_eq!(folders[0].key, "inbox");
    src.page("inbox", Sort::Date, true, None, 10)
        .await
        .expect("a page over XOAUTH2");

    // A token about to expire is refreshed before the next login.
    expire_soon(&db, Owner::Account(acc.id)).await;
    let fresh = domain::imap::Pool::default();
    let ctx = domain::imap::Ctx {
        pool: &fresh,
        ..ctx
    };
    source::open(ctx, user.id, acc.id)
        .await
        .expect("own")
        .folders()
        .await
        .expect("folders with a refreshed token");
}
