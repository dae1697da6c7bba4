//! The vocabulary of 「接続テスト」: the steps a connection goes through
//! (DNS, TCP, TLS, greeting, …), each reported as it happens with its
//! verdict and what the server said. Every protocol client reports into
//! the same shape, so the wizard shows SMTP and POP3 tests alike.
use std::time::Instant;

/// One step of a session, as the connection test shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub ok: bool,
    /// Milliseconds since the session started.
    pub elapsed_ms: u64,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Dns,
    Tcp,
    Tls,
    Greeting,
    Capabilities,
    StartTls,
    PopLogin,
    /// The OAuth access token: handed out as stored, or refreshed first.
    Token,
    Login,
    Send,
}

impl StepKind {
    /// The step's stable name, as the connection test's lines carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Dns => "dns",
            StepKind::Tcp => "tcp",
            StepKind::Tls => "tls",
            StepKind::Greeting => "greeting",
            StepKind::Capabilities => "capabilities",
            StepKind::StartTls => "starttls",
            StepKind::PopLogin => "pop_login",
            StepKind::Token => "token",
            StepKind::Login => "login",
            StepKind::Send => "send",
        }
    }
}

/// Where a session reports its steps: `(kind, ok, detail)`.
pub type Report<'a> = dyn FnMut(StepKind, bool, String) + Send + 'a;

/// Turns `(kind, ok, detail)` into a `Step` timed from now, for a test's
/// `on_step` callback.
pub fn reporter(
    on_step: &mut (dyn FnMut(Step) + Send),
) -> impl FnMut(StepKind, bool, String) + Send + '_ {
    let started = Instant::now();
    move |kind, ok, detail| {
        on_step(Step {
            kind,
            ok,
            elapsed_ms: started.elapsed().as_millis() as u64,
            detail,
        })
    }
}

/// For sessions nobody watches (sending, receiving): steps go nowhere.
pub fn silent(_: StepKind, _: bool, _: String) {}
