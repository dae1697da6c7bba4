//! SMTP submission with every protection and authentication mode the setup
//! wizard offers, reporting each step as it happens (for 「接続テスト」) and
//! keeping the server's replies in its errors.
//!
//! Written here rather than through lettre because the connection test needs
//! the individual steps (greeting, EHLO capabilities, TLS details) and lettre
//! has no CRAM-MD5. Messages come from `crate::compose`; the connection
//! itself from `crate::net::connect_protected`.
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::diag::{Report, Step, StepKind};
use crate::net::{BoxStream, NetError, ProtectError, Target};
use crate::pop3::{self, Pop3Error};
use crate::presets::{Protection, SmtpMechanism};
use crate::tls::{TlsError, TlsInfo, Trust};

/// How to prove who is sending (メール送信時の認証).
#[derive(Clone)]
pub enum SmtpAuth {
    /// 認証しない
    None,
    /// POP before SMTP: a POP3 login first, then send without AUTH.
    PopBeforeSmtp(pop3::PopLogin),
    /// SMTP認証 with a mechanism (標準 = the strongest the server offers).
    Smtp {
        mechanism: SmtpMechanism,
        user: String,
        password: String,
    },
    /// XOAUTH2認証: an OAuth access token for `user`.
    Bearer {
        mechanism: crate::sasl::BearerMechanism,
        user: String,
        token: String,
    },
}

/// Secrets never reach a debug print or a log line.
impl std::fmt::Debug for SmtpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpAuth::None => f.write_str("None"),
            SmtpAuth::PopBeforeSmtp(l) => write!(f, "PopBeforeSmtp({l:?})"),
            SmtpAuth::Smtp {
                mechanism, user, ..
            } => write!(f, "Smtp({mechanism:?}, {user:?}, ********)"),
            SmtpAuth::Bearer {
                mechanism, user, ..
            } => write!(f, "Bearer({mechanism:?}, {user:?}, ********)"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub protection: Protection,
    pub auth: SmtpAuth,
    /// Every step runs under this.
    pub timeout: Duration,
    /// Whom TLS trusts (built once at start-up).
    pub trust: Trust,
    /// Our name in EHLO.
    pub helo_name: String,
}

/// A multi-line SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| format!("{} {l}", self.code))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What EHLO said the server can do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub auth: Vec<String>,
    pub starttls: bool,
    pub size: Option<u64>,
    pub pipelining: bool,
    pub smtputf8: bool,
}

impl Capabilities {
    pub fn parse(reply: &Reply) -> Self {
        let mut caps = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                "AUTH" => caps.auth.extend(words.map(|w| w.to_ascii_uppercase())),
                "STARTTLS" => caps.starttls = true,
                "SIZE" => caps.size = words.next().and_then(|n| n.parse().ok()),
                "PIPELINING" => caps.pipelining = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                _ => {}
            }
        }
        caps.auth.dedup();
        caps
    }

    fn offers(&self, mech: &str) -> bool {
        self.auth.iter().any(|m| m == mech)
    }

    /// 標準: CRAM-MD5 keeps the password off the wire even without TLS;
    /// otherwise PLAIN, then LOGIN.
    fn strongest(&self) -> Option<SmtpMechanism> {
        [
            ("CRAM-MD5", SmtpMechanism::CramMd5),
            ("PLAIN", SmtpMechanism::Plain),
            ("LOGIN", SmtpMechanism::Login),
        ]
        .into_iter()
        .find(|(name, _)| self.offers(name))
        .map(|(_, m)| m)
    }
}

fn mechanism_name(m: SmtpMechanism) -> &'static str {
    match m {
        SmtpMechanism::Standard => "標準",
        SmtpMechanism::CramMd5 => "CRAM-MD5",
        SmtpMechanism::Login => "LOGIN",
        SmtpMechanism::Plain => "PLAIN",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// Resolving, connecting or the TLS handshake's deadline.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server's reply did not come in time.
    #[error("timed out after {0:?} during {1}")]
    Timeout(Duration, &'static str),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("the server does not offer STARTTLS")]
    StartTlsNotOffered,
    #[error("the server does not offer AUTH {wanted} (it offers: {offered:?})")]
    MechanismNotOffered {
        wanted: &'static str,
        offered: Vec<String>,
    },
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// The server refused the OAuth access token, with its reason when it
    /// gave one in a challenge. Refreshing the token may help once.
    #[error("the server refused the access token: {reply} {refusal}")]
    TokenRefused {
        refusal: crate::sasl::Refusal,
        reply: String,
    },
    #[error("during {during} the server replied: {text}")]
    Reply {
        during: &'static str,
        code: u16,
        text: String,
    },
    #[error("connection closed during {0}")]
    Closed(&'static str),
    #[error("malformed reply during {0}: {1:?}")]
    Protocol(&'static str, String),
    #[error("i/o during {1}: {0}")]
    Io(#[source] std::io::Error, &'static str),
    #[error("POP before SMTP: {0}")]
    Pop(#[from] Pop3Error),
    #[error("invalid {0}")]
    Invalid(&'static str),
}

impl SmtpError {
    /// Worth retrying later: 4xx replies, timeouts, dropped connections.
    pub fn is_transient(&self) -> bool {
        match self {
            SmtpError::Reply { code, .. } => (400..500).contains(code),
            SmtpError::Timeout(..) | SmtpError::Closed(_) | SmtpError::Io(..) => true,
            SmtpError::Net(e) => e.is_transient(),
            SmtpError::Pop(e) => e.is_timeout(),
            _ => false,
        }
    }
    /// Retrying will not help: 5xx replies and refused credentials.
    pub fn is_permanent(&self) -> bool {
        match self {
            SmtpError::Reply { code, .. } => *code >= 500,
            SmtpError::AuthFailed(_)
            | SmtpError::TokenRefused { .. }
            | SmtpError::MechanismNotOffered { .. }
            | SmtpError::StartTlsNotOffered => true,
            _ => false,
        }
    }
    pub fn is_timeout(&self) -> bool {
        match self {
            SmtpError::Timeout(..) => true,
            SmtpError::Net(e) => e.is_timeout(),
            _ => false,
        }
    }
    pub fn is_tls(&self) -> bool {
        matches!(self, SmtpError::Tls(_) | SmtpError::StartTlsNotOffered)
    }
}

impl From<ProtectError<SmtpError>> for SmtpError {
    fn from(e: ProtectError<SmtpError>) -> Self {
        match e {
            ProtectError::Net(e) => SmtpError::Net(e),
            ProtectError::Tls(e) => SmtpError::Tls(e),
            ProtectError::Protocol(e) => e,
        }
    }
}

type Result<T> = std::result::Result<T, SmtpError>;

/// Protocol dialogue for 送信時のログ, with credentials masked.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    pub lines: Vec<String>,
}

const MAX_TRANSCRIPT_LINES: usize = 400;

impl Transcript {
    fn push(&mut self, dir: &str, line: &str) {
        if self.lines.len() < MAX_TRANSCRIPT_LINES {
            self.lines.push(format!(
                "{dir} {}",
                line.chars().take(512).collect::<String>()
            ));
        }
    }
}

/// An SMTP dialogue over any stream.
pub struct Conn<S> {
    io: BufReader<S>,
    timeout: Duration,
    pub transcript: Transcript,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub fn new(stream: S, timeout: Duration) -> Self {
        Conn {
            io: BufReader::new(stream),
            timeout,
            transcript: Transcript::default(),
        }
    }

    pub fn into_inner(self) -> (S, Transcript) {
        (self.io.into_inner(), self.transcript)
    }

    /// Reads one reply, all its lines within one `timeout`: a server that
    /// dribbles continuation lines cannot hold the session longer than a
    /// silent one.
    pub async fn read_reply(&mut self, during: &'static str) -> Result<Reply> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let n = tokio::time::timeout_at(deadline, async {
                (&mut self.io).take(4096).read_until(b'\n', &mut buf).await
            })
            .await
            .map_err(|_| SmtpError::Timeout(self.timeout, during))?
            .map_err(|e| SmtpError::Io(e, during))?;
            if n == 0 {
                return Err(SmtpError::Closed(during));
            }
            let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
            self.transcript.push("S:", &line);
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| SmtpError::Protocol(during, line.clone()))?;
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line.get(4..).unwrap_or_default().to_owned());
            if !more {
                return Ok(Reply { code, lines });
            }
            if lines.len() > 200 {
                return Err(SmtpError::Protocol(during, "reply too long".into()));
            }
        }
    }

    async fn write_raw(&mut self, bytes: &[u8], during: &'static str) -> Result<()> {
        let w = self.io.get_mut();
        tokio::time::timeout(self.timeout, async {
            w.write_all(bytes).await?;
            w.flush().await
        })
        .await
        .map_err(|_| SmtpError::Timeout(self.timeout, during))?
        .map_err(|e| SmtpError::Io(e, during))
    }

    /// Sends a command line; `shown` is what the transcript records (masked
    /// for credentials).
    async fn send(&mut self, line: &str, shown: &str, during: &'static str) -> Result<()> {
        if line.contains(['\r', '\n']) {
            return Err(SmtpError::Invalid("line break in a command"));
        }
        self.transcript.push("C:", shown);
        self.write_raw(format!("{line}\r\n").as_bytes(), during)
            .await
    }

    async fn expect(
        &mut self,
        line: &str,
        shown: &str,
        during: &'static str,
        ok: u16,
    ) -> Result<Reply> {
        self.send(line, shown, during).await?;
        let reply = self.read_reply(during).await?;
        if reply.code != ok {
            return Err(SmtpError::Reply {
                during,
                code: reply.code,
                text: reply.text(),
            });
        }
        Ok(reply)
    }

    pub async fn greeting(&mut self) -> Result<Reply> {
        let reply = self.read_reply("greeting").await?;
        if reply.code != 220 {
            return Err(SmtpError::Reply {
                during: "greeting",
                code: reply.code,
                text: reply.text(),
            });
        }
        Ok(reply)
    }

    pub async fn ehlo(&mut self, name: &str) -> Result<Capabilities> {
        let line = format!("EHLO {name}");
        let reply = self.expect(&line, &line, "EHLO", 250).await?;
        Ok(Capabilities::parse(&reply))
    }

    /// Authenticates with `mechanism`, which must be offered.
    pub async fn auth(
        &mut self,
        caps: &Capabilities,
        mechanism: SmtpMechanism,
        user: &str,
        password: &str,
    ) -> Result<&'static str> {
        let mechanism = match mechanism {
            SmtpMechanism::Standard => caps.strongest().ok_or(SmtpError::MechanismNotOffered {
                wanted: "標準",
                offered: caps.auth.clone(),
            })?,
            m => m,
        };
        let name = mechanism_name(mechanism);
        if !caps.offers(name) {
            return Err(SmtpError::MechanismNotOffered {
                wanted: name,
                offered: caps.auth.clone(),
            });
        }
        let fail = |r: Reply| {
            if r.code == 535 || r.code == 534 || r.code == 454 {
                SmtpError::AuthFailed(r.text())
            } else {
                SmtpError::Reply {
                    during: "AUTH",
                    code: r.code,
                    text: r.text(),
                }
            }
        };
        let done = match mechanism {
            SmtpMechanism::Plain => {
                let token = B64.encode(format!("\0{user}\0{password}"));
                self.send(
                    &format!("AUTH PLAIN {token}"),
                    "AUTH PLAIN ********",
                    "AUTH",
                )
                .await?;
                self.read_reply("AUTH").await?
            }
            SmtpMechanism::Login => {
                self.send("AUTH LOGIN", "AUTH LOGIN", "AUTH").await?;
                let r = self.read_reply("AUTH").await?;
                if r.code != 334 {
                    return Err(fail(r));
                }
                self.send(&B64.encode(user), "********", "AUTH").await?;
                let r = self.read_reply("AUTH").await?;
                if r.code != 334 {
                    return Err(fail(r));
                }
                self.send(&B64.encode(password), "********", "AUTH").await?;
                self.read_reply("AUTH").await?
            }
            SmtpMechanism::CramMd5 => {
                self.send("AUTH CRAM-MD5", "AUTH CRAM-MD5", "AUTH").await?;
                let r = self.read_reply("AUTH").await?;
                if r.code != 334 {
                    return Err(fail(r));
                }
                let challenge = B64
                    .decode(r.lines.first().map(|l| l.trim()).unwrap_or_default())
                    .map_err(|_| SmtpError::Protocol("AUTH", r.text()))?;
                let response =
                    B64.encode(format!("{user} {}", cram_md5_digest(password, &challenge)));
                self.send(&response, "********", "AUTH").await?;
                self.read_reply("AUTH").await?
            }
            SmtpMechanism::Standard => unreachable!("resolved above"),
        };
        if done.code != 235 {
            return Err(fail(done));
        }
        Ok(name)
    }

    /// AUTH with an OAuth access token. A refused token comes back as a 334
    /// challenge with the server's reason (acknowledged, so the server
    /// sends its final 535) or as a 535 straight away (Microsoft's 5.7.139
    /// and 5.7.3 are such).
    pub async fn auth_bearer(
        &mut self,
        caps: &Capabilities,
        mechanism: crate::sasl::BearerMechanism,
        user: &str,
        token: &str,
        server: (&str, u16),
    ) -> Result<&'static str> {
        if crate::sasl::unsafe_for_wire(user) || crate::sasl::unsafe_for_wire(token) {
            return Err(SmtpError::Invalid("user ID or access token"));
        }
        let resolved = mechanism.resolve(&caps.auth);
        let name = resolved.name();
        if !caps.offers(name) {
            return Err(SmtpError::MechanismNotOffered {
                wanted: name,
                offered: caps.auth.clone(),
            });
        }
        let line = format!(
            "AUTH {name} {}",
            resolved.initial_response(user, token, server.0, server.1)
        );
        self.send(&line, &format!("AUTH {name} ********"), "AUTH")
            .await?;
        let mut reply = self.read_reply("AUTH").await?;
        let mut refusal = crate::sasl::Refusal::default();
        if reply.code == 334 {
            refusal = crate::sasl::Refusal::from_challenge(
                reply.lines.first().map(String::as_str).unwrap_or_default(),
            );
            self.transcript
                .push("--", &format!("token refused: {refusal}"));
            self.send(resolved.refusal_ack(), "********", "AUTH")
                .await?;
            reply = self.read_reply("AUTH").await?;
        }
        match reply.code {
            235 if refusal.raw.is_empty() => Ok(name),
            235 | 535 | 534 | 530 => Err(SmtpError::TokenRefused {
                refusal,
                reply: reply.text(),
            }),
            code => Err(SmtpError::Reply {
                during: "AUTH",
                code,
                text: reply.text(),
            }),
        }
    }

    /// One message: MAIL, RCPT for each recipient, DATA with dot-stuffing.
    pub async fn send_mail(&mut self, from: &str, to: &[String], data: &[u8]) -> Result<Reply> {
        if to.is_empty() {
            return Err(SmtpError::Invalid("recipient list"));
        }
        let mail = format!("MAIL FROM:<{from}>");
        self.expect(&mail, &mail, "MAIL FROM", 250).await?;
        for rcpt in to {
            let line = format!("RCPT TO:<{rcpt}>");
            self.send(&line, &line, "RCPT TO").await?;
            let r = self.read_reply("RCPT TO").await?;
            if r.code != 250 && r.code != 251 {
                return Err(SmtpError::Reply {
                    during: "RCPT TO",
                    code: r.code,
                    text: r.text(),
                });
            }
        }
        self.expect("DATA", "DATA", "DATA", 354).await?;
        self.message(data).await
    }

    /// The message after a 354, dot-stuffed, and the server's verdict on it.
    async fn message(&mut self, data: &[u8]) -> Result<Reply> {
        self.write_raw(&dot_stuff(data), "DATA").await?;
        self.transcript
            .push("C:", &format!("<{} bytes of message>", data.len()));
        let r = self.read_reply("DATA").await?;
        if r.code != 250 {
            return Err(SmtpError::Reply {
                during: "DATA",
                code: r.code,
                text: r.text(),
            });
        }
        Ok(r)
    }

    /// One message with PIPELINING (RFC 2920): MAIL, every RCPT and DATA go
    /// in one write and their replies are read in order, which saves two
    /// round trips per message on a server that offers it.
    pub async fn send_mail_pipelined(
        &mut self,
        from: &str,
        to: &[String],
        data: &[u8],
    ) -> Result<Reply> {
        if to.is_empty() {
            return Err(SmtpError::Invalid("recipient list"));
        }
        let mut batch = String::new();
        let mut lines = vec![format!("MAIL FROM:<{from}>")];
        lines.extend(to.iter().map(|r| format!("RCPT TO:<{r}>")));
        lines.push("DATA".into());
        for l in &lines {
            if l.contains(['\r', '\n']) {
                return Err(SmtpError::Invalid("line break in a command"));
            }
            self.transcript.push("C:", l);
            batch.push_str(l);
            batch.push_str("\r\n");
        }
        self.write_raw(batch.as_bytes(), "MAIL FROM").await?;
        // Every reply is read, even after a refusal, so the dialogue stays
        // in step for the RSET that follows.
        let mut first_error = None;
        let mail = self.read_reply("MAIL FROM").await?;
        if mail.code != 250 {
            first_error = Some(SmtpError::Reply {
                during: "MAIL FROM",
                code: mail.code,
                text: mail.text(),
            });
        }
        let mut accepted = 0;
        for _ in to {
            let r = self.read_reply("RCPT TO").await?;
            if r.code == 250 || r.code == 251 {
                accepted += 1;
            } else if first_error.is_none() {
                first_error = Some(SmtpError::Reply {
                    during: "RCPT TO",
                    code: r.code,
                    text: r.text(),
                });
            }
        }
        let go = self.read_reply("DATA").await?;
        if go.code != 354 {
            return Err(first_error.unwrap_or(SmtpError::Reply {
                during: "DATA",
                code: go.code,
                text: go.text(),
            }));
        }
        if accepted == 0 {
            // A server that says 354 with no recipient accepted gets an empty
            // message, which it refuses; the dialogue stays in step.
            self.write_raw(b".\r\n", "DATA").await?;
            let _ = self.read_reply("DATA").await?;
            return Err(first_error.unwrap_or(SmtpError::Protocol(
                "RCPT TO",
                "no recipient was accepted".into(),
            )));
        }
        let r = self.message(data).await?;
        // Some recipients refused, the others got the message (as a mail
        // client reports it): the refusal is the result.
        match first_error {
            Some(e) => Err(e),
            None => Ok(r),
        }
    }

    pub async fn quit(&mut self) -> Result<()> {
        self.send("QUIT", "QUIT", "QUIT").await?;
        // The reply does not matter: the message was already accepted.
        let _ = self.read_reply("QUIT").await;
        Ok(())
    }
}

/// `user`'s CRAM-MD5 answer: hex HMAC-MD5 of the challenge keyed by the password.
pub fn cram_md5_digest(password: &str, challenge: &[u8]) -> String {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(password.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(challenge);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// CRLF line ends and a doubled leading dot, then the terminating ".".
pub fn dot_stuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// What a successful session did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub capabilities: Capabilities,
    pub mechanism: Option<&'static str>,
    pub tls: Option<TlsInfo>,
    pub accepted: Option<Reply>,
    pub transcript: Transcript,
}

/// The message to send, if any (a connection test sends none).
pub struct Envelope<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub data: &'a [u8],
}

/// An open, protected and authenticated connection that can carry several
/// messages: the notification dispatcher keeps one per worker instead of
/// paying TCP, TLS and AUTH for every message.
pub struct Session {
    conn: Conn<BoxStream>,
    pub outcome: Outcome,
    broken: bool,
}

impl Session {
    /// Sends one message. A refusal (4xx/5xx to MAIL, RCPT or DATA) leaves
    /// the connection usable: the transaction is reset for the next message.
    /// Any other failure leaves it broken (`is_usable` says so).
    pub async fn send(&mut self, from: &str, to: &[String], data: &[u8]) -> Result<Reply> {
        let sent = if self.outcome.capabilities.pipelining {
            self.conn.send_mail_pipelined(from, to, data).await
        } else {
            self.conn.send_mail(from, to, data).await
        };
        match sent {
            Ok(r) => Ok(r),
            Err(e @ SmtpError::Reply { .. }) => {
                if self.conn.expect("RSET", "RSET", "RSET", 250).await.is_err() {
                    self.broken = true;
                }
                Err(e)
            }
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
    }

    pub fn is_usable(&self) -> bool {
        !self.broken
    }

    pub fn transcript(&self) -> &Transcript {
        &self.conn.transcript
    }

    /// Ends the dialogue politely; the transcript stays with the caller.
    pub async fn quit(mut self) -> Outcome {
        if !self.broken {
            let _ = self.conn.quit().await;
        }
        let (_, transcript) = self.conn.into_inner();
        self.outcome.transcript = transcript;
        self.outcome
    }
}

/// Runs a whole session: connect, protect, authenticate, optionally send.
/// `on_step` sees every step as it happens, also the failing one.
pub async fn session(
    settings: &SmtpSettings,
    envelope: Option<Envelope<'_>>,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Outcome> {
    let started = Instant::now();
    let mut s = open(settings, on_step).await?;
    if let Some(env) = envelope {
        let step = |ok, detail| Step {
            kind: StepKind::Send,
            ok,
            elapsed_ms: started.elapsed().as_millis() as u64,
            detail,
        };
        match s.send(env.from, env.to, env.data).await {
            Ok(r) => {
                on_step(step(true, r.text()));
                s.outcome.accepted = Some(r);
            }
            Err(e) => {
                on_step(step(false, e.to_string()));
                let _ = s.quit().await;
                return Err(e);
            }
        }
    }
    Ok(s.quit().await)
}

/// Connects, protects and authenticates as `settings` say, reporting each
/// step; the returned session is ready for MAIL FROM.
pub async fn open(
    settings: &SmtpSettings,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Session> {
    let mut report = crate::diag::reporter(on_step);
    let t = settings.timeout;

    if let SmtpAuth::PopBeforeSmtp(login) = &settings.auth {
        match pop3::login_session(login).await {
            Ok(()) => report(
                StepKind::PopLogin,
                true,
                format!("{}:{}", login.host, login.port),
            ),
            Err(e) => {
                report(StepKind::PopLogin, false, e.to_string());
                return Err(e.into());
            }
        }
    }

    let target = Target {
        host: &settings.host,
        port: settings.port,
        protection: settings.protection,
        timeout: t,
        trust: &settings.trust,
    };
    let helo = settings.helo_name.as_str();
    let negotiation = StartTls { timeout: t, helo };
    let protected = crate::net::connect_protected(&target, &mut report, negotiation).await?;
    let mut conn = Conn::new(protected.stream, t);
    let caps = match protected.negotiated {
        Some(transcript) => {
            conn.transcript = transcript;
            conn.transcript.push("--", "TLS started");
            match conn.ehlo(helo).await {
                Ok(c) => {
                    report(StepKind::Capabilities, true, describe(&c));
                    c
                }
                Err(e) => {
                    report(StepKind::Capabilities, false, e.to_string());
                    return Err(e);
                }
            }
        }
        None => greet_and_ehlo(&mut conn, helo, &mut report).await?,
    };
    let mut outcome = Outcome {
        capabilities: caps.clone(),
        tls: protected.tls,
        ..Default::default()
    };
    if let SmtpAuth::Smtp {
        mechanism,
        user,
        password,
    } = &settings.auth
    {
        match conn.auth(&caps, *mechanism, user, password).await {
            Ok(name) => {
                report(StepKind::Login, true, format!("AUTH {name}"));
                outcome.mechanism = Some(name);
            }
            Err(e) => {
                report(StepKind::Login, false, e.to_string());
                let _ = conn.quit().await;
                return Err(e);
            }
        }
    }
    if let SmtpAuth::Bearer {
        mechanism,
        user,
        token,
    } = &settings.auth
    {
        let server = (settings.host.as_str(), settings.port);
        match conn
            .auth_bearer(&caps, *mechanism, user, token, server)
            .await
        {
            Ok(name) => {
                report(StepKind::Login, true, format!("AUTH {name}"));
                outcome.mechanism = Some(name);
            }
            Err(e) => {
                report(StepKind::Login, false, e.to_string());
                let _ = conn.quit().await;
                return Err(e);
            }
        }
    }
    Ok(Session {
        conn,
        outcome,
        broken: false,
    })
}

/// SMTP's STARTTLS negotiation (RFC 3207): greeting, EHLO, STARTTLS. Fails
/// safe when the server does not offer it: nothing more is said in clear,
/// least of all credentials. The dialogue so far comes back with the
/// stream, for 送信時のログ.
struct StartTls<'a> {
    timeout: Duration,
    helo: &'a str,
}

impl crate::net::StartTls for StartTls<'_> {
    type Learnt = Transcript;
    type Error = SmtpError;
    async fn negotiate(
        self,
        tcp: tokio::net::TcpStream,
        report: &mut Report<'_>,
    ) -> Result<(tokio::net::TcpStream, Transcript)> {
        starttls(tcp, self.timeout, self.helo, report).await
    }
}

async fn starttls(
    tcp: tokio::net::TcpStream,
    timeout: Duration,
    helo: &str,
    report: &mut Report<'_>,
) -> Result<(tokio::net::TcpStream, Transcript)> {
    let mut conn = Conn::new(tcp, timeout);
    let caps = greet_and_ehlo(&mut conn, helo, report).await?;
    if !caps.starttls {
        report(StepKind::StartTls, false, "STARTTLS not offered".into());
        let _ = conn.quit().await;
        return Err(SmtpError::StartTlsNotOffered);
    }
    if let Err(e) = conn.expect("STARTTLS", "STARTTLS", "STARTTLS", 220).await {
        report(StepKind::StartTls, false, e.to_string());
        return Err(e);
    }
    Ok(conn.into_inner())
}

fn describe(caps: &Capabilities) -> String {
    let mut parts = vec![format!("AUTH {}", caps.auth.join(" "))];
    if caps.starttls {
        parts.push("STARTTLS".into());
    }
    if let Some(s) = caps.size {
        parts.push(format!("SIZE {s}"));
    }
    if caps.pipelining {
        parts.push("PIPELINING".into());
    }
    parts.join(", ")
}

async fn greet_and_ehlo<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    helo: &str,
    report: &mut Report<'_>,
) -> Result<Capabilities> {
    match conn.greeting().await {
        Ok(r) => report(StepKind::Greeting, true, r.text()),
        Err(e) => {
            report(StepKind::Greeting, false, e.to_string());
            return Err(e);
        }
    }
    match conn.ehlo(helo).await {
        Ok(caps) => {
            report(StepKind::Capabilities, true, describe(&caps));
            Ok(caps)
        }
        Err(e) => {
            report(StepKind::Capabilities, false, e.to_string());
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that sends a continuation line just before each read
    /// would time out is cut off at the timeout for the whole reply.
    #[tokio::test]
    async fn a_dribbled_reply_ends_at_the_timeout() {
        let (client_end, mut server_end) = tokio::io::duplex(1 << 12);
        tokio::spawn(async move {
            loop {
                if server_end.write_all(b"250-still going\r\n").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        });
        let mut c = Conn::new(client_end, Duration::from_millis(200));
        let started = Instant::now();
        let r = c.read_reply("EHLO").await;
        assert!(r.as_ref().is_err_and(|e| e.is_timeout()), "{r:?}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    /// A server that accepts the connection and says nothing: sending and
    /// the connection test end at the timeout whatever the protection.
    #[tokio::test]
    async fn a_silent_server_ends_the_session_at_the_timeout() {
        let port = crate::net::silent_server().await;
        for protection in [Protection::SslTls, Protection::StartTls, Protection::None] {
            let settings = SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                protection,
                auth: SmtpAuth::None,
                timeout: Duration::from_millis(300),
                trust: Trust::public(),
                helo_name: "tayori-test".into(),
            };
            let started = Instant::now();
            let r = tokio::time::timeout(
                Duration::from_secs(10),
                session(&settings, None, &mut |_| {}),
            )
            .await
            .expect("the session ends by itself");
            assert!(
                r.as_ref().is_err_and(|e| e.is_timeout()),
                "{protection:?}: {r:?}"
            );
            assert!(started.elapsed() < Duration::from_secs(3), "{protection:?}");
        }
    }

    #[test]
    fn cram_md5_matches_rfc_2195() {
        // RFC 2195 section 2 example.
        let challenge = b"<1896.697170952@postoffice.reston.mci.net>";
        assert_eq!(
            cram_md5_digest("tanstaaftanstaaf", challenge),
            "b913a602c7eda7a495b4e6e7334d3890"
        );
    }

    #[test]
    fn dot_stuffing_and_line_ends() {
        assert_eq!(dot_stuff(b"a\n.b\r\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(dot_stuff(b".\n"), b"..\r\n.\r\n");
    }

    #[test]
    fn ehlo_capabilities() {
        let r = Reply {
            code: 250,
            lines: vec![
                "mail.example.test".into(),
                "PIPELINING".into(),
                "SIZE 10240000".into(),
                "STARTTLS".into(),
                "AUTH PLAIN LOGIN CRAM-MD5".into(),
                "SMTPUTF8".into(),
            ],
        };
        let c = Capabilities::parse(&r);
        assert!(c.starttls && c.pipelining && c.smtputf8);
        assert_eq!(c.size, Some(10_240_000));
        assert_eq!(c.strongest(), Some(SmtpMechanism::CramMd5));
        let login_only = Capabilities {
            auth: vec!["LOGIN".into()],
            ..Default::default()
        };
        assert_eq!(login_only.strongest(), Some(SmtpMechanism::Login));
    }

    #[tokio::test]
    async fn pipelined_send_reads_every_reply_and_keeps_the_refusal() {
        let (client, mut server) = tokio::io::duplex(8192);
        let srv = tokio::spawn(async move {
            // A refused recipient: MAIL ok, RCPT 550, DATA 554; then a good
            // message after RSET.
            server
                .write_all(b"250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n")
                .await
                .unwrap();
            server
                .write_all(b"250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 queued as X\r\n")
                .await
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while let Ok(n) = server.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if got.ends_with(b"\r\n.\r\n") {
                    break;
                }
            }
            got
        });
        let mut c = Conn::new(client, Duration::from_secs(2));
        let to = vec!["ghost@example.test".to_owned()];
        match c.send_mail_pipelined("a@example.test", &to, b"x").await {
            Err(SmtpError::Reply { during, code, .. }) => {
                assert_eq!((during, code), ("RCPT TO", 550))
            }
            other => panic!("{other:?}"),
        }
        let ok = c
            .send_mail_pipelined(
                "a@example.test",
                &["b@example.test".to_owned()],
                b"Subject: s\r\n\r\nbody",
            )
            .await
            .unwrap();
        assert_eq!(ok.code, 250);
        drop(c);
        let sent = String::from_utf8(srv.await.unwrap()).unwrap();
        assert!(
            sent.starts_with(
                "MAIL FROM:<a@example.test>\r\nRCPT TO:<ghost@example.test>\r\nDATA\r\n"
            ),
            "{sent}"
        );
        assert!(sent.ends_with("body\r\n.\r\n"), "{sent}");
    }

    #[tokio::test]
    async fn multiline_reply_and_masked_auth() {
        let (client, mut server) = tokio::io::duplex(4096);
        let srv = tokio::spawn(async move {
            server
                .write_all(b"220 hi\r\n250-x\r\n250 AUTH PLAIN\r\n235 ok\r\n")
                .await
                .unwrap();
            let mut got = vec![0u8; 256];
            let n = server.read(&mut got).await.unwrap();
            got.truncate(n);
            got
        });
        let mut c = Conn::new(client, Duration::from_secs(2));
        c.greeting().await.unwrap();
        let caps = c.ehlo("tayori").await.unwrap();
        assert_eq!(caps.auth, vec!["PLAIN"]);
        c.auth(&caps, SmtpMechanism::Standard, "u", "secret-pw")
            .await
            .unwrap();
        let log = c.transcript.lines.join("\n");
        assert!(log.contains("AUTH PLAIN ********"), "{log}");
        assert!(!log.contains(&B64.encode("\0u\0secret-pw")), "{log}");
        drop(c);
        let _ = srv.await;
    }
}
