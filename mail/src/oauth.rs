//! OAuth 2.0 for mail (OAuth認可サーバー): the authorization URL with PKCE,
//! the code exchange, refreshing and revoking tokens, and reading a
//! server's discovery document. The flows are the `oauth2` crate's; its
//! HTTP goes through [`Http`], which connects like every other client of
//! this crate (`net::connect_protected`: one timeout per step, the
//! configured trust) and bounds what it reads. Redirects are never
//! followed (a token endpoint that redirects is refused, as the `oauth2`
//! crate's own notes require).
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

use crate::net::{NetError, ProtectError, Target};
use crate::presets::Protection;
use crate::tls::{TlsError, Trust};

/// Largest answer read from an authorization server: token responses and
/// discovery documents are a few kilobytes.
const BODY_MAX: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("timed out after {0:?} waiting for the authorization server")]
    Timeout(Duration),
    #[error("the authorization server's answer went past {BODY_MAX} bytes")]
    TooLong,
    /// Plain http is taken for loopback only (a test server, or a proxy on
    /// the same machine): tokens and secrets never cross a network in clear.
    #[error("{0}: an authorization server must be reached over https")]
    NotHttps(String),
    #[error("invalid URL {0}")]
    Url(String),
}

impl From<ProtectError<HttpError>> for HttpError {
    fn from(e: ProtectError<HttpError>) -> Self {
        match e {
            ProtectError::Net(e) => e.into(),
            ProtectError::Tls(e) => e.into(),
            ProtectError::Protocol(e) => e,
        }
    }
}

/// The HTTP client the flows use: one request per connection, every step
/// under `timeout`, answers bounded, no redirects.
#[derive(Clone, Debug)]
pub struct Http {
    pub trust: Trust,
    pub timeout: Duration,
}

/// HTTPS has no STARTTLS: the URL's scheme decides the protection.
struct Direct;

impl crate::net::StartTls for Direct {
    type Learnt = ();
    type Error = HttpError;
    async fn negotiate(
        self,
        _tcp: tokio::net::TcpStream,
        _report: &mut crate::diag::Report<'_>,
    ) -> Result<(tokio::net::TcpStream, ()), HttpError> {
        Err(HttpError::Http("STARTTLS is not HTTP".into()))
    }
}

/// Whether `host` is this machine, where plain http is acceptable.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks that an endpoint URL may be used: https, or http on loopback.
pub fn check_endpoint(raw: &str) -> Result<url::Url, HttpError> {
    let url = url::Url::parse(raw.trim()).map_err(|_| HttpError::Url(raw.to_owned()))?;
    let host = url.host().ok_or_else(|| HttpError::Url(raw.to_owned()))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        _ => Err(HttpError::NotHttps(raw.to_owned())),
    }
}

impl Http {
    /// Sends one request and reads the whole answer.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = check_endpoint(&request.uri().to_string())?;
        self.exchange(url, request).await
    }

    /// GETs `url`: https always, plain http only with `plain_ok` (the
    /// administrator allowed it for 自動設定).
    pub async fn get(&self, url: &str, plain_ok: bool) -> Result<HttpResponse, HttpError> {
        let parsed = url::Url::parse(url.trim()).map_err(|_| HttpError::Url(url.to_owned()))?;
        let checked = match parsed.scheme() {
            "http" if plain_ok => parsed,
            _ => check_endpoint(url)?,
        };
        let request = http::Request::get(checked.as_str())
            .header(http::header::ACCEPT, "application/xml, text/xml")
            .body(Vec::new())
            .map_err(|e| HttpError::Http(e.to_string()))?;
        self.exchange(checked, request).await
    }

    async fn exchange(
        &self,
        url: url::Url,
        request: HttpRequest,
    ) -> Result<HttpResponse, HttpError> {
        let host = url
            .host_str()
            .ok_or_else(|| HttpError::Url(url.to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| HttpError::Url(url.to_string()))?;
        let protection = if url.scheme() == "https" {
            Protection::SslTls
        } else {
            Protection::None
        };
        let target = Target {
            host: &host,
            port,
            protection,
            timeout: self.timeout,
            trust: &self.trust,
        };
        let protected =
            crate::net::connect_protected(&target, &mut crate::diag::silent, Direct).await?;
        let io = hyper_util::rt::TokioIo::new(protected.stream);
        let (mut sender, connection) = tokio::time::timeout(
            self.timeout,
            hyper::client::conn::http1::handshake::<_, Full<Bytes>>(io),
        )
        .await
        .map_err(|_| HttpError::Timeout(self.timeout))?
        .map_err(|e| HttpError::Http(e.to_string()))?;
        // The connection is driven beside the request and dropped with it.
        let exchange = async {
            let (parts, body) = request.into_parts();
            let mut out = http::Request::builder()
                .method(parts.method)
                .uri(url[url::Position::BeforePath..url::Position::AfterQuery].to_owned())
                .header(
                    http::header::HOST,
                    url[url::Position::BeforeHost..url::Position::AfterPort].to_owned(),
                );
            for (name, value) in parts.headers.iter() {
                if name != http::header::HOST {
                    out = out.header(name, value);
                }
            }
            let out = out
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| HttpError::Http(e.to_string()))?;
            let response = sender
                .send_request(out)
                .await
                .map_err(|e| HttpError::Http(e.to_string()))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, BODY_MAX)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        HttpError::TooLong
                    } else {
                        HttpError::Http(e.to_string())
                    }
                })?
                .to_bytes();
            Ok::<_, HttpError>(http::Response::from_parts(parts, body.to_vec()))
        };
        let both = async {
            tokio::select! {
                r = exchange => r,
                r = connection => match r {
                    Ok(()) => Err(HttpError::Http("connection closed before the answer".into())),
                    Err(e) => Err(HttpError::Http(e.to_string())),
                },
            }
        };
        // One deadline for the request and its answer: a server that
        // dribbles its answer byte by byte cannot hold the caller.
        let response = tokio::time::timeout(self.timeout, both)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))??;
        if response.status().is_redirection() {
            return Err(HttpError::Http(format!(
                "the server redirected ({}); redirects are not followed",
                response.status()
            )));
        }
        Ok(response)
    }
}

/// Where an authorization server is reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub revocation: Option<String>,
    /// The issuer, checked against the `iss` of an authorization
    /// response (RFC 9207) when the server sends one.
    pub issuer: Option<String>,
}

/// The application's registration at the server (クライアントID / シークレット).
#[derive(Clone)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
    /// Tayori's callback (リダイレクトURI).
    pub redirect_uri: String,
}

/// What an authorization request needs besides the endpoints.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub scopes: Vec<String>,
    /// The mailbox to sign in as (`login_hint`).
    pub login_hint: Option<String>,
    /// Provider-specific parameters (Google's `access_type=offline`).
    pub extra: Vec<(String, String)>,
}

/// A started authorization: the URL to send the browser to, and what the
/// callback must match (`state`) and prove (the PKCE verifier).
pub struct Started {
    pub url: String,
    pub state: String,
    pub verifier: String,
}

/// Tokens from the token endpoint.
#[derive(Clone)]
pub struct Tokens {
    pub access: String,
    /// A new refresh token (rotation), or `None` when the old one stays.
    pub refresh: Option<String>,
    pub expires_in: Option<Duration>,
    pub scope: Option<String>,
    /// Whom the tokens are for, from the ID token (email, else
    /// preferred_username or upn as Microsoft writes them).
    pub signed_in_as: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &"********")
            .field("refresh", &self.refresh.as_ref().map(|_| "********"))
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("signed_in_as", &self.signed_in_as)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The server answered with an OAuth error (`invalid_grant`, …).
    #[error("the authorization server refused: {code}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        code: String,
        description: Option<String>,
    },
    #[error("unexpected answer from the authorization server: {0}")]
    Parse(String),
    #[error("invalid {0}")]
    Invalid(&'static str),
}

impl OAuthError {
    /// The grant is gone (revoked, expired, reused after rotation, the
    /// user's password changed): only signing in again helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Refused { code, .. } if code == "invalid_grant")
    }
    /// Worth trying again later (the server could not be reached).
    pub fn is_transient(&self) -> bool {
        match self {
            OAuthError::Http(HttpError::Net(_) | HttpError::Timeout(_)) => true,
            OAuthError::Refused { code, .. } => code == "temporarily_unavailable",
            _ => false,
        }
    }
}

type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(ep: &Endpoints, reg: &Registration) -> Result<Client, OAuthError> {
    check_endpoint(&ep.authorization)?;
    check_endpoint(&ep.token)?;
    let mut c = BasicClient::new(ClientId::new(reg.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(ep.authorization.clone())
                .map_err(|_| OAuthError::Invalid("authorization endpoint"))?,
        )
        .set_token_uri(
            TokenUrl::new(ep.token.clone()).map_err(|_| OAuthError::Invalid("token endpoint"))?,
        );
    if !reg.client_secret.is_empty() {
        c = c.set_client_secret(ClientSecret::new(reg.client_secret.clone()));
    }
    if !reg.redirect_uri.is_empty() {
        c = c.set_redirect_uri(
            RedirectUrl::new(reg.redirect_uri.clone())
                .map_err(|_| OAuthError::Invalid("redirect URI"))?,
        );
    }
    Ok(c)
}

/// Builds the authorization URL: code flow with PKCE (S256), a fresh
/// `state`, the scopes and the login hint.
pub fn start(ep: &Endpoints, reg: &Registration, req: &Request) -> Result<Started, OAuthError> {
    let c = client(ep, reg)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut auth = c
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(req.scopes.iter().map(|s| Scope::new(s.clone())));
    if let Some(hint) = &req.login_hint {
        auth = auth.add_extra_param("login_hint", hint.clone());
    }
    for (k, v) in &req.extra {
        auth = auth.add_extra_param(k.clone(), v.clone());
    }
    let (url, state) = auth.url();
    Ok(Started {
        url: url.to_string(),
        state: state.secret().clone(),
        verifier: verifier.secret().clone(),
    })
}

fn token_error(e: RequestTokenError<HttpError, BasicErrorResponse>) -> OAuthError {
    match e {
        RequestTokenError::ServerResponse(r) => OAuthError::Refused {
            code: r.error().as_ref().to_owned(),
            description: r.error_description().cloned(),
        },
        RequestTokenError::Request(e) => OAuthError::Http(e),
        RequestTokenError::Parse(e, _) => OAuthError::Parse(e.to_string()),
        RequestTokenError::Other(e) => OAuthError::Parse(e),
    }
}

/// Reads whom an ID token names. The token came straight from the token
/// endpoint over the connection checked by `Http`, which OpenID Connect
/// accepts in place of checking its signature (Core §3.1.3.7).
fn id_token_subject(id_token: &str) -> Option<String> {
    use base64::Engine;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    ["email", "preferred_username", "upn"]
        .iter()
        .find_map(|k| claims.get(*k)?.as_str().map(str::to_owned))
}

fn tokens(r: BasicTokenResponse, raw_id_token: Option<String>) -> Tokens {
    Tokens {
        access: r.access_token().secret().clone(),
        refresh: r.refresh_token().map(|t| t.secret().clone()),
        expires_in: r.expires_in(),
        scope: r
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
        signed_in_as: raw_id_token.as_deref().and_then(id_token_subject),
    }
}

/// `Http` as the `oauth2` crate calls it, keeping the raw answer's ID
/// token (the basic response type drops fields it does not know).
struct Recording {
    http: Http,
    id_token: std::sync::Mutex<Option<String>>,
}

type Answer<'c> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>,
>;

impl<'c> oauth2::AsyncHttpClient<'c> for Recording {
    type Error = HttpError;
    type Future = Answer<'c>;
    fn call(&'c self, request: HttpRequest) -> Answer<'c> {
        Box::pin(async move {
            let resp = self.http.send(request).await?;
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(resp.body())
                && let Some(t) = v.get("id_token").and_then(|t| t.as_str())
                && let Ok(mut slot) = self.id_token.lock()
            {
                *slot = Some(t.to_owned());
            }
            Ok(resp)
        })
    }
}

impl Recording {
    fn new(http: &Http) -> Self {
        Recording {
            http: http.clone(),
            id_token: std::sync::Mutex::new(None),
        }
    }
    fn tokens(self, r: BasicTokenResponse) -> Tokens {
        let raw = self.id_token.into_inner().ok().flatten();
        tokens(r, raw)
    }
}

/// Exchanges the callback's code (with the PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &Http,
    ep: &Endpoints,
    reg: &Registration,
    code: &str,
    verifier: &str,
) -> Result<Tokens, OAuthError> {
    let c = client(ep, reg)?;
    let rec = Recording::new(http);
    let request = c
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()));
    let r = request.request_async(&rec).await.map_err(token_error)?;
    Ok(rec.tokens(r))
}

/// Gets a new access token with the refresh token. The answer may carry
/// a new refresh token (rotation): the caller must keep it before using
/// the access token.
pub async fn refresh(
    http: &Http,
    ep: &Endpoints,
    reg: &Registration,
    refresh_token: &str,
) -> Result<Tokens, OAuthError> {
    let c = client(ep, reg)?;
    let token = RefreshToken::new(refresh_token.to_owned());
    let rec = Recording::new(http);
    let r = c
        .exchange_refresh_token(&token)
        .request_async(&rec)
        .await
        .map_err(token_error)?;
    Ok(rec.tokens(r))
}

/// Reads an OpenID Connect / RFC 8414 discovery document.
pub async fn discover(http: &Http, url: &str) -> Result<Endpoints, OAuthError> {
    let url = check_endpoint(url)?;
    let req = http::Request::builder()
        .method(http::Method::GET)
        .uri(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| OAuthError::Invalid("discovery URL"))?;
    let resp = http.send(req).await?;
    if !resp.status().is_success() {
        return Err(OAuthError::Parse(format!(
            "discovery answered {}",
            resp.status()
        )));
    }
    let v: serde_json::Value =
        serde_json::from_slice(resp.body()).map_err(|e| OAuthError::Parse(e.to_string()))?;
    let field = |k: &str| v.get(k).and_then(|s| s.as_str()).map(str::to_owned);
    let ep = Endpoints {
        authorization: field("authorization_endpoint").ok_or(OAuthError::Invalid(
            "discovery document (no authorization_endpoint)",
        ))?,
        token: field("token_endpoint").ok_or(OAuthError::Invalid(
            "discovery document (no token_endpoint)",
        ))?,
        revocation: field("revocation_endpoint"),
        issuer: field("issuer"),
    };
    check_endpoint(&ep.authorization)?;
    check_endpoint(&ep.token)?;
    Ok(ep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_unless_on_this_machine() {
        assert!(
            check_endpoint("https://login.microsoftonline.com/organizations/oauth2/v2.0/token")
                .is_ok()
        );
        assert!(check_endpoint("http://127.0.0.1:9000/token").is_ok());
        assert!(check_endpoint("http://localhost/token").is_ok());
        assert!(check_endpoint("http://[::1]:80/token").is_ok());
        assert!(matches!(
            check_endpoint("http://auth.example.com/token"),
            Err(HttpError::NotHttps(_))
        ));
        assert!(matches!(
            check_endpoint("ftp://127.0.0.1/token"),
            Err(HttpError::NotHttps(_))
        ));
        assert!(matches!(
            check_endpoint("not a url"),
            Err(HttpError::Url(_))
        ));
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_scopes_and_hint() {
        let ep = Endpoints {
            authorization: "https://auth.example.com/authorize".into(),
            token: "https://auth.example.com/token".into(),
            ..Endpoints::default()
        };
        let reg = Registration {
            client_id: "cid".into(),
            client_secret: "secret".into(),
            redirect_uri: "https://tayori.example.com/oauth/callback".into(),
        };
        let s = start(
            &ep,
            &reg,
            &Request {
                scopes: vec![
                    "offline_access".into(),
                    "https://outlook.office.com/SMTP.Send".into(),
                ],
                login_hint: Some("user@example.com".into()),
                extra: vec![("prompt".into(), "consent".into())],
            },
        )
        .unwrap();
        let url = url::Url::parse(&s.url).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], s.state);
        assert_eq!(q["login_hint"], "user@example.com");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(
            q["scope"],
            "offline_access https://outlook.office.com/SMTP.Send"
        );
        assert_eq!(
            q["redirect_uri"],
            "https://tayori.example.com/oauth/callback"
        );
        assert!(!s.url.contains("secret"));
        // The challenge is the verifier's SHA-256, not the verifier itself.
        assert!(!s.url.contains(&s.verifier));
        assert!(s.verifier.len() >= 43);
        let again = start(&ep, &reg, &Request::default()).unwrap();
        assert_ne!(again.state, s.state);
    }

    #[test]
    fn the_id_token_names_the_mailbox() {
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = |claims: &str| format!("{}.{}.sig", enc(r#"{"alg":"RS256"}"#), enc(claims));
        assert_eq!(
            id_token_subject(&jwt(r#"{"email":"a@example.com"}"#)).as_deref(),
            Some("a@example.com")
        );
        assert_eq!(
            id_token_subject(&jwt(r#"{"preferred_username":"b@contoso.com"}"#)).as_deref(),
            Some("b@contoso.com")
        );
        assert_eq!(id_token_subject("garbage"), None);
    }
}
