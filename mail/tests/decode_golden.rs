//! Reading legacy Japanese mail, with the project's own fixtures
//! (tests/golden/mime): ISO-2022-JP with NEC extensions and half-width
//! kana, CP932, EUC-JP, RFC 2231 and RFC 2047 file names, a forwarded
//! message.
use mail::mime::read;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/golden/mime/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn iso_2022_jp_keeps_circled_digits_company_marks_and_half_width_kana() {
    let r = read(&fixture("iso2022jp-nec.eml"));
    assert_eq!(r.subject, "①㈱からのお知らせ");
    assert_eq!(r.from, vec!["山田 <yamada@example.test>".to_owned()]);
    assert_eq!(r.to, vec!["sato@example.test".to_owned()]);
    assert_eq!(r.text.trim_end(), "①㈱ ｱｲ テスト");
    assert_eq!(
        r.date.map(|d| d.to_rfc3339()),
        Some("2026-11-28T01:00:00+00:00".into())
    );
    assert!(r.html.is_none());
}

#[test]
fn shift_jis_reads_as_cp932() {
    let r = read(&fixture("cp932.eml"));
    assert_eq!(r.subject, "①㈱");
    assert_eq!(r.text.trim_end(), "①㈱あⅰ");
}

#[test]
fn euc_jp_with_half_width_kana() {
    let r = read(&fixture("eucjp.eml"));
    assert_eq!(r.subject, "日本");
    assert_eq!(r.text.trim_end(), "日本ｱ");
}

#[test]
fn file_names_in_both_encodings_and_a_forwarded_message() {
    let r = read(&fixture("attachments.eml"));
    assert_eq!(r.text.trim_end(), "添付します。");
    let names: Vec<&str> = r.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names[..2], ["見積書.pdf", "資料.xls"]);
    assert_eq!(r.attachments[0].content_type, "application/pdf");
    assert_eq!(r.attachments[0].size, 5, "decoded size (%PDF-)");
    let fwd = r.attachments[2]
        .message
        .as_ref()
        .expect("message/rfc822 readable");
    assert_eq!(fwd.subject, "元のメール");
    assert_eq!(fwd.from, vec!["山田 <yamada@example.test>".to_owned()]);
    assert_eq!(fwd.text.trim_end(), "転送された本文");
}

#[test]
fn malformed_input_never_panics() {
    for raw in [
        &b""[..],
        b"\xff\xfe\x00",
        b"Subject: =?ISO-2022-JP?B?broken\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n--x",
        b"Subject: =?UTF-8?Q?=E4=BE?=\r\n =?UTF-8?Q?=BF?=\r\n\r\n",
    ] {
        let _ = read(raw);
    }
}
