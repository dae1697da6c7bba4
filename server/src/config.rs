//! Command line and environment. Every option has a flag and a variable.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tayori",
    version,
    about = "便り Tayori: mail for your groupware"
)]
pub struct Config {
    /// Where Tayori keeps its embedded database and keys (created on first start).
    #[arg(long, env = "TAYORI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Use this database instead of the embedded one, e.g. postgres://user:pw@host/db.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(ServeArgs),
    /// Create an administrator, or reset one's password; prints a one-time password.
    Admin {
        /// Login ID of the administrator.
        #[arg(long, default_value = "admin")]
        login: String,
        /// Full name (氏名) when creating.
        #[arg(long, default_value = "管理者")]
        name: String,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TAYORI_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Directory with the built browser bundle (pkg/) and public files.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// The URL users open; an https URL makes session cookies Secure.
    #[arg(long, env = "TAYORI_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy.
    #[arg(long, env = "TAYORI_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// SMTP connections the notification dispatcher uses at once.
    #[arg(long, env = "TAYORI_SMTP_CONNECTIONS", default_value_t = 4)]
    pub smtp_connections: usize,

    /// Seconds between background receives of each webmail account (0: only
    /// on demand). Unset: the interval the admin sets in ウェブメール設定.
    #[arg(long, env = "TAYORI_RECEIVE_INTERVAL")]
    pub receive_interval: Option<u64>,

    /// The largest message a receive takes, in MB; a larger one stops the
    /// receive with a message on the account and stays on the server.
    #[arg(long, env = "TAYORI_MAX_MESSAGE_MB", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_message_mb: u64,

    /// A PEM file with an in-house CA to trust for mail servers.
    #[arg(long, env = "TAYORI_MAIL_CA_FILE")]
    pub mail_ca_file: Option<PathBuf>,

    /// DNS servers for mail connections and 自動設定 (`192.0.2.53`,
    /// `127.0.0.1:5353`, comma-separated); empty: the system's resolver.
    #[arg(long, env = "TAYORI_DNS_SERVERS", default_value = "")]
    pub dns_servers: String,
}

/// `tayori` with no subcommand serves, still reading the environment.
#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeOnly::parse_from(["tayori"]).args
    }
}

impl Config {
    /// The database URL: the explicit one, else the embedded SQLite file in
    /// the data directory (created here so SQLite can open it).
    pub fn database_url(&self) -> Result<String, String> {
        if let Some(url) = &self.database_url {
            if url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:")
            {
                return Ok(url.clone());
            }
            return Err(format!(
                "DATABASE_URL must start with postgres:// or sqlite: (got {:?})",
                url.split(':').next().unwrap_or_default()
            ));
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        Ok(domain::db::sqlite_url(&self.data_dir))
    }
}
