//! Mail protocol I/O for Tayori: no Leptos, no database.
//!
//! Every connection is made by `net::connect_protected` (resolve, connect,
//! then implicit TLS, STARTTLS or none, each step under a timeout and
//! reported in the vocabulary of `diag`), and TLS trust is one shared
//! `tls::Trust` built at start-up.
//!
//! Messages are rendered by `compose` and sent by `smtp`, both written
//! here rather than with lettre: lettre encodes neither ISO-2022-JP (which
//! older Japanese clients and company gateways still expect) nor CRAM-MD5,
//! and its transport does not report the individual steps that
//! 「接続テスト」 shows.
#![forbid(unsafe_code)]

pub mod marks;
pub mod presets;

#[cfg(feature = "net")]
pub mod autoconfig;
#[cfg(feature = "net")]
pub mod compose;
#[cfg(feature = "net")]
pub mod diag;
#[cfg(feature = "net")]
pub mod discover;
#[cfg(feature = "net")]
pub mod dns;
#[cfg(feature = "net")]
pub mod html;
#[cfg(feature = "net")]
pub mod imap;
#[cfg(feature = "net")]
pub mod mime;
#[cfg(feature = "net")]
pub mod net;
#[cfg(feature = "net")]
pub mod oauth;
#[cfg(feature = "net")]
pub mod pop3;
#[cfg(feature = "net")]
pub mod sasl;
#[cfg(feature = "net")]
pub mod search;
#[cfg(feature = "net")]
pub mod smtp;
#[cfg(feature = "net")]
pub mod tls;
