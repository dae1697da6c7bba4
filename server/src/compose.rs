//! `POST /mail/send`: the compose form posted by the browser itself, files
//! and all (`multipart/form-data`), when JavaScript does not run. The
//! hydrated form sends the same fields through `send_mail` after uploading
//! each file on its own; both end in `domain::mailbox::send::submit`.
//!
//! A sent message goes on to 送信済み and a saved draft back to its form,
//! as redirects (a reload does not post again). A message that was not
//! sent or saved — a field refused, the server's refusal — comes back as
//! the form with what was typed and why, so nothing written is lost.
use app::api::compose::{ComposeDto, Posted, UploadDto, frame};
use app::error::AppError;
use app::server::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::mailbox::send::{Submitted, Written};
use http::{StatusCode, header};
use leptos::prelude::provide_context;

use crate::guard::signed_in;

/// The largest text field read (a long message, or its HTML version).
const TEXT_MAX: usize = 2 << 20;
/// How many parts a form may have: its fields and `ATTACHMENTS_MAX` files.
const PARTS_MAX: usize = 64 + domain::mailbox::uploads::ATTACHMENTS_MAX;

/// The longest the whole post may be: the files within the highest limit
/// an admin can set, and the text.
pub const BODY_MAX: usize = crate::uploads::BODY_MAX + 4 * TEXT_MAX;

/// The form as posted, before anything is stored.
#[derive(Default)]
struct Form {
    account: i32,
    written: Written,
    files: Vec<(String, String, Vec<u8>)>,
}

/// Reads the parts, each bounded: a status when the body is not a form's.
async fn read(mut mp: Multipart, file_max: usize) -> Result<Form, StatusCode> {
    let bad = |_| StatusCode::BAD_REQUEST;
    let mut f = Form::default();
    let mut parts = 0;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        parts += 1;
        if parts > PARTS_MAX {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().unwrap_or_default().to_owned();
        // A file over the admin's limit is read no further than the limit
        // and refused at the field; text has a fixed bound.
        let max = if file_name.is_some() {
            file_max + 1
        } else {
            TEXT_MAX
        };
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if data.len() + chunk.len() > max {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
            data.extend_from_slice(&chunk);
        }
        if let Some(file_name) = file_name {
            // A file input left empty still sends a part without a name.
            if name == "file" && !(file_name.is_empty() && data.is_empty()) {
                f.files.push((file_name, content_type, data));
            }
            continue;
        }
        let text = String::from_utf8(data).map_err(|_| StatusCode::BAD_REQUEST)?;
        let number = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
        // A message ID: 0 or none for none.
        let id = |s: &str| Some(number(s)).filter(|n| *n > 0);
        let w = &mut f.written;
        let m = &mut w.message;
        match name.as_str() {
            "account" => f.account = text.trim().parse().unwrap_or(0),
            "to" => m.to = text,
            "cc" => m.cc = text,
            "bcc" => m.bcc = text,
            "subject" => m.subject = text,
            // Browsers post a textarea's line ends as CRLF.
            "body" => m.body = text.replace("\r\n", "\n"),
            "html" => m.html = text,
            "charset" => m.charset = text,
            "reply_to" => m.reply_to = id(&text),
            "draft" => m.draft = id(&text),
            "carry" => w.carry = number(&text),
            "carry_whole" => w.carry_whole = text == "true",
            "upload" => w.uploads.push(number(&text)),
            "do" => w.draft_only = text == "draft",
            _ => {}
        }
    }
    Ok(f)
}

pub async fn send(State(state): State<AppState>, req: Request) -> Response {
    let user = match signed_in(&state, req.headers()).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (parts, body) = req.into_parts();
    let mp = match Multipart::from_request(Request::from_parts(parts.clone(), body), &state).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let file_max = match domain::webmail::settings(&state.db).await {
        Ok(s) => s.attachment_max_bytes(),
        Err(e) => return failed(e),
    };
    let mut form = match read(mp, file_max).await {
        Ok(f) => f,
        Err(status) => return status.into_response(),
    };
    let src = match domain::mailbox::source::open(state.imap_ctx(), user.id, form.account).await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let account = form.account;
    // The files become uploads, as the hydrated form's would: a form that
    // comes back lists them and posts their IDs again.
    let mut refusal = None;
    for (name, content_type, data) in std::mem::take(&mut form.files) {
        match domain::mailbox::uploads::put(&state.db, user.id, &name, &content_type, data).await {
            Ok(u) => form.written.uploads.push(u.id),
            Err(e @ domain::Error::Invalid(_)) => {
                refusal = Some(e);
                break;
            }
            Err(e) => return failed(e),
        }
    }
    let written = form.written.clone();
    let uploads = written.uploads.clone();
    let outcome = match refusal {
        Some(e) => Err(e),
        None => {
            domain::mailbox::send::submit(&src, &state.secrets, &state.mail_trust, user.id, written)
                .await
        }
    };
    let (error, refused, draft) = match outcome {
        Ok(Submitted::Sent(s)) => {
            let sent = if s.not_filed.is_some() { 2 } else { 1 };
            return Redirect::to(&format!("/mail?account={account}&folder=sent&sent={sent}"))
                .into_response();
        }
        Ok(Submitted::Draft(id)) => {
            // The files are in the draft now, which the form opens next.
            let _ = domain::mailbox::uploads::forget(&state.db, user.id, &uploads).await;
            return Redirect::to(&format!(
                "/mail/compose?account={account}&mode=draft&id={id}&saved=1"
            ))
            .into_response();
        }
        Ok(Submitted::NotSent(n)) => (None, n.error, n.draft),
        Err(e @ domain::Error::Invalid(_)) => (Some(AppError::from(e)), String::new(), 0),
        Err(e) => return failed(e),
    };
    let base = match frame(&state, &src).await {
        Ok(f) => f,
        Err(e) => return failed(e),
    };
    // Files of a message that was not sent stay uploaded, listed in the
    // form that comes back; so do those of the form before.
    let uploaded =
        match domain::mailbox::uploads::listed(&state.db, user.id, &form.written.uploads).await {
            Ok(l) => l,
            Err(e) => return failed(e),
        };
    let (w, m) = (&form.written, form.written.message.clone());
    let dto = ComposeDto {
        to: m.to,
        cc: m.cc,
        bcc: m.bcc,
        subject: m.subject,
        body: m.body,
        html: m.html,
        charset: if m.charset.is_empty() {
            base.charset.clone()
        } else {
            m.charset
        },
        reply_to: m.reply_to.unwrap_or(0),
        draft: if draft > 0 {
            draft
        } else {
            m.draft.unwrap_or(0)
        },
        carry: w.carry,
        carry_whole: w.carry_whole,
        uploaded: uploaded
            .into_iter()
            .map(|u| UploadDto {
                id: u.id,
                name: u.name,
                size: u.size,
            })
            .collect(),
        error,
        refused,
        ..base
    };
    let status = if dto.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    form_again(state, parts, dto, status).await
}

/// The compose page rendered for `dto` at `/mail/compose`, as its own
/// address would render it, under the post's session.
async fn form_again(
    state: AppState,
    mut parts: http::request::Parts,
    dto: ComposeDto,
    status: StatusCode,
) -> Response {
    let account = dto.account;
    parts.method = http::Method::GET;
    parts.uri = match format!("/mail/compose?account={account}").parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let opts = state.leptos_options.clone();
    let posted = Posted(dto);
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(posted.clone());
        },
        move || app::shell(opts.clone()),
    );
    let mut res = render(Request::from_parts(parts, Body::empty())).await;
    *res.status_mut() = status;
    res
}

/// A failure that is not the form's: the status a server function would
/// give it.
fn failed(e: domain::Error) -> Response {
    let e = AppError::from(e);
    let status = e.status();
    if status.is_server_error() {
        tracing::error!(error = ?e, "a posted message failed");
    }
    (status, axum::Json(e)).into_response()
}
