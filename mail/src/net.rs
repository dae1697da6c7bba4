//! TCP connection set-up shared by the protocol clients.
use std::time::Duration;

use tokio::net::TcpStream;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("timed out after {0:?} during {1}")]
    Timeout(Duration, &'static str),
    #[error("{1}: {0}")]
    Io(#[source] std::io::Error, &'static str),
}

/// Connects with a deadline and disables Nagle's algorithm.
pub async fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, NetError> {
    let stream = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| NetError::Timeout(timeout, "connect"))?
        .map_err(|e| NetError::Io(e, "connect"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| NetError::Io(e, "set TCP_NODELAY"))?;
    Ok(stream)
}

/// Why `resolve_and_connect` failed, with the step it failed at.
#[derive(Debug)]
pub enum ConnectFailure {
    Dns(std::io::Error),
    Connect(std::io::Error),
    Timeout(&'static str),
}

/// Resolves and connects, reporting the DNS and TCP steps of a connection
/// test as they happen; sets TCP_NODELAY.
pub async fn resolve_and_connect(
    host: &str,
    port: u16,
    timeout: Duration,
    report: &mut impl FnMut(crate::smtp::StepKind, bool, String),
) -> Result<TcpStream, ConnectFailure> {
    use crate::smtp::StepKind;
    let addrs = match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(a)) => a.collect::<Vec<_>>(),
        Ok(Err(e)) => {
            report(StepKind::Dns, false, e.to_string());
            return Err(ConnectFailure::Dns(e));
        }
        Err(_) => {
            report(StepKind::Dns, false, "timeout".into());
            return Err(ConnectFailure::Timeout("DNS"));
        }
    };
    let listed = addrs.iter().map(|a| a.ip().to_string()).collect::<Vec<_>>();
    report(StepKind::Dns, true, listed.join(", "));
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect(addrs.as_slice())).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            report(StepKind::Tcp, false, e.to_string());
            return Err(ConnectFailure::Connect(e));
        }
        Err(_) => {
            report(StepKind::Tcp, false, "timeout".into());
            return Err(ConnectFailure::Timeout("connect"));
        }
    };
    tcp.set_nodelay(true).map_err(ConnectFailure::Connect)?;
    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    report(StepKind::Tcp, true, peer);
    Ok(tcp)
}
