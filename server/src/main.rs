//! `tayori`: serve the web application, or administer it from the console.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use server::config::{Command, Config, ServeArgs};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("tayori: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let db_url = config.database_url()?;
    match config
        .command
        .unwrap_or(Command::Serve(ServeArgs::default()))
    {
        Command::Admin { login, name } => {
            let db = domain::db::connect(&db_url)
                .await
                .map_err(|e| format!("database: {e}"))?;
            let pw = domain::users::create_or_reset_admin(&db, &login, &name)
                .await
                .map_err(|e| format!("{e}"))?;
            println!("ログインID / login ID: {}", login.trim().to_lowercase());
            println!("一時パスワード / one-time password: {pw}");
            Ok(())
        }
        Command::Serve(args) => serve(&db_url, config.data_dir.clone(), args).await,
    }
}

async fn serve(db_url: &str, data_dir: std::path::PathBuf, args: ServeArgs) -> Result<(), String> {
    let options = server::leptos_options(&args.site_root, args.listen);
    let extra_ca_pem = match &args.mail_ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("TAYORI_MAIL_CA_FILE {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let opts = server::Options {
        secure_cookies: args
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        trust_proxy: args.trust_proxy,
        data_dir,
        secret_key: std::env::var(domain::secrets::KEY_ENV).ok(),
        extra_ca_pem,
    };
    let state = server::build_state(db_url, options, opts)
        .await
        .map_err(|e| format!("start-up: {e}"))?;
    server::bootstrap(&state)
        .await
        .map_err(|e| format!("creating the first administrator: {e}"))?;
    server::spawn_housekeeping(state.clone());
    let app = server::router(state);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!("listening on http://{}", args.listen);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(|e| format!("server: {e}"))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
