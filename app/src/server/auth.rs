//! Who is asking: the one place every server function gets its caller from.
use axum::extract::ConnectInfo;
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::error::AppError;
use crate::server::state::AppState;
use domain::audit::Actor;
use domain::users::User;

/// The session cookie over plain HTTP.
pub const SESSION_COOKIE: &str = "tayori_session";
/// The session cookie over HTTPS. With the `__Host-` prefix browsers accept
/// it only when Secure, for this very host and `Path=/`: a sibling
/// subdomain or a plain-HTTP page cannot plant a session (session fixation).
pub const SECURE_SESSION_COOKIE: &str = "__Host-tayori_session";

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token of a request, read under the one name this request's
/// scheme allows (an HTTPS request ignores a cookie without the prefix).
pub fn session_token(headers: &http::HeaderMap, state: &AppState) -> Option<String> {
    cookie(headers, session_cookie_name(https_of(headers, state)))
}
/// The user's language, so the page shell can say `<html lang>` at once.
pub const LANG_COOKIE: &str = "tayori_lang";

/// What a server function requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any signed-in user, even one who must still change a one-time password.
    SignedIn,
    /// A signed-in user who is ready to use the product.
    User,
    /// An administrator.
    Admin,
}

pub struct Caller {
    pub user: User,
    pub ip: Option<String>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user.id, self.ip.clone())
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

pub async fn parts() -> Result<Parts, AppError> {
    leptos_axum::extract::<Parts>().await.map_err(|e| {
        tracing::error!(error = %e, "request parts unavailable");
        AppError::Internal
    })
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The client's address: the socket peer, or, when the admin said a proxy
/// is in front, the address that proxy saw. That is the right-most entry
/// of `X-Forwarded-For` (appended by the proxy itself); entries to its left
/// are whatever the client chose to send and are never believed. An entry
/// that is not an IP address falls back to the socket peer.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(ip) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
    {
        return Some(ip.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
}

pub fn is_https(parts: &Parts, state: &AppState) -> bool {
    https_of(&parts.headers, state)
}

pub fn https_of(headers: &http::HeaderMap, state: &AppState) -> bool {
    state.secure_cookies
        || (state.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")))
}

/// The origin the browser reaches Tayori at, from which the redirect URI
/// registered at the server is made (`https://tayori.example.com`).
pub fn origin_of(headers: &http::HeaderMap, state: &AppState) -> Option<String> {
    let host = headers.get(http::header::HOST)?.to_str().ok()?;
    // A Host header is a host and maybe a port: nothing else goes into the
    // URL the authorization server will compare.
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return None;
    }
    let scheme = if https_of(headers, state) {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// The signed-in user of this request, if any.
pub async fn current_user() -> Result<Option<Caller>, AppError> {
    let state = state()?;
    let parts = parts().await?;
    let ip = client_ip(&parts, state.trust_proxy);
    let Some(token) = session_token(&parts.headers, &state) else {
        return Ok(None);
    };
    let user = domain::sessions::lookup(&state.db, &token).await?;
    Ok(user.map(|user| Caller { user, ip }))
}

/// Gets the caller and checks the role; sets 401/403 on the response when
/// refused. Every server function starts with this.
pub async fn require(need: Need) -> Result<Caller, AppError> {
    let caller = current_user().await.map_err(fail)?;
    let Some(caller) = caller else {
        return Err(fail(AppError::Unauthenticated));
    };
    match need {
        Need::SignedIn => {}
        Need::User | Need::Admin if caller.user.must_change_password => {
            return Err(fail(AppError::PasswordChangeRequired));
        }
        Need::Admin if !caller.user.is_admin() => return Err(fail(AppError::Forbidden)),
        Need::User | Need::Admin => {}
    }
    Ok(caller)
}

/// Puts the error's HTTP status on the response and hands the error back.
///
/// Not for a plain HTML form post (before hydration): there Leptos answers
/// with a redirect back to the form carrying the error, and a status set here
/// would replace that redirect.
pub fn fail(e: AppError) -> AppError {
    if !is_html_form_post()
        && let Some(opts) = use_context::<ResponseOptions>()
    {
        opts.set_status(e.status());
    }
    e
}

/// A plain HTML form post (before hydration or without JavaScript), as
/// opposed to a call from the hydrated page.
fn is_html_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Where a plain form post lands after success. The hydrated page navigates
/// by itself with a full load (a new session needs one), so it gets no
/// redirect: two navigations at once would race.
pub fn redirect_form_post(path: &str) {
    if is_html_form_post() {
        leptos_axum::redirect(path);
    }
}

/// Maps a service result, setting the response status on failure.
pub fn done<T>(r: domain::Result<T>) -> Result<T, AppError> {
    r.map_err(|e| fail(e.into()))
}

pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> Option<HeaderValue> {
    let name = session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .ok()
}

pub fn set_cookie(value: Option<HeaderValue>) {
    if let (Some(opts), Some(v)) = (use_context::<ResponseOptions>(), value) {
        opts.append_header(SET_COOKIE, v);
    }
}

pub fn lang_cookie(lang: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={lang}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::client_ip;

    fn parts(forwarded: &[&str]) -> http::request::Parts {
        let mut b = http::Request::builder();
        for f in forwarded {
            b = b.header("x-forwarded-for", *f);
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_address_the_proxy_saw_is_the_right_most_one() {
        // The client wrote "203.0.113.9" itself; the proxy appended the
        // address it saw.
        let p = parts(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(client_ip(&p, true).as_deref(), Some("198.51.100.7"));
        let p = parts(&["203.0.113.9", "198.51.100.7"]);
        assert_eq!(client_ip(&p, true).as_deref(), Some("198.51.100.7"));
        // Without a trusted proxy the header means nothing.
        assert_eq!(client_ip(&p, false), None);
        // Not an address: not believed.
        assert_eq!(client_ip(&parts(&["evil"]), true), None);
    }
}
