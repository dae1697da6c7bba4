//! Mail protocol I/O for Tayori: no Leptos, no database.
//!
//! Every socket gets `TCP_NODELAY` (request/response protocols otherwise stall
//! on delayed ACKs) and every step runs under an explicit timeout.
#![forbid(unsafe_code)]

pub mod net;
pub mod pop3;
pub mod presets;
pub mod smtp;
pub mod tls;

pub use lettre;
