//! 「メールアドレスから設定」 on the account form: the server settings
//! forms' lookup (`pages::admin::autoconfig`, in the admin area's bundle,
//! which `crate::area_of` sends with this page), filling the plain form's
//! own fields: its server becomes 個別に設定する with the hosts, ports and
//! protections found.
use leptos::prelude::*;
use serde_json::Value;

use crate::pages::admin::autoconfig::Lookup;

#[cfg_attr(island_admin, island)]
#[cfg_attr(not(island_admin), component)]
pub fn AccountLookup() -> impl IntoView {
    let anchor = NodeRef::<leptos::html::Div>::new();
    let lookup = Lookup::new();
    let form = move || -> Option<leptos::web_sys::HtmlFormElement> {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            anchor.get()?.closest("form").ok()??.dyn_into().ok()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = anchor;
            None
        }
    };
    let fill = move |found: &Value| {
        if let Some(f) = form() {
            fill_account(&f, found);
        }
    };
    // Hosts a third party named: the form's 保存 waits for the confirmation.
    Effect::new(move |_| {
        let held = lookup.holds_password();
        #[cfg(feature = "hydrate")]
        if let Some(save) = form().and_then(|f| {
            f.query_selector("[data-testid=account-save]")
                .ok()
                .flatten()
        }) {
            let _ = js_sys::Reflect::set(&save, &"disabled".into(), &held.into());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = held;
    });
    view! { <div node_ref=anchor>{lookup.view(form, "account", fill)}</div> }
}

/// Puts what was found into the account form: the receiving server of the
/// account's kind (POP3 or IMAP) and the sending server, each as
/// 個別に設定する; the user ID when none is typed; XOAUTH2 when the source
/// says OAuth2 only.
fn fill_account(form: &leptos::web_sys::HtmlFormElement, found: &Value) {
    #[cfg(feature = "hydrate")]
    {
        let el = |sel: &str| form.query_selector(sel).ok().flatten();
        let set = |name: &str, v: &str| {
            if let Some(e) = el(&format!("[name={name}]")) {
                let _ = js_sys::Reflect::set(&e, &"value".into(), &v.into());
            }
        };
        let check = |name: &str, value: &str| {
            if let Some(e) = el(&format!("[name={name}][value=\"{value}\"]")) {
                let _ = js_sys::Reflect::set(&e, &"checked".into(), &true.into());
            }
        };
        let imap = el("[name=kind][value=imap]:checked").is_some();
        let (key, prefix) = if imap {
            ("imap", "imap")
        } else {
            ("pop3", "pop")
        };
        for (s, prefix, source) in [
            (&found[key], prefix, "recv_source"),
            (&found["smtp"], "smtp", "send_source"),
        ] {
            if let (Some(host), Some(port)) = (s["host"].as_str(), s["port"].as_u64()) {
                check(source, "own");
                set(&format!("{prefix}_host"), host);
                set(&format!("{prefix}_port"), &port.to_string());
                set(
                    &format!("{prefix}_protection"),
                    s["protection"].as_str().unwrap_or("none"),
                );
            }
        }
        if found[key]["oauth"] == true {
            set("pop_auth", "xoauth2");
        }
        if found["smtp"]["oauth"] == true {
            set("smtp_auth", "xoauth2");
        }
        let typed = el("[name=pop_user]")
            .and_then(|e| js_sys::Reflect::get(&e, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        if let Some(u) = found["username"]
            .as_str()
            .filter(|u| !u.is_empty() && typed.is_empty())
        {
            set("pop_user", u);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, found);
}
