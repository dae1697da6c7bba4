//! A small POP3 client (RFC 1939), generic over the stream so it runs over
//! plain TCP, TLS, or an in-memory pipe in tests.
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::diag::{Report, Step, StepKind};
use crate::net::{BoxStream, NetError, ProtectError, Target};
use crate::tls::{TlsError, Trust};

#[derive(Debug, thiserror::Error)]
pub enum Pop3Error {
    /// The server answered `-ERR`; its text is kept for the user.
    #[error("server refused {command}: {reply}")]
    Refused {
        command: &'static str,
        reply: String,
    },
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
    #[error("connection closed by the server during {0}")]
    Closed(&'static str),
    #[error("unexpected reply to {command}: {reply}")]
    Protocol {
        command: &'static str,
        reply: String,
    },
    #[error("i/o during {1}: {0}")]
    Io(#[source] std::io::Error, &'static str),
    /// The server sent more than Tayori takes for one answer: an endless
    /// line or listing, or a message far beyond its listed size. The
    /// receive ends there and the mail stays on the server.
    #[error("the server's answer to {command} went past {limit} bytes")]
    TooLong { command: &'static str, limit: u64 },
    /// The server refused the OAuth access token; its reason came in the
    /// SASL challenge. Refreshing the token may help once.
    #[error("server refused the access token: {refusal} ({reply})")]
    TokenRefused {
        refusal: crate::sasl::Refusal,
        reply: String,
    },
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl Pop3Error {
    pub fn is_timeout(&self) -> bool {
        match self {
            Pop3Error::Timeout(..) => true,
            Pop3Error::Net(e) => e.is_timeout(),
            _ => false,
        }
    }
    /// Worth trying again later: the server was unreachable, slow or cut
    /// the connection. A refusal (`-ERR`) or a certificate is not.
    pub fn is_transient(&self) -> bool {
        match self {
            Pop3Error::Timeout(..) | Pop3Error::Closed(_) | Pop3Error::Io(..) => true,
            Pop3Error::Net(e) => e.is_transient(),
            Pop3Error::Tls(e) => !e.is_certificate(),
            Pop3Error::Refused { .. }
            | Pop3Error::Protocol { .. }
            | Pop3Error::TooLong { .. }
            | Pop3Error::TokenRefused { .. } => false,
        }
    }
    /// Retrying will not help until the settings change.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }
}

impl From<ProtectError<Pop3Error>> for Pop3Error {
    fn from(e: ProtectError<Pop3Error>) -> Self {
        match e {
            ProtectError::Net(e) => e.into(),
            ProtectError::Tls(e) => e.into(),
            ProtectError::Protocol(e) => e,
        }
    }
}

/// Longest status line taken (`+OK …`, `-ERR …`). RFC 1939 allows 512
/// octets; servers put longer texts in their greetings and refusals.
pub const STATUS_LINE_MAX: usize = 8 * 1024;
/// Longest CAPA answer.
pub const CAPA_MAX: u64 = 64 * 1024;
/// Longest UIDL or LIST answer: some 300,000 messages' lines.
pub const LISTING_MAX: u64 = 32 << 20;
/// Largest message taken unless the server's own options say otherwise
/// (`set_message_max`).
pub const MESSAGE_MAX_DEFAULT: u64 = 100 << 20;
static MESSAGE_MAX: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(MESSAGE_MAX_DEFAULT);

/// Sets the largest message any receive takes (the server's
/// `--max-message-mb`); larger ones stay on the server.
pub fn set_message_max(bytes: u64) {
    MESSAGE_MAX.store(bytes.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// The largest message any receive takes.
pub fn message_max() -> u64 {
    MESSAGE_MAX.load(std::sync::atomic::Ordering::Relaxed)
}

/// The most bytes RETR may bring for a message LIST gave as `listed`
/// octets: the listing plus a small margin (a server that counts bare LF
/// line ends, or a message that grew between LIST and RETR), never more
/// than `message_max`. Unlisted: `message_max`.
pub fn retr_limit(listed: Option<u64>) -> u64 {
    let cap = message_max();
    match listed {
        Some(n) => n.saturating_add(n / 8).saturating_add(64 * 1024).min(cap),
        None => cap,
    }
}
/// Large reads: a receive moves megabytes, a few syscalls per message.
const READ_BUFFER: usize = 64 * 1024;

pub struct Client<S> {
    stream: BufReader<S>,
    timeout: Duration,
    pub greeting: String,
    log: Option<Log>,
}

/// 受信時のログ: the dialogue with credentials masked, bounded in size. The
/// caller keeps a clone, so the log survives a failed session.
#[derive(Clone, Debug, Default)]
pub struct Log(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

/// Bytes a log keeps; later lines are dropped with a note.
const LOG_MAX: usize = 64 * 1024;

impl Log {
    fn push(&self, dir: &str, line: &str) {
        const TRUNCATED: &str = "-- (log truncated)";
        let Ok(mut lines) = self.0.lock() else {
            return;
        };
        if lines.last().is_some_and(|l| l == TRUNCATED) {
            return;
        }
        let used: usize = lines.iter().map(|l| l.len() + 1).sum();
        let entry = format!("{dir} {}", line.chars().take(300).collect::<String>());
        // Room is always left for the note that says the rest was dropped.
        if used + entry.len() + 1 + TRUNCATED.len() > LOG_MAX {
            lines.push(TRUNCATED.into());
        } else {
            lines.push(entry);
        }
    }
    pub fn text(&self) -> String {
        self.0.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

/// What the log shows of a command: passwords, APOP digests and AUTH
/// payloads never appear.
fn masked(line: &str) -> String {
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("PASS ") {
        "PASS ********".into()
    } else if upper.starts_with("APOP ") {
        let user = line.split_whitespace().nth(1).unwrap_or("");
        format!("APOP {user} ********")
    } else if upper.starts_with("AUTH ") {
        let mech = line.split_whitespace().nth(1).unwrap_or("");
        format!("AUTH {mech} ********")
    } else if ["USER ", "RETR ", "DELE ", "LIST ", "UIDL ", "TOP "]
        .iter()
        .any(|c| upper.starts_with(c))
        || [
            "UIDL", "QUIT", "STAT", "CAPA", "STLS", "LIST", "NOOP", "RSET",
        ]
        .contains(&upper.as_str())
    {
        line.to_owned()
    } else {
        // Anything else (an AUTH continuation line, say): hidden.
        "********".into()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Reads the greeting.
    pub async fn start(stream: S, timeout: Duration) -> Result<Self, Pop3Error> {
        let mut c = Client {
            stream: BufReader::with_capacity(READ_BUFFER, stream),
            timeout,
            greeting: String::new(),
            log: None,
        };
        c.greeting = c.status("greeting").await?;
        Ok(c)
    }

    async fn read_line(&mut self, what: &'static str) -> Result<Vec<u8>, Pop3Error> {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(self.timeout, async {
            let mut limited = (&mut self.stream).take(STATUS_LINE_MAX as u64);
            limited.read_until(b'\n', &mut buf).await
        })
        .await
        .map_err(|_| Pop3Error::Timeout(self.timeout, what))?
        .map_err(|e| Pop3Error::Io(e, what))?;
        if n == 0 {
            return Err(Pop3Error::Closed(what));
        }
        if buf.last() != Some(&b'\n') && buf.len() >= STATUS_LINE_MAX {
            return Err(Pop3Error::TooLong {
                command: what,
                limit: STATUS_LINE_MAX as u64,
            });
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(buf)
    }

    /// Logs the dialogue into `log` from now on.
    pub fn log_to(&mut self, log: Log) {
        self.log = Some(log);
    }

    async fn status(&mut self, command: &'static str) -> Result<String, Pop3Error> {
        let line = self.read_line(command).await?;
        let text = String::from_utf8_lossy(&line).into_owned();
        if let Some(log) = &self.log {
            log.push("S:", &text);
        }
        status_of(text, command)
    }
}

/// `+OK …` as its text, `-ERR …` as a refusal of `command`.
fn status_of(text: String, command: &'static str) -> Result<String, Pop3Error> {
    {
        if let Some(rest) = text.strip_prefix("+OK") {
            Ok(rest.trim_start().to_owned())
        } else if text.starts_with("-ERR") {
            Err(Pop3Error::Refused {
                command,
                reply: text,
            })
        } else {
            Err(Pop3Error::Protocol {
                command,
                reply: text,
            })
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    async fn send(&mut self, line: &str, command: &'static str) -> Result<(), Pop3Error> {
        let w = self.stream.get_mut();
        tokio::time::timeout(self.timeout, async {
            w.write_all(line.as_bytes()).await?;
            w.write_all(b"\r\n").await?;
            w.flush().await
        })
        .await
        .map_err(|_| Pop3Error::Timeout(self.timeout, command))?
        .map_err(|e| Pop3Error::Io(e, command))
    }

    async fn command(&mut self, line: &str, command: &'static str) -> Result<String, Pop3Error> {
        if let Some(log) = &self.log {
            log.push("C:", &masked(line));
        }
        self.send(line, command).await?;
        self.status(command).await
    }

    /// Reads a multi-line body up to the lone ".", undoing dot-stuffing and
    /// restoring CRLF line ends. Works on the buffered chunks rather than
    /// line by line, with the timeout applying to each wait for more data
    /// (so a slow but steady download never times out, and a large message
    /// costs a few timers, not one per line). Lines may be of any length
    /// (a message with an over-long line must still arrive), but the whole
    /// answer, the unfinished line included, stops at `limit` bytes.
    async fn multiline(&mut self, command: &'static str, limit: u64) -> Result<Vec<u8>, Pop3Error> {
        let mut out = Vec::new();
        // The start of a line whose end has not arrived yet.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let timeout = self.timeout;
            let chunk = tokio::time::timeout(timeout, self.stream.fill_buf())
                .await
                .map_err(|_| Pop3Error::Timeout(timeout, command))?
                .map_err(|e| Pop3Error::Io(e, command))?;
            if chunk.is_empty() {
                return Err(Pop3Error::Closed(command));
            }
            let mut used = 0;
            let mut done = false;
            while let Some(pos) = chunk[used..].iter().position(|&b| b == b'\n') {
                let end = used + pos + 1;
                let line: &[u8] = if carry.is_empty() {
                    &chunk[used..end]
                } else {
                    carry.extend_from_slice(&chunk[used..end]);
                    &carry
                };
                used = end;
                let mut content = line;
                while let [rest @ .., b'\n' | b'\r'] = content {
                    content = rest;
                }
                if content == b"." {
                    done = true;
                    break;
                }
                let content = content
                    .strip_prefix(b".")
                    .filter(|c| c.starts_with(b"."))
                    .unwrap_or(content);
                out.extend_from_slice(content);
                out.extend_from_slice(b"\r\n");
                carry.clear();
            }
            if !done {
                carry.extend_from_slice(&chunk[used..]);
                used = chunk.len();
            }
            self.stream.consume(used);
            if (out.len() + carry.len()) as u64 > limit {
                if let Some(log) = &self.log {
                    log.push(
                        "--",
                        &format!("answer to {command} past {limit} bytes: stopped"),
                    );
                }
                return Err(Pop3Error::TooLong { command, limit });
            }
            if done {
                if let Some(log) = &self.log {
                    log.push("S:", &format!("<{} bytes>", out.len()));
                }
                return Ok(out);
            }
        }
    }

    pub async fn login(&mut self, user: &str, pass: &str) -> Result<(), Pop3Error> {
        if user.contains(['\r', '\n']) || pass.contains(['\r', '\n']) {
            return Err(Pop3Error::Protocol {
                command: "USER",
                reply: "line break in credentials".into(),
            });
        }
        self.command(&format!("USER {user}"), "USER").await?;
        self.command(&format!("PASS {pass}"), "PASS").await?;
        Ok(())
    }

    /// `(message count, total octets)`.
    pub async fn stat(&mut self) -> Result<(u32, u64), Pop3Error> {
        let reply = self.command("STAT", "STAT").await?;
        let mut it = reply.split_whitespace();
        let parse = |s: Option<&str>| s.and_then(|v| v.parse::<u64>().ok());
        match (parse(it.next()), parse(it.next())) {
            (Some(n), Some(size)) => Ok((n as u32, size)),
            _ => Err(Pop3Error::Protocol {
                command: "STAT",
                reply,
            }),
        }
    }

    /// `(message number, unique id)` for every message.
    pub async fn uidl(&mut self) -> Result<Vec<(u32, String)>, Pop3Error> {
        self.command("UIDL", "UIDL").await?;
        let body = self.multiline("UIDL", LISTING_MAX).await?;
        let text = String::from_utf8_lossy(&body);
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut it = l.split_whitespace();
                match (it.next().and_then(|n| n.parse().ok()), it.next()) {
                    (Some(n), Some(uid)) => Ok((n, uid.to_owned())),
                    _ => Err(Pop3Error::Protocol {
                        command: "UIDL",
                        reply: l.to_owned(),
                    }),
                }
            })
            .collect()
    }

    /// RETR of message `n`, up to `message_max` bytes.
    pub async fn retr(&mut self, n: u32) -> Result<Vec<u8>, Pop3Error> {
        self.retr_at_most(n, message_max()).await
    }

    /// RETR of message `n`, refused past `limit` bytes (`retr_limit`).
    pub async fn retr_at_most(&mut self, n: u32, limit: u64) -> Result<Vec<u8>, Pop3Error> {
        self.command(&format!("RETR {n}"), "RETR").await?;
        self.multiline("RETR", limit).await
    }

    /// `(message number, octets)` for every message (LIST).
    pub async fn list(&mut self) -> Result<Vec<(u32, u64)>, Pop3Error> {
        self.command("LIST", "LIST").await?;
        let body = self.multiline("LIST", LISTING_MAX).await?;
        let text = String::from_utf8_lossy(&body);
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut it = l.split_whitespace();
                match (
                    it.next().and_then(|n| n.parse().ok()),
                    it.next().and_then(|n| n.parse().ok()),
                ) {
                    (Some(n), Some(size)) => Ok((n, size)),
                    _ => Err(Pop3Error::Protocol {
                        command: "LIST",
                        reply: l.to_owned(),
                    }),
                }
            })
            .collect()
    }

    /// RETR of several messages. With `pipelined` (the server listed
    /// PIPELINING in CAPA, RFC 2449 §6.6) every command goes out in one
    /// write and the replies are read in order, so the link never idles
    /// between messages; otherwise one command per round trip. Each
    /// message comes with the most bytes it may bring (`retr_limit`).
    pub async fn retr_many(
        &mut self,
        wanted: &[(u32, u64)],
        pipelined: bool,
    ) -> Result<Vec<Vec<u8>>, Pop3Error> {
        if !pipelined || wanted.len() < 2 {
            let mut out = Vec::with_capacity(wanted.len());
            for (n, limit) in wanted {
                out.push(self.retr_at_most(*n, *limit).await?);
            }
            return Ok(out);
        }
        let mut batch = String::with_capacity(wanted.len() * 12);
        for (n, _) in wanted {
            let line = format!("RETR {n}");
            if let Some(log) = &self.log {
                log.push("C:", &line);
            }
            batch.push_str(&line);
            batch.push_str("\r\n");
        }
        let w = self.stream.get_mut();
        tokio::time::timeout(self.timeout, async {
            w.write_all(batch.as_bytes()).await?;
            w.flush().await
        })
        .await
        .map_err(|_| Pop3Error::Timeout(self.timeout, "RETR"))?
        .map_err(|e| Pop3Error::Io(e, "RETR"))?;
        let mut out = Vec::with_capacity(wanted.len());
        for (_, limit) in wanted {
            self.status("RETR").await?;
            out.push(self.multiline("RETR", *limit).await?);
        }
        Ok(out)
    }

    pub async fn dele(&mut self, n: u32) -> Result<(), Pop3Error> {
        self.command(&format!("DELE {n}"), "DELE").await.map(|_| ())
    }

    /// Ends the session; deletions take effect only on a clean QUIT.
    pub async fn quit(mut self) -> Result<(), Pop3Error> {
        self.command("QUIT", "QUIT").await.map(|_| ())
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// APOP (RFC 1939 §7): the MD5 of the greeting's timestamp and the
    /// password, so the password never crosses the wire.
    pub async fn apop(&mut self, user: &str, pass: &str) -> Result<(), Pop3Error> {
        let stamp = apop_timestamp(&self.greeting).ok_or_else(|| Pop3Error::Protocol {
            command: "APOP",
            reply: "the server's greeting has no APOP timestamp".into(),
        })?;
        if user.contains(['\r', '\n', ' ']) {
            return Err(Pop3Error::Protocol {
                command: "APOP",
                reply: "invalid user name".into(),
            });
        }
        let digest = apop_digest(stamp, pass);
        self.command(&format!("APOP {user} {digest}"), "APOP")
            .await?;
        Ok(())
    }

    /// AUTH with an OAuth access token (RFC 5034 with an initial response).
    /// A refused token comes back as a challenge carrying the server's
    /// reason, which is acknowledged so the server ends the exchange.
    pub async fn auth_bearer(
        &mut self,
        mechanism: crate::sasl::Resolved,
        user: &str,
        token: &str,
        host: &str,
        port: u16,
    ) -> Result<(), Pop3Error> {
        if crate::sasl::unsafe_for_wire(user) || crate::sasl::unsafe_for_wire(token) {
            return Err(Pop3Error::Protocol {
                command: "AUTH",
                reply: "control character in the user ID or token".into(),
            });
        }
        let name = mechanism.name();
        let line = format!(
            "AUTH {name} {}",
            mechanism.initial_response(user, token, host, port)
        );
        if let Some(log) = &self.log {
            log.push("C:", &masked(&line));
        }
        self.send(&line, "AUTH").await?;
        let first = self.read_line("AUTH").await?;
        let first = String::from_utf8_lossy(&first).into_owned();
        if let Some(log) = &self.log {
            log.push("S:", &first);
        }
        let Some(challenge) = first
            .strip_prefix('+')
            .filter(|_| !first.starts_with("+OK"))
        else {
            return status_of(first, "AUTH").map(|_| ());
        };
        let refusal = crate::sasl::Refusal::from_challenge(challenge);
        if let Some(log) = &self.log {
            log.push("--", &format!("token refused: {refusal}"));
        }
        self.command(mechanism.refusal_ack(), "AUTH")
            .await
            .map_err(|e| match e {
                Pop3Error::Refused { reply, .. } => Pop3Error::TokenRefused { refusal, reply },
                e => e,
            })?;
        // A server that accepts after its own challenge is not following
        // the protocol: treat it as a refusal rather than a login.
        Err(Pop3Error::Protocol {
            command: "AUTH",
            reply: "accepted after refusing the token".into(),
        })
    }

    /// Sends STLS and hands back the stream for the TLS handshake.
    pub async fn stls(mut self) -> Result<S, Pop3Error> {
        self.command("STLS", "STLS").await?;
        Ok(self.stream.into_inner())
    }
}

/// The `<…>` timestamp of an APOP-capable greeting.
pub fn apop_timestamp(greeting: &str) -> Option<&str> {
    let start = greeting.find('<')?;
    let end = greeting[start..].find('>')? + start;
    Some(&greeting[start..=end])
}

pub fn apop_digest(timestamp: &str, pass: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(format!("{timestamp}{pass}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A POP3 login as used by POP before SMTP (and the connection test).
#[derive(Clone, Debug)]
pub struct PopLogin {
    pub host: String,
    pub port: u16,
    pub protection: crate::presets::Protection,
    pub user: String,
    pub auth: PopAuth,
    pub timeout: Duration,
    pub trust: Trust,
}

/// How a POP3 login proves itself (認証方式).
#[derive(Clone)]
pub enum PopAuth {
    /// 標準: USER and PASS.
    Pass(String),
    /// 標準 (APOP): the password's digest with the greeting's timestamp.
    Apop(String),
    /// XOAUTH2 / OAUTHBEARER with an OAuth access token.
    Bearer {
        mechanism: crate::sasl::BearerMechanism,
        token: String,
    },
}

/// Secrets never reach a debug print or a log line.
impl std::fmt::Debug for PopAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PopAuth::Pass(_) => f.write_str("Pass(********)"),
            PopAuth::Apop(_) => f.write_str("Apop(********)"),
            PopAuth::Bearer { mechanism, .. } => write!(f, "Bearer({mechanism:?}, ********)"),
        }
    }
}

impl PopAuth {
    /// A password login: APOP when `apop`, else USER/PASS.
    pub fn password(apop: bool, password: String) -> Self {
        if apop {
            PopAuth::Apop(password)
        } else {
            PopAuth::Pass(password)
        }
    }

    /// The password or token, for callers that check one was given.
    pub fn secret(&self) -> &str {
        match self {
            PopAuth::Pass(s) | PopAuth::Apop(s) => s,
            PopAuth::Bearer { token, .. } => token,
        }
    }
}

impl PopLogin {
    fn target(&self) -> Target<'_> {
        Target {
            host: &self.host,
            port: self.port,
            protection: self.protection,
            timeout: self.timeout,
            trust: &self.trust,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// CAPA (RFC 2449): the capability lines, upper-cased.
    pub async fn capa(&mut self) -> Result<Vec<String>, Pop3Error> {
        self.command("CAPA", "CAPA").await?;
        let body = self.multiline("CAPA", CAPA_MAX).await?;
        Ok(String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.trim().to_ascii_uppercase())
            .collect())
    }

    /// Continues a session on a new stream (after STLS): the greeting, and
    /// its APOP timestamp, came before the upgrade.
    fn resume(stream: S, timeout: Duration, greeting: String) -> Self {
        Client {
            stream: BufReader::with_capacity(READ_BUFFER, stream),
            timeout,
            greeting,
            log: None,
        }
    }
}

/// What the clear-text part of a STARTTLS session learnt.
struct BeforeTls {
    greeting: String,
    /// `None` when the server refused CAPA.
    caps: Option<Vec<String>>,
}

/// POP3's STARTTLS negotiation (RFC 2595): greeting, CAPA, STLS. Refuses
/// when CAPA does not list STLS: no credentials in clear when TLS was
/// asked for. A server that refuses CAPA is asked STLS anyway (its `-ERR`
/// ends the session just as safely).
struct Stls {
    timeout: Duration,
}

impl crate::net::StartTls for Stls {
    type Learnt = BeforeTls;
    type Error = Pop3Error;
    async fn negotiate(
        self,
        tcp: TcpStream,
        report: &mut Report<'_>,
    ) -> Result<(TcpStream, BeforeTls), Pop3Error> {
        stls(tcp, self.timeout, report).await
    }
}

async fn stls(
    tcp: TcpStream,
    timeout: Duration,
    report: &mut Report<'_>,
) -> Result<(TcpStream, BeforeTls), Pop3Error> {
    let mut c = Client::start(tcp, timeout)
        .await
        .inspect_err(|e| report(StepKind::Greeting, false, e.to_string()))?;
    report(StepKind::Greeting, true, c.greeting.clone());
    let caps = match c.capa().await {
        Ok(caps) => {
            report(StepKind::Capabilities, true, caps.join(", "));
            Some(caps)
        }
        Err(Pop3Error::Refused { reply, .. }) => {
            report(StepKind::Capabilities, false, reply);
            None
        }
        Err(e) => {
            report(StepKind::Capabilities, false, e.to_string());
            return Err(e);
        }
    };
    if caps
        .as_ref()
        .is_some_and(|caps| !caps.iter().any(|cap| cap == "STLS"))
    {
        report(StepKind::StartTls, false, "STLS not offered".into());
        let _ = c.quit().await;
        return Err(Pop3Error::Protocol {
            command: "STLS",
            reply: "STLS not offered".into(),
        });
    }
    let greeting = c.greeting.clone();
    let tcp = c
        .stls()
        .await
        .inspect_err(|e| report(StepKind::StartTls, false, e.to_string()))?;
    Ok((tcp, BeforeTls { greeting, caps }))
}

/// Connects and protects as `l` says, reporting every step; the client has
/// read the greeting. The capabilities come along when STARTTLS read them.
async fn connect(
    l: &PopLogin,
    report: &mut Report<'_>,
) -> Result<(Client<BoxStream>, Option<Vec<String>>), Pop3Error> {
    let timeout = l.timeout;
    let protected = crate::net::connect_protected(&l.target(), report, Stls { timeout }).await?;
    Ok(match protected.negotiated {
        Some(before) => (
            Client::resume(protected.stream, timeout, before.greeting),
            before.caps,
        ),
        None => {
            let c = Client::start(protected.stream, timeout)
                .await
                .inspect_err(|e| report(StepKind::Greeting, false, e.to_string()))?;
            report(StepKind::Greeting, true, c.greeting.clone());
            (c, None)
        }
    })
}

/// 「接続テスト」 of the receiving server: every step reported as it happens,
/// STLS refused safely when not offered, the login as configured.
pub async fn diagnose(
    l: &PopLogin,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Vec<String>, Pop3Error> {
    let mut report = crate::diag::reporter(on_step);
    let (mut c, caps) = connect(l, &mut report).await?;
    let caps = match caps {
        Some(c) => c,
        None => match c.capa().await {
            Ok(caps) => {
                report(StepKind::Capabilities, true, caps.join(", "));
                caps
            }
            Err(e) => {
                report(StepKind::Capabilities, false, e.to_string());
                Vec::new()
            }
        },
    };
    if l.user.is_empty() {
        // Nothing to log in with: the receiving server has no credentials
        // of its own (accounts bring theirs), so stop after CAPA.
        let _ = c.quit().await;
        return Ok(caps);
    }
    match c.authenticate(l, Some(&caps)).await {
        Ok(how) => report(StepKind::Login, true, how.into()),
        Err(e) => {
            report(StepKind::Login, false, e.to_string());
            return Err(e);
        }
    }
    let _ = c.quit().await;
    Ok(caps)
}

/// Connects, protects as configured, logs in and quits.
pub async fn login_session(l: &PopLogin) -> Result<(), Pop3Error> {
    open(l).await?.quit().await
}

/// Connects, protects as configured and logs in: the client is in the
/// TRANSACTION state, ready for UIDL and RETR.
pub async fn open(l: &PopLogin) -> Result<Client<BoxStream>, Pop3Error> {
    open_logged(l, None).await
}

/// `open`, writing the dialogue (masked) into `log` when given.
pub async fn open_logged(l: &PopLogin, log: Option<Log>) -> Result<Client<BoxStream>, Pop3Error> {
    use crate::presets::Protection;
    if let Some(log) = &log {
        log.push(
            "--",
            &format!("connect {}:{} ({})", l.host, l.port, l.protection.as_str()),
        );
    }
    let (mut c, caps) = connect(l, &mut crate::diag::silent).await?;
    if let Some(log) = log {
        log.push("S:", &format!("+OK {}", c.greeting));
        if l.protection != Protection::None {
            log.push("--", "TLS");
        }
        c.log_to(log);
    }
    c.authenticate(l, caps.as_deref()).await?;
    Ok(c)
}

/// The SASL mechanisms a CAPA answer lists (`SASL PLAIN XOAUTH2 …`).
fn sasl_offered(caps: &[String]) -> Vec<String> {
    caps.iter()
        .filter_map(|c| c.strip_prefix("SASL "))
        .flat_map(|m| m.split_whitespace().map(str::to_owned))
        .collect()
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Logs in as `l` says; `caps` are the capabilities when already read
    /// (a bearer login that must choose its mechanism asks CAPA otherwise).
    /// Returns how it logged in, for the connection test.
    pub async fn authenticate(
        &mut self,
        l: &PopLogin,
        caps: Option<&[String]>,
    ) -> Result<&'static str, Pop3Error> {
        match &l.auth {
            PopAuth::Pass(password) => {
                self.login(&l.user, password).await?;
                Ok("USER/PASS")
            }
            PopAuth::Apop(password) => {
                self.apop(&l.user, password).await?;
                Ok("APOP")
            }
            PopAuth::Bearer { mechanism, token } => {
                let offered = match caps {
                    Some(caps) => sasl_offered(caps),
                    None if *mechanism == crate::sasl::BearerMechanism::Auto => {
                        // A server refusing CAPA offers nothing we can see.
                        self.capa()
                            .await
                            .map(|c| sasl_offered(&c))
                            .unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                let resolved = mechanism.resolve(&offered);
                self.auth_bearer(resolved, &l.user, token, &l.host, l.port)
                    .await?;
                Ok(resolved.name())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_masks_every_secret() {
        assert_eq!(masked("PASS hunter2"), "PASS ********");
        assert_eq!(masked("pass hunter2"), "PASS ********");
        assert_eq!(
            masked("APOP yamada c4c9334bac560ecc979e58001b3e22fb"),
            "APOP yamada ********"
        );
        assert_eq!(masked("AUTH XOAUTH2 dXNlcj1..."), "AUTH XOAUTH2 ********");
        // A bare SASL continuation line.
        assert_eq!(masked("dXNlcj15YW1hZGEBYXV0aD1CZWFyZXIg"), "********");
        assert_eq!(masked("USER yamada"), "USER yamada");
        assert_eq!(masked("RETR 3"), "RETR 3");
        assert_eq!(masked("UIDL"), "UIDL");
        let log = Log::default();
        for _ in 0..2000 {
            log.push("S:", &"x".repeat(100));
        }
        assert!(log.text().len() <= LOG_MAX, "bounded");
        assert!(log.text().ends_with("-- (log truncated)"));
    }
    use tokio::io::duplex;

    /// Plays a scripted server on one end of an in-memory pipe and returns
    /// what the client sent.
    async fn scripted(
        server_says: &'static [u8],
    ) -> (
        Client<tokio::io::DuplexStream>,
        tokio::task::JoinHandle<Vec<u8>>,
    ) {
        let (client_end, mut server_end) = duplex(1 << 16);
        let server = tokio::spawn(async move {
            server_end.write_all(server_says).await.unwrap();
            let mut got = Vec::new();
            let _ = server_end.read_to_end(&mut got).await;
            got
        });
        let c = Client::start(client_end, Duration::from_secs(2))
            .await
            .unwrap();
        (c, server)
    }

    #[tokio::test]
    async fn login_uidl_retr_unstuffs_dots() {
        let (mut c, server) = scripted(
            b"+OK ready\r\n+OK\r\n+OK logged in\r\n+OK\r\n1 a1\r\n2 b2\r\n.\r\n+OK 20 octets\r\nSubject: x\r\n\r\n..dot\r\n.\r\n+OK bye\r\n",
        )
        .await;
        assert_eq!(c.greeting, "ready");
        c.login("alice", "secret").await.unwrap();
        assert_eq!(
            c.uidl().await.unwrap(),
            vec![(1, "a1".to_string()), (2, "b2".to_string())]
        );
        assert_eq!(c.retr(1).await.unwrap(), b"Subject: x\r\n\r\n.dot\r\n");
        c.quit().await.unwrap();
        let sent = server.await.unwrap();
        assert_eq!(
            String::from_utf8(sent).unwrap(),
            "USER alice\r\nPASS secret\r\nUIDL\r\nRETR 1\r\nQUIT\r\n"
        );
    }

    #[tokio::test]
    async fn err_keeps_server_text() {
        let (mut c, _server) =
            scripted(b"+OK ready\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n").await;
        match c.login("alice", "wrong").await {
            Err(Pop3Error::Refused { command, reply }) => {
                assert_eq!(command, "PASS");
                assert!(reply.contains("Authentication failed"));
            }
            other => panic!("expected refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let (client_end, _server_end) = duplex(64);
        let err = Client::start(client_end, Duration::from_millis(50))
            .await
            .err()
            .unwrap();
        assert!(err.is_timeout());
    }

    #[test]
    fn apop_digest_matches_rfc_1939() {
        let greeting = "POP3 server ready <1896.697170952@dbc.mtview.ca.us>";
        let stamp = apop_timestamp(greeting).unwrap();
        assert_eq!(
            apop_digest(stamp, "tanstaaf"),
            "c4c9334bac560ecc979e58001b3e22fb"
        );
    }

    /// A server that sends without end is cut off at each bound, wherever
    /// the bytes go: a status line without LF, a listing, a message past
    /// its listed size, one long line inside a message.
    #[tokio::test]
    async fn endless_answers_stop_at_their_bounds() {
        async fn endless(head: &'static [u8], fill: u8) -> Client<tokio::io::DuplexStream> {
            let (client_end, mut server_end) = duplex(1 << 16);
            tokio::spawn(async move {
                server_end.write_all(b"+OK ready\r\n").await?;
                server_end.write_all(head).await?;
                let chunk = [fill; 8192];
                loop {
                    server_end.write_all(&chunk).await?;
                }
                #[allow(unreachable_code)]
                Ok::<(), std::io::Error>(())
            });
            Client::start(client_end, Duration::from_secs(5))
                .await
                .unwrap()
        }
        let mut c = endless(b"+OK ", b'x').await;
        match c.stat().await {
            Err(Pop3Error::TooLong {
                command: "STAT",
                limit,
            }) => {
                assert_eq!(limit, STATUS_LINE_MAX as u64)
            }
            other => panic!("status line: {other:?}"),
        }
        let mut c = endless(b"+OK\r\n1 a\r\n", b'\n').await;
        match c.uidl().await {
            Err(Pop3Error::TooLong {
                command: "UIDL",
                limit,
            }) => assert_eq!(limit, LISTING_MAX),
            other => panic!("listing: {other:?}"),
        }
        let mut c = endless(b"+OK\r\n", b'x').await;
        match c.capa().await {
            Err(Pop3Error::TooLong {
                command: "CAPA", ..
            }) => {}
            other => panic!("one endless line: {other:?}"),
        }
        for fill in [b'\n', b'y'] {
            let mut c = endless(b"+OK 100 octets\r\nSubject: x\r\n\r\n", fill).await;
            let limit = retr_limit(Some(100));
            assert!(limit < 100 + 100 * 1024, "a small margin: {limit}");
            match c.retr_many(&[(1, limit), (2, limit)], true).await {
                Err(Pop3Error::TooLong {
                    command: "RETR",
                    limit: l,
                }) => assert_eq!(l, limit),
                other => panic!("message: {other:?}"),
            }
        }
        assert_eq!(retr_limit(None), message_max());
        assert_eq!(retr_limit(Some(u64::MAX)), message_max());
        assert!(
            !Pop3Error::TooLong {
                command: "RETR",
                limit: 1
            }
            .is_transient()
        );
    }

    /// A server that accepts the connection and says nothing: the
    /// connection test ends at the timeout whatever the protection (the
    /// TLS handshake, the greeting, STARTTLS's CAPA), never hangs.
    #[tokio::test]
    async fn a_silent_server_ends_the_connection_test_at_the_timeout() {
        use crate::presets::Protection;
        let port = crate::net::silent_server().await;
        for protection in [Protection::SslTls, Protection::StartTls, Protection::None] {
            let login = PopLogin {
                host: "127.0.0.1".into(),
                port,
                protection,
                user: "u".into(),
                auth: PopAuth::Pass("p".into()),
                timeout: Duration::from_millis(300),
                trust: Trust::public(),
            };
            let started = std::time::Instant::now();
            let mut steps = Vec::new();
            let r = tokio::time::timeout(
                Duration::from_secs(10),
                diagnose(&login, &mut |s| steps.push(s)),
            )
            .await
            .expect("the test ends by itself");
            assert!(
                r.as_ref().is_err_and(|e| e.is_timeout()),
                "{protection:?}: {r:?}"
            );
            assert!(started.elapsed() < Duration::from_secs(3), "{protection:?}");
            assert!(
                steps.last().is_some_and(|s| !s.ok),
                "{protection:?}: a failed step"
            );
        }
    }

    #[tokio::test]
    async fn credentials_with_line_breaks_are_refused() {
        let (mut c, _server) = scripted(b"+OK ready\r\n").await;
        assert!(c.login("alice\r\nDELE 1", "x").await.is_err());
    }
}
