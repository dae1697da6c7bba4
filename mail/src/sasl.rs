//! Bearer-token SASL for mail servers that take OAuth 2.0 access tokens:
//! XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER (RFC 7628), the
//! initial responses both POP3 and SMTP send, and the server's reason when
//! it refuses a token (a base64 JSON challenge the client must answer
//! before the final refusal arrives).
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Which bearer mechanism to speak (SASLメカニズム).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BearerMechanism {
    /// OAUTHBEARER when the server offers it, else XOAUTH2: the standard
    /// one first, the one every provider speaks otherwise.
    #[default]
    Auto,
    XOauth2,
    OAuthBearer,
}

impl BearerMechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            BearerMechanism::Auto => "auto",
            BearerMechanism::XOauth2 => "xoauth2",
            BearerMechanism::OAuthBearer => "oauthbearer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Some(BearerMechanism::Auto),
            "xoauth2" => Some(BearerMechanism::XOauth2),
            "oauthbearer" => Some(BearerMechanism::OAuthBearer),
            _ => None,
        }
    }

    /// The mechanism to use against a server offering `offered` (upper-case
    /// SASL names). `Auto` falls back to XOAUTH2 also when the server lists
    /// nothing (POP3 servers without CAPA SASL still take AUTH).
    pub fn resolve(self, offered: &[String]) -> Resolved {
        let offers = |name: &str| offered.iter().any(|m| m.eq_ignore_ascii_case(name));
        match self {
            BearerMechanism::XOauth2 => Resolved::XOauth2,
            BearerMechanism::OAuthBearer => Resolved::OAuthBearer,
            BearerMechanism::Auto if offers("OAUTHBEARER") => Resolved::OAuthBearer,
            BearerMechanism::Auto => Resolved::XOauth2,
        }
    }
}

/// A mechanism as spoken on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    XOauth2,
    OAuthBearer,
}

impl Resolved {
    pub fn name(self) -> &'static str {
        match self {
            Resolved::XOauth2 => "XOAUTH2",
            Resolved::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// The base64 initial response proving `user` holds `token`; `host` and
    /// `port` are the server's (OAUTHBEARER names them).
    pub fn initial_response(self, user: &str, token: &str, host: &str, port: u16) -> String {
        match self {
            Resolved::XOauth2 => B64.encode(format!("user={user}\x01auth=Bearer {token}\x01\x01")),
            Resolved::OAuthBearer => {
                // RFC 7628 §3.1: the GS2 header's authzid escapes "," and "=".
                let authzid = user.replace('=', "=3D").replace(',', "=2C");
                B64.encode(format!(
                    "n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
                ))
            }
        }
    }

    /// What the client answers to the server's error challenge, so that the
    /// server sends its final refusal: XOAUTH2 an empty response, OAUTHBEARER
    /// a single %x01 (RFC 7628 §3.2.3).
    pub fn refusal_ack(self) -> &'static str {
        match self {
            Resolved::XOauth2 => "",
            Resolved::OAuthBearer => "AQ==",
        }
    }
}

/// Whether a token or user name could break the command line it goes into.
pub fn unsafe_for_wire(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

/// The server's reason for refusing a token, read from its challenge
/// (`{"status":"401","schemes":"bearer","scope":"…"}` for XOAUTH2,
/// `{"status":"invalid_token",…}` for OAUTHBEARER).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refusal {
    pub status: Option<String>,
    pub scope: Option<String>,
    /// The decoded challenge as received, for the connection test.
    pub raw: String,
}

/// Longest challenge decoded: a provider's reason is a few hundred bytes.
const CHALLENGE_MAX: usize = 4096;

impl Refusal {
    /// Reads a base64 JSON challenge; anything else is kept as text.
    pub fn from_challenge(challenge: &str) -> Self {
        let challenge = challenge.trim();
        let bytes = if challenge.len() > CHALLENGE_MAX {
            None
        } else {
            B64.decode(challenge).ok()
        };
        let Some(bytes) = bytes else {
            return Refusal {
                raw: challenge.chars().take(300).collect(),
                ..Refusal::default()
            };
        };
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let field = |v: &serde_json::Value, name: &str| {
            v.get(name).map(|f| match f {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => Refusal {
                status: field(&v, "status"),
                scope: field(&v, "scope"),
                raw,
            },
            Err(_) => Refusal {
                raw,
                ..Refusal::default()
            },
        }
    }

    /// The token is no good (expired, revoked or for someone else), as
    /// opposed to missing a scope: refreshing it may help.
    pub fn is_invalid_token(&self) -> bool {
        matches!(self.status.as_deref(), Some("401" | "invalid_token") | None)
    }

    /// The token lacks a scope the server wants (`403`, `insufficient_scope`).
    pub fn is_missing_scope(&self) -> bool {
        matches!(self.status.as_deref(), Some("403" | "insufficient_scope"))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.raw.is_empty() {
            f.write_str("(no reason given)")
        } else {
            f.write_str(&self.raw)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_initial_response_is_googles_format() {
        // The example of Google's XOAUTH2 protocol page.
        let r = Resolved::XOauth2.initial_response(
            "someuser@example.com",
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
            "imap.gmail.com",
            993,
        );
        assert_eq!(
            r,
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
    }

    #[test]
    fn oauthbearer_initial_response_follows_rfc_7628() {
        let r = Resolved::OAuthBearer.initial_response(
            "a,b=c@example.com",
            "tok",
            "mail.example.com",
            587,
        );
        let decoded = String::from_utf8(B64.decode(r).unwrap()).unwrap();
        assert_eq!(
            decoded,
            "n,a=a=2Cb=3Dc@example.com,\x01host=mail.example.com\x01port=587\x01auth=Bearer tok\x01\x01"
        );
    }

    #[test]
    fn auto_prefers_oauthbearer_only_when_offered() {
        let offered = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            BearerMechanism::Auto.resolve(&offered(&["PLAIN", "XOAUTH2", "OAUTHBEARER"])),
            Resolved::OAuthBearer
        );
        assert_eq!(
            BearerMechanism::Auto.resolve(&offered(&["PLAIN", "XOAUTH2"])),
            Resolved::XOauth2
        );
        assert_eq!(BearerMechanism::Auto.resolve(&[]), Resolved::XOauth2);
        assert_eq!(
            BearerMechanism::XOauth2.resolve(&offered(&["OAUTHBEARER"])),
            Resolved::XOauth2
        );
    }

    #[test]
    fn a_refusal_is_read_from_the_json_challenge() {
        let r = Refusal::from_challenge(
            "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=",
        );
        assert_eq!(r.status.as_deref(), Some("401"));
        assert_eq!(r.scope.as_deref(), Some("mail"));
        assert!(r.is_invalid_token());
        assert!(!r.is_missing_scope());
        assert!(r.to_string().contains("\"status\":\"401\""));

        let scope = Refusal::from_challenge(&B64.encode(r#"{"status":"insufficient_scope"}"#));
        assert!(scope.is_missing_scope() && !scope.is_invalid_token());

        let junk = Refusal::from_challenge("not base64 at all!");
        assert_eq!(junk.status, None);
        assert_eq!(junk.raw, "not base64 at all!");
        let long = Refusal::from_challenge(&"A".repeat(10_000));
        assert!(long.raw.len() <= 300);
    }

    #[test]
    fn mechanisms_round_trip_their_names() {
        for m in [
            BearerMechanism::Auto,
            BearerMechanism::XOauth2,
            BearerMechanism::OAuthBearer,
        ] {
            assert_eq!(BearerMechanism::parse(m.as_str()), Some(m));
        }
        assert_eq!(BearerMechanism::parse("PLAIN"), None);
    }
}
