//! The browser entry point. Pages are rendered by the server; only their
//! islands (`#[island]` components) run here.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    app::browser::install();
    // The loader hydrates each island right after this returns, all within
    // the current task; the next task sees every island attached. Tests
    // wait for this marker.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
