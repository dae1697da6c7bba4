//! Answers of one JSON value per line, sent as they happen (the connection
//! test, 自動設定): the browser reads them with `browser::stream`.
use leptos::prelude::use_context;

/// Marks this server function's answer as line-delimited JSON, not to be
/// cached — also for a plain form post (without JavaScript), which would
/// otherwise be redirected back to the form.
pub fn answer() {
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        use http::{HeaderValue, StatusCode, header};
        opts.set_status(StatusCode::OK);
        opts.insert_header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson; charset=utf-8"),
        );
        opts.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// One value as one line.
pub fn line(v: &serde_json::Value) -> String {
    let mut s = v.to_string();
    s.push('\n');
    s
}
