//! Server-only parts of the UI crate: who is asking (`auth`) and the state
//! every server function and render shares (`state`), and streamed
//! line-by-line answers (`ndjson`).
pub mod auth;
pub mod csp;
pub mod ndjson;
pub mod state;
