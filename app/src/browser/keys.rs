//! Keyboard use of the mail screen.
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlAnchorElement};

/// The mail screen's keys: j / k next and previous message, Enter the first,
/// Delete, r / a / f reply, reply all, forward, / search. They act on what
/// the page shows (the rows' links, the open message's buttons), so they
/// need no state of their own.
pub(super) fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_key = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(on_key);
    let _ = window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    on_key.forget();
}

fn on_key(ev: web_sys::KeyboardEvent) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let typing = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.closest("[contenteditable]").ok().flatten().is_some()
        });
    if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
        return;
    }
    let Ok(Some(_)) = document.query_selector("[data-testid=message-list]") else {
        return;
    };
    let links: Vec<String> = document
        .query_selector_all("[data-testid=message-row] a[data-testid=message-subject]")
        .map(|list| {
            (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|n| n.dyn_into::<HtmlAnchorElement>().ok())
                .map(|a| a.href())
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<String> = document
        .query_selector_all("[data-testid=message-row]")
        .map(|list| {
            (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|n| n.dyn_into::<Element>().ok())
                .map(|e| e.get_attribute("data-id").unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let open = document
        .query_selector("article[data-testid=message]")
        .ok()
        .flatten()
        .and_then(|a| a.get_attribute("data-id"));
    let cur = open.as_ref().and_then(|m| rows.iter().position(|r| r == m));
    let click = |sel: &str| {
        if let Some(el) = document
            .query_selector(sel)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            el.click();
        }
    };
    match ev.key().as_str() {
        "j" => {
            let next = cur.map_or(0, |c| (c + 1).min(links.len().saturating_sub(1)));
            if let Some(href) = links.get(next) {
                super::navigate::visit(href);
            }
        }
        "k" => {
            if let Some(href) = links.get(cur.map_or(0, |c| c.saturating_sub(1))) {
                super::navigate::visit(href);
            }
        }
        "Enter" if cur.is_none() => {
            if let Some(href) = links.first() {
                super::navigate::visit(href);
            }
        }
        "Delete" if open.is_some() => click("[data-testid=message-delete]"),
        "r" => click("[data-testid=reply]"),
        "a" => click("[data-testid=reply-all]"),
        "f" => click("[data-testid=forward]"),
        "/" => {
            ev.prevent_default();
            if let Some(el) = document
                .get_element_by_id("mail-search")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
        _ => {}
    }
}
