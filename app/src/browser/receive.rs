//! 受信's progress on the mail page: the bar and count follow the running
//! receive on the server (`/api/receive_status`), and the page is shown
//! again when it ends.
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, RequestInit, Response, UrlSearchParams};

/// 受信's progress: while the page shows a receive running (an element with
/// `data-receive-poll`, the account's ID), its bar and count follow the
/// account's row on the server; when the receive ends the page is shown
/// again, with the new mail or the error. A page moved away from stops it.
pub(super) fn follow(document: &Document) {
    let Ok(Some(line)) = document.query_selector("[data-receive-poll]") else {
        return;
    };
    // The move that showed this page: a link or form used while the
    // receive runs starts a newer one, and the page it asked for must not
    // be replaced by this one shown again.
    let shown_by = super::navigate::current_move();
    let account = line.get_attribute("data-receive-poll").unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            crate::components::sleep_ms(200).await;
            if !line.is_connected() {
                return;
            }
            let Some(status) = receive_status(&account).await else {
                break;
            };
            let field = |name: &str| js_sys::Reflect::get(&status, &JsValue::from_str(name)).ok();
            let number = |name: &str| field(name).and_then(|v| v.as_f64()).unwrap_or(0.0) as i64;
            if field("running").and_then(|v| v.as_bool()) != Some(true) {
                break;
            }
            let (done, total) = (number("done"), number("total"));
            if !line.is_connected() {
                return;
            }
            if let Ok(Some(bar)) = line.query_selector("progress") {
                let _ = bar.set_attribute("max", &total.max(1).to_string());
                let _ = bar.set_attribute("value", &done.to_string());
            }
            if let Ok(Some(count)) = line.query_selector("[data-testid=receive-count]") {
                count.set_text_content(Some(&format!("{done} / {total}")));
            }
        }
        if line.is_connected()
            && super::navigate::is_latest(shown_by)
            && let Some(href) = web_sys::window().and_then(|w| w.location().href().ok())
        {
            super::navigate::visit(&href);
        }
    });
}

/// The account's receive state from `/api/receive_status` (the server
/// function's JSON), or `None` when the server refused or is unreachable.
async fn receive_status(account: &str) -> Option<JsValue> {
    let params = UrlSearchParams::new().ok()?;
    params.append("account", account);
    let headers = web_sys::Headers::new().ok()?;
    let _ = headers.set("Accept", "application/json");
    let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&params.to_string().into());
    let window = web_sys::window()?;
    let resp = wasm_bindgen_futures::JsFuture::from(
        window.fetch_with_str_and_init("/api/receive_status", &init),
    )
    .await
    .ok()?;
    let resp: Response = resp.dyn_into().ok()?;
    if !resp.ok() {
        return None;
    }
    wasm_bindgen_futures::JsFuture::from(resp.json().ok()?)
        .await
        .ok()
}
