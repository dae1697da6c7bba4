//! Connection set-up shared by every protocol client: resolve, connect,
//! then protect the stream as the settings say (implicit TLS, STARTTLS
//! or none). `connect_protected` is the one place that does it, so every
//! client — SMTP sending, POP3 receiving and both connection tests — gets
//! the same timeouts, the same certificate checks and the same steps in
//! the test's report.
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use std::future::Future;

use crate::diag::{Report, StepKind};
use crate::presets::Protection;
use crate::tls::{TlsError, TlsInfo, Trust};

/// Any stream a session runs over: plain TCP or TLS, chosen at run time.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A connection after `connect_protected`, whatever its protection.
pub type BoxStream = Box<dyn Stream>;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot resolve {host}: {source}")]
    Dns {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("timed out after {0:?} during {1}")]
    Timeout(Duration, &'static str),
}

impl NetError {
    /// Every failure to reach a server may pass: retry later.
    pub fn is_transient(&self) -> bool {
        true
    }
    pub fn is_timeout(&self) -> bool {
        matches!(self, NetError::Timeout(..))
    }
}

/// Where to connect and how to protect the connection.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub protection: Protection,
    /// Each step (DNS, TCP, TLS handshake) runs under it.
    pub timeout: Duration,
    pub trust: &'a Trust,
}

/// Why `connect_protected` failed: the network, TLS, or the protocol's
/// own STARTTLS negotiation (`E`).
#[derive(Debug, thiserror::Error)]
pub enum ProtectError<E> {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Tls(TlsError),
    #[error(transparent)]
    Protocol(E),
}

/// An open connection, protected as asked.
pub struct Protected<T> {
    pub stream: BoxStream,
    /// The negotiated TLS, when there is one.
    pub tls: Option<TlsInfo>,
    /// What the STARTTLS negotiation learnt in clear (greeting,
    /// capabilities); `None` when there was none.
    pub negotiated: Option<T>,
}

/// Resolves and connects under `timeout`, reporting the DNS and TCP steps
/// as they happen; sets TCP_NODELAY (request/response protocols otherwise
/// stall on delayed ACKs).
pub async fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
    report: &mut Report<'_>,
) -> Result<TcpStream, NetError> {
    // The process's resolver: the system's, or the DNS servers named
    // for it (`crate::dns`).
    let addrs = match crate::dns::addresses(host, port, timeout).await {
        Ok(a) => a,
        Err(crate::dns::DnsError::Timeout(_)) => {
            report(StepKind::Dns, false, "timeout".into());
            return Err(NetError::Timeout(timeout, "DNS"));
        }
        Err(crate::dns::DnsError::Failed(e)) => {
            report(StepKind::Dns, false, e.clone());
            return Err(NetError::Dns {
                host: host.to_owned(),
                source: std::io::Error::other(e),
            });
        }
    };
    let listed = addrs.iter().map(|a| a.ip().to_string()).collect::<Vec<_>>();
    report(StepKind::Dns, true, listed.join(", "));
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect(addrs.as_slice())).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            report(StepKind::Tcp, false, e.to_string());
            return Err(NetError::Connect(e));
        }
        Err(_) => {
            report(StepKind::Tcp, false, "timeout".into());
            return Err(NetError::Timeout(timeout, "connect"));
        }
    };
    tcp.set_nodelay(true).map_err(NetError::Connect)?;
    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    report(StepKind::Tcp, true, peer);
    Ok(tcp)
}

/// A protocol's STARTTLS negotiation in clear: it speaks the protocol up
/// to the server's "go ahead" (EHLO + STARTTLS, or CAPA + STLS) and hands
/// the TCP stream back with what it learnt. It must refuse — never fall
/// back to clear — when the server does not offer the upgrade.
pub trait StartTls {
    /// What the clear-text part learnt (greeting, capabilities, dialogue).
    type Learnt: Send;
    type Error;
    fn negotiate(
        self,
        tcp: TcpStream,
        report: &mut Report<'_>,
    ) -> impl Future<Output = Result<(TcpStream, Self::Learnt), Self::Error>> + Send;
}

/// Connects and protects: TCP, then the TLS handshake at once (SSL/TLS),
/// or the protocol's STARTTLS negotiation in clear followed by the
/// handshake (STARTTLS), or nothing (なし). Each step runs under the
/// target's timeout and is reported (`StepKind::Tls` for implicit TLS,
/// `StepKind::StartTls` for the upgrade).
///
/// `starttls` is used for STARTTLS only.
pub async fn connect_protected<S: StartTls>(
    target: &Target<'_>,
    report: &mut Report<'_>,
    starttls: S,
) -> Result<Protected<S::Learnt>, ProtectError<S::Error>> {
    let tcp = connect(target.host, target.port, target.timeout, report).await?;
    let (tcp, step, negotiated, verify) = match target.protection {
        Protection::None => {
            return Ok(Protected {
                stream: Box::new(tcp),
                tls: None,
                negotiated: None,
            });
        }
        Protection::SslTls => (tcp, StepKind::Tls, None, true),
        Protection::StartTls | Protection::StartTlsNoVerify => {
            let (tcp, learnt) = starttls
                .negotiate(tcp, report)
                .await
                .map_err(ProtectError::Protocol)?;
            let verify = target.protection == Protection::StartTls;
            (tcp, StepKind::StartTls, Some(learnt), verify)
        }
    };
    let handshake = target.trust.handshake(tcp, target.host, verify);
    let (stream, info) = match tokio::time::timeout(target.timeout, handshake).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            report(step, false, e.to_string());
            return Err(ProtectError::Tls(e));
        }
        Err(_) => {
            report(step, false, "timeout".into());
            return Err(NetError::Timeout(target.timeout, "TLS handshake").into());
        }
    };
    report(step, true, info.summary());
    Ok(Protected {
        stream: Box::new(stream),
        tls: Some(info),
        negotiated,
    })
}

/// A peer that accepts connections and never says anything (tests of the
/// timeouts); returns its port on 127.0.0.1.
#[cfg(test)]
pub(crate) async fn silent_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("port").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    port
}
