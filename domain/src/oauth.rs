//! OAuth認可サーバー設定: the authorization servers (Microsoft 365, Google,
//! any OAuth 2.0 / OpenID Connect server) that XOAUTH2 settings and
//! accounts sign in with. The client secret is sealed like a password and
//! never leaves the server; endpoints are derived for Microsoft and Google
//! and read from a discovery document (or typed) for the others.
//!
//! The grants (tokens) and the sign-in flow live in `grants`.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::secrets::SecretBox;
use crate::validate::Checks;
use crate::{Code, Error, Result};

pub mod grants;

pub use crate::entity::oauth_servers as entity;
pub use entity::Model as Server;

const SECRET_LABEL: &str = "oauth_server.client_secret";
pub const NAME_MAX: u32 = 100;
const SCOPES_MAX: u32 = 2000;

/// The kinds of server the screen offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Microsoft,
    Google,
    Generic,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "microsoft" => Some(Kind::Microsoft),
            "google" => Some(Kind::Google),
            "generic" => Some(Kind::Generic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Microsoft => "microsoft",
            Kind::Google => "google",
            Kind::Generic => "generic",
        }
    }

    /// The scopes a new server of this kind starts with. Microsoft's mail
    /// protocols want the outlook.office.com scopes (Graph-scoped tokens
    /// are refused by POP, IMAP and SMTP); Google's one scope covers all
    /// three.
    pub fn default_scopes(self) -> &'static str {
        match self {
            Kind::Microsoft => {
                "openid email offline_access https://outlook.office.com/POP.AccessAsUser.All \
                 https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
            }
            Kind::Google => "openid email https://mail.google.com/",
            Kind::Generic => "openid email offline_access",
        }
    }

    /// Parameters the authorization request needs to bring back a refresh
    /// token: Google's offline access, and consent for servers that issue
    /// refresh tokens only when `offline_access` was consented to.
    pub fn extra_params(self) -> Vec<(String, String)> {
        match self {
            Kind::Microsoft => Vec::new(),
            Kind::Google => vec![
                ("access_type".into(), "offline".into()),
                ("prompt".into(), "consent".into()),
            ],
            Kind::Generic => vec![("prompt".into(), "consent".into())],
        }
    }
}

/// The endpoints of Microsoft's and Google's servers.
fn derived(kind: Kind, tenant: &str) -> Option<mail::oauth::Endpoints> {
    match kind {
        Kind::Microsoft => {
            let base = format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0");
            Some(mail::oauth::Endpoints {
                authorization: format!("{base}/authorize"),
                token: format!("{base}/token"),
                revocation: None,
                // Tenant-specific and not sent with the code: nothing to check.
                issuer: None,
            })
        }
        Kind::Google => Some(mail::oauth::Endpoints {
            authorization: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token: "https://oauth2.googleapis.com/token".into(),
            revocation: Some("https://oauth2.googleapis.com/revoke".into()),
            issuer: Some("https://accounts.google.com".into()),
        }),
        Kind::Generic => None,
    }
}

/// The form as typed. An empty client secret keeps the stored one.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Input {
    pub name: String,
    pub kind: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    pub discovery_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub scopes: String,
    /// `auto`, `xoauth2` or `oauthbearer`.
    pub mechanism: String,
}

/// What the screens show of a server: everything but the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub id: i32,
    pub name: String,
    pub kind: Kind,
    pub tenant: String,
    pub client_id: String,
    pub secret_set: bool,
    pub discovery_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub revocation_url: String,
    pub scopes: String,
    pub mechanism: String,
}

impl From<&Server> for View {
    fn from(s: &Server) -> Self {
        View {
            id: s.id,
            name: s.name.clone(),
            kind: Kind::parse(&s.kind).unwrap_or(Kind::Generic),
            tenant: s.tenant.clone(),
            client_id: s.client_id.clone(),
            secret_set: s.client_secret_sealed.is_some(),
            discovery_url: s.discovery_url.clone(),
            authorization_url: s.authorization_url.clone(),
            token_url: s.token_url.clone(),
            revocation_url: s.revocation_url.clone(),
            scopes: s.scopes.clone(),
            mechanism: s.mechanism.clone(),
        }
    }
}

/// What uses a server, so it cannot be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Use {
    /// 管理者設定 > メールサーバー設定
    AdminSettings,
    /// ウェブメールのメールサーバー設定
    WebmailSettings,
    /// A webmail account: its name and its owner's login ID.
    Account { name: String, login_id: String },
}

/// Checked values, before the endpoints of a discovery URL are read.
struct Checked {
    name: String,
    kind: Kind,
    tenant: String,
    client_id: String,
    discovery_url: String,
    endpoints: Option<mail::oauth::Endpoints>,
    scopes: String,
    mechanism: mail::sasl::BearerMechanism,
}

fn check_url(c: &mut Checks, field: &'static str, value: &str, required: bool) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        if required {
            c.push(field, Code::Required);
        }
        return v;
    }
    if v.chars().count() > 2000 {
        c.push(field, Code::TooLong { max: 2000 });
    } else {
        match mail::oauth::check_endpoint(&v) {
            Ok(_) => {}
            Err(mail::oauth::HttpError::NotHttps(_)) => c.push(field, Code::HttpsRequired),
            Err(_) => c.push(field, Code::InvalidUrl),
        }
    }
    v
}

fn check(input: &Input, stored: Option<&Server>) -> Result<Checked> {
    let mut c = Checks::default();
    let name = c.text("name", &input.name, NAME_MAX);
    let kind = Kind::parse(&input.kind).unwrap_or_else(|| {
        c.push("kind", Code::Required);
        Kind::Generic
    });
    let tenant = input.tenant.trim().to_owned();
    if kind == Kind::Microsoft {
        // organizations, common, consumers, a GUID or a domain name.
        if tenant.is_empty() {
            c.push("tenant", Code::Required);
        } else if tenant.len() > 100
            || !tenant
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.')
        {
            c.push("tenant", Code::InvalidChars);
        }
    }
    let client_id = c.text("client_id", &input.client_id, 255);
    if input.client_secret.chars().any(char::is_control) {
        c.push("client_secret", Code::InvalidChars);
    } else if input.client_secret.chars().count() > 2000 {
        c.push("client_secret", Code::TooLong { max: 2000 });
    }
    // Microsoft and Google admit web applications with a secret only.
    if kind != Kind::Generic
        && input.client_secret.is_empty()
        && stored.is_none_or(|s| s.client_secret_sealed.is_none())
    {
        c.push("client_secret", Code::Required);
    }
    let mut discovery_url = String::new();
    let endpoints = match kind {
        Kind::Generic => {
            discovery_url = check_url(&mut c, "discovery_url", &input.discovery_url, false);
            if discovery_url.is_empty() {
                let authorization =
                    check_url(&mut c, "authorization_url", &input.authorization_url, true);
                let token = check_url(&mut c, "token_url", &input.token_url, true);
                let revocation = check_url(&mut c, "revocation_url", &input.revocation_url, false);
                Some(mail::oauth::Endpoints {
                    authorization,
                    token,
                    revocation: (!revocation.is_empty()).then_some(revocation),
                    issuer: None,
                })
            } else {
                None
            }
        }
        k => derived(k, &tenant),
    };
    let scopes = input
        .scopes
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let scopes = if scopes.is_empty() {
        kind.default_scopes().to_owned()
    } else {
        if scopes.chars().count() > SCOPES_MAX as usize {
            c.push("scopes", Code::TooLong { max: SCOPES_MAX });
        } else if scopes
            .chars()
            .any(|ch| ch.is_control() || ch == '"' || ch == '\\')
        {
            c.push("scopes", Code::InvalidChars);
        }
        scopes
    };
    let mechanism = mail::sasl::BearerMechanism::parse(&input.mechanism).unwrap_or_else(|| {
        c.push("mechanism", Code::Required);
        mail::sasl::BearerMechanism::Auto
    });
    c.finish()?;
    Ok(Checked {
        name,
        kind,
        tenant: if kind == Kind::Microsoft {
            tenant
        } else {
            String::new()
        },
        client_id,
        discovery_url,
        endpoints,
        scopes,
        mechanism,
    })
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<View>> {
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Name)
        .all(db)
        .await?
        .iter()
        .map(View::from)
        .collect())
}

pub async fn get(db: &DatabaseConnection, id: i32) -> Result<Server> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// Saves a new server (`id` None) or changes one. A discovery URL is read
/// now, so a wrong one is reported at its field rather than at sign-in.
pub async fn save(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    http: &mail::oauth::Http,
    actor: &Actor,
    id: Option<i32>,
    input: &Input,
) -> Result<View> {
    let stored = match id {
        Some(id) => Some(get(db, id).await?),
        None => None,
    };
    let v = check(input, stored.as_ref())?;
    let endpoints = match v.endpoints {
        Some(ep) => ep,
        None => mail::oauth::discover(http, &v.discovery_url)
            .await
            .map_err(|e| {
                tracing::info!("OAuth discovery {} failed: {e}", v.discovery_url);
                Error::field("discovery_url", Code::Unreachable)
            })?,
    };
    let sealed = if input.client_secret.is_empty() {
        stored.as_ref().and_then(|s| s.client_secret_sealed.clone())
    } else {
        Some(secrets.seal(SECRET_LABEL, &input.client_secret)?)
    };
    let txn = crate::db::write(db).await?;
    let mut same_name = entity::Entity::find().filter(entity::Column::Name.eq(v.name.clone()));
    if let Some(id) = id {
        same_name = same_name.filter(entity::Column::Id.ne(id));
    }
    if same_name.count(&txn).await? > 0 {
        return Err(Error::field("name", Code::Duplicate));
    }
    let now = chrono::Utc::now();
    let mut am = match &stored {
        Some(s) => entity::ActiveModel::from(s.clone()),
        None => entity::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.name = Set(v.name.clone());
    am.kind = Set(v.kind.as_str().to_owned());
    am.tenant = Set(v.tenant);
    am.client_id = Set(v.client_id);
    am.client_secret_sealed = Set(sealed);
    am.discovery_url = Set(v.discovery_url);
    am.authorization_url = Set(endpoints.authorization);
    am.token_url = Set(endpoints.token);
    am.revocation_url = Set(endpoints.revocation.unwrap_or_default());
    am.issuer = Set(endpoints.issuer.unwrap_or_default());
    am.scopes = Set(v.scopes);
    am.mechanism = Set(v.mechanism.as_str().to_owned());
    am.updated_at = Set(now);
    let saved = match stored {
        Some(_) => am.update(&txn).await?,
        None => am
            .insert(&txn)
            .await
            .map_err(|e| Error::unique_violation_as(e, "name"))?,
    };
    audit::record(
        &txn,
        actor,
        if id.is_some() {
            "oauth_server.update"
        } else {
            "oauth_server.create"
        },
        &format!("oauth_server:{}", saved.id),
        &format!(
            "{} {} secret_changed={}",
            saved.name,
            saved.kind,
            !input.client_secret.is_empty()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(View::from(&saved))
}

/// What signs in with server `id`.
pub async fn uses(db: &DatabaseConnection, id: i32) -> Result<Vec<Use>> {
    use crate::entity::{mail_accounts, mail_server_settings, users};
    let mut out = Vec::new();
    for s in mail_server_settings::Entity::find()
        .filter(mail_server_settings::Column::OauthServerId.eq(id))
        .all(db)
        .await?
    {
        out.push(if s.id == crate::mailserver::Scope::Webmail.row() {
            Use::WebmailSettings
        } else {
            Use::AdminSettings
        });
    }
    let accounts = mail_accounts::Entity::find()
        .filter(mail_accounts::Column::OauthServerId.eq(id))
        .order_by_asc(mail_accounts::Column::Id)
        .all(db)
        .await?;
    for a in accounts {
        let login_id = users::Entity::find_by_id(a.user_id)
            .one(db)
            .await?
            .map(|u| u.login_id)
            .unwrap_or_default();
        out.push(Use::Account {
            name: a.name,
            login_id,
        });
    }
    Ok(out)
}

/// Deletes a server nothing signs in with; otherwise says what does.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<()> {
    let server = get(db, id).await?;
    let used = uses(db, id).await?;
    if !used.is_empty() {
        return Err(Error::InUse(used));
    }
    let txn = crate::db::write(db).await?;
    grants::entity::Entity::delete_many()
        .filter(grants::entity::Column::ServerId.eq(id))
        .exec(&txn)
        .await?;
    entity::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "oauth_server.delete",
        &format!("oauth_server:{id}"),
        &server.name,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The server's endpoints and Tayori's registration at it.
pub(crate) fn client_of(
    secrets: &SecretBox,
    s: &Server,
    redirect_uri: &str,
) -> Result<(mail::oauth::Endpoints, mail::oauth::Registration)> {
    let client_secret = match &s.client_secret_sealed {
        Some(sealed) => secrets.open(SECRET_LABEL, sealed)?,
        None => String::new(),
    };
    Ok((
        mail::oauth::Endpoints {
            authorization: s.authorization_url.clone(),
            token: s.token_url.clone(),
            revocation: (!s.revocation_url.is_empty()).then(|| s.revocation_url.clone()),
            issuer: (!s.issuer.is_empty()).then(|| s.issuer.clone()),
        },
        mail::oauth::Registration {
            client_id: s.client_id.clone(),
            client_secret,
            redirect_uri: redirect_uri.to_owned(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str) -> Input {
        Input {
            name: "社内".into(),
            kind: kind.into(),
            tenant: "organizations".into(),
            client_id: "cid".into(),
            client_secret: "secret".into(),
            mechanism: "auto".into(),
            ..Input::default()
        }
    }

    fn codes(i: &Input) -> Vec<(&'static str, Code)> {
        match check(i, None) {
            Err(Error::Invalid(errs)) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
            Err(e) => panic!("{e}"),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn microsoft_and_google_endpoints_and_scopes_are_derived() {
        let m = check(&input("microsoft"), None).unwrap();
        let ep = m.endpoints.unwrap();
        assert_eq!(
            ep.token,
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        assert!(m.scopes.contains("https://outlook.office.com/SMTP.Send"));
        assert!(m.scopes.contains("offline_access"));
        let g = check(&input("google"), None).unwrap();
        assert_eq!(
            g.endpoints.unwrap().issuer.as_deref(),
            Some("https://accounts.google.com")
        );
        assert_eq!(g.scopes, "openid email https://mail.google.com/");
        assert!(
            Kind::Google
                .extra_params()
                .contains(&("access_type".into(), "offline".into()))
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut i = input("microsoft");
        i.tenant = "org/../x".into();
        i.client_id = String::new();
        i.client_secret = String::new();
        i.mechanism = "plain".into();
        assert_eq!(
            codes(&i),
            vec![
                ("tenant", Code::InvalidChars),
                ("client_id", Code::Required),
                ("client_secret", Code::Required),
                ("mechanism", Code::Required),
            ]
        );
        let mut g = input("generic");
        g.client_secret = String::new();
        g.authorization_url = "http://auth.example.com/authorize".into();
        g.token_url = "not a url".into();
        g.scopes = "a\u{7}b".into();
        assert_eq!(
            codes(&g),
            vec![
                ("authorization_url", Code::HttpsRequired),
                ("token_url", Code::InvalidUrl),
                ("scopes", Code::InvalidChars),
            ]
        );
        let mut d = input("generic");
        d.discovery_url = "https://auth.example.com/.well-known/openid-configuration".into();
        assert!(
            codes(&d).is_empty(),
            "a discovery URL stands for the endpoints"
        );
    }
}
