//! The JSON answers of server functions, decoded in the browser from text.
//!
//! Islands receive their props as JSON text, which Leptos decodes with
//! `serde_json::from_str`; server_fn's own `Json` decodes answers with
//! `from_slice`. The two readers monomorphise every `Deserialize` twice, and
//! the mail screen's props are the very types its server functions answer
//! with, so each bundle would carry two copies of them. This encoding is the
//! same JSON on the wire, read through `from_str` like the props.
use leptos::server_fn::codec::Post;
use leptos::server_fn::{ContentType, Decodes, Encodes, Format, FormatType};
use serde::{Serialize, de::DeserializeOwned};

pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<leptos::server_fn::Bytes, Self::Error> {
        serde_json::to_vec(output).map(Into::into)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = String;

    fn decode(bytes: leptos::server_fn::Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Answers as JSON (POST): the output codec of every server function that
/// answers with data.
pub type Json = Post<JsonText>;
