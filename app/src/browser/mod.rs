//! What runs in the browser besides the islands: every page is rendered by
//! the server and works as plain links and forms; this makes moving
//! between them feel like one application. It is installed once per page
//! load by the bundle's entry point (`frontend`).
//!
//! The protocol between the server's pages and this code:
//!
//! - **Moves** (`navigate`): a same-origin link click, a form submission or
//!   戻る / 進む fetches the page with `Accept: text/html`, puts its `<body>`,
//!   title and `lang` in place and pushes the URL. A page of another area's
//!   bundle (`crate::area_of`) is loaded whole instead. Links and forms
//!   with `data-reload`, a `target` or `download` are left to the browser;
//!   forms inside a `<leptos-island>` belong to the island.
//! - **One post at a time**: a posting form gets `aria-busy="true"` until
//!   its answer replaces it; a second press meanwhile is dropped.
//! - **Answers to posts**: the server redirects a plain form post. A refused
//!   post comes back to its page with `__err` (the error, as JSON) and
//!   `__path` (the function) in the query; the typed values are put back
//!   into that form. A successful post that returns to its own page carries
//!   `__ok=<function>` (`server::mark_success`), so the page can say
//!   「保存しました」. These markers are dropped from the address bar.
//! - **History**: each entry keeps its scroll position as its state, so
//!   戻る returns to where the page was left.
//! - **`data-action`** on a control names a small behaviour (`actions`).
//! - **`data-receive-poll`** marks a running 受信 (`receive`).
//! - Behaviours that follow what a page shows (`receive`) are handed to
//!   `navigate` at install and run for every page it puts in place, so
//!   `navigate` knows none of them.
//! - **`data-hydrated`** on `<body>` says the page's islands are started
//!   (tests wait for it).
mod actions;
mod islands;
mod navigate;
mod receive;
pub mod stream;

pub use navigate::{on_pop, plain_click, visit};

/// Installs every listener; call once per page load.
pub fn install() {
    navigate::install(receive::follow);
    actions::install();
}
