//! `tayori`: serve the web application, or administer it from the console.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use server::config::{Command, Config, ServeArgs};
use tracing_subscriber::EnvFilter;

/// glibc's allocator keeps a freed large block (an argon2 hash's 19 MB, a
/// received message) in the arena of the thread that used it, one arena
/// per thread up to eight per core, so memory grew with every sign-in on a
/// new blocking thread (tests/memory.rs); mimalloc gives it back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            let db = server::open_database(&db_url)
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
    // Read and checked once: a bad CA file stops the start with its name
    // instead of failing every connection later.
    mail::pop3::set_message_max(args.max_message_mb << 20);
    let dns = mail::dns::parse_servers(&args.dns_servers)
        .map_err(|e| format!("TAYORI_DNS_SERVERS: {e}"))?;
    if !dns.is_empty() {
        mail::dns::use_servers(dns);
    }
    let mail_trust = match &args.mail_ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| format!("TAYORI_MAIL_CA_FILE {}: {e}", path.display()))?;
            mail::tls::Trust::new(Some(&pem))
                .map_err(|e| format!("TAYORI_MAIL_CA_FILE {}: {e}", path.display()))?
        }
        None => mail::tls::Trust::public(),
    };
    let opts = server::Options {
        secure_cookies: args
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        trust_proxy: args.trust_proxy,
        data_dir,
        secret_key: std::env::var(domain::secrets::KEY_ENV).ok(),
        mail_trust,
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.listen)),
    };
    // One server per SQLite data directory: the lock makes a second one
    // fail at once instead of two dispatchers sharing the outbox, and lets
    // this one free what a killed predecessor left claimed.
    let sqlite = db_url.starts_with("sqlite:");
    let _lock = if sqlite {
        Some(lock_data_dir(&opts.data_dir)?)
    } else {
        None
    };
    let state = server::build_state(db_url, options, opts)
        .await
        .map_err(|e| format!("start-up: {e}"))?;
    server::bootstrap(&state)
        .await
        .map_err(|e| format!("creating the first administrator: {e}"))?;
    server::spawn_housekeeping(state.clone());
    server::spawn_trust_refresh(state.clone());
    if sqlite {
        match domain::outbox::release_all(&state.db).await {
            Ok(n) if n > 0 => {
                tracing::info!(n, "notifications claimed before a restart queued again")
            }
            Ok(_) => {}
            Err(e) => return Err(format!("outbox: {e}")),
        }
    }
    if sqlite {
        match domain::mailbox::release_all(&state.db).await {
            Ok(n) if n > 0 => {
                tracing::info!(n, "receives interrupted before a restart taken up again")
            }
            Ok(_) => {}
            Err(e) => return Err(format!("mailbox: {e}")),
        }
    }
    if args.receive_interval != Some(0) {
        server::receiving::Receiver::new(
            &state,
            args.receive_interval.map(std::time::Duration::from_secs),
        )
        .spawn();
    }
    let mut dispatcher = server::dispatch::Dispatcher::new(&state);
    dispatcher.connections = args.smtp_connections.max(1);
    dispatcher.spawn();
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

fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, String> {
    let path = dir.join("tayori.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.try_lock().map_err(|_| {
        format!(
            "another Tayori server already uses {} (one server per SQLite data directory; use PostgreSQL for several)",
            dir.display()
        )
    })?;
    Ok(file)
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
