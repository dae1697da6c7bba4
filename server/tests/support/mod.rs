//! Shared by the notification tests: a SQLite installation set up to send
//! through the project's real Postfix, POP3 retrieval from the real Dovecot,
//! and a fault-injecting TCP proxy in front of a real server.
#![allow(dead_code)]
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use domain::DatabaseConnection;
use domain::audit::Actor;
use domain::users::User;

pub use domain::testing::{env, port, secrets, sqlite_in, unique};

pub async fn fresh_sqlite() -> (std::path::PathBuf, DatabaseConnection) {
    let dir = std::env::temp_dir().join(unique("tayori_notify_"));
    let db = sqlite_in(&dir).await;
    (dir, db)
}

/// メールサーバー設定 for Postfix's submission port (STARTTLS + AUTH) at
/// `port`, with notifications on and the company address as sender.
pub async fn configure_mail(
    db: &DatabaseConnection,
    secrets: &domain::secrets::SecretBox,
    port: u16,
    charset: &str,
) {
    domain::company::save(db, &Actor::system(), "便り商事", "info@example.test")
        .await
        .expect("company");
    domain::mailserver::save(
        db,
        secrets,
        &Actor::system(),
        &domain::mailserver::Input {
            preset: "custom".into(),
            pop_host: env("MS_HOST"),
            pop_port: env("MS_POP3_PORT"),
            pop_protection: "none".into(),
            smtp_host: env("MS_HOST"),
            smtp_port: port.to_string(),
            smtp_protection: "starttls".into(),
            smtp_auth: "smtp".into(),
            smtp_mechanism: "standard".into(),
            auth_user: "bob@example.test".into(),
            password: "bobpass".into(),
            timeout_secs: "10".into(),
            notify_enabled: true,
            from_mode: "company".into(),
            notify_charset: charset.into(),
            ..Default::default()
        },
    )
    .await
    .expect("mail settings");
}

/// A user inserted directly: hashing hundreds of passwords is not what
/// these tests are about.
pub async fn user(
    db: &DatabaseConnection,
    login: &str,
    name: &str,
    email: Option<&str>,
    lang: &str,
) -> User {
    domain::testing::user(login)
        .name(name)
        .email(email)
        .language(lang)
        .insert(db)
        .await
}

/// The test stack's CA, trusted besides the public roots.
pub fn ca() -> mail::tls::Trust {
    let pem = std::fs::read(env("MS_CA_PEM")).expect("CA");
    mail::tls::Trust::new(Some(&pem)).expect("the test CA")
}

pub fn dispatcher(db: &DatabaseConnection) -> server::dispatch::Dispatcher {
    server::dispatch::Dispatcher {
        db: db.clone(),
        secrets: Arc::new(secrets()),
        trust: ca(),
        owner: unique("test-"),
        connections: 4,
        batch: 200,
        lease: Duration::from_secs(60),
        poll: Duration::from_millis(200),
        wake: Arc::new(tokio::sync::Notify::new()),
    }
}

async fn pop3(user: &str, pass: &str) -> mail::pop3::Client<tokio::net::TcpStream> {
    let tcp = mail::net::connect(
        &env("MS_HOST"),
        port("MS_POP3_PORT"),
        Duration::from_secs(10),
        &mut mail::diag::silent,
    )
    .await
    .expect("POP3 connect");
    let mut c = mail::pop3::Client::start(tcp, Duration::from_secs(10))
        .await
        .expect("greeting");
    c.login(user, pass).await.expect("POP3 login");
    c
}

/// Messages in the mailbox whose subject contains `marker`, taken (RETR +
/// DELE) in one pass.
pub async fn take(user: &str, pass: &str, marker: &str) -> Vec<Vec<u8>> {
    let mut c = pop3(user, pass).await;
    let mut found = Vec::new();
    for (n, _) in c.uidl().await.expect("UIDL") {
        // Another test of this binary may take its own message from the
        // same mailbox between our UIDL and RETR: not ours, skip it.
        let raw = match c.retr(n).await {
            Err(mail::pop3::Pop3Error::Refused { reply, .. }) if reply.contains("expunged") => {
                continue;
            }
            r => r.expect("RETR"),
        };
        // The marker is in the subject, which is encoded: decode to match.
        let subject = mail_parser::MessageParser::default()
            .parse(&raw)
            .and_then(|m| m.subject().map(str::to_owned))
            .unwrap_or_default();
        if subject.contains(marker) {
            c.dele(n).await.expect("DELE");
            found.push(raw);
        }
    }
    c.quit().await.expect("QUIT");
    found
}

/// Waits until `want` messages with `marker` have arrived and takes them.
pub async fn take_n(
    user: &str,
    pass: &str,
    marker: &str,
    want: usize,
    within: Duration,
) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    loop {
        got.extend(take(user, pass, marker).await);
        if got.len() >= want {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{user}: {} of {want} messages with {marker} within {within:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A TCP proxy in front of a real server: `up = false` closes every new
/// connection at once (the server is "stopped"); `delay` holds each chunk
/// from the server back (a slow link).
pub struct Proxy {
    pub port: u16,
    pub up: Arc<AtomicBool>,
    pub delay_ms: Arc<AtomicU64>,
}

pub async fn proxy(target_port: u16) -> Proxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    let up = Arc::new(AtomicBool::new(true));
    let delay_ms = Arc::new(AtomicU64::new(0));
    let (up2, delay2) = (up.clone(), delay_ms.clone());
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            if !up2.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let delay = delay2.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await
                else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let d = delay.load(Ordering::SeqCst);
                    if d > 0 {
                        tokio::time::sleep(Duration::from_millis(d)).await;
                    }
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    Proxy { port, up, delay_ms }
}

/// Waits until no outbox row is queued or being sent.
pub async fn settled(db: &DatabaseConnection, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let busy = domain::outbox::list(db, None, 10_000)
            .await
            .expect("outbox")
            .iter()
            .filter(|r| r.status == domain::outbox::QUEUED || r.status == domain::outbox::SENDING)
            .count();
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{busy} notifications still pending after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The UIDLs of a mailbox on the real Dovecot, read directly.
pub async fn server_uidls(user: &str, pass: &str) -> Vec<String> {
    let mut c = pop3(user, pass).await;
    let list = c.uidl().await.expect("UIDL");
    c.quit().await.expect("QUIT");
    list.into_iter().map(|(_, u)| u).collect()
}

pub async fn empty_mailbox(user: &str, pass: &str) {
    let mut c = pop3(user, pass).await;
    for (n, _) in c.uidl().await.expect("UIDL") {
        c.dele(n).await.expect("DELE");
    }
    c.quit().await.expect("QUIT");
}

/// Delivers `n` messages of mixed sizes to `to` through the real Postfix
/// (one pooled session) and waits until Dovecot has them all.
pub async fn deliver(n: usize, to: &str, pass: &str, marker: &str) {
    let settings = mail::smtp::SmtpSettings {
        host: env("MS_HOST"),
        port: port("MS_SUBMISSION_PORT"),
        protection: mail::presets::Protection::StartTls,
        auth: mail::smtp::SmtpAuth::Smtp {
            mechanism: mail::presets::SmtpMechanism::Standard,
            user: "bob@example.test".into(),
            password: "bobpass".into(),
        },
        timeout: Duration::from_secs(10),
        trust: ca(),
        helo_name: "tayori-test".into(),
    };
    let mut s = mail::smtp::open(&settings, &mut |_| {})
        .await
        .expect("SMTP");
    let from = mail::compose::Mailbox::new("ボブ", "bob@example.test");
    let rcpt = mail::compose::Mailbox::new("", to);
    for i in 0..n {
        let subject = format!("受信 {marker} #{i:03}");
        let body = "本文の行です。\n".repeat(1 + (i * 37) % 60);
        let m = mail::compose::render(&mail::compose::Draft {
            from: &from,
            to: &rcpt,
            subject: &subject,
            body: &body,
            date: chrono::Utc::now().fixed_offset(),
            charset: mail::compose::Charset::Utf8,
        })
        .expect("renders");
        s.send("bob@example.test", &[to.to_owned()], m.message.as_bytes())
            .await
            .expect("accepted");
    }
    s.quit().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while server_uidls(to, pass).await.len() < n {
        assert!(Instant::now() < deadline, "{n} messages did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The server binary: cargo names it to tests; a benchmark (an example)
/// finds it beside its own directory, where the same build put it.
fn tayori_binary() -> std::path::PathBuf {
    match option_env!("CARGO_BIN_EXE_tayori") {
        Some(p) => p.into(),
        None => std::env::current_exe()
            .ok()
            .and_then(|e| Some(e.parent()?.parent()?.join("tayori")))
            .expect("the tayori binary beside the examples"),
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A server process, killed (SIGKILL) when dropped: a failing test leaves
/// none behind.
pub struct Process(Child);

impl Process {
    /// Resident memory, from /proc.
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .expect("the process is alive");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmRSS")
            * 1024
    }

    /// kill -9, and wait until it is gone.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The real server binary on `dir` (and on `database_url` when given, else
/// the SQLite store in `dir`), receiving in the background every
/// `receive_every` seconds (0: only when asked), logging to `log`; with
/// the port it listens on.
pub fn start_server(
    dir: &std::path::Path,
    log: &std::path::Path,
    database_url: Option<&str>,
    receive_every: u32,
) -> (Process, u16) {
    let log = std::fs::File::create(log).expect("log file");
    let port = free_port();
    let mut cmd = Command::new(tayori_binary());
    cmd.arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("TAYORI_SECRET_KEY", domain::testing::secret_key())
        .env("TAYORI_MAIL_CA_FILE", env("MS_CA_PEM"))
        .env("TAYORI_SMTP_CONNECTIONS", "2")
        .env("TAYORI_RECEIVE_INTERVAL", receive_every.to_string())
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(Stdio::null())
        .stderr(log);
    match database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    (Process(cmd.spawn().expect("tayori starts")), port)
}

/// The UIDLs of the messages stored for an account.
pub async fn stored_uidls(db: &DatabaseConnection, account: i32) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    domain::mailbox::message::Entity::find()
        .filter(domain::mailbox::message::Column::AccountId.eq(account))
        .all(db)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| m.uidl)
        .collect()
}

/// One HTTP/1.1 request to a server process; the status and the response
/// head and body as text. Raw on purpose: two form posts do not need an
/// HTTP client library in the tests.
pub async fn post(port: u16, path: &str, cookie: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n\
         Cookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
        .await
        .expect("an answer within 30 s")
        .expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or_default();
    (status, text)
}

/// Signs in on a process; the session cookie.
pub async fn sign_in(port: u16, login: &str, password: &str) -> String {
    let (status, text) = post(
        port,
        "/api/login",
        "",
        &format!("login_id={login}&password={password}"),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find_map(|l| {
            let v = l
                .strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))?;
            v.split(';').next().map(str::to_owned)
        })
        .expect("a session cookie")
}

/// Waits until the server process accepts connections on `port`.
pub async fn wait_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Gives a user a password to sign in with over HTTP (no change asked).
pub async fn set_password(db: &DatabaseConnection, user_id: i32, password: &str) {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let mut model = domain::users::entity::Entity::find_by_id(user_id)
        .one(db)
        .await
        .expect("read")
        .expect("user")
        .into_active_model();
    model.password_hash = Set(domain::password::hash(password).await.expect("hash"));
    model.must_change_password = Set(false);
    model.update(db).await.expect("password");
}

/// Outbox rows in `status`.
pub async fn count(db: &DatabaseConnection, status: domain::outbox::Status) -> usize {
    domain::outbox::list(db, Some(status), 10_000)
        .await
        .expect("outbox")
        .len()
}

/// Notifications with `marker` that arrived in the stack's catch-all
/// mailbox, per recipient, collected until `want` recipients have one or
/// `within` has passed.
pub async fn arrivals(
    marker: &str,
    want: usize,
    within: Duration,
) -> std::collections::HashMap<String, usize> {
    let mut per_rcpt = std::collections::HashMap::new();
    let deadline = Instant::now() + within;
    loop {
        for raw in take("catchall@example.test", "catchallpass", marker).await {
            let m = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("parses");
            let to = m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            *per_rcpt.entry(to).or_default() += 1;
        }
        if per_rcpt.len() >= want || Instant::now() > deadline {
            return per_rcpt;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A schedule entry by a new author with `n` new participants whose
/// addresses (in another domain) land in the catch-all mailbox: saving it
/// queues `n` notifications with `marker` in the subject. Returns how
/// many were queued.
pub async fn entry_for_many(db: &DatabaseConnection, marker: &str, n: usize) -> usize {
    let author = user(db, "author", "登録者", None, "ja").await;
    let mut ids = Vec::new();
    for i in 0..n {
        let addr = format!("p{i:04}.{marker}@fanout.test");
        let login = format!("p{i:04}");
        let name = format!("参加者{i:04}");
        ids.push(user(db, &login, &name, Some(&addr), "ja").await.id);
    }
    let input = domain::schedule::Input {
        title: format!("全社説明会 {marker}"),
        start_date: "2026-12-01".into(),
        start_time: "09:00".into(),
        place: "大会議室".into(),
        notify_method: "mail".into(),
        skip_self: true,
        user_ids: ids,
        ..Default::default()
    };
    domain::schedule::create(db, &author, &Actor::user(author.id, None), "", &input)
        .await
        .expect("entry saved")
        .mails_queued as usize
}
