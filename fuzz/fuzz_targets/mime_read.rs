//! Whatever bytes a message is, reading it for display (text, HTML,
//! attachments, a charset chosen by the reader) gives something, never a
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = mail::mime::read(data);
    for n in 0..r.attachments.len().min(4) {
        let _ = mail::mime::attachment(data, n);
    }
    let _ = mail::mime::digest(data);
    let _ = mail::mime::inline_images(data, 1 << 20);
    for charset in ["iso-2022-jp", "shift_jis", "euc-jp", "utf-8"] {
        let _ = mail::mime::read(&mail::mime::with_charset(data, charset));
    }
});
