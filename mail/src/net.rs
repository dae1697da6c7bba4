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
