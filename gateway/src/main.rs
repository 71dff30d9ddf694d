//! `ventanilla`: the gateway binary. Reads the configuration, sets up logging
//! and serves until SIGTERM or Ctrl-C; SIGHUP reloads the configuration.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use gateway::config::{config_environment, Config};

/// Ventanilla: the video-assistance dispatch service (JSON API and consoles).
#[derive(Debug, Parser)]
#[command(name = "ventanilla", version, about)]
struct Cli {
    /// Configuration file [default: config/default.toml, else the built-in demo]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listening address, overriding [server] bind (e.g. 0.0.0.0:8080)
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// Store, overriding [store] url: "memory" or a Redis URL
    /// (redis://host:port/db, rediss://…, unix:///path/to/socket, or
    /// redis+sentinel://host:port[,host:port…]/master_name[/db])
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// Rate-limit by the last X-Forwarded-For entry instead of the peer address
    /// (only behind a reverse proxy that sets that header)
    #[arg(long)]
    trust_forwarded_for: bool,
    /// With Redis: wait to become the active dispatcher when another process
    /// holds the lease, instead of refusing to start (how a standby runs)
    #[arg(long)]
    standby: bool,
    /// Service level: a taxpayer assigned within this many seconds of joining
    /// counts as served in time (metrics and dashboards)
    #[arg(long, value_name = "SECONDS", default_value_t = engine::metrics::DEFAULT_SERVICE_LEVEL_TARGET.as_secs())]
    service_level_target_seconds: u64,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("VENTANILLA_LOG_FORMAT").is_ok_and(|format| format == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let (env, ignored) = config_environment(std::env::vars());
    for name in &ignored.unknown {
        tracing::warn!(variable = %name, "ignoring an unknown VENTANILLA_* environment variable");
    }
    let mut config = Config::load(cli.config.as_deref(), &env)?;
    if let Some(bind) = &cli.bind {
        config.file.gateway.server.bind = bind.clone();
    }
    if let Some(store) = &cli.store {
        config.file.engine.store.url = store.clone();
    }
    config.trust_forwarded_for = cli.trust_forwarded_for;
    config.standby = cli.standby;
    engine::metrics::set_service_level_target(std::time::Duration::from_secs(
        cli.service_level_target_seconds,
    ));
    // The engine first: a standby must not accept connections it cannot
    // serve while it waits for the dispatcher lease.
    let state = gateway::start(&config).await?;
    // SIGHUP re-reads the same file with the same overrides.
    let reloader = std::sync::Arc::new(gateway::reload::Reloader::new(
        &config,
        cli.config.clone(),
        env,
        cli.bind.clone(),
        cli.store.clone(),
    ));
    #[cfg(unix)]
    tokio::spawn(gateway::reload::on_sighup(reloader, state.clone()));
    #[cfg(not(unix))]
    drop(reloader);
    let bind = config.file.gateway.server.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    gateway::serve_then_release(listener, state, shutdown_signal()).await
}
