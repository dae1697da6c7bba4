//! [OAuth認可サーバー認証] and [認証]: the two plain HTTP steps of signing a
//! setting or an account in at an authorization server. `start` (a form
//! post from Tayori's own page, so the same-origin check has passed) sends
//! the browser to the server's login; `callback` is where the server sends
//! it back, to the same session, and returns it to the page it came from.
//! Tokens stay on the server; the browser only ever sees the redirects.
use app::server::state::AppState;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::oauth::grants::{self, Owner};
use http::{HeaderMap, StatusCode};

#[derive(serde::Deserialize)]
pub struct StartForm {
    /// `settings:1`, `settings:2` or `account:<id>`.
    owner: String,
    server_id: String,
}

/// Where the sign-in of `owner` returns to.
fn page_of(owner: Owner) -> String {
    match owner {
        Owner::Settings(domain::mailserver::Scope::Admin) => "/admin/mail-server".into(),
        Owner::Settings(domain::mailserver::Scope::Webmail) => "/admin/webmail/server".into(),
        Owner::Account(id) => format!("/mail/accounts/{id}"),
    }
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let user = match crate::guard::signed_in(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (Some(owner), Ok(server_id)) = (Owner::parse(&form.owner), form.server_id.trim().parse())
    else {
        return crate::guard::invalid(domain::Error::field(
            "oauth_server_id",
            domain::Code::Required,
        ));
    };
    let hint = match grants::may_sign_in(&state.db, &user, owner).await {
        Ok(h) => h,
        Err(domain::Error::Forbidden) => return StatusCode::FORBIDDEN.into_response(),
        Err(domain::Error::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "checking who may sign in failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let (Some(origin), Some(token)) = (
        app::server::auth::origin_of(&headers, &state),
        app::server::auth::session_token(&headers, &state),
    ) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match grants::start(
        &state.db,
        &state.secrets,
        user.id,
        &token,
        owner,
        server_id,
        &origin,
        hint.as_deref(),
    )
    .await
    {
        Ok(url) => leave_for(&url),
        Err(e @ domain::Error::Invalid(_)) => crate::guard::invalid(e),
        Err(e) => {
            tracing::error!(error = %e, "starting an OAuth sign-in failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Sends the browser to the authorization server. Not a redirect: a
/// form's redirect to another origin is stopped by the pages' own
/// `form-action 'self'`, which a page that then moves on does not meet.
fn leave_for(url: &str) -> Response {
    let href = url
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let page = format!(
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={href}\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>便り</title></head><body>\
         <p><a href=\"{href}\" data-testid=\"oauth-continue\">OAuth認可サーバーへ移動します / Continue to the authorization server</a></p>\
         </body></html>"
    );
    let mut res = axum::response::Html(page).into_response();
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(cb): Query<grants::Callback>,
) -> Response {
    // Signed out meanwhile (or another browser): nothing to return to.
    let Some(token) = app::server::auth::session_token(&headers, &state) else {
        return Redirect::to("/login").into_response();
    };
    let http = domain::mailserver::oauth_http(&state.mail_trust, 30);
    // Which page to return to is known only from the pending sign-in the
    // state names; `finish` uses it up.
    let owner = grants::owner_of_pending(&state.db, &cb.state)
        .await
        .ok()
        .flatten();
    let outcome = grants::finish(&state.db, &state.secrets, &http, &token, &cb).await;
    let (page, result) = match (&outcome, owner) {
        (Ok(done), _) => (page_of(done.owner), "ok"),
        (Err(_), Some(owner)) => (page_of(owner), "failed"),
        (Err(_), None) => ("/".to_owned(), "failed"),
    };
    match outcome {
        Ok(done) => {
            let user = domain::sessions::lookup(&state.db, &token)
                .await
                .ok()
                .flatten();
            let _ = domain::audit::record(
                &state.db,
                &domain::audit::Actor {
                    user_id: user.map(|u| u.id),
                    ip: None,
                },
                "oauth.sign_in",
                &done.owner.key(),
                &done.signed_in_as,
            )
            .await;
        }
        Err(e) => tracing::info!(error = %e, "OAuth sign-in did not finish"),
    }
    Redirect::to(&format!("{page}?oauth={result}")).into_response()
}
