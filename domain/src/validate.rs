//! Field rules shared by every service. Lengths count characters, not bytes,
//! because users type Japanese.
use crate::error::{Code, FieldError};

/// Collects field errors so a form reports all of them at once.
#[derive(Default, Debug)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn push(&mut self, field: &'static str, code: Code) {
        self.0.push(FieldError::new(field, code));
    }

    pub fn finish(self) -> crate::Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Invalid(self.0))
        }
    }

    /// Trims, then requires 1..=max characters and no control characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: u32) -> String {
        let v = value.trim().to_string();
        if v.is_empty() {
            self.push(field, Code::Required);
        } else if v.chars().count() > max as usize {
            self.push(field, Code::TooLong { max });
        } else if v.chars().any(char::is_control) {
            self.push(field, Code::InvalidChars);
        }
        v
    }

    /// Optional mail address: empty means none.
    pub fn optional_email(&mut self, field: &'static str, value: &str) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > 254 {
            self.push(field, Code::TooLong { max: 254 });
        } else if !is_email(v) {
            self.push(field, Code::InvalidEmail);
        }
        Some(v.to_string())
    }

    pub fn login_id(&mut self, field: &'static str, value: &str) -> String {
        let v = value.trim().to_lowercase();
        if v.is_empty() {
            self.push(field, Code::Required);
        } else if v.chars().count() > crate::users::LOGIN_ID_MAX {
            self.push(
                field,
                Code::TooLong {
                    max: crate::users::LOGIN_ID_MAX as u32,
                },
            );
        } else if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            self.push(field, Code::InvalidLoginId);
        }
        v
    }

    pub fn new_password(&mut self, field: &'static str, value: &str) {
        let n = value.chars().count();
        if value.is_empty() {
            self.push(field, Code::Required);
        } else if n < 8 {
            self.push(field, Code::TooShort { min: 8 });
        } else if n > 128 {
            self.push(field, Code::TooLong { max: 128 });
        } else if value.chars().any(char::is_control) {
            self.push(field, Code::InvalidChars);
        }
    }
}

/// A deliberately plain addr-spec check (RFC 5321 sizes, dot-atom local part,
/// a domain with at least one dot or a bracketed literal is not accepted).
/// Mail servers decide the rest; this only catches typing mistakes and
/// anything that could smuggle header syntax.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return false;
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = local
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(atext));
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(is_email("yamada@example.co.jp"));
        assert!(is_email("a.b+c@example.test"));
        for bad in [
            "",
            "yamada",
            "@example.com",
            "yamada@",
            "yamada@localhost",
            "ya..mada@example.com",
            "yamada@exa_mple.com",
            "山田@example.com",
            "a@b.com\r\nBcc: x@y.z",
            "a b@example.com",
        ] {
            assert!(!is_email(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let mut c = Checks::default();
        let v = c.text("name", &"山".repeat(100), 100);
        assert_eq!(v.chars().count(), 100);
        assert!(c.0.is_empty());
        c.text("name", &"山".repeat(101), 100);
        assert_eq!(c.0[0].code, Code::TooLong { max: 100 });
        c.text("name", "   ", 100);
        assert_eq!(c.0[1].code, Code::Required);
    }

    #[test]
    fn login_ids_are_lowercased_and_restricted() {
        let mut c = Checks::default();
        assert_eq!(c.login_id("login_id", " Yamada.Taro "), "yamada.taro");
        assert!(c.0.is_empty());
        c.login_id("login_id", "山田");
        assert_eq!(c.0[0].code, Code::InvalidLoginId);
    }
}
