//! 自動設定: from a mail address to server settings, as the best mail
//! clients find them. Sources, in this order, each reported as it ends:
//!
//! 1. Tayori's presets, by the address's domain, then by the domain's MX
//!    (a company domain whose MX is Microsoft 365's is a Microsoft 365
//!    tenant);
//! 2. the domain's own autoconfig document (`autoconfig.<domain>`, then
//!    `<domain>/.well-known/autoconfig/`);
//! 3. an ISPDB-style database the administrator names (none by default:
//!    an intranet has no internet), for the domain and for its MX's;
//! 4. DNS SRV records (RFC 6186, RFC 8314), where a target of `.` says a
//!    service is not offered;
//! 5. probing the usual hosts of the domain on the usual ports — implicit
//!    TLS first, then STARTTLS, then none — reading what each server says
//!    it can do (CAPA, CAPABILITY, EHLO).
//!
//! The first source that finds a server wins. Every lookup, request and
//! probe runs under `Options::timeout`; probes of one service run at once,
//! so a dead host costs one timeout, not one per port. Names are resolved
//! by `crate::dns` (the servers the administrator configured, if any).
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::autoconfig::{self, Login, Server};
use crate::dns::{self, Srv};
use crate::presets::{self, Protection, Service};
use crate::tls::Trust;

/// The ports probing tries (the standard ones, unless a test names its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub pop3s: u16,
    pub pop3: u16,
    pub imaps: u16,
    pub imap: u16,
    pub submissions: u16,
    pub submission: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            pop3s: 995,
            pop3: 110,
            imaps: 993,
            imap: 143,
            submissions: 465,
            submission: 587,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Each DNS lookup, HTTP request and probe.
    pub timeout: Duration,
    /// The ISPDB-style database's base URL (`…/v1.1/`); empty: not asked.
    pub ispdb: String,
    /// Autoconfig over plain http too (after https), when the administrator
    /// allowed it.
    pub allow_http: bool,
    pub ports: Ports,
    pub trust: Trust,
}

/// Where settings came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Preset,
    Autoconfig,
    Ispdb,
    Srv,
    Probe,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Preset => "preset",
            Source::Autoconfig => "autoconfig",
            Source::Ispdb => "ispdb",
            Source::Srv => "srv",
            Source::Probe => "probe",
        }
    }
}

/// One source's attempt, as it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub source: Source,
    /// Found something.
    pub ok: bool,
    /// Not tried (ISPDB without a URL).
    pub skipped: bool,
    /// What was asked and what came back (URLs, records, hosts).
    pub detail: String,
    pub elapsed_ms: u64,
}

/// Settings found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub source: Source,
    /// A preset's ID, a document's URL, the records or the hosts.
    pub origin: String,
    pub preset: Option<&'static str>,
    /// Each service's servers, the best first.
    pub servers: Vec<Server>,
    /// Services the domain says it does not offer (SRV target `.`).
    pub not_offered: Vec<Service>,
    /// The hosts come from a third party (ISPDB, the MX's provider): the
    /// administrator confirms them before any password is sent there.
    pub confirm_hosts: bool,
}

impl Found {
    /// The best server of `service`.
    pub fn best(&self, service: Service) -> Option<&Server> {
        self.servers.iter().find(|s| s.service == service)
    }
}

/// The domain of an address, lower-case; None when it is not one.
pub fn domain_of(address: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let ok = !local.is_empty()
        && domain.contains('.')
        && domain.len() <= 253
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(domain)
}

/// Finds settings for `address`, calling `on_step` as each source ends.
/// None when no source found a server (every step says why).
pub async fn discover(
    address: &str,
    opts: &Options,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Option<Found> {
    let address = address.trim();
    let domain = domain_of(address)?;
    let mut report = |source, started: Instant, ok, skipped, detail: String| {
        on_step(Step {
            source,
            ok,
            skipped,
            detail,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    };

    // 1. Presets, by domain, then by MX.
    let t = Instant::now();
    let mut mx = Vec::new();
    let mut mx_error = None;
    let preset = match presets::by_domain(&domain) {
        Some(p) => Some((p, None)),
        None => match dns::mx(&domain, opts.timeout).await {
            Ok(list) => {
                mx = list;
                mx.iter()
                    .find_map(|h| presets::by_mx(h).map(|p| (p, Some(h.clone()))))
            }
            Err(e) => {
                mx_error = Some(e.to_string());
                None
            }
        },
    };
    if let Some((p, via)) = &preset {
        let (p, via) = (*p, via.clone());
        let servers = preset_servers(p, via.as_deref(), address);
        if !servers.is_empty() {
            let origin = match &via {
                Some(h) => format!("{} (MX {h})", p.name),
                None => p.name.to_owned(),
            };
            report(Source::Preset, t, true, false, origin.clone());
            return Some(Found {
                source: Source::Preset,
                origin,
                preset: Some(p.id),
                servers,
                not_offered: Vec::new(),
                confirm_hosts: false,
            });
        }
    }
    let detail = match (&mx_error, mx.is_empty()) {
        (Some(e), _) => format!("MX {domain}: {e}"),
        (None, true) => format!("MX {domain}: —"),
        (None, false) => format!("MX {domain}: {}", mx.join(", ")),
    };
    report(Source::Preset, t, false, false, detail);

    let http = crate::oauth::Http {
        trust: opts.trust.clone(),
        timeout: opts.timeout,
    };

    // 2. The domain's own autoconfig document.
    let t = Instant::now();
    let mut urls = vec![
        url_with_address(
            &format!("https://autoconfig.{domain}/mail/config-v1.1.xml"),
            address,
        ),
        format!("https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"),
    ];
    if opts.allow_http {
        let plain: Vec<String> = urls
            .iter()
            .map(|u| u.replacen("https://", "http://", 1))
            .collect();
        urls.extend(plain);
    }
    let mut tried = Vec::new();
    for url in &urls {
        match fetch(&http, url, opts.allow_http, address).await {
            Ok(servers) => {
                report(Source::Autoconfig, t, true, false, url.clone());
                return Some(Found {
                    source: Source::Autoconfig,
                    origin: url.clone(),
                    preset: None,
                    servers,
                    not_offered: Vec::new(),
                    confirm_hosts: false,
                });
            }
            Err(e) => tried.push(format!("{url}: {e}")),
        }
    }
    report(Source::Autoconfig, t, false, false, tried.join("\n"));

    // 3. ISPDB, for the domain, then for the MX's domains.
    let t = Instant::now();
    let base = opts.ispdb.trim().trim_end_matches('/');
    if base.is_empty() {
        report(Source::Ispdb, t, false, true, String::new());
    } else {
        let mut names = vec![domain.clone()];
        for h in &mx {
            for d in parents(h) {
                if !names.contains(&d) {
                    names.push(d);
                }
            }
        }
        let mut tried = Vec::new();
        for name in &names {
            let url = format!("{base}/{name}");
            match fetch(&http, &url, opts.allow_http, address).await {
                Ok(servers) => {
                    report(Source::Ispdb, t, true, false, url.clone());
                    return Some(Found {
                        source: Source::Ispdb,
                        origin: url,
                        preset: None,
                        servers,
                        not_offered: Vec::new(),
                        confirm_hosts: true,
                    });
                }
                Err(e) => tried.push(format!("{url}: {e}")),
            }
        }
        report(Source::Ispdb, t, false, false, tried.join("\n"));
    }

    // 4. SRV records.
    let t = Instant::now();
    let (found, not_offered, detail) = from_srv(&domain, address, opts.timeout).await;
    if !found.is_empty() {
        report(Source::Srv, t, true, false, detail.clone());
        return Some(Found {
            source: Source::Srv,
            origin: detail,
            preset: None,
            servers: found,
            not_offered,
            confirm_hosts: false,
        });
    }
    report(Source::Srv, t, false, false, detail);

    // 5. Probing.
    let t = Instant::now();
    let (found, detail) = probe(&domain, address, opts).await;
    let ok = !found.is_empty();
    report(Source::Probe, t, ok, false, detail.clone());
    ok.then_some(Found {
        source: Source::Probe,
        origin: detail,
        preset: None,
        servers: found,
        not_offered,
        confirm_hosts: false,
    })
}

/// `url?emailaddress=<address>`, the address percent-encoded.
fn url_with_address(base: &str, address: &str) -> String {
    match url::Url::parse_with_params(base, &[("emailaddress", address)]) {
        Ok(u) => u.to_string(),
        Err(_) => base.to_owned(),
    }
}

/// `mx1.hosted.example.net` → `hosted.example.net`, `example.net`: the
/// domains an ISPDB may know a hosting provider's MX by.
fn parents(host: &str) -> Vec<String> {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    (1..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

async fn fetch(
    http: &crate::oauth::Http,
    url: &str,
    plain_ok: bool,
    address: &str,
) -> Result<Vec<Server>, String> {
    let res = http.get(url, plain_ok).await.map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("HTTP {}", res.status().as_u16()));
    }
    let text = String::from_utf8(res.into_body()).map_err(|_| "not UTF-8".to_owned())?;
    autoconfig::parse(&text, address).map_err(|e| e.to_string())
}

fn preset_servers(p: &presets::Preset, mx_host: Option<&str>, address: &str) -> Vec<Server> {
    let logins = if p.xoauth2_required {
        vec![Login::OAuth2]
    } else {
        vec![Login::Password]
    };
    [
        (Service::Imap, p.imap),
        (Service::Pop3, p.pop3),
        (Service::Smtp, p.smtp),
    ]
    .into_iter()
    .filter_map(|(service, e)| {
        let e = e?;
        let host = e
            .host
            .map(str::to_owned)
            .or_else(|| mx_host.map(str::to_owned))?;
        Some(Server {
            service,
            host,
            port: e.port,
            protection: e.protection,
            logins: logins.clone(),
            username: address.to_owned(),
        })
    })
    .collect()
}

/// RFC 6186 / 8314 records, secure ones first for each service.
async fn from_srv(
    domain: &str,
    address: &str,
    timeout: Duration,
) -> (Vec<Server>, Vec<Service>, String) {
    let names = [
        (Service::Imap, "_imaps", Protection::SslTls),
        (Service::Imap, "_imap", Protection::StartTls),
        (Service::Pop3, "_pop3s", Protection::SslTls),
        (Service::Pop3, "_pop3", Protection::StartTls),
        (Service::Smtp, "_submissions", Protection::SslTls),
        (Service::Smtp, "_submission", Protection::StartTls),
    ];
    let answers = join_all(names.iter().map(|(_, n, _)| {
        let record = format!("{n}._tcp.{domain}");
        async move { dns::srv(&record, timeout).await }
    }))
    .await;
    let mut servers = Vec::new();
    let mut lines = Vec::new();
    let mut said_no = Vec::new();
    let mut has = Vec::new();
    for ((service, name, protection), answer) in names.iter().zip(answers) {
        let record = format!("{name}._tcp.{domain}");
        match answer {
            Ok(Srv::Targets(targets)) => {
                lines.push(format!(
                    "{record}: {}",
                    targets
                        .iter()
                        .map(|t| format!("{}:{}", t.host, t.port))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                has.push(*service);
                servers.extend(targets.into_iter().map(|t| Server {
                    service: *service,
                    host: t.host,
                    port: t.port,
                    protection: *protection,
                    logins: vec![Login::Password],
                    username: address.to_owned(),
                }));
            }
            Ok(Srv::NotOffered) => {
                lines.push(format!("{record}: ."));
                said_no.push(*service);
            }
            Ok(Srv::Absent) => {}
            Err(e) => lines.push(format!("{record}: {e}")),
        }
    }
    let mut not_offered: Vec<Service> = said_no.into_iter().filter(|s| !has.contains(s)).collect();
    not_offered.dedup();
    if lines.is_empty() {
        lines.push(format!("_*._tcp.{domain}: —"));
    }
    (servers, not_offered, lines.join("\n"))
}

/// A service's candidate hosts and its (port, protection) in order.
type Plan = (Service, Vec<String>, [(u16, Protection); 3]);

/// One probe's answer: the server speaks its protocol there.
struct Probed {
    server: Server,
    capabilities: Vec<String>,
}

/// The usual hosts of the domain on the usual ports, every attempt of a
/// service at once; the best answer per service (implicit TLS, then
/// STARTTLS, then none; the first host listed).
async fn probe(domain: &str, address: &str, opts: &Options) -> (Vec<Server>, String) {
    let p = opts.ports;
    let plans: [Plan; 3] = [
        (
            Service::Imap,
            vec![
                format!("imap.{domain}"),
                format!("mail.{domain}"),
                domain.to_owned(),
            ],
            [
                (p.imaps, Protection::SslTls),
                (p.imap, Protection::StartTls),
                (p.imap, Protection::None),
            ],
        ),
        (
            Service::Pop3,
            vec![
                format!("pop.{domain}"),
                format!("pop3.{domain}"),
                format!("mail.{domain}"),
                domain.to_owned(),
            ],
            [
                (p.pop3s, Protection::SslTls),
                (p.pop3, Protection::StartTls),
                (p.pop3, Protection::None),
            ],
        ),
        (
            Service::Smtp,
            vec![
                format!("smtp.{domain}"),
                format!("mail.{domain}"),
                domain.to_owned(),
            ],
            [
                (p.submissions, Protection::SslTls),
                (p.submission, Protection::StartTls),
                (p.submission, Protection::None),
            ],
        ),
    ];
    // Names that do not resolve are not probed (and cost one lookup).
    let mut hosts: Vec<String> = plans.iter().flat_map(|(_, h, _)| h.clone()).collect();
    hosts.sort();
    hosts.dedup();
    let resolved = join_all(hosts.iter().map(|h| async move {
        dns::addresses(h, 0, opts.timeout)
            .await
            .is_ok()
            .then(|| h.clone())
    }))
    .await;
    let live: Vec<String> = resolved.into_iter().flatten().collect();
    let live = &live;
    // Every service at once, and every attempt of a service at once.
    let results = join_all(plans.iter().map(|(service, candidates, ports)| async move {
        let attempts: Vec<(String, u16, Protection)> = ports
            .iter()
            .flat_map(|&(port, protection)| {
                candidates
                    .iter()
                    .filter(|h| live.contains(h))
                    .map(move |h| (h.clone(), port, protection))
            })
            .collect();
        let answers = join_all(attempts.iter().map(|(h, port, protection)| {
            probe_one(*service, h, *port, *protection, address, opts)
        }))
        .await;
        // `attempts` is in order of preference: the first answer wins.
        answers.into_iter().flatten().next()
    }))
    .await;
    let mut servers = Vec::new();
    let mut lines = Vec::new();
    for ((service, candidates, _), found) in plans.iter().zip(results) {
        let service = *service;
        match found {
            Some(found) => {
                lines.push(format!(
                    "{}: {}:{} {} ({})",
                    service_name(service),
                    found.server.host,
                    found.server.port,
                    found.server.protection.as_str(),
                    found.capabilities.join(" ")
                ));
                servers.push(found.server);
            }
            None => lines.push(format!(
                "{}: — ({})",
                service_name(service),
                if candidates.iter().any(|h| live.contains(h)) {
                    candidates.join(", ")
                } else {
                    format!("{}: DNS —", candidates.join(", "))
                }
            )),
        }
    }
    (servers, lines.join("\n"))
}

fn service_name(s: Service) -> &'static str {
    match s {
        Service::Pop3 => "POP3",
        Service::Imap => "IMAP",
        Service::Smtp => "SMTP",
    }
}

async fn probe_one(
    service: Service,
    host: &str,
    port: u16,
    protection: Protection,
    address: &str,
    opts: &Options,
) -> Option<Probed> {
    let mut silent = |_: crate::diag::Step| {};
    // The whole exchange under the timeout too: a server that accepts
    // and then says nothing costs no more than one that is down.
    let limit = opts.timeout;
    let answer = async {
        match service {
            Service::Pop3 => {
                let login = crate::pop3::PopLogin {
                    host: host.to_owned(),
                    port,
                    protection,
                    user: String::new(),
                    auth: crate::pop3::PopAuth::password(false, String::new()),
                    timeout: limit,
                    trust: opts.trust.clone(),
                };
                crate::pop3::diagnose(&login, &mut silent).await.ok()
            }
            Service::Imap => {
                let login = crate::imap::ImapLogin {
                    host: host.to_owned(),
                    port,
                    protection,
                    user: String::new(),
                    auth: crate::imap::ImapAuth::Password(String::new()),
                    timeout: limit,
                    trust: opts.trust.clone(),
                };
                crate::imap::diagnose(&login, &mut silent).await.ok()
            }
            Service::Smtp => {
                let settings = crate::smtp::SmtpSettings {
                    host: host.to_owned(),
                    port,
                    protection,
                    auth: crate::smtp::SmtpAuth::None,
                    timeout: limit,
                    trust: opts.trust.clone(),
                    helo_name: "tayori.invalid".into(),
                };
                crate::smtp::session(&settings, None, &mut silent)
                    .await
                    .ok()
                    .map(|o| {
                        let mut caps = o
                            .capabilities
                            .auth
                            .iter()
                            .map(|a| format!("AUTH={a}"))
                            .collect::<Vec<_>>();
                        if o.capabilities.starttls {
                            caps.push("STARTTLS".into());
                        }
                        caps
                    })
            }
        }
    };
    let capabilities = tokio::time::timeout(limit * 2, answer)
        .await
        .ok()
        .flatten()?;
    let oauth = capabilities.iter().any(|c| {
        c.to_ascii_uppercase().contains("XOAUTH2") || c.to_ascii_uppercase().contains("OAUTHBEARER")
    });
    let mut logins = vec![Login::Password];
    if oauth {
        logins.push(Login::OAuth2);
    }
    Some(Probed {
        server: Server {
            service,
            host: host.to_owned(),
            port,
            protection,
            logins,
            username: address.to_owned(),
        },
        capabilities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_give_their_domain() {
        assert_eq!(
            domain_of("Yamada@Example.CO.JP").as_deref(),
            Some("example.co.jp")
        );
        assert_eq!(
            domain_of("a@b@example.test").as_deref(),
            Some("example.test")
        );
        for bad in [
            "yamada",
            "@example.test",
            "a@localhost",
            "a@exa mple.test",
            "a@.test",
        ] {
            assert_eq!(domain_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_mx_host_gives_the_domains_an_ispdb_may_know() {
        assert_eq!(
            parents("mx1.hosted.example.net"),
            vec!["hosted.example.net", "example.net"]
        );
        assert!(parents("example.net").is_empty());
    }

    #[test]
    fn the_address_is_encoded_into_the_autoconfig_url() {
        assert_eq!(
            url_with_address(
                "https://autoconfig.example.test/mail/config-v1.1.xml",
                "a+b@example.test"
            ),
            "https://autoconfig.example.test/mail/config-v1.1.xml?emailaddress=a%2Bb%40example.test"
        );
    }
}
