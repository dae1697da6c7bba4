//! Thunderbird's autoconfig documents (`config-v1.1.xml`, the format of a
//! domain's own `autoconfig.<domain>` and of ISPDB): the incoming and
//! outgoing servers a provider publishes, read into hosts, ports,
//! protections and the kind of login, with the placeholders for the
//! address (`%EMAILADDRESS%`, `%EMAILLOCALPART%`, `%EMAILDOMAIN%`) filled.
use crate::presets::{Protection, Service};

/// How a server wants its users to log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Login {
    /// A password, in clear inside the protected connection (PLAIN/LOGIN).
    Password,
    /// A password never sent as such (CRAM-MD5, APOP).
    Encrypted,
    /// OAuth 2.0 (XOAUTH2 / OAUTHBEARER).
    OAuth2,
    /// No login (a relay that trusts the network).
    None,
    /// Something this product does not speak (NTLM, GSSAPI, client
    /// certificates): shown, not used.
    Other,
}

/// One server of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub service: Service,
    pub host: String,
    pub port: u16,
    pub protection: Protection,
    pub logins: Vec<Login>,
    /// The user ID to log in with (placeholders filled).
    pub username: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("not an autoconfig document: {0}")]
    Invalid(String),
    #[error("the document lists no server this product can use")]
    Empty,
}

/// The servers of `xml` for `address`, each service's in the document's
/// order of preference.
pub fn parse(xml: &str, address: &str) -> Result<Vec<Server>, ConfigError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "clientConfig" {
        return Err(ConfigError::Invalid(format!(
            "the root element is <{}>",
            root.tag_name().name()
        )));
    }
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let fill = |s: &str| {
        s.replace("%EMAILADDRESS%", address)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
            .trim()
            .to_owned()
    };
    let mut out = Vec::new();
    let servers = root
        .children()
        .filter(|n| n.has_tag_name("emailProvider"))
        .flat_map(|p| p.children())
        .filter(|n| n.has_tag_name("incomingServer") || n.has_tag_name("outgoingServer"));
    for node in servers {
        let service = match node.attribute("type") {
            Some("pop3") => Service::Pop3,
            Some("imap") => Service::Imap,
            Some("smtp") => Service::Smtp,
            // Exchange, JMAP, EWS …: not this product's protocols.
            _ => continue,
        };
        let text = |tag: &str| {
            node.children()
                .find(|c| c.has_tag_name(tag))
                .and_then(|c| c.text())
                .map(fill)
                .unwrap_or_default()
        };
        let host = text("hostname").to_ascii_lowercase();
        let Ok(port) = text("port").parse::<u16>() else {
            continue;
        };
        let protection = match text("socketType").to_ascii_uppercase().as_str() {
            "SSL" | "TLS" => Protection::SslTls,
            "STARTTLS" => Protection::StartTls,
            "PLAIN" => Protection::None,
            _ => continue,
        };
        if host.is_empty()
            || port == 0
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        {
            continue;
        }
        let logins = node
            .children()
            .filter(|c| c.has_tag_name("authentication"))
            .filter_map(|c| c.text())
            .map(|a| match a.trim() {
                "password-cleartext" | "plain" => Login::Password,
                "password-encrypted" | "secure" => Login::Encrypted,
                "OAuth2" => Login::OAuth2,
                "none" => Login::None,
                _ => Login::Other,
            })
            .collect();
        out.push(Server {
            service,
            host,
            port,
            protection,
            logins,
            username: text("username"),
        });
    }
    if out.is_empty() {
        return Err(ConfigError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.co.jp">
    <domain>example.co.jp</domain>
    <displayName>例の会社</displayName>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.co.jp</hostname>
      <port>110</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-encrypted</authentication>
      <username>%EMAILLOCALPART%</username>
    </incomingServer>
    <incomingServer type="exchange">
      <hostname>outlook.example.co.jp</hostname>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>SMTP.example.co.jp</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn a_document_gives_every_server_with_the_address_filled_in() {
        let s = parse(DOC, "yamada@example.co.jp").unwrap();
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(
            s[0],
            Server {
                service: Service::Imap,
                host: "imap.example.co.jp".into(),
                port: 993,
                protection: Protection::SslTls,
                logins: vec![Login::OAuth2, Login::Password],
                username: "yamada@example.co.jp".into(),
            }
        );
        assert_eq!(
            (s[1].service, s[1].protection, s[1].username.as_str()),
            (Service::Pop3, Protection::StartTls, "yamada")
        );
        assert_eq!(s[1].logins, vec![Login::Encrypted]);
        assert_eq!(
            (s[2].service, s[2].host.as_str()),
            (Service::Smtp, "smtp.example.co.jp")
        );
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        assert!(matches!(
            parse("<html></html>", "a@b"),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            parse("not xml", "a@b"),
            Err(ConfigError::Invalid(_))
        ));
        assert_eq!(
            parse("<clientConfig><emailProvider/></clientConfig>", "a@b"),
            Err(ConfigError::Empty)
        );
        // A host that is not a host name is left out.
        let odd = DOC.replace("pop.example.co.jp", "pop example;rm");
        assert!(
            parse(&odd, "a@b")
                .unwrap()
                .iter()
                .all(|s| s.service != Service::Pop3)
        );
    }
}
