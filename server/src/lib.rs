//! The Tayori web server: configuration, the axum router, background work.
#![forbid(unsafe_code)]

pub mod compose;
pub mod config;
pub mod dispatch;
pub mod export;
pub mod guard;
pub mod jobs;
pub mod mailparts;
pub mod oauth;
pub mod receiving;
pub mod uploads;

use std::sync::Arc;
use std::time::Duration;

use app::server::auth::session_token;
use app::server::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http::StatusCode;
use http::header::{self, HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::Config;

/// Settings of a server process besides the database.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    /// Where the secret key file lives (created on first start).
    pub data_dir: std::path::PathBuf,
    /// `TAYORI_SECRET_KEY`, which takes precedence over the key file.
    pub secret_key: Option<String>,
    /// Whom the mail clients trust (public roots and an in-house CA).
    pub mail_trust: mail::tls::Trust,
    /// `TAYORI_PUBLIC_URL`, else the listening address.
    pub public_url: String,
}

/// Opens the database and brings its schema up to date. Safe to call from
/// several processes at once on PostgreSQL: sea-orm-migration records each
/// migration in one transaction.
pub async fn open_database(url: &str) -> domain::Result<domain::DatabaseConnection> {
    use migrations::MigratorTrait;
    let db = domain::db::connect(url).await?;
    migrations::Migrator::up(&db, None).await?;
    // Serve from connections opened on the migrated schema: a pooled
    // SQLite connection that saw the tables before an ALTER may describe
    // a statement's columns as they were.
    db.close().await?;
    domain::db::connect(url).await
}

/// Opens the database (running migrations) and builds the shared state.
pub async fn build_state(
    db_url: &str,
    leptos_options: LeptosOptions,
    opts: Options,
) -> domain::Result<AppState> {
    let db = open_database(db_url).await?;
    let secrets =
        domain::secrets::SecretBox::load_or_create(&opts.data_dir, opts.secret_key.as_deref())?;
    let secrets = Arc::new(secrets);
    let imap = domain::imap::Pool::default();
    // 信頼するCA証明書 from the first connection on.
    domain::certificates::apply(&db, &opts.mail_trust).await?;
    let background = Arc::new(jobs::Jobs::new(
        db.clone(),
        secrets.clone(),
        opts.mail_trust.clone(),
        imap.clone(),
    ));
    Ok(AppState {
        leptos_options,
        db,
        throttle: Arc::new(domain::throttle::LoginThrottle::default()),
        secure_cookies: opts.secure_cookies,
        trust_proxy: opts.trust_proxy,
        secrets,
        mail_trust: opts.mail_trust,
        public_url: opts.public_url.trim_end_matches('/').to_owned(),
        outbox_wake: Arc::new(tokio::sync::Notify::new()),
        background,
        imap,
    })
}

/// Leptos options without cargo-leptos' environment: the bundle name is ours.
pub fn leptos_options(site_root: &str, addr: std::net::SocketAddr) -> LeptosOptions {
    // One bundle per area when the site was built so (release builds).
    let split = std::path::Path::new(site_root)
        .join("pkg")
        .join(format!("{}-core.js", app::BUNDLE))
        .exists();
    let _ = app::SPLIT.set(split);
    LeptosOptions::builder()
        .output_name(app::BUNDLE)
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

async fn server_fns(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// Server functions answer under their own routes (see `router`): the mark
/// of a successful form post is added around all of them here.
async fn mark_form_posts(req: Request<Body>, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let referer = req.headers().get(header::REFERER).cloned();
    let res = next.run(req).await;
    mark_success(res, &path, referer)
}

/// A plain form post that succeeded goes back to its page like a refused
/// one does; Leptos marks only the refusal (`__err`, `__path`). Adding
/// `__ok=<function path>` lets that page say 「保存しました」 as the
/// page would after a call from an island (`components::ok_of`). "Its
/// page" is the path the form was on, whatever the query (再送信 on the
/// failed list goes on to the queued one).
fn mark_success(mut res: Response, path: &str, referer: Option<HeaderValue>) -> Response {
    if res.status() != StatusCode::FOUND {
        return res;
    }
    let Some(back) = referer
        .as_ref()
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
    else {
        return res;
    };
    let Some(mut url) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| back.join(l).ok())
    else {
        return res;
    };
    let refused = url.query_pairs().any(|(k, _)| k == "__err");
    if refused || url.origin() != back.origin() || url.path() != back.path() {
        return res;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "__ok" | "__err" | "__path"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("__ok", path);
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Paths anyone may load: the sign-in page, its assets and the server
/// functions (which check the caller themselves).
fn is_public(path: &str) -> bool {
    path == "/login"
        || path.starts_with("/api/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/favicon.ico"
}

/// Decides before anything renders who may see a page: signed-out visitors
/// go to the sign-in form, a user holding a one-time password to the
/// password form, a signed-in visitor of the sign-in form home. The user is
/// handed to the render through the request's extensions.
async fn page_guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public(&path) && path != "/login" {
        return next.run(req).await;
    }
    let user = match session_token(req.headers(), &state) {
        Some(token) => domain::sessions::lookup(&state.db, &token).await,
        None => Ok(None),
    };
    match user {
        Ok(None) if path == "/login" => next.run(req).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Ok(Some(_)) if path == "/login" => Redirect::to("/").into_response(),
        Ok(Some(user)) if user.must_change_password && path != "/password" => {
            Redirect::to("/password").into_response()
        }
        Ok(Some(user)) => {
            let mut me = app::api::Me::from(&user);
            me.memos_unread = domain::memos::unread_count(&state.db, user.id)
                .await
                .unwrap_or_default();
            req.extensions_mut().insert(me);
            next.run(req).await
        }
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            http::StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Server functions answer 500 when their arguments cannot be decoded; that
/// is the caller's mistake, so say 400.
async fn bad_arguments_are_400(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api || res.status() != http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if bytes.starts_with(br#"{"Transport":"#) {
        parts.status = http::StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A route that sets its own (the mail view, framed by our page) keeps it.
    if !h.contains_key(X_FRAME_OPTIONS) {
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

/// The browser bundle (`/pkg`): a browser that accepts brotli or gzip gets
/// the `.br` / `.gz` copy `scripts/build-site.sh` writes beside each file
/// (about a third of the bytes), and revalidates on every use — the names
/// carry no hash, and a cached bundle must not outlive an upgrade of the
/// server whose functions it calls (an unchanged file costs a 304).
fn bundle_files(opts: &LeptosOptions) -> Router<AppState> {
    let dir = std::path::Path::new(&*opts.site_root).join(&*opts.site_pkg_dir);
    let files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .service(
            tower_http::services::ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new().nest_service(&format!("/{}", opts.site_pkg_dir), files)
}

/// The largest body of a server function call: a long message with its
/// HTML version fits many times over.
pub const API_BODY_MAX: usize = 4 << 20;
/// The largest CSV import (base64 of a file of tens of thousands of rows).
pub const IMPORT_BODY_MAX: usize = 48 << 20;

/// How long a request's body may be on `path`.
fn body_limit(path: &str) -> usize {
    match path {
        "/mail/upload" => uploads::BODY_MAX,
        "/mail/send" => compose::BODY_MAX,
        "/api/import_accounts" => IMPORT_BODY_MAX,
        _ => API_BODY_MAX,
    }
}

/// Bounds every request body before anything reads it. Server functions
/// collect their whole body before decoding it (an axum extractor limit
/// does not reach them), so the bound is on the body itself: a declared
/// length over it is refused at once (413), an undeclared one fails when
/// the reader passes it, and nothing beyond it is ever held in memory.
async fn bounded_bodies(req: Request, next: Next) -> Response {
    let max = body_limit(req.uri().path());
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, max)));
    next.run(req).await
}

/// Server functions whose arguments come as JSON; every other one takes a
/// URL-encoded form (Leptos' default, and what a plain form posts).
const JSON_FUNCTIONS: &[&str] = &["/api/send_mail"];

/// The body type a state-changing request to `path` must declare. An
/// upload's body is the file itself, of any type; the header it must carry
/// (`uploads::UPLOAD_HEADER`) is what no form of another page can send.
fn expected_body(path: &str) -> Option<&'static str> {
    if JSON_FUNCTIONS.contains(&path) {
        Some("application/json")
    } else if path == "/mail/send" {
        Some("multipart/form-data")
    } else if path.starts_with("/api/") {
        Some("application/x-www-form-urlencoded")
    } else {
        None
    }
}

/// Whether a request that can change something comes from one of our own
/// pages. The cookie alone cannot say: `SameSite=Lax` still sends it from
/// another port of the same host, and signing in needs no cookie at all
/// (login CSRF). Browsers say where a request comes from in
/// `Sec-Fetch-Site`; older ones only in `Origin`, compared with the host
/// the request was sent to. A request with neither does not come from a
/// browser page, so no page can have forged it.
fn from_our_pages(headers: &http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none": the user's own action (a bookmark, the address bar).
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        });
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Refuses a state-changing request from another site's page (403), and
/// one whose declared body type is not the one its route decodes (415): a
/// page elsewhere can post `text/plain` that happens to parse as JSON
/// without the browser asking first.
async fn same_origin_writes(req: Request, next: Next) -> Response {
    let method = req.method();
    if method == http::Method::GET
        || method == http::Method::HEAD
        || method == http::Method::OPTIONS
    {
        return next.run(req).await;
    }
    if !from_our_pages(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
    }
    if let Some(expected) = expected_body(req.uri().path()) {
        let declared = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .unwrap_or_default();
        if !declared.eq_ignore_ascii_case(expected) {
            return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
        }
    }
    next.run(req).await
}

/// The whole HTTP surface; tests drive it without a socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let bundle = bundle_files(&state.leptos_options);
    let ctx_state = state.clone();
    let shell_opts = state.leptos_options.clone();
    Router::new()
        .route("/admin/webmail/export.csv", get(export::accounts_csv))
        .route("/mail/message/{id}/html", get(mailparts::html))
        .route(
            "/mail/message/{id}/attachment/{n}",
            get(mailparts::attachment),
        )
        .route("/mail/message/{id}/source", get(mailparts::source))
        .route("/mail/message/{id}/eml", get(mailparts::eml))
        .route(
            "/mail/upload",
            post(uploads::upload).layer(axum::extract::DefaultBodyLimit::max(uploads::BODY_MAX)),
        )
        .route(
            "/mail/send",
            post(compose::send).layer(axum::extract::DefaultBodyLimit::max(compose::BODY_MAX)),
        )
        .route("/oauth/start", post(oauth::start))
        .route("/oauth/callback", get(oauth::callback))
        .route("/api/{*fn_name}", post(server_fns).get(server_fns))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ctx_state.clone()),
            move || shell(shell_opts.clone()),
        )
        .merge(bundle)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), page_guard))
        .layer(middleware::from_fn(mark_form_posts))
        .layer(middleware::from_fn(bad_arguments_are_400))
        .layer(middleware::from_fn(bounded_bodies))
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Prints the bootstrap administrator's one-time password, once: only the
/// start that created the account sees it.
pub async fn bootstrap(state: &AppState) -> domain::Result<()> {
    if let Some((login, password)) = domain::users::ensure_bootstrap_admin(&state.db).await? {
        println!("============================================================");
        println!("便り Tayori: 管理者を作成しました / administrator created");
        println!("  ログインID / login ID:                  {login}");
        println!("  一時パスワード / one-time password:     {password}");
        println!("初回ログイン時にパスワードの変更が必要です。この表示は一度だけです。");
        println!("You must change it at first sign-in. It is shown only this once.");
        println!("============================================================");
    }
    Ok(())
}

/// Hourly clean-up of expired sessions, and the refresh of OAuth sign-ins
/// idle for a week, so a provider's inactivity limit (90 days at Microsoft)
/// never ends a sign-in that notifications or a quiet account still need.
pub fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        let http = domain::mailserver::oauth_http(&state.mail_trust, 30);
        loop {
            tick.tick().await;
            match domain::sessions::purge_expired(&state.db).await {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
            match domain::oauth::grants::refresh_idle(&state.db, &state.secrets, &http).await {
                Ok(n) if n > 0 => tracing::info!(refreshed = n, "idle OAuth sign-ins refreshed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "idle OAuth refresh failed"),
            }
        }
    });
}

/// Other server processes (PostgreSQL installations run several) add and
/// remove 信頼するCA証明書 too: each process reads the list again every
/// minute, so a change reaches every connection within that.
pub fn spawn_trust_refresh(state: AppState) {
    tokio::spawn(async move {
        let fingerprints = || async {
            domain::certificates::list(&state.db)
                .await
                .map(|rows| rows.into_iter().map(|r| r.fingerprint).collect::<Vec<_>>())
        };
        // `build_state` applied the list as it is now.
        let mut last = fingerprints().await.ok();
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            // Rebuilding the root store is not free: only when the list
            // changed since the last look.
            let seen = match fingerprints().await {
                Ok(seen) => seen,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the trusted CA certificates failed");
                    continue;
                }
            };
            if last.as_ref() == Some(&seen) {
                continue;
            }
            if let Err(e) = domain::certificates::apply(&state.db, &state.mail_trust).await {
                tracing::warn!(error = %e, "trusting the stored CA certificates failed");
                continue;
            }
            last = Some(seen);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(to: &str) -> Response {
        let mut res = StatusCode::FOUND.into_response();
        res.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_str(to).unwrap());
        res
    }

    fn marked(to: &str, from: &str) -> String {
        let res = mark_success(
            redirect(to),
            "/api/resend",
            Some(HeaderValue::from_str(from).unwrap()),
        );
        res.headers()[header::LOCATION].to_str().unwrap().to_owned()
    }

    #[test]
    fn a_success_back_on_its_page_is_marked_once() {
        assert_eq!(
            marked("http://h/admin/company?", "http://h/admin/company"),
            "http://h/admin/company?__ok=%2Fapi%2Fresend"
        );
        assert_eq!(
            marked(
                "/admin/outbox?status=queued&__ok=x",
                "http://h/admin/outbox?status=failed"
            ),
            "http://h/admin/outbox?status=queued&__ok=%2Fapi%2Fresend"
        );
    }

    #[test]
    fn refusals_and_other_pages_are_left_alone() {
        let refused = "http://h/admin/company?__err=x&__path=%2Fapi%2Fresend";
        assert_eq!(marked(refused, "http://h/admin/company"), refused);
        assert_eq!(marked("/", "http://h/login"), "/");
        assert_eq!(
            marked("http://elsewhere/admin/company", "http://h/admin/company"),
            "http://elsewhere/admin/company"
        );
    }
}
