//! Name resolution for every connection the mail clients make and for
//! 自動設定 (MX and SRV records): the system's resolver, or the DNS servers
//! the administrator names for the process (`TAYORI_DNS_SERVERS`) — an
//! intranet's own DNS, or the test suite's on loopback. `localhost` and IP
//! addresses never go to DNS (RFC 6761: localhost is always this machine).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;

/// The DNS servers of this process; empty: the system's resolver.
static SERVERS: OnceLock<Vec<SocketAddr>> = OnceLock::new();

/// Names the DNS servers every lookup of this process uses from now on
/// (once, at start-up; a second call changes nothing and says so).
pub fn use_servers(servers: Vec<SocketAddr>) -> bool {
    SERVERS.set(servers).is_ok()
}

fn servers() -> &'static [SocketAddr] {
    SERVERS.get().map(Vec::as_slice).unwrap_or_default()
}

/// Parses `TAYORI_DNS_SERVERS`: addresses separated by commas or spaces,
/// each with an optional port (`192.0.2.53`, `127.0.0.1:5353`).
pub fn parse_servers(s: &str) -> Result<Vec<SocketAddr>, String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<SocketAddr>()
                .or_else(|_| p.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| format!("not a DNS server address: {p}"))
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("DNS: {0}")]
    Failed(String),
    #[error("DNS: no answer within {0:?}")]
    Timeout(Duration),
}

/// A target of an SRV record (RFC 2782), in the order to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvTarget {
    pub host: String,
    pub port: u16,
}

/// What an SRV lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Srv {
    /// No such record: the domain says nothing.
    Absent,
    /// The target `.`: the service is decidedly not offered (RFC 2782).
    NotOffered,
    Targets(Vec<SrvTarget>),
}

fn resolver(timeout: Duration) -> Result<TokioResolver, DnsError> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 0;
    let builder = if servers().is_empty() {
        TokioResolver::builder_tokio().map_err(|e| DnsError::Failed(e.to_string()))?
    } else {
        let mut config = ResolverConfig::new();
        for s in servers() {
            config.add_name_server(NameServerConfig::new(*s, Protocol::Udp));
            config.add_name_server(NameServerConfig::new(*s, Protocol::Tcp));
        }
        opts.use_hosts_file = ResolveHosts::Never;
        TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
    };
    Ok(builder.with_options(opts).build())
}

fn fqdn(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    format!("{name}.")
}

fn shown(name: &hickory_resolver::Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a lookup failed only because the name has no such record.
fn no_record(e: &hickory_resolver::ResolveError) -> bool {
    e.is_no_records_found() || e.is_nx_domain()
}

/// The addresses of `host` for `port`: IP literals and localhost as they
/// are, other names by the configured servers or the system's resolver.
pub async fn addresses(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, DnsError> {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if bare.trim_end_matches('.').eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]);
    }
    let found = if servers().is_empty() {
        tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port)))
            .await
            .map_err(|_| DnsError::Timeout(timeout))?
            .map_err(|e| DnsError::Failed(e.to_string()))?
            .collect::<Vec<_>>()
    } else {
        let r = resolver(timeout)?;
        tokio::time::timeout(timeout, r.lookup_ip(fqdn(bare)))
            .await
            .map_err(|_| DnsError::Timeout(timeout))?
            .map_err(|e| DnsError::Failed(e.to_string()))?
            .iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect()
    };
    if found.is_empty() {
        return Err(DnsError::Failed(format!("no address for {bare}")));
    }
    Ok(found)
}

/// The mail exchangers of `domain`, most preferred first; empty when it
/// has none.
pub async fn mx(domain: &str, timeout: Duration) -> Result<Vec<String>, DnsError> {
    let r = resolver(timeout)?;
    match tokio::time::timeout(timeout, r.mx_lookup(fqdn(domain))).await {
        Err(_) => Err(DnsError::Timeout(timeout)),
        Ok(Err(e)) if no_record(&e) => Ok(Vec::new()),
        Ok(Err(e)) => Err(DnsError::Failed(e.to_string())),
        Ok(Ok(found)) => {
            let mut list: Vec<(u16, String)> = found
                .iter()
                .map(|m| (m.preference(), shown(m.exchange())))
                .filter(|(_, h)| !h.is_empty())
                .collect();
            list.sort();
            Ok(list.into_iter().map(|(_, h)| h).collect())
        }
    }
}

/// The SRV record `name` (e.g. `_pop3s._tcp.example.co.jp`), its targets
/// by priority, then the heavier weight first.
pub async fn srv(name: &str, timeout: Duration) -> Result<Srv, DnsError> {
    let r = resolver(timeout)?;
    match tokio::time::timeout(timeout, r.srv_lookup(fqdn(name))).await {
        Err(_) => Err(DnsError::Timeout(timeout)),
        Ok(Err(e)) if no_record(&e) => Ok(Srv::Absent),
        Ok(Err(e)) => Err(DnsError::Failed(e.to_string())),
        Ok(Ok(found)) => {
            let mut list: Vec<(u16, std::cmp::Reverse<u16>, SrvTarget)> = found
                .iter()
                .map(|s| {
                    (
                        s.priority(),
                        std::cmp::Reverse(s.weight()),
                        SrvTarget {
                            host: shown(s.target()),
                            port: s.port(),
                        },
                    )
                })
                .collect();
            list.sort_by_key(|a| (a.0, a.1));
            let targets: Vec<SrvTarget> = list.into_iter().map(|(_, _, t)| t).collect();
            // A lone target "." (shown empty) says the service is not offered.
            if targets.iter().all(|t| t.host.is_empty()) {
                return Ok(Srv::NotOffered);
            }
            Ok(Srv::Targets(
                targets.into_iter().filter(|t| !t.host.is_empty()).collect(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_servers_are_read_with_or_without_a_port() {
        assert_eq!(
            parse_servers("192.0.2.53, 127.0.0.1:5353").unwrap(),
            vec![
                "192.0.2.53:53".parse().unwrap(),
                "127.0.0.1:5353".parse().unwrap()
            ]
        );
        assert!(parse_servers("dns.example").is_err());
        assert!(parse_servers("").unwrap().is_empty());
    }

    #[tokio::test]
    async fn localhost_and_addresses_never_ask_dns() {
        let t = Duration::from_millis(10);
        assert_eq!(
            addresses("127.0.0.1", 25, t).await.unwrap(),
            vec!["127.0.0.1:25".parse().unwrap()]
        );
        assert_eq!(
            addresses("[::1]", 25, t).await.unwrap(),
            vec!["[::1]:25".parse().unwrap()]
        );
        assert_eq!(addresses("LOCALHOST.", 25, t).await.unwrap().len(), 2);
    }
}
