//! Whatever file an administrator uploads to アカウントのインポート, reading
//! and checking it without the database answers with rows or line errors,
//! never a panic; every error names a line of the file.
#![no_main]
use domain::webmail::csv::{self, CsvEncoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let encoding =
        [CsvEncoding::Auto, CsvEncoding::Utf8, CsvEncoding::ShiftJis][first as usize % 3];
    // Lines are counted from 1; a file of n bytes has at most n + 1 lines.
    let lines = bytes.len() + 1;
    match csv::read(bytes, encoding) {
        Ok(rows) => {
            for (line, cells) in &rows {
                assert!((1..=lines).contains(line));
                for e in csv::check_row(*line, cells) {
                    assert_eq!(e.line, *line);
                }
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in errors {
                assert!((1..=lines).contains(&e.line), "line {}", e.line);
            }
        }
    }
});
