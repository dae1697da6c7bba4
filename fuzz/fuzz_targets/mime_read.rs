//! Whatever bytes a message is, reading it for display (text, HTML,
//! attachments, a charset chosen by the reader) gives something, never a
//! panic; and every attachment the reading lists downloads.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = mail::mime::read(data);
    for n in 0..r.attachments.len().min(4) {
        assert!(mail::mime::attachment(data, n).is_some(), "attachment {n}");
    }
    let _ = mail::mime::digest(data);
    let _ = mail::mime::inline_images(data, 1 << 20);
    for charset in ["ISO-2022-JP", "Shift_JIS", "EUC-JP", "UTF-8"] {
        let _ = mail::mime::read_as(data, charset);
    }
});
