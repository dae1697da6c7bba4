//! Moving between pages without reloading them. Every page is rendered by
//! the server and works as plain links and forms; in the browser, this
//! takes over link clicks, form posts and 戻る / 進む: it fetches the page the
//! server would have shown, puts its body in place of the current one and
//! starts the islands in it. The browser keeps the compiled bundle and the
//! CSS, so a move costs one request and no script start-up.
//!
//! A refused form comes back as the same page with the errors at their
//! fields (Leptos carries them in the URL); the values the user typed are
//! put back into that form, as a reload would not. Forms inside an island
//! are the island's own.
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, DomParser, Element, Event, FormData, HtmlAnchorElement, HtmlFormElement,
    HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, MouseEvent, RequestInit, Response,
    SubmitEvent, SupportedType, Url, UrlSearchParams,
};

/// The latest move: an answer to an older one arrives too late to show.
static LATEST: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn next_move() -> u32 {
    LATEST.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
}

/// The number of the move that showed the current page.
pub(super) fn current_move() -> u32 {
    LATEST.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether no move has started since move `n`.
pub(super) fn is_latest(n: u32) -> bool {
    current_move() == n
}

/// Called with the document whenever a page is in place (the first one and
/// every body swapped in later), for behaviours that follow what a page
/// shows; set once by `install`.
static ON_SHOWN: std::sync::OnceLock<fn(&Document)> = std::sync::OnceLock::new();

/// Installs the listeners once per page load; `on_shown` runs for this page
/// and for every page shown later.
pub(super) fn install(on_shown: fn(&Document)) {
    let _ = ON_SHOWN.set(on_shown);
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let on_click = Closure::<dyn Fn(MouseEvent)>::new(on_click);
    let on_submit = Closure::<dyn Fn(SubmitEvent)>::new(on_submit);
    let on_pop = Closure::<dyn Fn(Event)>::new(|_: Event| {
        if let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) {
            if POP_HOOK
                .with(std::cell::Cell::get)
                .is_some_and(|f| f(&href))
            {
                return;
            }
            go(href, Nav::Pop);
        }
    });
    // Bubbling phase on the document: handlers of the page's own elements
    // (and Leptos' delegated ones on the window, which come later) keep
    // their say through `defaultPrevented` and island membership.
    let _ = document.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    let _ = document.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_click.forget();
    on_submit.forget();
    on_pop.forget();
    // The page is swapped in place on 戻る, after its answer comes: the
    // browser must not scroll the old body meanwhile.
    // A page loaded whole (another bundle's, then 戻る) goes back there too.
    if let Ok(h) = window.history() {
        let _ = js_sys::Reflect::set(
            &h,
            &JsValue::from_str("scrollRestoration"),
            &JsValue::from_str("manual"),
        );
        if let Some(y) = h.state().ok().and_then(|v| v.as_f64()) {
            window.scroll_to_with_x_and_y(0.0, y);
        }
    }
    on_shown(&document);
}

/// Answers 戻る / 進む to the URL given, or says it did not.
type PopHook = fn(&str) -> bool;

thread_local! {
    static POP_HOOK: std::cell::Cell<Option<PopHook>> = const { std::cell::Cell::new(None) };
}

/// A screen that keeps its state in memory and its URL in step (the mail
/// screen) answers 戻る / 進む itself: `f` gets the new URL first and says
/// whether it showed it; otherwise the page is fetched as usual.
pub fn on_pop(f: PopHook) {
    POP_HOOK.with(|h| h.set(Some(f)));
}

/// Shows the page at `url` as if its link had been clicked.
pub fn visit(url: &str) {
    go(url.to_owned(), Nav::Push);
}

#[derive(Clone, Copy, PartialEq)]
enum Nav {
    /// A link or a form: a new history entry (unless the URL stays).
    Push,
    /// 戻る / 進む: the browser has already moved.
    Pop,
}

/// A plain left click nothing has taken yet: one this page may turn into
/// a move (a modified click opens a tab or a window, as the browser does).
pub fn plain_click(ev: &MouseEvent) -> bool {
    !(ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key())
}

fn on_click(ev: MouseEvent) {
    if !plain_click(&ev) {
        return;
    }
    let Some(a) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())
        .and_then(|el| el.dyn_into::<HtmlAnchorElement>().ok())
    else {
        return;
    };
    if !a.target().is_empty() || a.has_attribute("download") || a.has_attribute("data-reload") {
        return;
    }
    let Some(url) = same_origin(&a.href()) else {
        return;
    };
    // A link to a place in this page is the browser's.
    if url.hash().len() > 1 && url.pathname() == pathname() && url.search() == search() {
        return;
    }
    ev.prevent_default();
    go(url.href(), Nav::Push);
}

fn on_submit(ev: SubmitEvent) {
    if ev.default_prevented() {
        return;
    }
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let submitter = ev.submitter();
    // As written: `form.action` and the like would be a control of that
    // name (the mail list's `<button name="action">`).
    let attr = |name: &str| {
        submitter
            .as_ref()
            .and_then(|b| b.get_attribute(&format!("form{name}")))
            .or_else(|| form.get_attribute(name))
            .unwrap_or_default()
    };
    if form.closest("leptos-island").ok().flatten().is_some()
        || form.has_attribute("data-reload")
        || !attr("target").is_empty()
    {
        return;
    }
    // A second press while the first post is on its way would post twice
    // (two entries, two notifications). The answer replaces the form.
    if form.get_attribute("aria-busy").as_deref() == Some("true") {
        ev.prevent_default();
        return;
    }
    let here = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let Some(action) = Url::new_with_base(&attr("action"), &here)
        .ok()
        .and_then(|u| same_origin(&u.href()))
    else {
        return;
    };
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    // The button that was pressed is part of what a plain post sends.
    if let Some(button) = &submitter {
        let name = button.get_attribute("name").unwrap_or_default();
        if !name.is_empty() {
            let value = button.get_attribute("value").unwrap_or_default();
            let _ = data.append_with_str(&name, &value);
        }
    }
    ev.prevent_default();
    let index = form_index(&form);
    let multipart = attr("enctype").eq_ignore_ascii_case("multipart/form-data");
    if !attr("method").eq_ignore_ascii_case("post") {
        let Some(params) = as_params(&data) else {
            return;
        };
        action.set_search(&params.to_string().as_string().unwrap_or_default());
        go(action.href(), Nav::Push);
        return;
    }
    let body: JsValue = if multipart {
        data.into()
    } else {
        match as_params(&data) {
            Some(p) => p.into(),
            None => return,
        }
    };
    let typed = index.map(|i| (i, values_of(&form)));
    let _ = form.set_attribute("aria-busy", "true");
    let n = next_move();
    leptos::task::spawn_local(async move {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&body);
        let fetched = request(&action.href(), &init).await;
        if is_latest(n) {
            show(fetched, Nav::Push, typed);
        }
    });
}

fn go(url: String, nav: Nav) {
    let n = next_move();
    leptos::task::spawn_local(async move {
        let init = RequestInit::new();
        init.set_method("GET");
        let fetched = request(&url, &init).await;
        if is_latest(n) {
            show(fetched, nav, None);
        }
    });
}

/// What came back: the final URL (after redirects) and, for a page, its
/// HTML. `None` HTML means "not a page": the browser should load the URL.
struct Fetched {
    url: String,
    html: Option<String>,
}

async fn request(url: &str, init: &RequestInit) -> Result<Fetched, String> {
    let headers = web_sys::Headers::new().map_err(|_| url.to_owned())?;
    // As a plain form or link would: the server answers forms with
    // redirects, and errors with a redirect back carrying them.
    let _ = headers.set("Accept", "text/html");
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| url.to_owned())?;
    let resp = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|_| url.to_owned())?;
    let resp: Response = resp.dyn_into().map_err(|_| url.to_owned())?;
    let final_url = resp.url();
    let is_page = resp
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|c| c.starts_with("text/html"));
    if !is_page {
        return Ok(Fetched {
            url: final_url,
            html: None,
        });
    }
    let text = resp.text().map_err(|_| final_url.clone())?;
    let text = wasm_bindgen_futures::JsFuture::from(text)
        .await
        .map_err(|_| final_url.clone())?;
    Ok(Fetched {
        url: final_url,
        html: text.as_string(),
    })
}

/// Puts the fetched page in place, or loads it the ordinary way when it is
/// not a page of ours, needs another bundle, or could not be fetched.
fn show(fetched: Result<Fetched, String>, nav: Nav, typed: Option<(u32, Vec<Typed>)>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let fetched = match fetched {
        Ok(f) => f,
        Err(url) => {
            let _ = window.location().assign(&url);
            return;
        }
    };
    let Some(html) = fetched.html else {
        let _ = window.location().assign(&fetched.url);
        return;
    };
    let Some(new_doc) = DomParser::new()
        .ok()
        .and_then(|p| p.parse_from_string(&html, SupportedType::TextHtml).ok())
    else {
        let _ = window.location().assign(&fetched.url);
        return;
    };
    // Another area's page needs that area's bundle: load it whole.
    if bundle_of(&document) != bundle_of(&new_doc) {
        remember_scroll(&window);
        let _ = window.location().assign(&fetched.url);
        return;
    }
    let (Some(body), Some(new_body)) = (document.body(), new_doc.body()) else {
        let _ = window.location().assign(&fetched.url);
        return;
    };
    let refused = fetched.url.contains("__err=");
    let shown = clean_url(&fetched.url);
    let same_page = shown == window.location().href().unwrap_or_default();
    // Each entry keeps its scroll position as its state: 戻る puts the page
    // back where the user left it.
    let left_at = window.history().ok().and_then(|h| h.state().ok());
    if nav == Nav::Push && !same_page {
        remember_scroll(&window);
        if let Ok(h) = window.history() {
            let _ = h.push_state_with_url(&JsValue::NULL, "", Some(&shown));
        }
    } else if let Ok(h) = window.history() {
        // Drop `__err` / `__ok` from the address: a reload should not show
        // the message again.
        let state = left_at.clone().unwrap_or(JsValue::NULL);
        let _ = h.replace_state_with_url(&state, "", Some(&shown));
    }
    document.set_title(&new_doc.title());
    if let (Some(old), Some(new)) = (document.document_element(), new_doc.document_element()) {
        let _ = old.set_attribute("lang", &new.get_attribute("lang").unwrap_or_default());
    }
    body.set_inner_html(&new_body.inner_html());
    // The page's layout class (`mail-screen`) comes with it.
    body.set_class_name(&new_body.class_name());
    if refused && let Some((index, values)) = typed {
        restore(&document, index, &values);
    }
    if nav == Nav::Pop {
        let y = left_at.and_then(|v| v.as_f64()).unwrap_or(0.0);
        window.scroll_to_with_x_and_y(0.0, y);
    } else if !same_page {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
    super::islands::hydrate(&document);
    if let Some(f) = ON_SHOWN.get() {
        f(&document);
    }
    let _ = body.set_attribute("data-hydrated", "true");
}

/// Keeps the page's scroll position in its history entry, for 戻る.
fn remember_scroll(window: &web_sys::Window) {
    if let Ok(h) = window.history() {
        let at = JsValue::from_f64(window.scroll_y().unwrap_or(0.0));
        let _ = h.replace_state(&at, "");
    }
}

/// The bundle a page loads (its module preload), to tell areas apart.
fn bundle_of(doc: &Document) -> Option<String> {
    doc.query_selector("link[rel=modulepreload]")
        .ok()
        .flatten()
        .and_then(|l| l.get_attribute("href"))
}

fn same_origin(href: &str) -> Option<Url> {
    let url = Url::new(href).ok()?;
    let here = web_sys::window()?.location().origin().ok()?;
    (url.origin() == here).then_some(url)
}

fn pathname() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

fn search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The URL without the markers a form post's redirect carries.
fn clean_url(url: &str) -> String {
    let Ok(u) = Url::new(url) else {
        return url.to_owned();
    };
    let params = u.search_params();
    for key in ["__err", "__path", "__ok"] {
        params.delete(key);
    }
    let rest = params.to_string().as_string().unwrap_or_default();
    u.set_search(&rest);
    u.href()
}

fn as_params(data: &FormData) -> Option<UrlSearchParams> {
    // The form's pairs in order; a file (only in multipart forms, which
    // are not sent this way) would be its name.
    let params = UrlSearchParams::new().ok()?;
    let entries = js_sys::try_iter(data.as_ref()).ok()??;
    for entry in entries {
        let pair = js_sys::Array::from(&entry.ok()?);
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1).as_string().unwrap_or_default();
        params.append(&key, &value);
    }
    Some(params)
}

fn form_index(form: &HtmlFormElement) -> Option<u32> {
    let forms = web_sys::window()?.document()?.forms();
    (0..forms.length()).find(|&i| {
        forms
            .item(i)
            .is_some_and(|f| &f == AsRef::<Element>::as_ref(form))
    })
}

/// One control's state as the user left it.
enum Typed {
    Text(String, String),
    Checked(String, String, bool),
}

fn values_of(form: &HtmlFormElement) -> Vec<Typed> {
    let mut out = Vec::new();
    let elements = form.elements();
    for i in 0..elements.length() {
        let Some(el) = elements.item(i) else { continue };
        if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            match input.type_().as_str() {
                // Hidden fields carry the server's state; files cannot be set.
                "hidden" | "file" | "submit" | "button" => {}
                "checkbox" | "radio" => {
                    out.push(Typed::Checked(input.name(), input.value(), input.checked()))
                }
                _ => out.push(Typed::Text(input.name(), input.value())),
            }
        } else if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
            out.push(Typed::Text(select.name(), select.value()));
        } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
            out.push(Typed::Text(area.name(), area.value()));
        }
    }
    out
}

/// Puts the user's values back into the re-rendered form.
fn restore(document: &Document, index: u32, values: &[Typed]) {
    let Some(form) = document
        .forms()
        .item(index)
        .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let elements = form.elements();
    let mut texts: Vec<(&str, &str)> = values
        .iter()
        .filter_map(|v| match v {
            Typed::Text(n, v) => Some((n.as_str(), v.as_str())),
            Typed::Checked(..) => None,
        })
        .collect();
    for i in 0..elements.length() {
        let Some(el) = elements.item(i) else { continue };
        if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            match input.type_().as_str() {
                "hidden" | "file" | "submit" | "button" => {}
                "checkbox" | "radio" => {
                    let (name, value) = (input.name(), input.value());
                    if let Some(Typed::Checked(.., c)) = values.iter().find(
                        |v| matches!(v, Typed::Checked(n, val, _) if *n == name && *val == value),
                    ) {
                        input.set_checked(*c);
                    }
                }
                _ => {
                    if let Some((_, v)) = next_named(&mut texts, &input.name()) {
                        input.set_value(v);
                    }
                }
            }
        } else if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
            if let Some((_, v)) = next_named(&mut texts, &select.name()) {
                select.set_value(v);
            }
        } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>()
            && let Some((_, v)) = next_named(&mut texts, &area.name())
        {
            area.set_value(v);
        }
    }
}

/// The first saved value of `name` not yet put back (fields of one name
/// come back in the order they were).
fn next_named<'a>(texts: &mut Vec<(&'a str, &'a str)>, name: &str) -> Option<(&'a str, &'a str)> {
    let at = texts.iter().position(|(n, _)| *n == name)?;
    Some(texts.remove(at))
}
