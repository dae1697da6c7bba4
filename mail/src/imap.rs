//! IMAP for ウェブメールIMAP: the mail stays on the server and Tayori reads
//! it there. Commands, the response parser and IDLE come from async-imap;
//! connecting and protecting (`net::connect_protected`), STARTTLS, the
//! login (PLAIN for any password, XOAUTH2 / OAUTHBEARER with the refusal's
//! reason), the bounds on time and size, and the answers async-imap does
//! not collect itself (SORT, CHANGEDSINCE with VANISHED) are here.
//!
//! Every read or write waits at most the login's timeout for the peer,
//! every command at most [`CEILING`] times it, and every answer brings at
//! most the bytes its command allows (a page of rows, one message, a
//! listing of UIDs): a slow or hostile server costs a failed command,
//! never a hung request or the process's memory.
use std::collections::HashSet;
use std::time::Duration;

use async_imap::imap_proto::{
    AttributeValue, BodyStructure, MailboxDatum, MailboxListData, NameAttribute, Response, Status,
};
use futures_util::TryStreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::diag::{Report, Step, StepKind};
use crate::net::{NetError, ProtectError, Target};
use crate::presets::Protection;
use crate::sasl::{BearerMechanism, Refusal};
use crate::tls::{TlsError, Trust};

pub mod utf7;
mod wire;

pub use wire::Wire;

/// A whole command may take this many times the login's timeout (a large
/// message on a slow link), however often the server sends a byte.
pub const CEILING: u32 = 10;
/// What a small command's answer may bring (LIST, STATUS, STORE, …).
const SMALL: u64 = 1 << 20;
/// What a listing of UIDs may bring: ten bytes each for two million.
const UIDS: u64 = 20 << 20;
/// What one row of the list may bring (ENVELOPE and BODYSTRUCTURE of a
/// message with many recipients and parts).
const PER_ROW: u64 = 64 << 10;
/// UIDs of one VANISHED answer kept (more than a folder's cache holds).
const VANISHED_MAX: usize = 1 << 20;
/// Longest line before login (greeting, CAPABILITY, STARTTLS).
const LINE_MAX: u64 = 8 << 10;

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server answered NO or BAD; its text is kept for the user.
    #[error("server refused {command}: {reply}")]
    Refused {
        command: &'static str,
        reply: String,
    },
    /// The server refused the OAuth access token, with its reason.
    #[error("server refused the access token: {refusal} ({reply})")]
    TokenRefused { refusal: Refusal, reply: String },
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
    #[error("connection closed by the server during {0}")]
    Closed(&'static str),
    #[error("unexpected reply to {command}: {detail}")]
    Protocol {
        command: &'static str,
        detail: String,
    },
    /// The answer went past what Tayori takes for that command.
    #[error("the server's answer to {command} went past {limit} bytes")]
    TooLong { command: &'static str, limit: u64 },
    /// STARTTLS was asked for and the server does not offer it: never
    /// continued in clear.
    #[error("the server does not offer {0}")]
    NotOffered(&'static str),
    #[error("i/o during {1}: {0}")]
    Io(#[source] std::io::Error, &'static str),
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl ImapError {
    pub fn is_timeout(&self) -> bool {
        match self {
            ImapError::Timeout(..) => true,
            ImapError::Net(e) => e.is_timeout(),
            _ => false,
        }
    }
    /// Worth trying again: the server was unreachable, slow or cut the
    /// connection. A refusal, a certificate or an oversized answer is not.
    pub fn is_transient(&self) -> bool {
        match self {
            ImapError::Timeout(..) | ImapError::Closed(_) | ImapError::Io(..) => true,
            ImapError::Net(e) => e.is_transient(),
            _ => false,
        }
    }
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }
    pub fn is_tls(&self) -> bool {
        matches!(self, ImapError::Tls(_) | ImapError::NotOffered(_))
    }
}

/// How a login proves itself (認証方式).
#[derive(Clone)]
pub enum ImapAuth {
    /// 標準: AUTHENTICATE PLAIN when offered (any character in the
    /// password), LOGIN otherwise.
    Password(String),
    /// XOAUTH2 / OAUTHBEARER with an OAuth access token.
    Bearer {
        mechanism: BearerMechanism,
        token: String,
    },
}

/// Secrets never reach a debug print or a log line.
impl std::fmt::Debug for ImapAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImapAuth::Password(_) => f.write_str("Password(********)"),
            ImapAuth::Bearer { mechanism, .. } => write!(f, "Bearer({mechanism:?}, ********)"),
        }
    }
}

impl ImapAuth {
    /// The password or token (for SMTP AUTH with the receiving login).
    pub fn secret(&self) -> &str {
        match self {
            ImapAuth::Password(p) => p,
            ImapAuth::Bearer { token, .. } => token,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ImapLogin {
    pub host: String,
    pub port: u16,
    pub protection: Protection,
    pub user: String,
    pub auth: ImapAuth,
    pub timeout: Duration,
    pub trust: Trust,
}

impl ImapLogin {
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

/// A folder as LIST gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    /// The name on the wire (modified UTF-7), for commands.
    pub wire: String,
    /// The name to show.
    pub name: String,
    pub delimiter: Option<String>,
    pub special: Option<Special>,
    /// `\Noselect` or `\NonExistent`: a level of the hierarchy only.
    pub selectable: bool,
}

/// SPECIAL-USE (RFC 6154) roles Tayori files mail into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

/// A folder's numbers, from SELECT or STATUS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub exists: u32,
    pub unseen: Option<u32>,
    pub uid_validity: u32,
    pub uid_next: Option<u32>,
    /// CONDSTORE's HIGHESTMODSEQ; `None` where the server keeps none.
    pub highest_modseq: Option<u64>,
}

/// Flags Tayori shows and sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub deleted: bool,
}

impl Flags {
    fn add(&mut self, name: &str) {
        match name.to_ascii_lowercase().as_str() {
            "\\seen" => self.seen = true,
            "\\flagged" => self.flagged = true,
            "\\answered" => self.answered = true,
            "\\draft" => self.draft = true,
            "\\deleted" => self.deleted = true,
            _ => {}
        }
    }
}

/// One line of the list, from ENVELOPE, FLAGS, RFC822.SIZE, INTERNALDATE
/// and BODYSTRUCTURE.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub uid: u32,
    pub flags: Flags,
    pub size: u32,
    pub internal_date: Option<chrono::DateTime<chrono::Utc>>,
    pub subject: String,
    pub from: String,
    pub to: String,
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    pub message_id: Option<String>,
    pub has_attachment: bool,
    pub modseq: Option<u64>,
}

/// What changed in a folder since a mod-sequence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub flags: Vec<(u32, Flags)>,
    /// UIDs expunged since (QRESYNC's VANISHED); empty without QRESYNC.
    pub vanished: Vec<u32>,
}

/// Orders of a folder the server can sort by (RFC 5256).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Arrival,
    From,
    Subject,
    Size,
    Date,
}

impl SortKey {
    fn word(self) -> &'static str {
        match self {
            SortKey::Arrival => "ARRIVAL",
            SortKey::From => "FROM",
            SortKey::Subject => "SUBJECT",
            SortKey::Size => "SIZE",
            SortKey::Date => "DATE",
        }
    }
}

/// Where a search looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchIn {
    Subject,
    From,
    To,
    /// Subject, From or To: what the list shows.
    Head,
    /// Headers and body (IMAP TEXT), from the server's full-text index
    /// where it has one.
    Text,
}

/// A logged-in session.
pub struct Session {
    s: async_imap::Session<Wire>,
    caps: HashSet<String>,
    timeout: Duration,
    /// The selected folder's numbers as last read; `None` once a command
    /// may have changed them.
    selected: Option<(String, Counts)>,
    /// The folder the server has selected, whatever `selected` says.
    open_folder: Option<String>,
    /// The last LIST and when it was made: a screen asks for the folders
    /// with every page, and they change only by CREATE / RENAME / DELETE
    /// (this session's, which forget it) or by another client.
    listed: Option<(std::time::Instant, Vec<Folder>)>,
}

/// How long a LIST is taken as still true (another client's new folder
/// shows within this).
const LIST_FRESH: Duration = Duration::from_secs(30);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("selected", &self.selected)
            .finish()
    }
}

/// An I/O error of a command: the budget, the peer's silence, or the
/// connection itself.
fn io_lost(command: &'static str, limit: u64, patience: Duration, e: std::io::Error) -> ImapError {
    if wire::is_overrun(&e) {
        ImapError::TooLong { command, limit }
    } else if e.kind() == std::io::ErrorKind::TimedOut {
        ImapError::Timeout(patience, command)
    } else {
        ImapError::Io(e, command)
    }
}

fn lost(
    command: &'static str,
    limit: u64,
    patience: Duration,
    e: async_imap::error::Error,
) -> ImapError {
    use async_imap::error::Error as E;
    match e {
        E::Io(e) => io_lost(command, limit, patience, e),
        E::ConnectionLost => ImapError::Closed(command),
        E::No(reply) | E::Bad(reply) => ImapError::Refused {
            command,
            reply: clip(&reply),
        },
        E::Append => ImapError::Refused {
            command,
            reply: String::new(),
        },
        other => ImapError::Protocol {
            command,
            detail: clip(&other.to_string()),
        },
    }
}

/// A server's text as kept for the user: one short line.
fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect::<String>()
}

/// Reads one line of the clear-text dialogue before login.
async fn line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    timeout: Duration,
    command: &'static str,
) -> Result<String, ImapError> {
    let mut buf = Vec::new();
    let read = async {
        let mut limited = (&mut *r).take(LINE_MAX);
        limited.read_until(b'\n', &mut buf).await
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(ImapError::Timeout(timeout, command)),
        Ok(Err(e)) => Err(io_lost(command, LINE_MAX, timeout, e)),
        Ok(Ok(0)) => Err(ImapError::Closed(command)),
        Ok(Ok(_)) if !buf.ends_with(b"\n") => Err(ImapError::TooLong {
            command,
            limit: LINE_MAX,
        }),
        Ok(Ok(_)) => Ok(String::from_utf8_lossy(&buf).trim_end().to_owned()),
    }
}

use tokio::io::AsyncReadExt as _;

/// A tagged command before login; returns the untagged lines.
async fn clear_command<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    tag: &str,
    command: &'static str,
    timeout: Duration,
) -> Result<Vec<String>, ImapError> {
    let sent = async {
        r.get_mut()
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await?;
        r.get_mut().flush().await
    };
    match tokio::time::timeout(timeout, sent).await {
        Err(_) => return Err(ImapError::Timeout(timeout, command)),
        Ok(Err(e)) => return Err(ImapError::Io(e, command)),
        Ok(Ok(())) => {}
    }
    let mut untagged = Vec::new();
    for _ in 0..64 {
        let l = line(r, timeout, command).await?;
        if let Some(rest) = l.strip_prefix(tag).and_then(|r| r.strip_prefix(' ')) {
            let ok = rest.get(..2).is_some_and(|s| s.eq_ignore_ascii_case("OK"));
            return if ok {
                Ok(untagged)
            } else {
                Err(ImapError::Refused {
                    command,
                    reply: clip(rest),
                })
            };
        }
        untagged.push(l);
    }
    Err(ImapError::Protocol {
        command,
        detail: "too many lines".into(),
    })
}

/// The capability words of `* CAPABILITY …` lines (or the greeting's
/// `[CAPABILITY …]` code), upper-cased.
fn capability_words(lines: &[String]) -> HashSet<String> {
    let mut out = HashSet::new();
    for l in lines {
        let upper = l.to_ascii_uppercase();
        let words = if let Some(rest) = upper.strip_prefix("* CAPABILITY ") {
            rest.to_owned()
        } else if let Some(at) = upper.find("[CAPABILITY ") {
            let rest = &upper[at + 12..];
            rest.split(']').next().unwrap_or_default().to_owned()
        } else {
            continue;
        };
        out.extend(words.split_whitespace().map(str::to_owned));
    }
    out
}

/// The clear-text opening: the greeting (unless TLS came first and the
/// greeting was read before it) and CAPABILITY, each reported.
async fn opening<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    timeout: Duration,
    greet: bool,
    tag: &str,
    report: &mut Report<'_>,
) -> Result<HashSet<String>, ImapError> {
    if greet {
        match line(r, timeout, "greeting").await {
            Ok(g) if g.starts_with("* OK") => report(StepKind::Greeting, true, clip(&g)),
            Ok(g) => {
                report(StepKind::Greeting, false, clip(&g));
                return Err(ImapError::Refused {
                    command: "greeting",
                    reply: clip(&g),
                });
            }
            Err(e) => {
                report(StepKind::Greeting, false, e.to_string());
                return Err(e);
            }
        }
    }
    match clear_command(r, tag, "CAPABILITY", timeout).await {
        Ok(lines) => {
            let caps = capability_words(&lines);
            let mut listed: Vec<&str> = caps.iter().map(String::as_str).collect();
            listed.sort_unstable();
            report(StepKind::Capabilities, true, listed.join(" "));
            Ok(caps)
        }
        Err(e) => {
            report(StepKind::Capabilities, false, e.to_string());
            Err(e)
        }
    }
}

/// IMAP's STARTTLS in clear: greeting, CAPABILITY, STARTTLS. Refuses —
/// never continues in clear — when the server does not offer it.
struct StartTls {
    timeout: Duration,
}

impl crate::net::StartTls for StartTls {
    type Learnt = ();
    type Error = ImapError;
    async fn negotiate(
        self,
        tcp: TcpStream,
        report: &mut Report<'_>,
    ) -> Result<(TcpStream, ()), ImapError> {
        let mut r = BufReader::new(tcp);
        let caps = opening(&mut r, self.timeout, true, "T1", report).await?;
        if !caps.contains("STARTTLS") {
            report(StepKind::StartTls, false, "STARTTLS not offered".into());
            return Err(ImapError::NotOffered("STARTTLS"));
        }
        clear_command(&mut r, "T2", "STARTTLS", self.timeout).await?;
        if !r.buffer().is_empty() {
            // Bytes after the go-ahead would be read as if protected.
            return Err(ImapError::Protocol {
                command: "STARTTLS",
                detail: "data after the server's go-ahead".into(),
            });
        }
        Ok((r.into_inner(), ()))
    }
}

/// The unauthenticated connection: protected, greeted, capabilities read
/// (again after STARTTLS: what was said in clear does not count).
async fn connect(
    l: &ImapLogin,
    report: &mut Report<'_>,
) -> Result<(BufReader<Wire>, HashSet<String>), ImapError> {
    let p = crate::net::connect_protected(&l.target(), report, StartTls { timeout: l.timeout })
        .await
        .map_err(|e| match e {
            ProtectError::Net(e) => ImapError::Net(e),
            ProtectError::Tls(e) => ImapError::Tls(e),
            ProtectError::Protocol(e) => e,
        })?;
    let mut r = BufReader::new(Wire::new(p.stream, l.timeout));
    let caps = opening(&mut r, l.timeout, p.negotiated.is_none(), "T3", report).await?;
    Ok((r, caps))
}

/// SASL PLAIN: works for passwords LOGIN's quoting cannot carry.
struct Plain(Vec<u8>);

impl async_imap::Authenticator for Plain {
    type Response = Vec<u8>;
    fn process(&mut self, _: &[u8]) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

/// XOAUTH2 / OAUTHBEARER: the initial response, then (on a refusal) the
/// acknowledgement that makes the server finish, keeping its reason.
struct Bearer {
    initial: Option<Vec<u8>>,
    ack: &'static [u8],
    refusal: std::sync::Arc<std::sync::Mutex<Option<Refusal>>>,
}

impl async_imap::Authenticator for Bearer {
    type Response = Vec<u8>;
    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        if let Some(first) = self.initial.take() {
            return first;
        }
        use base64::Engine;
        let text = base64::engine::general_purpose::STANDARD.encode(challenge);
        if let Ok(mut r) = self.refusal.lock() {
            *r = Some(Refusal::from_challenge(&text));
        }
        self.ack.to_vec()
    }
}

/// Logs in as `l` says; returns the session and how it logged in.
async fn login(
    l: &ImapLogin,
    r: BufReader<Wire>,
    caps: &HashSet<String>,
) -> Result<(Session, &'static str), ImapError> {
    if !r.buffer().is_empty() {
        return Err(ImapError::Protocol {
            command: "CAPABILITY",
            detail: "data before login".into(),
        });
    }
    let client = async_imap::Client::new(r.into_inner());
    let ceiling = l.timeout * CEILING;
    let (result, how) = match &l.auth {
        ImapAuth::Password(password) => {
            if caps.contains("AUTH=PLAIN") {
                let mut msg = vec![0u8];
                msg.extend_from_slice(l.user.as_bytes());
                msg.push(0);
                msg.extend_from_slice(password.as_bytes());
                let fut = client.authenticate("PLAIN", Plain(msg));
                (timed(ceiling, "login", fut).await?, "AUTHENTICATE PLAIN")
            } else if caps.contains("LOGINDISABLED") {
                return Err(ImapError::NotOffered("LOGIN"));
            } else {
                let fut = client.login(&l.user, password);
                (timed(ceiling, "login", fut).await?, "LOGIN")
            }
        }
        ImapAuth::Bearer { mechanism, token } => {
            if crate::sasl::unsafe_for_wire(token) || crate::sasl::unsafe_for_wire(&l.user) {
                return Err(ImapError::Protocol {
                    command: "login",
                    detail: "control characters in user or token".into(),
                });
            }
            let offered: Vec<String> = caps
                .iter()
                .filter_map(|c| c.strip_prefix("AUTH="))
                .map(str::to_owned)
                .collect();
            let resolved = mechanism.resolve(&offered);
            use base64::Engine;
            let initial = base64::engine::general_purpose::STANDARD
                .decode(resolved.initial_response(&l.user, token, &l.host, l.port))
                .unwrap_or_default();
            let ack: &'static [u8] = match resolved {
                crate::sasl::Resolved::XOauth2 => b"",
                crate::sasl::Resolved::OAuthBearer => b"\x01",
            };
            let refusal = std::sync::Arc::new(std::sync::Mutex::new(None));
            let auth = Bearer {
                initial: Some(initial),
                ack,
                refusal: refusal.clone(),
            };
            let r = timed(ceiling, "login", client.authenticate(resolved.name(), auth)).await?;
            let refused = refusal.lock().ok().and_then(|mut g| g.take());
            match (r, refused) {
                (Err((e, _)), Some(refusal)) => {
                    return Err(ImapError::TokenRefused {
                        refusal,
                        reply: clip(&e.to_string()),
                    });
                }
                (r, _) => (r, resolved.name()),
            }
        }
    };
    let mut s = result.map_err(|(e, _)| lost("login", SMALL, l.timeout, e))?;
    // The capabilities after login are the ones that count (servers
    // announce SORT, MOVE, QRESYNC only to logged-in users).
    s.get_mut().left = SMALL;
    let after = timed(ceiling, "CAPABILITY", s.capabilities())
        .await?
        .map_err(|e| lost("CAPABILITY", SMALL, l.timeout, e))?;
    let mut words: HashSet<String> = after
        .iter()
        .map(|c| match c {
            async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_owned(),
            async_imap::types::Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
            async_imap::types::Capability::Atom(a) => a.to_ascii_uppercase(),
        })
        .collect();
    if words.is_empty() {
        words = caps.clone();
    }
    let mut session = Session {
        s,
        caps: words,
        timeout: l.timeout,
        selected: None,
        open_folder: None,
        listed: None,
    };
    if session.has("QRESYNC") {
        session.command("ENABLE", "ENABLE QRESYNC", SMALL).await?;
    }
    Ok((session, how))
}

async fn timed<T>(
    limit: Duration,
    command: &'static str,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| ImapError::Timeout(limit, command))
}

/// Connects, protects as configured and logs in.
pub async fn open(l: &ImapLogin) -> Result<Session, ImapError> {
    let (r, caps) = connect(l, &mut crate::diag::silent).await?;
    Ok(login(l, r, &caps).await?.0)
}

/// 「接続テスト」 of an IMAP server: every step reported as it happens,
/// STARTTLS refused safely when not offered, the login as configured
/// (skipped when there is no user to log in as).
pub async fn diagnose(
    l: &ImapLogin,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Vec<String>, ImapError> {
    let mut report = crate::diag::reporter(on_step);
    let (r, caps) = connect(l, &mut report).await?;
    let mut listed: Vec<String> = caps.iter().cloned().collect();
    listed.sort();
    if l.user.is_empty() {
        return Ok(listed);
    }
    match login(l, r, &caps).await {
        Ok((s, how)) => {
            report(StepKind::Login, true, how.into());
            let _ = s.logout().await;
            Ok(listed)
        }
        Err(e) => {
            report(StepKind::Login, false, e.to_string());
            Err(e)
        }
    }
}

fn special_of(attrs: &[NameAttribute<'_>], wire: &str) -> Option<Special> {
    if wire.eq_ignore_ascii_case("INBOX") {
        return Some(Special::Inbox);
    }
    attrs.iter().find_map(|a| match a {
        NameAttribute::Sent => Some(Special::Sent),
        NameAttribute::Drafts => Some(Special::Drafts),
        NameAttribute::Trash => Some(Special::Trash),
        NameAttribute::Junk => Some(Special::Junk),
        NameAttribute::Archive => Some(Special::Archive),
        _ => None,
    })
}

fn counts_of(m: &async_imap::types::Mailbox) -> Counts {
    Counts {
        exists: m.exists,
        unseen: m.unseen,
        uid_validity: m.uid_validity.unwrap_or(0),
        uid_next: m.uid_next,
        highest_modseq: m.highest_modseq,
    }
}

/// A UID set for a command: ranges where the UIDs run on.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// A string argument: quoted when it is plain ASCII, a literal otherwise
/// (LITERAL+ when offered, so the command stays one write).
fn argument(s: &str, literal_plus: bool) -> String {
    let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    if plain || !literal_plus {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        format!("{{{}+}}\r\n{s}", s.len())
    }
}

fn flag_words(f: &Flags) -> Vec<&'static str> {
    let mut w = Vec::new();
    if f.seen {
        w.push("\\Seen");
    }
    if f.flagged {
        w.push("\\Flagged");
    }
    if f.answered {
        w.push("\\Answered");
    }
    if f.draft {
        w.push("\\Draft");
    }
    if f.deleted {
        w.push("\\Deleted");
    }
    w
}

/// Header lines standing for an ENVELOPE, so the list's words go through
/// the same decoding as a stored message (`mime::header_digest`).
fn envelope_header(e: &async_imap::imap_proto::Envelope<'_>, charset: Option<&str>) -> Vec<u8> {
    use async_imap::imap_proto::Address;
    fn addresses(list: &Option<Vec<Address<'_>>>) -> Vec<u8> {
        let mut out = Vec::new();
        for a in list.iter().flatten() {
            let (Some(mailbox), Some(host)) = (&a.mailbox, &a.host) else {
                continue;
            };
            if !out.is_empty() {
                out.extend_from_slice(b", ");
            }
            if let Some(name) = &a.name {
                let encoded_only = name.starts_with(b"=?") && name.ends_with(b"?=");
                if encoded_only {
                    out.extend_from_slice(name);
                } else {
                    out.push(b'"');
                    for &b in name.iter() {
                        if b == b'"' || b == b'\\' {
                            out.push(b'\\');
                        }
                        if b != b'\r' && b != b'\n' {
                            out.push(b);
                        }
                    }
                    out.push(b'"');
                }
                out.extend_from_slice(b" <");
            }
            out.extend_from_slice(mailbox);
            out.push(b'@');
            out.extend_from_slice(host);
            if a.name.is_some() {
                out.push(b'>');
            }
        }
        out
    }
    let one_line = |v: &[u8]| -> Vec<u8> {
        v.iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect()
    };
    let mut h = Vec::new();
    let mut field = |name: &[u8], value: &[u8]| {
        if value.is_empty() {
            return;
        }
        h.extend_from_slice(name);
        h.extend_from_slice(b": ");
        h.extend_from_slice(&one_line(value));
        h.extend_from_slice(b"\r\n");
    };
    field(b"Subject", e.subject.as_deref().unwrap_or_default());
    field(b"From", &addresses(&e.from));
    field(b"To", &addresses(&e.to));
    field(b"Date", e.date.as_deref().unwrap_or_default());
    field(b"Message-ID", e.message_id.as_deref().unwrap_or_default());
    if let Some(cs) = charset.filter(|c| c.bytes().all(|b| b.is_ascii_graphic())) {
        field(b"MIME-Version", b"1.0");
        field(
            b"Content-Type",
            format!("text/plain; charset={cs}").as_bytes(),
        );
    }
    h.extend_from_slice(b"\r\n");
    h
}

/// Whether a body has parts offered for download, and the charset of its
/// first text part (the hint for header words in raw 8-bit).
fn structure(b: &BodyStructure<'_>) -> (bool, Option<String>) {
    fn walk(b: &BodyStructure<'_>, depth: u32, att: &mut bool, cs: &mut Option<String>) {
        if depth > 32 {
            return;
        }
        let common = match b {
            BodyStructure::Multipart { bodies, .. } => {
                for p in bodies {
                    walk(p, depth + 1, att, cs);
                }
                return;
            }
            BodyStructure::Basic { common, .. }
            | BodyStructure::Text { common, .. }
            | BodyStructure::Message { common, .. } => common,
        };
        let named =
            |params: &Option<Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)>>| {
                params.iter().flatten().any(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == "name" || k.starts_with("filename")
                })
            };
        let disposition_attachment = common
            .disposition
            .as_ref()
            .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment") || named(&d.params));
        let is_text = matches!(b, BodyStructure::Text { .. });
        if disposition_attachment || (!is_text && named(&common.ty.params)) {
            *att = true;
        }
        if is_text && cs.is_none() {
            *cs = common
                .ty
                .params
                .iter()
                .flatten()
                .find_map(|(k, v)| k.eq_ignore_ascii_case("charset").then(|| v.to_string()));
        }
    }
    let mut att = false;
    let mut cs = None;
    walk(b, 0, &mut att, &mut cs);
    (att, cs)
}

fn row_of(f: &async_imap::types::Fetch) -> Option<Row> {
    let uid = f.uid?;
    let mut flags = Flags::default();
    for fl in f.flags() {
        use async_imap::types::Flag;
        match fl {
            Flag::Seen => flags.seen = true,
            Flag::Flagged => flags.flagged = true,
            Flag::Answered => flags.answered = true,
            Flag::Draft => flags.draft = true,
            Flag::Deleted => flags.deleted = true,
            _ => {}
        }
    }
    let (has_attachment, charset) = f.bodystructure().map(structure).unwrap_or_default();
    let (summary, to) = f
        .envelope()
        .map(|e| crate::mime::header_digest(&envelope_header(e, charset.as_deref())))
        .unwrap_or_default();
    Some(Row {
        uid,
        flags,
        size: f.size.unwrap_or(0),
        internal_date: f.internal_date().map(|d| d.with_timezone(&chrono::Utc)),
        subject: summary.subject,
        from: summary.from,
        to,
        date: summary.date,
        message_id: summary.message_id,
        has_attachment,
        modseq: f.modseq,
    })
}

impl Session {
    pub fn has(&self, capability: &str) -> bool {
        self.caps.contains(capability)
    }

    /// The capabilities after login, sorted (for the connection test).
    pub fn capabilities(&self) -> Vec<String> {
        let mut v: Vec<String> = self.caps.iter().cloned().collect();
        v.sort();
        v
    }

    fn allow(&mut self, bytes: u64) {
        self.s.get_mut().left = bytes;
    }

    fn ceiling(&self) -> Duration {
        self.timeout * CEILING
    }

    /// A command whose answer needs nothing but OK.
    async fn command(
        &mut self,
        command: &'static str,
        line: &str,
        limit: u64,
    ) -> Result<(), ImapError> {
        self.raw(command, line, limit, |_| {}).await
    }

    /// Runs `line` and hands every untagged answer to `each` until the
    /// tagged completion; NO and BAD are `Refused`.
    async fn raw(
        &mut self,
        command: &'static str,
        line: &str,
        limit: u64,
        mut each: impl FnMut(&Response<'_>),
    ) -> Result<(), ImapError> {
        self.allow(limit);
        let ceiling = self.ceiling();
        let s = &mut self.s;
        let run = async {
            let id = s.run_command(line).await?;
            loop {
                let Some(r) = s.read_response().await? else {
                    return Err(async_imap::error::Error::ConnectionLost);
                };
                match r.parsed() {
                    Response::Done {
                        tag,
                        status,
                        outcome,
                    } if *tag == id => {
                        let text = outcome
                            .information
                            .as_deref()
                            .unwrap_or_default()
                            .to_owned();
                        return match status {
                            Status::Ok => Ok(()),
                            Status::No => Err(async_imap::error::Error::No(text)),
                            _ => Err(async_imap::error::Error::Bad(text)),
                        };
                    }
                    other => each(other),
                }
            }
        };
        timed(ceiling, command, run)
            .await?
            .map_err(|e| lost(command, limit, self.timeout, e))
    }

    /// Every folder, with its SPECIAL-USE role (this session's LIST of
    /// the last `LIST_FRESH`, if any).
    pub async fn folders(&mut self) -> Result<Vec<Folder>, ImapError> {
        if let Some((at, listed)) = &self.listed
            && at.elapsed() < LIST_FRESH
        {
            return Ok(listed.clone());
        }
        let line = if self.has("SPECIAL-USE") || self.has("LIST-EXTENDED") {
            "LIST \"\" \"*\" RETURN (SPECIAL-USE)"
        } else {
            "LIST \"\" \"*\""
        };
        let mut out = Vec::new();
        self.raw("LIST", line, UIDS, |r| {
            if let Response::MailboxData(MailboxDatum::List(MailboxListData {
                name_attributes,
                delimiter,
                name,
            })) = r
            {
                let wire = name.to_string();
                let selectable = !name_attributes.iter().any(|a| {
                    matches!(a, NameAttribute::NoSelect)
                        || matches!(a, NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent"))
                });
                out.push(Folder {
                    name: if wire.eq_ignore_ascii_case("INBOX") {
                        "INBOX".into()
                    } else {
                        utf7::shown(&wire)
                    },
                    special: special_of(name_attributes, &wire),
                    delimiter: delimiter.as_deref().map(str::to_owned),
                    selectable,
                    wire,
                });
            }
        })
        .await?;
        self.listed = Some((std::time::Instant::now(), out.clone()));
        Ok(out)
    }

    /// Forgets the last LIST (after CREATE, RENAME or DELETE).
    pub fn forget_folders(&mut self) {
        self.listed = None;
    }

    /// The UIDs of sequence numbers `from..=to` of the selected folder, in
    /// sequence order (which is UID order): a page of the folder in
    /// arrival order without asking for all its UIDs.
    pub async fn uids_at(&mut self, from: u32, to: u32) -> Result<Vec<u32>, ImapError> {
        if from == 0 || to < from {
            return Ok(Vec::new());
        }
        let limit = 32 * u64::from(to - from + 1) + SMALL;
        self.allow(limit);
        let set = format!("{from}:{to}");
        let ceiling = self.ceiling();
        let s = &mut self.s;
        let fetched: Vec<async_imap::types::Fetch> = timed(ceiling, "FETCH", async {
            s.fetch(&set, "(UID)").await?.try_collect().await
        })
        .await?
        .map_err(|e| lost("FETCH", limit, self.timeout, e))?;
        let mut uids: Vec<(u32, u32)> = fetched
            .iter()
            .filter_map(|f| Some((f.message, f.uid?)))
            .collect();
        uids.sort_unstable();
        Ok(uids.into_iter().map(|(_, uid)| uid).collect())
    }

    /// STATUS of a folder that need not be selected.
    pub async fn status(&mut self, wire: &str) -> Result<Counts, ImapError> {
        let modseq = if self.has("CONDSTORE") || self.has("QRESYNC") {
            " HIGHESTMODSEQ"
        } else {
            ""
        };
        let line = format!(
            "STATUS {} (MESSAGES UNSEEN UIDVALIDITY UIDNEXT{modseq})",
            argument(wire, self.has("LITERAL+"))
        );
        let mut c = Counts::default();
        self.raw("STATUS", &line, SMALL, |r| {
            if let Response::MailboxData(MailboxDatum::Status { status, .. }) = r {
                use async_imap::imap_proto::StatusAttribute as A;
                for a in status {
                    match a {
                        A::Messages(n) => c.exists = *n,
                        A::Unseen(n) => c.unseen = Some(*n),
                        A::UidValidity(n) => c.uid_validity = *n,
                        A::UidNext(n) => c.uid_next = Some(*n),
                        A::HighestModSeq(n) => c.highest_modseq = Some(*n),
                        _ => {}
                    }
                }
            }
        })
        .await?;
        Ok(c)
    }

    /// Selects a folder (read-write), unless it already is.
    pub async fn select(&mut self, wire: &str) -> Result<Counts, ImapError> {
        if let Some((name, counts)) = &self.selected
            && name == wire
        {
            return Ok(*counts);
        }
        self.selected = None;
        self.allow(SMALL);
        let ceiling = self.ceiling();
        let quoted = wire.to_owned();
        let condstore = self.has("CONDSTORE") || self.has("QRESYNC");
        let m = if condstore {
            timed(ceiling, "SELECT", self.s.select_condstore(&quoted)).await?
        } else {
            timed(ceiling, "SELECT", self.s.select(&quoted)).await?
        }
        .map_err(|e| lost("SELECT", SMALL, self.timeout, e))?;
        let counts = counts_of(&m);
        self.selected = Some((wire.to_owned(), counts));
        self.open_folder = Some(wire.to_owned());
        Ok(counts)
    }

    /// The numbers of `wire` as they are now. Where this session has it
    /// selected already: NOOP, which brings the session's view up to date
    /// (new mail, expunges, flags), then STATUS, which for the selected
    /// folder answers from that view, so its count matches the sequence
    /// numbers the session may use (Dovecot answers both in well under a
    /// millisecond, where a new SELECT of a 100,000-message folder takes a
    /// quarter of a second). Otherwise SELECT.
    pub async fn refresh(&mut self, wire: &str) -> Result<Counts, ImapError> {
        if self.open_folder.as_deref() == Some(wire) {
            self.noop().await?;
            let counts = self.status(wire).await?;
            self.selected = Some((wire.to_owned(), counts));
            return Ok(counts);
        }
        self.selected = None;
        self.select(wire).await
    }

    /// Forgets the selected folder's numbers, so the next `select` asks
    /// again (after APPEND or EXPUNGE changed them).
    pub fn reselect(&mut self) {
        self.selected = None;
    }

    /// The selected folder's UIDs in `key` order (newest, Z–A or largest
    /// first when `reverse`): UID SORT where offered; arrival order (UID
    /// order) otherwise, never a fetch of every message's date.
    pub async fn sorted_uids(
        &mut self,
        key: SortKey,
        reverse: bool,
    ) -> Result<Vec<u32>, ImapError> {
        let mut uids = Vec::new();
        // Arrival order is UID order (RFC 3501 §2.3.1.1), also among
        // messages that arrived within one second, where SORT's ARRIVAL
        // ties fall back to ascending sequence even under REVERSE.
        if self.has("SORT") && key != SortKey::Arrival {
            let line = format!(
                "UID SORT ({}{}) UTF-8 ALL",
                if reverse { "REVERSE " } else { "" },
                key.word()
            );
            self.raw("SORT", &line, UIDS, |r| {
                if let Response::MailboxData(MailboxDatum::Sort(v)) = r {
                    uids.extend_from_slice(v);
                }
            })
            .await?;
            return Ok(uids);
        }
        self.raw("SEARCH", "UID SEARCH ALL", UIDS, |r| {
            if let Response::MailboxData(MailboxDatum::Search(v)) = r {
                uids.extend_from_slice(v);
            }
        })
        .await?;
        uids.sort_unstable();
        if reverse {
            uids.reverse();
        }
        Ok(uids)
    }

    /// The list rows of these UIDs of the selected folder, in one UID
    /// FETCH. Rows the server no longer has are simply missing.
    pub async fn rows(&mut self, uids: &[u32]) -> Result<Vec<Row>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let limit = PER_ROW * uids.len() as u64 + SMALL;
        self.allow(limit);
        let modseq = if self.has("CONDSTORE") || self.has("QRESYNC") {
            " MODSEQ"
        } else {
            ""
        };
        let query = format!("(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE{modseq})");
        let set = uid_set(uids);
        let ceiling = self.ceiling();
        let s = &mut self.s;
        let fetched: Vec<async_imap::types::Fetch> = timed(ceiling, "FETCH", async {
            s.uid_fetch(&set, &query).await?.try_collect().await
        })
        .await?
        .map_err(|e| lost("FETCH", limit, self.timeout, e))?;
        Ok(fetched.iter().filter_map(row_of).collect())
    }

    /// A whole message (BODY.PEEK: reading it is not what marks it read),
    /// at most `max` bytes; `None` when the UID is gone.
    pub async fn message(&mut self, uid: u32, max: u64) -> Result<Option<Vec<u8>>, ImapError> {
        let limit = max + SMALL;
        self.allow(limit);
        let ceiling = self.ceiling();
        let s = &mut self.s;
        let set = uid.to_string();
        let fetched: Vec<async_imap::types::Fetch> = timed(ceiling, "FETCH", async {
            s.uid_fetch(&set, "(UID BODY.PEEK[])")
                .await?
                .try_collect()
                .await
        })
        .await?
        .map_err(|e| lost("FETCH", limit, self.timeout, e))?;
        Ok(fetched
            .iter()
            .find(|f| f.uid == Some(uid))
            .and_then(|f| f.body().map(<[u8]>::to_vec)))
    }

    /// Flags changed since `modseq` (CONDSTORE), with the UIDs expunged
    /// since (QRESYNC's VANISHED).
    pub async fn changes_since(&mut self, modseq: u64) -> Result<Changes, ImapError> {
        let vanished = if self.has("QRESYNC") { " VANISHED" } else { "" };
        let line = format!("UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE {modseq}{vanished})");
        let mut out = Changes::default();
        self.raw("FETCH", &line, UIDS * 4, |r| match r {
            Response::Fetch(_, attrs) => {
                let mut uid = None;
                let mut flags = Flags::default();
                for a in attrs {
                    match a {
                        AttributeValue::Uid(u) => uid = Some(*u),
                        AttributeValue::Flags(fs) => fs.iter().for_each(|f| flags.add(f)),
                        _ => {}
                    }
                }
                if let Some(u) = uid {
                    out.flags.push((u, flags));
                }
            }
            Response::Vanished { uids, .. } => {
                for r in uids {
                    // Ranges may be huge (1:4000000000) and many: only the
                    // UIDs a cache can hold matter, so cap what is
                    // expanded over the whole answer.
                    let room = VANISHED_MAX.saturating_sub(out.vanished.len());
                    out.vanished.extend(r.clone().take(room));
                }
            }
            _ => {}
        })
        .await?;
        Ok(out)
    }

    /// Adds or removes flags on UIDs of the selected folder.
    pub async fn set_flags(
        &mut self,
        uids: &[u32],
        flags: Flags,
        on: bool,
    ) -> Result<(), ImapError> {
        let words = flag_words(&flags);
        if uids.is_empty() || words.is_empty() {
            return Ok(());
        }
        let line = format!(
            "UID STORE {} {}FLAGS.SILENT ({})",
            uid_set(uids),
            if on { "+" } else { "-" },
            words.join(" ")
        );
        self.command("STORE", &line, SMALL).await
    }

    /// Moves UIDs of the selected folder to `dest`: MOVE where offered,
    /// otherwise COPY, then \Deleted and UID EXPUNGE of exactly those
    /// (never a plain EXPUNGE, which would remove others' deletions too).
    pub async fn move_to(&mut self, uids: &[u32], dest: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let dest = argument(dest, self.has("LITERAL+"));
        self.reselect();
        if self.has("MOVE") {
            return self
                .command("MOVE", &format!("UID MOVE {set} {dest}"), UIDS)
                .await;
        }
        self.command("COPY", &format!("UID COPY {set} {dest}"), SMALL)
            .await?;
        self.expunge(uids).await
    }

    /// Deletes UIDs of the selected folder for good.
    pub async fn expunge(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        self.command(
            "STORE",
            &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
            SMALL,
        )
        .await?;
        self.reselect();
        if self.has("UIDPLUS") {
            self.command("EXPUNGE", &format!("UID EXPUNGE {set}"), UIDS)
                .await
        } else {
            // Without UIDPLUS the messages stay marked \Deleted: removing
            // them would take everyone else's \Deleted messages along.
            Ok(())
        }
    }

    /// UIDs of the selected folder matching every one of `terms` in
    /// `field` (UTF-8; control characters dropped).
    pub async fn search(&mut self, field: SearchIn, terms: &[&str]) -> Result<Vec<u32>, ImapError> {
        let lp = self.has("LITERAL+");
        let criteria: Vec<String> = terms
            .iter()
            .map(|t| t.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|t| !t.is_empty())
            .map(|t| {
                let a = argument(&t, lp);
                match field {
                    SearchIn::Subject => format!("SUBJECT {a}"),
                    SearchIn::From => format!("FROM {a}"),
                    SearchIn::To => format!("TO {a}"),
                    SearchIn::Head => format!("OR OR SUBJECT {a} FROM {a} TO {a}"),
                    SearchIn::Text => format!("TEXT {a}"),
                }
            })
            .collect();
        if criteria.is_empty() {
            return Ok(Vec::new());
        }
        let line = format!("UID SEARCH CHARSET UTF-8 {}", criteria.join(" "));
        let mut uids = Vec::new();
        self.raw("SEARCH", &line, UIDS, |r| {
            if let Response::MailboxData(MailboxDatum::Search(v)) = r {
                uids.extend_from_slice(v);
            }
        })
        .await?;
        Ok(uids)
    }

    /// UIDs of the selected folder whose header `name` contains `value`
    /// (a Message-ID, to find what was just appended).
    pub async fn search_header(&mut self, name: &str, value: &str) -> Result<Vec<u32>, ImapError> {
        let lp = self.has("LITERAL+");
        let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
        let line = format!(
            "UID SEARCH CHARSET UTF-8 HEADER {} {}",
            argument(&clean(name), lp),
            argument(&clean(value), lp)
        );
        let mut uids = Vec::new();
        self.raw("SEARCH", &line, UIDS, |r| {
            if let Response::MailboxData(MailboxDatum::Search(v)) = r {
                uids.extend_from_slice(v);
            }
        })
        .await?;
        Ok(uids)
    }

    /// Stores a message in a folder (sent mail, drafts) with its flags.
    pub async fn append(&mut self, wire: &str, flags: Flags, raw: &[u8]) -> Result<(), ImapError> {
        let words = flag_words(&flags);
        let flags = (!words.is_empty()).then(|| format!("({})", words.join(" ")));
        self.allow(SMALL);
        self.reselect();
        let ceiling = self.ceiling();
        timed(
            ceiling,
            "APPEND",
            self.s.append(wire, flags.as_deref(), None, raw),
        )
        .await?
        .map_err(|e| lost("APPEND", SMALL, self.timeout, e))
    }

    pub async fn create(&mut self, wire: &str) -> Result<(), ImapError> {
        self.listed = None;
        let line = format!("CREATE {}", argument(wire, self.has("LITERAL+")));
        self.command("CREATE", &line, SMALL).await
    }

    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), ImapError> {
        self.listed = None;
        let lp = self.has("LITERAL+");
        let line = format!("RENAME {} {}", argument(from, lp), argument(to, lp));
        self.reselect();
        self.command("RENAME", &line, SMALL).await
    }

    pub async fn delete_folder(&mut self, wire: &str) -> Result<(), ImapError> {
        self.listed = None;
        if self.open_folder.as_deref() == Some(wire) {
            // Servers end the session when its selected folder goes away.
            let leave = if self.has("UNSELECT") {
                "UNSELECT"
            } else {
                "CLOSE"
            };
            self.command("UNSELECT", leave, SMALL).await?;
            self.open_folder = None;
        }
        let line = format!("DELETE {}", argument(wire, self.has("LITERAL+")));
        self.reselect();
        self.command("DELETE", &line, SMALL).await
    }

    /// Keeps the connection alive and collects what the server has to say.
    pub async fn noop(&mut self) -> Result<(), ImapError> {
        self.command("NOOP", "NOOP", SMALL).await
    }

    /// Waits up to `wait` for the selected folder to change (IDLE, or a
    /// NOOP after the wait where IDLE is not offered); true when the
    /// server said something changed.
    pub async fn idle(self, wait: Duration) -> Result<(Session, bool), ImapError> {
        let Session {
            mut s,
            caps,
            timeout,
            selected,
            open_folder,
            listed,
        } = self;
        if !caps.contains("IDLE") {
            tokio::time::sleep(wait).await;
            let mut back = Session {
                s,
                caps,
                timeout,
                selected,
                open_folder,
                listed,
            };
            let Some((wire, before)) = back.selected.take() else {
                back.noop().await?;
                return Ok((back, false));
            };
            let after = back.select(&wire).await?;
            return Ok((back, after != before));
        }
        s.get_mut().left = SMALL;
        let mut handle = s.idle();
        timed(timeout * CEILING, "IDLE", handle.init())
            .await?
            .map_err(|e| lost("IDLE", SMALL, timeout, e))?;
        handle.as_mut().patience = None;
        let (fut, stop) = handle.wait_with_timeout(wait);
        let outcome = tokio::time::timeout(wait + timeout, fut).await;
        drop(stop);
        let changed = matches!(
            outcome,
            Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(_)))
        );
        if let Ok(Err(e)) = outcome {
            return Err(lost("IDLE", SMALL, timeout, e));
        }
        handle.as_mut().patience = Some(timeout);
        let s = timed(timeout * CEILING, "DONE", handle.done())
            .await?
            .map_err(|e| lost("DONE", SMALL, timeout, e))?;
        Ok((
            Session {
                s,
                caps,
                timeout,
                selected: if changed { None } else { selected },
                open_folder,
                listed,
            },
            changed,
        ))
    }

    pub async fn logout(mut self) -> Result<(), ImapError> {
        self.allow(SMALL);
        let ceiling = self.ceiling();
        timed(ceiling, "LOGOUT", self.s.logout())
            .await?
            .map_err(|e| lost("LOGOUT", SMALL, self.timeout, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_ranges_where_uids_run_on() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 10, 7]), "1:3,5,7,9:10");
        assert_eq!(uid_set(&[42]), "42");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn arguments_are_quoted_or_sent_as_literals() {
        assert_eq!(argument("a\"b\\c", true), "\"a\\\"b\\\\c\"");
        assert_eq!(argument("会議", true), "{6+}\r\n会議");
        assert_eq!(argument("会議", false), "\"会議\"");
    }

    #[test]
    fn capabilities_come_from_lines_and_greeting_codes() {
        let caps = capability_words(&[
            "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready".into(),
            "* CAPABILITY IMAP4rev1 SORT auth=xoauth2".into(),
        ]);
        for w in [
            "IMAP4REV1",
            "STARTTLS",
            "AUTH=PLAIN",
            "SORT",
            "AUTH=XOAUTH2",
        ] {
            assert!(caps.contains(w), "{w}");
        }
    }

    #[test]
    fn envelope_words_are_decoded_as_a_stored_message_is() {
        use async_imap::imap_proto::{Address, Envelope};
        use std::borrow::Cow;
        let e = Envelope {
            date: Some(Cow::Borrowed(b"Mon, 7 Dec 2026 10:00:00 +0900")),
            subject: Some(Cow::Borrowed(b"=?ISO-2022-JP?B?GyRCMnE1RBsoQg==?=")),
            from: Some(vec![Address {
                name: Some(Cow::Borrowed(b"=?UTF-8?B?5bGx55Sw?=")),
                adl: None,
                mailbox: Some(Cow::Borrowed(b"yamada")),
                host: Some(Cow::Borrowed(b"example.jp")),
            }]),
            sender: None,
            reply_to: None,
            to: Some(vec![Address {
                name: Some(Cow::Borrowed(b"Suzuki, Ichiro")),
                adl: None,
                mailbox: Some(Cow::Borrowed(b"suzuki")),
                host: Some(Cow::Borrowed(b"example.jp")),
            }]),
            cc: None,
            bcc: None,
            in_reply_to: None,
            message_id: Some(Cow::Borrowed(b"<m1@example.jp>")),
        };
        let (s, to) = crate::mime::header_digest(&envelope_header(&e, None));
        assert_eq!(s.subject, "会議");
        assert_eq!(s.from, "山田 <yamada@example.jp>");
        assert_eq!(to, "Suzuki, Ichiro <suzuki@example.jp>");
        assert_eq!(s.message_id.as_deref(), Some("m1@example.jp"));
        assert!(s.date.is_some());
    }
}
