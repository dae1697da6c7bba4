//! The Content-Security-Policy of every page. Its scripts run only with
//! the nonce Leptos puts on the scripts it writes itself (hydration and
//! streamed data), and whatever those load (`'strict-dynamic'`: the
//! bundle and its WebAssembly); no inline code or event attribute runs,
//! no plugin, no `<base>`, and no other site may frame a page. Mail HTML is
//! shown on its own route with a stricter policy of its own.
use leptos::prelude::*;

/// The policy for a page whose scripts carry `nonce`.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets the policy on the response of the page being rendered, with the
/// nonce of this render.
pub fn set_for_this_page() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(v) = http::HeaderValue::from_str(&policy(&nonce)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_code_and_no_framing() {
        let p = policy("abc");
        assert!(p.contains("script-src 'nonce-abc' 'strict-dynamic'"));
        assert!(!p.contains("unsafe-eval'") || p.contains("wasm-unsafe-eval"));
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(p.contains(part), "{part}");
        }
        assert!(!p.contains("script-src 'self' 'unsafe-inline'"));
    }
}
