//! Server-only parts of the UI crate: who is asking (`auth`) and the state
//! every server function and render shares (`state`).
pub mod auth;
pub mod csp;
pub mod state;
