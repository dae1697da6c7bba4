//! Starting the islands of a page put in place by `navigate`.
//!
//! Leptos starts the islands of the page it loaded with; for a body swapped
//! in later there is no public call, so this uses the function its islands
//! loader (`leptos::hydration::islands.js`) leaves on `window` as
//! `__hydrateIsland(element, componentId)`. Checked against Leptos 0.8.23:
//! this is the only place that names it, so an upgrade that renames it
//! breaks one function (and the browser suite, which opens islands after a
//! move).
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

/// The loader's function; absent until the bundle is in.
const LOADER_FN: &str = "__hydrateIsland";

/// Starts every outermost island of `document`'s body.
pub(super) fn hydrate(document: &Document) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(f) = js_sys::Reflect::get(&window, &JsValue::from_str(LOADER_FN)) else {
        return;
    };
    let Some(f) = f.dyn_ref::<js_sys::Function>() else {
        return;
    };
    let Ok(islands) = document.query_selector_all("leptos-island") else {
        return;
    };
    for i in 0..islands.length() {
        let Some(el) = islands.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        // Nested islands are started by their parent.
        if el
            .parent_element()
            .and_then(|p| p.closest("leptos-island").ok().flatten())
            .is_some()
        {
            continue;
        }
        let id = el.get_attribute("data-component").unwrap_or_default();
        let _ = f.call2(&window, &el, &JsValue::from_str(&id));
    }
}
