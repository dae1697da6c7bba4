//! Parts of a message (stored, or read on the IMAP server) served apart
//! from the page: the HTML view (sanitised, then shown in a sandboxed
//! frame under a strict Content-Security-Policy), attachment downloads
//! under their Japanese names, and the source. Only the owner of the message's account gets
//! anything; any other ID is 404.
use std::collections::HashMap;

use app::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use domain::mailbox::view;

/// Inline images are put into the page up to this many bytes.
const INLINE_MAX: usize = 8 << 20;

async fn owned(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
) -> Result<(domain::users::User, view::Row, Vec<u8>), Response> {
    let user = crate::guard::signed_in(state, headers).await?;
    let found = async {
        use domain::mailbox::source::{self, MailSource};
        let account = source::account_of_message(&state.db, user.id, id).await?;
        let src = source::open(state.imap_ctx(), user.id, account).await?;
        src.message(id).await
    }
    .await;
    match found {
        Ok((row, raw)) => Ok((user, row, raw)),
        Err(domain::Error::NotFound | domain::Error::Forbidden) => {
            Err(StatusCode::NOT_FOUND.into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, "reading a message failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

fn private(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// The HTML part, cleaned. `?images=1` (「画像を表示」) or a sender on the
/// reader's always-show list lets remote images through; the policy then
/// allows images from anywhere and still nothing else.
pub async fn html(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (user, row, raw) = match owned(&state, &headers, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let show = q.get("images").is_some_and(|v| v == "1")
        || view::images_always(&state.db, user.id, &row.from_addr)
            .await
            .unwrap_or(false);
    let charset = q.get("charset").cloned().unwrap_or_default();
    let cleaned = tokio::task::spawn_blocking(move || {
        let reading = mail::mime::read_as(&raw, &charset);
        let inline = mail::mime::inline_images(&raw, INLINE_MAX);
        reading.html.map(|h| mail::html::clean(&h, &inline, show))
    })
    .await
    .ok()
    .flatten();
    let Some(c) = cleaned else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
<style>body{{margin:0;padding:12px;font-family:system-ui,\"Hiragino Sans\",\"Noto Sans JP\",\"Yu Gothic\",Meiryo,sans-serif;\
font-size:14px;line-height:1.6;color:#222;background:#fff;overflow-wrap:anywhere}}img{{max-width:100%;height:auto}}\
table{{max-width:100%}}</style></head><body>{}</body></html>",
        c.html
    );
    let img = if show { "data: https: http:" } else { "data:" };
    let csp = format!(
        "default-src 'none'; img-src {img}; style-src 'unsafe-inline'; font-src data:; form-action 'none'; \
base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
    );
    let mut res = page.into_response();
    private(&mut res);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // The only page of ours that may be framed, and only by ours.
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 / 5987):
/// every browser gets the Japanese name, old ones a readable fallback.
pub fn content_disposition(name: &str) -> String {
    let name = if name.trim().is_empty() {
        "attachment"
    } else {
        name.trim()
    };
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

pub async fn attachment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, n)): Path<(i64, usize)>,
) -> Response {
    let (_, _, raw) = match owned(&state, &headers, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some((name, _ctype, bytes)) =
        tokio::task::spawn_blocking(move || mail::mime::attachment(&raw, n))
            .await
            .ok()
            .flatten()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = bytes.into_response();
    private(&mut res);
    let h = res.headers_mut();
    // Always a download: an attachment never renders as one of our pages.
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// ソースを表示: the message as received, as text: read as `?charset=`
/// (文字コードを指定して表示) or as the charset the message declares, and
/// every byte that charset does not define shown as `\xNN`.
pub async fn source(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_, _, raw) = match owned(&state, &headers, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let chosen = q.get("charset").cloned().unwrap_or_default();
    let Ok(text) =
        tokio::task::spawn_blocking(move || mail::mime::source_text(&raw, &chosen)).await
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut res = text.into_response();
    private(&mut res);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    res
}

/// 「.emlで保存」: the message's bytes exactly as received, as a file named
/// after its subject that any mail program opens.
pub async fn eml(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let (_, row, raw) = match owned(&state, &headers, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut res = raw.into_response();
    private(&mut res);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("message/rfc822"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&eml_name(&row.subject))) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A file name from a subject: characters file systems refuse become `_`,
/// long subjects are cut, no subject is 「message」.
fn eml_name(subject: &str) -> String {
    let name: String = subject
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    let name = name.trim().trim_matches('.');
    format!("{}.eml", if name.is_empty() { "message" } else { name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eml_files_are_named_after_the_subject() {
        assert_eq!(eml_name("会議: 12/8 の件"), "会議_ 12_8 の件.eml");
        assert_eq!(eml_name("  "), "message.eml");
        assert_eq!(eml_name("..."), "message.eml");
        assert_eq!(eml_name(&"あ".repeat(100)).chars().count(), 84);
    }

    #[test]
    fn japanese_file_names_survive_the_header() {
        assert_eq!(
            content_disposition("見積書 (2026).pdf"),
            "attachment; filename=\"___ (2026).pdf\"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8%20%282026%29.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\r\n.txt"),
            "attachment; filename=\"a_b__.txt\"; filename*=UTF-8''a%22b%0D%0A.txt"
        );
        assert!(content_disposition("").contains("filename=\"attachment\""));
    }
}
