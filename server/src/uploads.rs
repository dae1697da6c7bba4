//! `POST /mail/upload?account=N&name=…`: one attachment of the message
//! being written, as the request body. The browser sends each file as soon
//! as it is picked and shows the upload's progress; 送信 then names the
//! files by the IDs returned here.
use std::collections::HashMap;

use app::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::guard::{invalid, signed_in};

/// The header the compose form sets. A page of another site cannot send it
/// without a CORS preflight, which is never granted, so a cross-site form
/// cannot upload with the user's cookie.
pub const UPLOAD_HEADER: &str = "x-tayori-upload";

/// The largest body the route reads: the highest limit an admin can set
/// (ウェブメール設定 checks the chosen one after reading).
pub const BODY_MAX: usize = (domain::webmail::ATTACHMENT_MAX_MB as usize) << 20;

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if !headers.contains_key(UPLOAD_HEADER) {
        return (StatusCode::FORBIDDEN, axum::Json(json!("Forbidden"))).into_response();
    }
    let user = match signed_in(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let account = q
        .get("account")
        .and_then(|a| a.parse::<i32>().ok())
        .unwrap_or(0);
    if let Err(e) = domain::mailbox::view::mine(&state.db, user.id, account).await {
        return match e {
            domain::Error::NotFound | domain::Error::Forbidden => {
                (StatusCode::NOT_FOUND, axum::Json(json!("NotFound"))).into_response()
            }
            e => invalid(e),
        };
    }
    let name = q.get("name").cloned().unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Takes the body's buffer over when it is the only owner (the usual
    // case) instead of copying up to the admin's limit once more.
    let data = Vec::from(body);
    match domain::mailbox::uploads::put(&state.db, user.id, &name, content_type, data).await {
        Ok(u) => axum::Json(app::api::compose::UploadDto {
            id: u.id,
            name: u.name,
            size: u.size,
        })
        .into_response(),
        Err(e @ domain::Error::Invalid(_)) => {
            let mut r = invalid(e);
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "storing an upload failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
