//! Building the query strings of the pages' own links.
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What stays as it is in a query value: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `s` as a query value: UTF-8, everything but the unreserved characters
/// percent-encoded.
pub fn query_value(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn japanese_and_reserved_characters_are_encoded() {
        assert_eq!(
            super::query_value("会議 a&b=c~d"),
            "%E4%BC%9A%E8%AD%B0%20a%26b%3Dc~d"
        );
    }
}
