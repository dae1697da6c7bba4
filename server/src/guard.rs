//! Who is asking, for the plain HTTP routes (uploads, attachments, CSV
//! export) that are not server functions: the same session and the same
//! answers (401 signed out, 403 while the password must be changed or for
//! a non-admin) as `app::server::auth::require`.
use app::server::auth::session_token;
use app::server::state::AppState;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::json;

/// A refusal of the input, as a server function's field errors.
pub(crate) fn invalid(e: domain::Error) -> Response {
    let body: app::error::AppError = e.into();
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// The signed-in user of a plain HTTP route (not a server function): 401
/// without a session, 403 while the password must still be changed.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<domain::users::User, Response> {
    let user = match session_token(headers, state) {
        Some(t) => domain::sessions::lookup(&state.db, &t).await.map_err(|e| {
            tracing::error!(error = %e, "session lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        })?,
        None => None,
    };
    match user {
        None => Err((
            StatusCode::UNAUTHORIZED,
            axum::Json(json!("Unauthenticated")),
        )
            .into_response()),
        Some(u) if u.must_change_password => {
            Err((StatusCode::FORBIDDEN, axum::Json(json!("Forbidden"))).into_response())
        }
        Some(u) => Ok(u),
    }
}

/// A signed-in administrator, else 401 / 403.
pub(crate) async fn admin_only(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<domain::users::User, Response> {
    match signed_in(state, headers).await? {
        u if !u.is_admin() => {
            Err((StatusCode::FORBIDDEN, axum::Json(json!("Forbidden"))).into_response())
        }
        u => Ok(u),
    }
}
