//! アカウントのエクスポート: the accounts as a CSV download (never a
//! password), in UTF-8 with BOM or Shift_JIS as Japanese spreadsheets want.
use std::collections::HashMap;

use app::server::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::webmail::csv::CsvEncoding;
use http::{HeaderMap, HeaderValue, StatusCode, header};

pub async fn accounts_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let user = match crate::guard::admin_only(&state, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let encoding = match CsvEncoding::parse(q.get("encoding").map(String::as_str).unwrap_or("")) {
        CsvEncoding::Auto => CsvEncoding::Utf8,
        e => e,
    };
    let body = match domain::webmail::csv::export(&state.db, encoding).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "account export failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let _ = domain::audit::record(
        &state.db,
        &domain::audit::Actor::user(user.id, None),
        "webmail.account.export",
        "mail_accounts",
        &format!("{encoding:?}"),
    )
    .await;
    let charset = if encoding == CsvEncoding::ShiftJis {
        "Shift_JIS"
    } else {
        "utf-8"
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("text/csv; charset={charset}")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"webmail-accounts.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
