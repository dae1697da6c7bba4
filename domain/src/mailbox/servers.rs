//! Which server an account uses: 管理者設定, ウェブメールの設定 or its own
//! (個別に設定する), for receiving and for sending. Resolved here only, so
//! receiving, sending and the account form agree.
use mail::presets::Protection;
use sea_orm::DatabaseConnection;

use super::Account;
use crate::entity::mail_accounts::Source;
use crate::mailserver::{Scope, View, view_scoped};
use crate::{Error, Result};

/// Receiving (POP3) or sending (SMTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Receive,
    Send,
}

/// A server: where it is and how the connection is protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub protection: Protection,
}

/// The server `acc` uses in `direction`. A shared source nobody has set up
/// is `NotConfigured`; a stored protection that is not one Tayori knows is
/// an error, never a silent "no TLS".
pub async fn resolve(
    db: &DatabaseConnection,
    acc: &Account,
    direction: Direction,
) -> Result<Server> {
    let source = match direction {
        Direction::Receive => acc.recv_source,
        Direction::Send => acc.send_source,
    };
    let scope = match source {
        Source::Admin => Some(Scope::Admin),
        Source::Webmail => Some(Scope::Webmail),
        Source::Own => None,
    };
    match scope {
        Some(scope) => {
            let view = view_scoped(db, scope).await?;
            shared(&view, direction).ok_or(Error::NotConfigured)
        }
        None => {
            let (host, port, protection) = match direction {
                Direction::Receive => (&acc.pop_host, acc.pop_port, acc.pop_protection),
                Direction::Send => (&acc.smtp_host, acc.smtp_port, acc.smtp_protection),
            };
            Ok(Server {
                host: host.clone(),
                port: u16::try_from(port)
                    .map_err(|_| Error::Internal(format!("account {}: port {port}", acc.id)))?,
                protection: protection.into(),
            })
        }
    }
}

/// The server a settings row gives for `direction`, if it is set up.
fn shared(view: &View, direction: Direction) -> Option<Server> {
    let s = &view.settings;
    let server = match direction {
        Direction::Receive => Server {
            host: s.pop_host.clone(),
            port: s.pop_port,
            protection: s.pop_protection,
        },
        Direction::Send => Server {
            host: s.smtp_host.clone(),
            port: s.smtp_port,
            protection: s.smtp_protection,
        },
    };
    (view.updated_at.is_some() && !server.host.is_empty()).then_some(server)
}

/// The shared servers an account may use, shown by the account form
/// (none where that row is not set up).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shared {
    pub admin_pop: Option<Server>,
    pub webmail_pop: Option<Server>,
    pub admin_smtp: Option<Server>,
    pub webmail_smtp: Option<Server>,
    /// The IMAP servers of 管理者設定 and ウェブメールIMAPの設定.
    pub admin_imap: Option<Server>,
    pub webmail_imap: Option<Server>,
}

pub async fn shared_servers(db: &DatabaseConnection) -> Result<Shared> {
    let admin = view_scoped(db, Scope::Admin).await?;
    let webmail = view_scoped(db, Scope::Webmail).await?;
    let describe = |v: &View, d| shared(v, d);
    let imap = |s: crate::imap::settings::ImapServer| {
        (s.updated_at.is_some() && !s.host.is_empty()).then_some(Server {
            host: s.host,
            port: s.port,
            protection: s.protection,
        })
    };
    use crate::imap::settings::{Shared as Imap, server};
    Ok(Shared {
        admin_pop: describe(&admin, Direction::Receive),
        webmail_pop: describe(&webmail, Direction::Receive),
        admin_smtp: describe(&admin, Direction::Send),
        webmail_smtp: describe(&webmail, Direction::Send),
        admin_imap: imap(server(db, Imap::Admin).await?),
        webmail_imap: imap(server(db, Imap::Webmail).await?),
    })
}
