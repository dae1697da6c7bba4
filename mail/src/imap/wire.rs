//! The stream under an IMAP session, with the two bounds async-imap does
//! not keep itself: how long a read or write may wait for the peer (its
//! buffer would otherwise wait forever on a silent server) and how many
//! bytes one command's answer may bring (its buffer grows to 512 MiB).
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::net::BoxStream;

/// Marks the I/O error of an answer past its budget, so the session tells
/// it from a broken connection.
#[derive(Debug)]
pub(crate) struct Overrun;

impl std::fmt::Display for Overrun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer larger than allowed")
    }
}
impl std::error::Error for Overrun {}

pub(crate) fn is_overrun(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Overrun>())
}

pub struct Wire {
    inner: BoxStream,
    /// Bytes the current command's answer may still bring.
    pub(crate) left: u64,
    /// How long one read or write may wait without progress; `None` while
    /// the session idles (IDLE keeps its own clock).
    pub(crate) patience: Option<Duration>,
    read_wait: Option<Pin<Box<Sleep>>>,
    write_wait: Option<Pin<Box<Sleep>>>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire").field("left", &self.left).finish()
    }
}

impl Wire {
    pub(crate) fn new(inner: BoxStream, patience: Duration) -> Self {
        Wire {
            inner,
            left: u64::MAX,
            patience: Some(patience),
            read_wait: None,
            write_wait: None,
        }
    }
}

/// Pending I/O: starts the clock on the first wait, fails when it runs out.
fn waited(
    clock: &mut Option<Pin<Box<Sleep>>>,
    patience: Option<Duration>,
    cx: &mut Context<'_>,
) -> Poll<io::Error> {
    let Some(p) = patience else {
        *clock = None;
        return Poll::Pending;
    };
    let sleep = clock.get_or_insert_with(|| Box::pin(tokio::time::sleep(p)));
    match sleep.as_mut().poll(cx) {
        Poll::Ready(()) => {
            *clock = None;
            Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "peer silent"))
        }
        Poll::Pending => Poll::Pending,
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.read_wait = None;
                let n = (buf.filled().len() - before) as u64;
                if n > this.left {
                    this.left = 0;
                    return Poll::Ready(Err(io::Error::other(Overrun)));
                }
                this.left -= n;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                Poll::Ready(Err(ready!(waited(&mut this.read_wait, this.patience, cx))))
            }
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(r) => {
                this.write_wait = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                Poll::Ready(Err(ready!(waited(&mut this.write_wait, this.patience, cx))))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => {
                this.write_wait = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                Poll::Ready(Err(ready!(waited(&mut this.write_wait, this.patience, cx))))
            }
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_silent_peer_fails_the_read_after_the_patience() {
        let (a, _b) = tokio::io::duplex(64);
        let mut w = Wire::new(Box::new(a), Duration::from_millis(50));
        let started = std::time::Instant::now();
        let mut buf = [0u8; 8];
        let e = w.read(&mut buf).await.expect_err("times out");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn an_answer_past_its_budget_is_an_overrun() {
        let (a, mut b) = tokio::io::duplex(1024);
        let mut w = Wire::new(Box::new(a), Duration::from_secs(5));
        w.left = 10;
        b.write_all(b"0123456789abcdef").await.expect("write");
        let mut buf = [0u8; 64];
        let e = w.read(&mut buf).await.expect_err("overrun");
        assert!(is_overrun(&e));
        w.left = 100;
        b.write_all(b"ok").await.expect("write");
        assert!(w.read(&mut buf).await.expect("read") > 0);
    }
}
