//! TLS for the mail clients: rustls with the `ring` provider, the public
//! roots plus any CA the administrator (or a test) adds, and an explicit
//! opt-out of verification that is only used when the administrator chose
//! 「STARTTLS（証明書の検証なし）」.
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// What the handshake showed, for the connection test.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsInfo {
    pub protocol: String,
    pub cipher: String,
    /// The leaf certificate's subject, issuer and validity, as text.
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// Whether the chain and name were verified (false only when the admin
    /// chose no verification).
    pub verified: bool,
}

impl TlsInfo {
    /// One line for the connection test.
    pub fn summary(&self) -> String {
        format!(
            "{} {}; subject: {}; issuer: {}; valid {} – {}; {}",
            self.protocol,
            self.cipher,
            self.subject,
            self.issuer,
            self.not_before,
            self.not_after,
            if self.verified {
                "verified"
            } else {
                "NOT verified"
            }
        )
    }
}

fn describe_certificate(der: &[u8], info: &mut TlsInfo) {
    if let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) {
        info.subject = cert.subject().to_string();
        info.issuer = cert.issuer().to_string();
        let v = cert.validity();
        info.not_before = v.not_before.to_datetime().date().to_string();
        info.not_after = v.not_after.to_datetime().date().to_string();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("invalid CA certificate: {0}")]
    BadCa(String),
    #[error("invalid server name {0:?}")]
    BadName(String),
    #[error("TLS handshake: {0}")]
    Handshake(#[source] std::io::Error),
}

impl TlsError {
    /// Certificate problems the admin can act on (name mismatch, expired,
    /// unknown issuer), as opposed to a broken connection.
    pub fn is_certificate(&self) -> bool {
        match self {
            TlsError::Handshake(e) => e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_))),
            _ => false,
        }
    }

    pub fn certificate_problem(&self) -> Option<String> {
        match self {
            TlsError::Handshake(e) => e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .and_then(|e| match e {
                    rustls::Error::InvalidCertificate(c) => Some(format!("{c:?}")),
                    _ => None,
                }),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Whom the mail clients trust: the public roots plus the administrator's
/// own CAs, if any. Built at start-up (parsing the PEM and the root store
/// is not free) and shared by every connection; cloning is cheap, and
/// every clone sees [`Trust::set_added`]: the CAs added in the UI (信頼する
/// CA証明書) take effect for the next connection of every task.
#[derive(Clone)]
pub struct Trust {
    configs: Arc<std::sync::RwLock<Arc<Configs>>>,
    /// The CA given at start-up (a file), kept under the added ones.
    base: Option<Arc<[u8]>>,
}

struct Configs {
    verified: Arc<ClientConfig>,
    /// For 「STARTTLS（証明書の検証なし）」 only: the admin's explicit choice.
    unverified: Arc<ClientConfig>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Trust")
    }
}

/// The public roots only.
impl Default for Trust {
    fn default() -> Self {
        Trust::public()
    }
}

/// A certificate as 信頼するCA証明書 lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaCertificate {
    pub der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    pub not_after: Option<chrono::DateTime<chrono::Utc>>,
}

/// The certificates of a PEM text, each checked as a trust anchor would be
/// (readable X.509 that the root store accepts). At least one.
pub fn read_ca_pem(pem: &[u8]) -> Result<Vec<CaCertificate>, TlsError> {
    let mut out = Vec::new();
    for cert in rustls_pemfile::certs(&mut &pem[..]) {
        let cert = cert.map_err(|e| TlsError::BadCa(e.to_string()))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&cert)
            .map_err(|e| TlsError::BadCa(e.to_string()))?;
        RootCertStore::empty()
            .add(cert.clone())
            .map_err(|e| TlsError::BadCa(e.to_string()))?;
        out.push(CaCertificate {
            der: cert.to_vec(),
            subject: parsed.subject().to_string(),
            issuer: parsed.issuer().to_string(),
            not_after: chrono::DateTime::from_timestamp(parsed.validity().not_after.timestamp(), 0),
        });
    }
    if out.is_empty() {
        return Err(TlsError::BadCa("no certificate in the PEM".into()));
    }
    Ok(out)
}

fn build(pems: &[&[u8]]) -> Result<Configs, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = || {
        ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::BadCa(e.to_string()))
    };
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for pem in pems {
        for cert in read_ca_pem(pem)? {
            roots
                .add(CertificateDer::from(cert.der))
                .map_err(|e| TlsError::BadCa(e.to_string()))?;
        }
    }
    let verified = builder()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let unverified = builder()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider.clone())))
        .with_no_client_auth();
    Ok(Configs {
        verified: Arc::new(verified),
        unverified: Arc::new(unverified),
    })
}

impl Trust {
    /// The public roots plus every certificate in `extra_ca_pem`.
    pub fn new(extra_ca_pem: Option<&[u8]>) -> Result<Self, TlsError> {
        let configs = build(extra_ca_pem.as_slice())?;
        Ok(Trust {
            configs: Arc::new(std::sync::RwLock::new(Arc::new(configs))),
            base: extra_ca_pem.map(Arc::from),
        })
    }

    /// The public roots only: what a client trusts when the administrator
    /// added no CA of their own. Each call is a handle of its own (adding
    /// CAs to it changes no other), sharing the one parsed root store.
    pub fn public() -> Self {
        static PUBLIC: std::sync::OnceLock<Arc<Configs>> = std::sync::OnceLock::new();
        let configs = PUBLIC
            .get_or_init(|| {
                // Without a PEM nothing can be malformed; the ring provider
                // supports the safe default versions.
                Arc::new(build(&[]).expect("public roots with the ring provider"))
            })
            .clone();
        Trust {
            configs: Arc::new(std::sync::RwLock::new(configs)),
            base: None,
        }
    }

    /// Trusts the start-up CA (if any), the public roots and `added` from
    /// the next connection on, in every clone of this handle. A PEM that
    /// does not read changes nothing.
    pub fn set_added(&self, added: &[Vec<u8>]) -> Result<(), TlsError> {
        let mut pems: Vec<&[u8]> = self.base.as_deref().into_iter().collect();
        pems.extend(added.iter().map(Vec::as_slice));
        let configs = Arc::new(build(&pems)?);
        // A poisoned lock only means a panic elsewhere mid-swap of an Arc:
        // the value inside is whole either way.
        *self
            .configs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = configs;
        Ok(())
    }

    fn current(&self) -> Arc<Configs> {
        self.configs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs the TLS handshake on an open TCP stream; `verify` false only for
    /// the admin's explicit 「証明書の検証なし」.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        host: &str,
        verify: bool,
    ) -> Result<(TlsStream<TcpStream>, TlsInfo), TlsError> {
        let configs = self.current();
        let config = if verify {
            configs.verified.clone()
        } else {
            configs.unverified.clone()
        };
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| TlsError::BadName(host.into()))?;
        let stream = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(TlsError::Handshake)?;
        let (_, conn) = stream.get_ref();
        let mut info = TlsInfo {
            protocol: conn
                .protocol_version()
                .map(|v| format!("{v:?}"))
                .unwrap_or_default(),
            cipher: conn
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()))
                .unwrap_or_default(),
            verified: verify,
            ..Default::default()
        };
        if let Some(leaf) = conn.peer_certificates().and_then(|c| c.first()) {
            describe_certificate(leaf, &mut info);
        }
        Ok((stream, info))
    }
}
