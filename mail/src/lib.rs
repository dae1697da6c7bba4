//! Mail protocol I/O for Tayori: no Leptos, no database.
//!
//! Every socket gets `TCP_NODELAY` (request/response protocols otherwise stall
//! on delayed ACKs) and every step runs under an explicit timeout.
#![forbid(unsafe_code)]

pub mod presets;

#[cfg(feature = "net")]
pub mod compose;
#[cfg(feature = "net")]
pub mod html;
#[cfg(feature = "net")]
pub mod mime;
#[cfg(feature = "net")]
pub mod net;
#[cfg(feature = "net")]
pub mod pop3;
#[cfg(feature = "net")]
pub mod search;
#[cfg(feature = "net")]
pub mod smtp;
#[cfg(feature = "net")]
pub mod tls;

#[cfg(feature = "net")]
pub use lettre;
