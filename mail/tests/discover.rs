//! 自動設定 against the project's stack (scripts/mailstack.sh): its DNS
//! server (dnsmasq: MX, SRV and the names of the test domains), its HTTPS
//! server of autoconfig documents and ISPDB, and the real Dovecot and
//! Postfix the settings found must reach. Each source is tried alone, by a
//! domain only that source knows.
use std::sync::Once;
use std::time::{Duration, Instant};

use mail::autoconfig::Login;
use mail::discover::{self, Found, Options, Ports, Source, Step};
use mail::presets::{Protection, Service};
use mail::tls::Trust;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test.sh, which starts the mail stack")
    })
}
fn port(name: &str) -> u16 {
    env(name).parse().expect("port")
}

fn opts(ispdb: &str, timeout: Duration) -> Options {
    static DNS: Once = Once::new();
    DNS.call_once(|| {
        let servers = mail::dns::parse_servers(&env("MS_DNS")).expect("MS_DNS");
        assert!(mail::dns::use_servers(servers));
    });
    let pem = std::fs::read(env("MS_CA_PEM")).expect("CA file");
    Options {
        timeout,
        ispdb: ispdb.into(),
        allow_http: false,
        ports: Ports {
            pop3s: port("MS_POP3S_PORT"),
            pop3: port("MS_POP3_PORT"),
            imaps: port("MS_IMAPS_PORT"),
            imap: port("MS_IMAP_PORT"),
            submissions: port("MS_SMTPS_PORT"),
            submission: port("MS_SUBMISSION_PORT"),
        },
        trust: Trust::new(Some(&pem)).expect("the test CA"),
    }
}

async fn run(address: &str, o: &Options) -> (Option<Found>, Vec<Step>) {
    let mut steps = Vec::new();
    let found = discover::discover(address, o, &mut |s| steps.push(s)).await;
    (found, steps)
}

/// The settings work: bob logs in over POP3 where they point.
async fn pop3_logs_in(found: &Found, o: &Options) {
    let s = found.best(Service::Pop3).expect("a POP3 server");
    let login = mail::pop3::PopLogin {
        host: s.host.clone(),
        port: s.port,
        protection: s.protection,
        user: "bob@example.test".into(),
        auth: mail::pop3::PopAuth::password(false, "bobpass".into()),
        timeout: o.timeout,
        trust: o.trust.clone(),
    };
    mail::pop3::login_session(&login)
        .await
        .unwrap_or_else(|e| panic!("{}:{} {:?}: {e}", s.host, s.port, s.protection));
}

#[tokio::test]
async fn the_domains_own_autoconfig_document() {
    let o = opts("", Duration::from_secs(5));
    let (found, steps) = run("bob@ac.example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Autoconfig, "{steps:#?}");
    assert!(
        found
            .origin
            .starts_with("https://autoconfig.ac.example.test/"),
        "{}",
        found.origin
    );
    assert!(!found.confirm_hosts);
    let imap = found.best(Service::Imap).unwrap();
    assert_eq!(
        (imap.host.as_str(), imap.port, imap.protection),
        (
            "mail.example.test",
            port("MS_IMAPS_PORT"),
            Protection::SslTls
        )
    );
    assert_eq!(imap.username, "bob@ac.example.test");
    assert_eq!(
        found.best(Service::Smtp).unwrap().protection,
        Protection::StartTls
    );
    // The presets step ran first and found nothing.
    assert_eq!((steps[0].source, steps[0].ok), (Source::Preset, false));
    pop3_logs_in(&found, &o).await;

    // The well-known location when there is no autoconfig host.
    let (found, steps) = run("bob@wk.example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Autoconfig);
    assert_eq!(
        found.origin,
        "https://wk.example.test/.well-known/autoconfig/mail/config-v1.1.xml"
    );
    pop3_logs_in(&found, &o).await;
}

#[tokio::test]
async fn an_ispdb_for_the_domain_and_for_its_mx_and_only_when_named() {
    let base = "https://ispdb.example.test/v1.1/";
    let o = opts(base, Duration::from_secs(5));
    let (found, steps) = run("bob@isp.example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Ispdb, "{steps:#?}");
    assert_eq!(found.origin, format!("{base}isp.example.test"));
    // A third party named these hosts: the admin confirms them first.
    assert!(found.confirm_hosts);
    pop3_logs_in(&found, &o).await;

    // customer.test's MX is mx1.hosted.example.test: the ISPDB knows the
    // hosting provider.
    let (found, steps) = run("bob@customer.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Ispdb, "{steps:#?}");
    assert_eq!(found.origin, format!("{base}hosted.example.test"));
    pop3_logs_in(&found, &o).await;

    // Without a URL the ISPDB is not asked, and says so.
    let (_, steps) = run("bob@customer.test", &opts("", Duration::from_secs(5))).await;
    let ispdb = steps.iter().find(|s| s.source == Source::Ispdb).unwrap();
    assert!(ispdb.skipped && !ispdb.ok, "{steps:#?}");
}

#[tokio::test]
async fn srv_records_and_a_service_they_say_is_not_offered() {
    let o = opts("", Duration::from_secs(5));
    let (found, steps) = run("bob@srv.example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Srv, "{steps:#?}");
    let pop = found.best(Service::Pop3).unwrap();
    assert_eq!(
        (pop.host.as_str(), pop.port, pop.protection),
        (
            "mail.example.test",
            port("MS_POP3S_PORT"),
            Protection::SslTls
        )
    );
    let smtp = found.best(Service::Smtp).unwrap();
    assert_eq!(
        (smtp.port, smtp.protection),
        (port("MS_SUBMISSION_PORT"), Protection::StartTls)
    );
    assert!(found.not_offered.is_empty());
    pop3_logs_in(&found, &o).await;

    // nopop: IMAP by SRV, POP3's records are ".".
    let (found, steps) = run("bob@nopop.example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Srv);
    assert!(found.best(Service::Pop3).is_none());
    assert_eq!(found.not_offered, vec![Service::Pop3]);
    assert!(found.best(Service::Imap).is_some());
}

#[tokio::test]
async fn probing_finds_the_servers_of_the_domain() {
    let o = opts("", Duration::from_secs(3));
    let (found, steps) = run("bob@example.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Probe, "{steps:#?}");
    // Implicit TLS first, on the host whose certificate names it.
    for (service, port_var) in [
        (Service::Pop3, "MS_POP3S_PORT"),
        (Service::Imap, "MS_IMAPS_PORT"),
        (Service::Smtp, "MS_SMTPS_PORT"),
    ] {
        let s = found
            .best(service)
            .unwrap_or_else(|| panic!("{service:?}: {steps:#?}"));
        assert_eq!(
            (s.host.as_str(), s.port, s.protection),
            ("mail.example.test", port(port_var), Protection::SslTls),
            "{service:?}"
        );
    }
    // Dovecot offers XOAUTH2: the probe says so.
    assert!(
        found
            .best(Service::Imap)
            .unwrap()
            .logins
            .contains(&Login::OAuth2)
    );
    pop3_logs_in(&found, &o).await;
}

#[tokio::test]
async fn a_preset_by_the_domains_mx() {
    let o = opts("", Duration::from_secs(5));
    let (found, steps) = run("yamada@m365.test", &o).await;
    let found = found.unwrap_or_else(|| panic!("{steps:#?}"));
    assert_eq!(found.source, Source::Preset);
    assert_eq!(found.preset, Some("microsoft365"));
    let imap = found.best(Service::Imap).unwrap();
    assert_eq!(imap.host, "outlook.office365.com");
    assert_eq!(imap.logins, vec![Login::OAuth2]);
    assert!(
        found.origin.contains("mail.protection.outlook.com"),
        "{}",
        found.origin
    );
}

#[tokio::test]
async fn a_dead_host_is_reported_within_its_timeouts() {
    let timeout = Duration::from_secs(1);
    let o = opts("", timeout);
    let started = Instant::now();
    let (found, steps) = run("bob@dead.test", &o).await;
    let took = started.elapsed();
    assert!(found.is_none(), "{found:?}");
    // Two autoconfig requests, the SRV lookups and one round of probes
    // (each probe's exchange is bounded by twice the timeout).
    assert!(took < timeout * 8, "took {took:?}: {steps:#?}");
    let probe = steps.iter().find(|s| s.source == Source::Probe).unwrap();
    assert!(!probe.ok && probe.detail.contains("POP3: —"), "{probe:?}");
    // Every source said what it did.
    let said: Vec<Source> = steps.iter().map(|s| s.source).collect();
    assert_eq!(
        said,
        [
            Source::Preset,
            Source::Autoconfig,
            Source::Ispdb,
            Source::Srv,
            Source::Probe
        ]
    );
}
