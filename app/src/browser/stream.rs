//! Posting a form and reading a line-delimited JSON answer as it arrives
//! (the connection test streams its steps).

/// POSTs `form`'s fields (and `extra` ones) to `url` and calls `on_line` for every JSON line
/// of the answer, as soon as it arrives. A refused request (4xx) delivers
/// its JSON body as one line.
pub async fn post_form_lines(
    form: &leptos::web_sys::HtmlFormElement,
    url: &str,
    extra: &[(&str, &str)],
    mut on_line: impl FnMut(serde_json::Value),
) -> Result<u16, String> {
    use js_sys::{Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{FormData, ReadableStreamDefaultReader, RequestInit, Response, UrlSearchParams};

    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let data = FormData::new_with_form(form).map_err(err)?;
    let params = UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(err)?;
    for (name, value) in extra {
        params.set(name, value);
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&params);
    let window = leptos::prelude::window();
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(err)?
        .dyn_into()
        .map_err(err)?;
    let status = resp.status();
    let Some(body) = resp.body() else {
        return Ok(status);
    };
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|o: js_sys::Object| format!("{o:?}"))?;
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(err)?;
        let done = Reflect::get(&chunk, &"done".into())
            .map_err(err)?
            .as_bool()
            .unwrap_or(true);
        if let Ok(value) = Reflect::get(&chunk, &"value".into())
            && !value.is_undefined()
        {
            pending.extend(Uint8Array::new(&value).to_vec());
            while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=pos).collect();
                if let Ok(v) = serde_json::from_slice(&line) {
                    on_line(v);
                }
            }
        }
        if done {
            break;
        }
    }
    if let Ok(v) = serde_json::from_slice(&pending) {
        on_line(v);
    }
    Ok(status)
}
