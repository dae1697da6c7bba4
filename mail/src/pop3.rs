//! A small POP3 client (RFC 1939), generic over the stream so it runs over
//! plain TCP, TLS, or an in-memory pipe in tests.
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

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
}

impl Pop3Error {
    pub fn is_timeout(&self) -> bool {
        matches!(self, Pop3Error::Timeout(..))
    }
}

/// Longest line we accept; RFC 1939 allows 512 octets for responses, but
/// message content lines can be much longer in practice.
const MAX_LINE: usize = 1 << 20;

pub struct Client<S> {
    stream: BufReader<S>,
    timeout: Duration,
    pub greeting: String,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Reads the greeting.
    pub async fn start(stream: S, timeout: Duration) -> Result<Self, Pop3Error> {
        let mut c = Client {
            stream: BufReader::new(stream),
            timeout,
            greeting: String::new(),
        };
        c.greeting = c.status("greeting").await?;
        Ok(c)
    }

    async fn read_line(&mut self, what: &'static str) -> Result<Vec<u8>, Pop3Error> {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(self.timeout, async {
            let mut limited = (&mut self.stream).take(MAX_LINE as u64);
            limited.read_until(b'\n', &mut buf).await
        })
        .await
        .map_err(|_| Pop3Error::Timeout(self.timeout, what))?
        .map_err(|e| Pop3Error::Io(e, what))?;
        if n == 0 {
            return Err(Pop3Error::Closed(what));
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(buf)
    }

    async fn status(&mut self, command: &'static str) -> Result<String, Pop3Error> {
        let line = self.read_line(command).await?;
        let text = String::from_utf8_lossy(&line).into_owned();
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
        self.send(line, command).await?;
        self.status(command).await
    }

    /// Reads a multi-line body up to the lone ".", undoing dot-stuffing and
    /// restoring CRLF line ends.
    async fn multiline(&mut self, command: &'static str) -> Result<Vec<u8>, Pop3Error> {
        let mut out = Vec::new();
        loop {
            let line = self.read_line(command).await?;
            if line == b"." {
                return Ok(out);
            }
            let content = if line.starts_with(b"..") {
                &line[1..]
            } else {
                &line[..]
            };
            out.extend_from_slice(content);
            out.extend_from_slice(b"\r\n");
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
        let body = self.multiline("UIDL").await?;
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

    pub async fn retr(&mut self, n: u32) -> Result<Vec<u8>, Pop3Error> {
        self.command(&format!("RETR {n}"), "RETR").await?;
        self.multiline("RETR").await
    }

    pub async fn dele(&mut self, n: u32) -> Result<(), Pop3Error> {
        self.command(&format!("DELE {n}"), "DELE").await.map(|_| ())
    }

    /// Ends the session; deletions take effect only on a clean QUIT.
    pub async fn quit(mut self) -> Result<(), Pop3Error> {
        self.command("QUIT", "QUIT").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[tokio::test]
    async fn credentials_with_line_breaks_are_refused() {
        let (mut c, _server) = scripted(b"+OK ready\r\n").await;
        assert!(c.login("alice\r\nDELE 1", "x").await.is_err());
    }
}
