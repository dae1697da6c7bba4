//! What the setup wizard knows about common providers, as data: one table,
//! every value still editable by the administrator. Sources are named per
//! row ("seed" = the vendor deck the specification came from).

/// 通信の保護.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    /// なし
    None,
    /// SSL/TLS (implicit TLS from the first byte)
    SslTls,
    /// STARTTLS, required once chosen
    StartTls,
    /// STARTTLS (証明書の検証なし): only when the administrator picks it
    StartTlsNoVerify,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Pop3,
    Imap,
    Smtp,
}

/// SMTP AUTH mechanisms the wizard offers (標準 negotiates the strongest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpMechanism {
    Standard,
    CramMd5,
    Login,
    Plain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// A fixed host, or `None` when it comes from the admin (see `host_hint`).
    pub host: Option<&'static str>,
    pub port: u16,
    pub protection: Protection,
}

#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub pop3: Option<Endpoint>,
    pub imap: Option<Endpoint>,
    pub smtp: Option<Endpoint>,
    /// Mechanisms the provider accepts; empty = whatever the server offers.
    pub smtp_mechanisms: &'static [SmtpMechanism],
    pub pop_before_smtp: bool,
    pub apop_default: bool,
    pub xoauth2_required: bool,
    /// The provider files what its SMTP server sends in the IMAP sent
    /// folder itself, so a client's own APPEND would file it twice.
    pub files_sent: bool,
    /// Where the host comes from, in Japanese and English.
    pub host_hint: (&'static str, &'static str),
    /// Mail domains that are this provider's own (自動設定 by domain).
    pub domains: &'static [&'static str],
    /// The provider's mail exchangers end so (自動設定 by MX): a company
    /// domain whose MX is one of these uses this provider; a preset whose
    /// hosts vary per contract takes the MX host as its server.
    pub mx_suffixes: &'static [&'static str],
    pub source: &'static str,
}

const fn ep(host: Option<&'static str>, port: u16, protection: Protection) -> Option<Endpoint> {
    Some(Endpoint {
        host,
        port,
        protection,
    })
}

pub static PRESETS: &[Preset] = &[
    Preset {
        id: "custom",
        name: "その他",
        pop3: None,
        imap: None,
        smtp: None,
        smtp_mechanisms: &[],
        pop_before_smtp: true,
        apop_default: false,
        xoauth2_required: false,
        files_sent: false,
        host_hint: (
            "メールサーバーの管理者に確認してください。",
            "Ask your mail server's administrator.",
        ),
        domains: &[],
        mx_suffixes: &[],
        source: "—",
    },
    Preset {
        id: "cybermail",
        name: "CYBERMAIL Σ",
        pop3: ep(None, 995, Protection::SslTls),
        imap: ep(None, 993, Protection::SslTls),
        smtp: ep(None, 465, Protection::SslTls),
        smtp_mechanisms: &[SmtpMechanism::Login],
        pop_before_smtp: false,
        apop_default: false,
        xoauth2_required: false,
        files_sent: false,
        host_hint: (
            "アクセスURLのホスト名（https://example.cybermail.jp → example.cybermail.jp）",
            "The host of your access URL (https://example.cybermail.jp → example.cybermail.jp)",
        ),
        domains: &[],
        mx_suffixes: &["cybermail.jp"],
        source: "seed",
    },
    Preset {
        id: "webarena",
        name: "WebARENA",
        pop3: ep(None, 995, Protection::SslTls),
        imap: None,
        smtp: ep(None, 465, Protection::SslTls),
        smtp_mechanisms: &[],
        pop_before_smtp: false,
        apop_default: true,
        xoauth2_required: false,
        files_sent: false,
        host_hint: (
            "管理画面に表示される予備ドメイン",
            "The spare domain (予備ドメイン) shown in the admin console",
        ),
        domains: &[],
        mx_suffixes: &[],
        source: "seed; web.arena.ne.jp suite2 manual",
    },
    Preset {
        id: "microsoft365",
        name: "Microsoft 365",
        pop3: ep(Some("outlook.office365.com"), 995, Protection::SslTls),
        imap: ep(Some("outlook.office365.com"), 993, Protection::SslTls),
        smtp: ep(Some("smtp.office365.com"), 587, Protection::StartTls),
        smtp_mechanisms: &[],
        pop_before_smtp: false,
        apop_default: false,
        xoauth2_required: true,
        files_sent: true,
        host_hint: ("固定", "Fixed"),
        domains: &[],
        mx_suffixes: &["mail.protection.outlook.com"],
        source: "seed; ISPDB office365.com",
    },
    Preset {
        id: "google",
        name: "Google Workspace / Gmail",
        pop3: ep(Some("pop.gmail.com"), 995, Protection::SslTls),
        imap: ep(Some("imap.gmail.com"), 993, Protection::SslTls),
        smtp: ep(Some("smtp.gmail.com"), 465, Protection::SslTls),
        smtp_mechanisms: &[],
        pop_before_smtp: false,
        apop_default: false,
        xoauth2_required: false,
        files_sent: true,
        host_hint: ("固定", "Fixed"),
        domains: &["gmail.com", "googlemail.com"],
        mx_suffixes: &["google.com", "googlemail.com"],
        source: "ISPDB googlemail.com",
    },
    Preset {
        id: "xserver",
        name: "Xserver",
        pop3: ep(None, 995, Protection::SslTls),
        imap: ep(None, 993, Protection::SslTls),
        smtp: ep(None, 465, Protection::SslTls),
        smtp_mechanisms: &[],
        pop_before_smtp: false,
        apop_default: false,
        xoauth2_required: false,
        files_sent: false,
        host_hint: (
            "契約ごとの svNNN.xserver.jp",
            "Your contract's svNNN.xserver.jp",
        ),
        domains: &[],
        mx_suffixes: &["xserver.jp"],
        source: "provider manual",
    },
    Preset {
        id: "onamae",
        name: "お名前メール",
        pop3: ep(None, 995, Protection::SslTls),
        imap: None,
        smtp: ep(None, 465, Protection::SslTls),
        smtp_mechanisms: &[],
        pop_before_smtp: false,
        apop_default: false,
        xoauth2_required: false,
        files_sent: false,
        host_hint: (
            "pop.<ドメイン名> / smtp.<ドメイン名>",
            "pop.<your domain> / smtp.<your domain>",
        ),
        domains: &[],
        mx_suffixes: &[],
        source: "help.onamae.com",
    },
];

/// The preset whose MX suffix `mx_host` ends with (at a label boundary).
pub fn by_mx(mx_host: &str) -> Option<&'static Preset> {
    let host = mx_host.trim().trim_end_matches('.').to_ascii_lowercase();
    PRESETS.iter().find(|p| {
        p.mx_suffixes
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
    })
}

/// The preset whose own mail domain `domain` is.
pub fn by_domain(domain: &str) -> Option<&'static Preset> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    PRESETS.iter().find(|p| p.domains.contains(&d.as_str()))
}

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// Whether the IMAP server at `host` belongs to a provider that files sent
/// mail itself (the preset's fixed IMAP host, in any letter case).
pub fn files_sent_by(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.');
    PRESETS.iter().any(|p| {
        p.files_sent
            && p.imap
                .and_then(|e| e.host)
                .is_some_and(|h| h.eq_ignore_ascii_case(host))
    })
}

/// The usual port for a service under a protection.
pub fn default_port(service: Service, protection: Protection) -> u16 {
    match (service, protection) {
        (Service::Pop3, Protection::SslTls) => 995,
        (Service::Pop3, _) => 110,
        (Service::Imap, Protection::SslTls) => 993,
        (Service::Imap, _) => 143,
        (Service::Smtp, Protection::SslTls) => 465,
        (Service::Smtp, _) => 587,
    }
}

/// Whether a typed port looks wrong for the protection (465 with STARTTLS,
/// 995 with なし, …). The wizard warns; it never changes a typed port.
pub fn port_mismatch(service: Service, protection: Protection, port: u16) -> bool {
    let implicit_tls_ports: &[u16] = match service {
        Service::Pop3 => &[995],
        Service::Imap => &[993],
        Service::Smtp => &[465],
    };
    let plain_ports: &[u16] = match service {
        Service::Pop3 => &[110],
        Service::Imap => &[143],
        Service::Smtp => &[25, 587],
    };
    match protection {
        Protection::SslTls => plain_ports.contains(&port),
        _ => implicit_tls_ports.contains(&port),
    }
}

/// Reduces what an administrator pasted into a host field to the host:
/// `https://example.cybermail.jp/login` → `example.cybermail.jp` (the seed
/// tells CYBERMAIL users to take the host from their access URL).
pub fn host_from_input(input: &str) -> String {
    let s = input.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or_default();
    let s = s.rsplit_once('@').map_or(s, |(_, host)| host);
    let s = if let Some(inner) = s.strip_prefix('[') {
        inner.split(']').next().unwrap_or_default()
    } else {
        s.split(':').next().unwrap_or_default()
    };
    s.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_found_by_domain_and_by_mail_exchanger() {
        let id = |p: Option<&Preset>| p.map(|p| p.id);
        assert_eq!(
            id(by_mx("example-co-jp.mail.protection.outlook.com.")),
            Some("microsoft365")
        );
        assert_eq!(id(by_mx("ASPMX.L.GOOGLE.COM")), Some("google"));
        assert_eq!(id(by_mx("sv1234.xserver.jp")), Some("xserver"));
        // Only at a label boundary: not a look-alike domain.
        assert_eq!(id(by_mx("mx.notxserver.jp")), None);
        assert_eq!(id(by_mx("mx.example.co.jp")), None);
        assert_eq!(id(by_domain("Gmail.com")), Some("google"));
        assert_eq!(id(by_domain("example.co.jp")), None);
    }

    #[test]
    fn microsoft_and_google_file_sent_mail_themselves() {
        assert!(files_sent_by("outlook.office365.com"));
        assert!(files_sent_by("IMAP.Gmail.com."));
        assert!(!files_sent_by("mail.example.co.jp"));
        assert!(!files_sent_by(""));
    }

    #[test]
    fn pasted_urls_reduce_to_the_host() {
        for (input, host) in [
            ("https://example.cybermail.jp", "example.cybermail.jp"),
            (
                " https://Example.Cybermail.jp/webmail/login?x=1 ",
                "example.cybermail.jp",
            ),
            ("mail.example.co.jp:587", "mail.example.co.jp"),
            ("user@mail.example.com", "mail.example.com"),
            ("[::1]:993", "::1"),
            ("mail.example.com.", "mail.example.com"),
            ("", ""),
        ] {
            assert_eq!(host_from_input(input), host, "{input:?}");
        }
    }

    #[test]
    fn ports_follow_protection_and_mismatches_are_flagged() {
        assert_eq!(default_port(Service::Pop3, Protection::SslTls), 995);
        assert_eq!(default_port(Service::Smtp, Protection::StartTls), 587);
        assert!(port_mismatch(Service::Smtp, Protection::StartTls, 465));
        assert!(port_mismatch(Service::Pop3, Protection::None, 995));
        assert!(port_mismatch(Service::Smtp, Protection::SslTls, 25));
        assert!(!port_mismatch(Service::Smtp, Protection::StartTls, 2525));
        assert!(!port_mismatch(Service::Imap, Protection::SslTls, 993));
    }

    #[test]
    fn presets_are_consistent() {
        let cyber = preset("cybermail").unwrap();
        assert_eq!(cyber.smtp_mechanisms, &[SmtpMechanism::Login]);
        assert!(!cyber.pop_before_smtp);
        assert!(preset("microsoft365").unwrap().xoauth2_required);
        for p in PRESETS {
            for (service, e) in [
                (Service::Pop3, p.pop3),
                (Service::Imap, p.imap),
                (Service::Smtp, p.smtp),
            ] {
                if let Some(e) = e {
                    assert!(
                        !port_mismatch(service, e.protection, e.port),
                        "{} {service:?}",
                        p.id
                    );
                }
            }
        }
        let mut ids: Vec<_> = PRESETS.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), PRESETS.len(), "ids are unique");
    }
}

impl Protection {
    pub const ALL: [Protection; 4] = [
        Protection::None,
        Protection::SslTls,
        Protection::StartTls,
        Protection::StartTlsNoVerify,
    ];
    /// Stable name for storage and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Protection::None => "none",
            Protection::SslTls => "ssl",
            Protection::StartTls => "starttls",
            Protection::StartTlsNoVerify => "starttls-noverify",
        }
    }
    pub fn parse(s: &str) -> Option<Protection> {
        Protection::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl SmtpMechanism {
    pub const ALL: [SmtpMechanism; 4] = [
        SmtpMechanism::Standard,
        SmtpMechanism::CramMd5,
        SmtpMechanism::Login,
        SmtpMechanism::Plain,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpMechanism::Standard => "standard",
            SmtpMechanism::CramMd5 => "cram-md5",
            SmtpMechanism::Login => "login",
            SmtpMechanism::Plain => "plain",
        }
    }
    pub fn parse(s: &str) -> Option<SmtpMechanism> {
        SmtpMechanism::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[cfg(test)]
mod names {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Protection::ALL {
            assert_eq!(Protection::parse(p.as_str()), Some(p));
        }
        for m in SmtpMechanism::ALL {
            assert_eq!(SmtpMechanism::parse(m.as_str()), Some(m));
        }
        assert_eq!(Protection::parse("tls"), None);
    }
}
