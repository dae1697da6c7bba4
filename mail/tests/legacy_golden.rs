//! Legacy and odd mail reads as Becky! and Thunderbird show it. Fixtures in
//! tests/golden/mime/legacy, named by what they exercise and grouped by
//! class: raw header bytes (`raw-`), charset labels the parser does not
//! know (`label-`), split RFC 2231 sections and RFC 2047 words (`rfc2231-`,
//! `rfc2047-`), 文字コードを指定して表示 (`choose-`) and odd structure
//! (`odd-`). Each is checked through the list (`digest`: what a receive
//! stores for the list and for search) and the reading pane (`read`).
use mail::mime::{Reading, digest, read, read_as};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/golden/mime/legacy/{name}.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The list's subject and sender, and the reading pane's.
fn both(name: &str) -> (mail::mime::Digest, Reading) {
    let raw = fixture(name);
    (digest(&raw), read(&raw))
}

fn names(r: &Reading) -> Vec<&str> {
    r.attachments.iter().map(|a| a.name.as_str()).collect()
}

fn no_replacement(r: &Reading) {
    let all = format!("{} {:?} {} {:?}", r.subject, r.from, r.text, names(r));
    assert!(
        !all.contains('\u{fffd}') && !all.contains('\u{1b}'),
        "{all}"
    );
}

// Class 1: header bytes that are not RFC 2047 encoded.

#[test]
fn raw_iso_2022_jp_subject_and_sender() {
    let (d, r) = both("raw-iso2022jp-subject-and-from");
    assert_eq!(d.summary.subject, "会議のお知らせ");
    assert_eq!(d.summary.from, "山田 太郎 <yamada@example.test>");
    assert_eq!(r.subject, "会議のお知らせ");
    assert_eq!(r.from, ["山田 太郎 <yamada@example.test>"]);
    assert_eq!(r.text.trim_end(), "明日10時からです。");
}

#[test]
fn raw_cp932_subject_quoted_sender_and_file_name() {
    // 表 and ソ end in 0x5C, a backslash inside the quotes.
    let (d, r) = both("raw-cp932-subject-from-and-filename");
    assert_eq!(d.summary.subject, "ソフト表示の件");
    assert_eq!(d.summary.from, "表計算 ① <hyo@example.test>");
    assert!(d.has_attachment);
    assert_eq!(r.subject, "ソフト表示の件");
    assert_eq!(names(&r), ["見積表.pdf"]);
    assert_eq!(r.text.trim_end(), "本文です。");
}

#[test]
fn raw_euc_jp_subject_and_a_body_without_charset() {
    let (d, r) = both("raw-eucjp-subject-and-unlabelled-body");
    assert_eq!(d.summary.subject, "今日の予定について");
    assert_eq!(d.summary.from, "鈴木 <suzuki@example.test>");
    assert!(d.text.contains("予定は変更ありません"), "{}", d.text);
    assert_eq!(r.text.trim_end(), "予定は変更ありません。");
}

#[test]
fn raw_utf8_subject_and_latin1_sender() {
    let (d, r) = both("raw-utf8-subject-latin1-name");
    assert_eq!(d.summary.subject, "Réunion 会議");
    assert_eq!(d.summary.from, "Jürgen Müller <jm@example.test>");
    assert_eq!(r.text.trim_end(), "Grüße");
}

#[test]
fn raw_shift_jis_everywhere_and_no_content_type_at_all() {
    let (d, r) = both("raw-sjis-subject-and-body-without-any-content-type");
    assert_eq!(d.summary.subject, "写真を送ります");
    assert_eq!(d.summary.from, "携帯 <k@example.test>");
    assert!(d.text.contains("旅行の写真です"), "{}", d.text);
    assert_eq!(r.text.trim_end(), "旅行の写真です。");
    no_replacement(&r);
}

// Class 2: charset labels the parser does not know.

#[test]
fn microsoft_and_jis_variant_labels() {
    let (d, r) = both("label-iso2022jp-ms-and-windows-31j-and-x-sjis");
    assert_eq!(d.summary.subject, "①㈱の件");
    assert_eq!(d.summary.from, "佐藤 <sato@example.test>");
    assert_eq!(r.text.replace("\r\n", "\n").trim_end(), "①㈱\nｶﾅと①");
    no_replacement(&r);
}

#[test]
fn utf7_and_korean_labels() {
    let (d, r) = both("label-utf7-and-ks_c_5601");
    assert_eq!(d.summary.subject, "日本語");
    assert!(r.text.contains("こんにちは 1+1"), "{}", r.text);
    let raw = fixture("label-utf7-and-ks_c_5601");
    // The Korean alternative is a part of its own.
    assert!(
        String::from_utf8_lossy(&raw).contains("ks_c_5601"),
        "fixture as described"
    );
    assert!(d.text.contains("こんにちは"), "{}", d.text);
    no_replacement(&r);
}

#[test]
fn half_width_kana_by_shift_out_and_latin1_by_single_shift() {
    let (d, r) = both("label-cp50222-kana-and-iso2022jp2-latin");
    assert_eq!(d.summary.subject, "café 日本");
    assert_eq!(r.text.trim_end(), "はんかく ｶﾅ");
}

#[test]
fn x_unknown_label_on_the_body_and_on_a_word() {
    let (d, r) = both("label-x-unknown-body-and-word");
    assert_eq!(d.summary.subject, "ご案内");
    assert_eq!(r.subject, "ご案内");
    assert_eq!(r.text.trim_end(), "ご案内いたします。");
    assert!(d.text.contains("ご案内いたします"), "{}", d.text);
}

// Class 3: RFC 2231 sections and RFC 2047 words split inside a character.

#[test]
fn rfc2231_utf8_name_split_inside_a_character() {
    let (d, r) = both("rfc2231-utf8-name-split-inside-a-character");
    assert!(d.has_attachment);
    assert_eq!(names(&r), ["見積書_2026年度.pdf"]);
    let (name, ctype, data) =
        mail::mime::attachment(&fixture("rfc2231-utf8-name-split-inside-a-character"), 0)
            .expect("the attachment downloads");
    assert_eq!(name, "見積書_2026年度.pdf");
    assert_eq!(ctype, "application/pdf");
    assert_eq!(data, b"%PDF-");
}

#[test]
fn rfc2231_shift_jis_sections_out_of_order_some_not_encoded() {
    let (d, r) = both("rfc2231-sjis-name-sections-out-of-order-and-mixed");
    assert!(d.has_attachment);
    assert_eq!(names(&r), ["議事録.txt"]);
}

#[test]
fn rfc2047_utf8_words_split_inside_a_character() {
    let (d, r) = both("rfc2047-utf8-words-split-inside-a-character");
    assert_eq!(d.summary.subject, "打ち合わせの日程調整");
    assert_eq!(d.summary.from, "高橋 <takahashi@example.test>");
    assert_eq!(r.subject, "打ち合わせの日程調整");
}

#[test]
fn shift_jis_q_words_split_and_raw_bytes_in_one_subject() {
    let (d, r) = both("rfc2047-sjis-q-words-split-and-raw-bytes");
    assert_eq!(d.summary.subject, "【重要】 資料送付");
    assert_eq!(r.subject, "【重要】 資料送付");
    assert_eq!(r.text.trim_end(), "送ります");
}

// Class 4: 文字コードを指定して表示 re-decodes headers and parts that name
// no charset as well.

#[test]
fn chosen_charset_reads_a_mislabelled_body_and_raw_subject() {
    let raw = fixture("choose-mislabelled-latin1-body-raw-sjis-subject");
    assert_ne!(read(&raw).text.trim_end(), "お見積りを送ります");
    let r = read_as(&raw, "Shift_JIS");
    assert_eq!(r.subject, "お見積り");
    assert_eq!(r.text.trim_end(), "お見積りを送ります");
}

#[test]
fn chosen_charset_reads_unlabelled_half_width_euc_jp() {
    // Half-width kana in EUC-JP is also valid Shift_JIS kanji: only the
    // reader knows.
    let raw = fixture("choose-unlabelled-eucjp-body-and-subject");
    let r = read_as(&raw, "EUC-JP");
    assert_eq!(r.subject, "ｱｲｳ");
    assert_eq!(r.text.trim_end(), "ｶﾀｶﾅ");
    let s = read_as(&raw, "Shift_JIS");
    assert_ne!(s.text.trim_end(), "ｶﾀｶﾅ", "the choice is what decides");
}

#[test]
fn chosen_charset_reaches_unlabelled_parts_and_raw_names() {
    let raw = fixture("choose-multipart-unlabelled-part-and-raw-name");
    let r = read_as(&raw, "EUC-JP");
    assert_eq!(r.from, ["ｻﾄｳ <sato@example.test>"]);
    assert_eq!(r.text.trim_end(), "ﾒﾓ");
}

// Class 5: odd structure.

#[test]
fn empty_content_type_with_a_name_is_an_attachment() {
    let (d, r) = both("odd-empty-content-type-with-a-name");
    assert!(d.has_attachment);
    assert_eq!(names(&r), ["report.pdf"]);
    assert_eq!(r.text.trim_end(), "hello");
}

#[test]
fn multipart_without_boundary_shows_its_text() {
    let (d, r) = both("odd-multipart-without-boundary");
    assert_eq!(r.subject, "境界なし");
    assert_eq!(r.text.trim_end(), "境界のない本文です。");
    assert!(r.attachments.is_empty(), "{:?}", names(&r));
    assert!(!d.has_attachment);
}

#[test]
fn first_text_part_with_a_file_name_is_shown_and_offered() {
    let (d, r) = both("odd-first-text-part-with-a-file-name");
    assert!(d.text.contains("メモの本文"), "{}", d.text);
    assert_eq!(r.text.trim_end(), "メモの本文");
    assert_eq!(names(&r), ["note.txt", "a.png"]);
}

#[test]
fn zero_byte_part_is_not_listed_and_empty_disposition_keeps_its_name() {
    let (d, r) = both("odd-zero-byte-part-and-empty-disposition");
    assert!(d.has_attachment);
    assert_eq!(names(&r), ["table.xls"]);
    let raw = fixture("odd-zero-byte-part-and-empty-disposition");
    let (name, _, data) = mail::mime::attachment(&raw, 0).expect("listed one downloads");
    assert_eq!(name, "table.xls");
    assert_eq!(data, [0, 0, 0]);
}

// Class 6: carrier pictograms become the Unicode emoji of EmojiSources.txt.

#[test]
fn docomo_pictograms_in_shift_jis() {
    let (d, r) = both("pictogram-docomo-sjis-subject-and-body");
    assert_eq!(d.summary.subject, "晴れ\u{2600}");
    assert_eq!(r.subject, "晴れ\u{2600}");
    assert_eq!(r.text.trim_end(), "くもり\u{2601}です\u{2764}");
    assert!(d.text.contains("くもり\u{2601}"), "{}", d.text);
}

#[test]
fn softbank_pictograms_in_utf8_private_use() {
    let (d, r) = both("pictogram-softbank-utf8-private-use");
    assert_eq!(d.summary.subject, "晴れ\u{2600}");
    assert_eq!(r.text.trim_end(), "ありがとう\u{2764}");
}

#[test]
fn au_pictograms_in_iso_2022_jp_and_utf8() {
    let (d, r) = both("pictogram-au-iso2022jp-body-and-utf8-subject");
    assert_eq!(d.summary.subject, "注意\u{26a0}");
    assert_eq!(r.text.trim_end(), "気をつけて\u{26a0}");
}

#[test]
fn docomo_pictograms_forwarded_from_a_pc_raw_and_in_utf8() {
    let (d, r) = both("pictogram-raw-sjis-subject-and-utf8-body-from-elsewhere");
    assert_eq!(d.summary.subject, "転送\u{2600}");
    assert_eq!(r.text.trim_end(), "元気です\u{2600}");
}

// Class 7: a display name that shows another address.

#[test]
fn an_address_in_the_display_name_is_not_the_sender() {
    let r = read(&fixture("spoof-address-in-the-display-name"));
    assert_eq!(
        r.impersonated,
        Some(("support@bank.example".into(), "collector@evil.test".into()))
    );
}

#[test]
fn a_full_width_address_in_an_encoded_name_counts_as_what_it_looks_like() {
    let r = read(&fixture("spoof-full-width-address-in-an-encoded-name"));
    assert_eq!(
        r.impersonated,
        Some(("soumu@corp.example".into(), "x@phish.test".into()))
    );
}

#[test]
fn a_raw_shift_jis_name_with_an_address_is_decoded_then_checked() {
    let (d, r) = both("spoof-raw-sjis-name-with-address-and-honest-one");
    assert_eq!(
        d.summary.from,
        "経理 keiri@corp.example <keiri@attacker.test>"
    );
    assert_eq!(
        r.impersonated,
        Some(("keiri@corp.example".into(), "keiri@attacker.test".into()))
    );
}

#[test]
fn a_name_showing_the_same_address_is_no_warning() {
    let r = read(&fixture("spoof-none-when-the-name-shows-the-same-address"));
    assert_eq!(r.impersonated, None);
    assert_eq!(
        read(&fixture("raw-iso2022jp-subject-and-from")).impersonated,
        None
    );
}
