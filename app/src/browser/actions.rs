//! Small behaviours of server-rendered controls, named by `data-action`
//! instead of inline `onchange="…"` code, so pages need no inline script
//! (a strict Content-Security-Policy can forbid it). One delegated
//! listener on the document serves every page, including bodies that
//! `navigate` swaps in later.
//!
//! | `data-action` | on change |
//! |---|---|
//! | `submit` | posts (or, for GET forms, follows) the control's form |
//! | `all-day` | a checked 終日 disables the form's `start_time` / `end_time` |
//! | `set-title` | a chosen ▼選択 entry becomes the form's `title` |
//!
//! A button with `data-confirm="…"` asks that question first; 「キャンセル」
//! stops the click, so its form is not posted. A button with
//! `data-copy="…"` puts that text on the clipboard (コピー of a URI to
//! register elsewhere).
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, HtmlFormElement, HtmlInputElement, HtmlSelectElement};

pub(super) fn install() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let on_change = Closure::<dyn Fn(Event)>::new(on_change);
    let _ = document.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();
    // Capture phase: asked before any other handler (navigate's, a form
    // island's) can act on the click.
    let on_click = Closure::<dyn Fn(Event)>::new(on_click);
    let _ = document.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    on_click.forget();
}

fn on_click(ev: Event) {
    let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
    if let Some(text) = target
        .as_ref()
        .and_then(|el| el.closest("[data-copy]").ok().flatten())
        .and_then(|el| el.get_attribute("data-copy"))
    {
        copy(&text);
        return;
    }
    let Some(question) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest("[data-confirm]").ok().flatten())
        .and_then(|el| el.get_attribute("data-confirm"))
    else {
        return;
    };
    let agreed = web_sys::window()
        .and_then(|w| w.confirm_with_message(&question).ok())
        .unwrap_or(false);
    if !agreed {
        ev.prevent_default();
        ev.stop_propagation();
    }
}

/// The clipboard exists on https pages and on this machine's own; on a
/// plain http page the text stays selectable where it is shown.
fn copy(text: &str) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    if js_sys::Reflect::has(&navigator, &JsValue::from_str("clipboard")).unwrap_or(false) {
        let _ = navigator.clipboard().write_text(text);
    }
}

fn on_change(ev: Event) {
    let Some(el) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Some(action) = el.get_attribute("data-action") else {
        return;
    };
    let Some(form) = el
        .closest("form")
        .ok()
        .flatten()
        .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let control = |name: &str| {
        form.elements()
            .named_item(name)
            .and_then(|c| c.dyn_into::<HtmlInputElement>().ok())
    };
    match action.as_str() {
        // requestSubmit fires `submit`, which `navigate` takes over.
        "submit" => {
            let _ = form.request_submit();
        }
        "all-day" => {
            let checked = el
                .dyn_ref::<HtmlInputElement>()
                .is_some_and(HtmlInputElement::checked);
            for name in ["start_time", "end_time"] {
                if let Some(input) = control(name) {
                    input.set_disabled(checked);
                }
            }
        }
        "set-title" => {
            let value = el
                .dyn_ref::<HtmlSelectElement>()
                .map(HtmlSelectElement::value)
                .unwrap_or_default();
            if let Some(title) = control("title")
                && !value.is_empty()
            {
                title.set_value(&value);
            }
        }
        _ => {}
    }
}
