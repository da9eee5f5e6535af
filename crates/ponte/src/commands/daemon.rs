//! `ponte run` (the daemon and the HTTP server) and `ponte serve` (HTTP only).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use ponte_config::Config;
use ponte_query::SemanticLayer;
use ponte_scheduler::DaemonOptions;
use ponte_server::embed::Embedding;
use ponte_server::looker::session::Sessions;
use ponte_state::StateDb;
use tokio::sync::watch;

use super::portal;
use super::runner::PonteRunner;

/// `ponte run`
pub fn run(config_path: &Path, bind: Option<&str>) -> anyhow::Result<ExitCode> {
    start(config_path, bind, true)
}

/// `ponte serve`
pub fn serve(config_path: &Path, bind: Option<&str>) -> anyhow::Result<ExitCode> {
    start(config_path, bind, false)
}

fn start(config_path: &Path, bind: Option<&str>, with_daemon: bool) -> anyhow::Result<ExitCode> {
    let config = Arc::new(ponte_config::load(config_path)?);
    start_config(config, bind, with_daemon, Overrides::default())
}

/// Secrets `ponte demo` makes up where the environment has none.
#[derive(Default)]
pub struct Overrides {
    /// The API clients, instead of reading them from the environment.
    pub api_clients: Option<Sessions>,
    /// The embed secrets, likewise.
    pub embed_secrets: Option<Vec<ponte_embed::Secret>>,
    /// The demo's customer portal (`ponte demo`), if it is served.
    pub portal: Option<portal::PortalSpec>,
}

/// Serves `config` (and runs the daemon when `with_daemon`) until SIGTERM
/// or Ctrl-C. API clients and embed secrets come from the environment
/// variables the config names, unless `overrides` gives them.
pub fn start_config(
    config: Arc<Config>,
    bind: Option<&str>,
    with_daemon: bool,
    overrides: Overrides,
) -> anyhow::Result<ExitCode> {
    // `--bind` replaces server.bind everywhere, so the URLs the server signs
    // and verifies (without server.public_url) name where it listens.
    let mut changed = (*config).clone();
    if let Some(b) = bind {
        changed.server.bind =
            b.parse().with_context(|| format!("--bind `{b}` is not IP:port such as 127.0.0.1:8080"))?;
    }
    let portal_listener = overrides.portal.as_ref().map(portal::PortalListener::bind).transpose()?;
    if let Some(listener) = &portal_listener {
        listener.allow_in(&mut changed.server.embed_domains);
    }
    let config = Arc::new(changed);
    let state = Arc::new(StateDb::open(&config.project.state_dir)?);
    let runtime = crate::runtime()?;
    let mut portal_listener = portal_listener;
    runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        let runner =
            Arc::new(PonteRunner { config: config.clone(), state: state.clone(), warehouse: warehouse.clone() });
        let mut app = ponte_server::AppState::new(config.clone(), state.clone(), runner.clone())?;
        if !config.semantic.models.is_empty() {
            let semantic = SemanticLayer::load(&config, warehouse.clone()).map_err(|e| anyhow!("{e}"))?;
            // Persisted derived tables are read as tables: build the ones
            // not there yet before the first query (failures are reported;
            // their queries fail naming the table until a load rebuilds it).
            super::derived::build_missing(&config, &state, warehouse.as_ref()).await?;
            let models: Vec<String> = semantic.models().iter().map(|m| m.name.clone()).collect();
            let sessions = match overrides.api_clients {
                Some(s) => s,
                None => Sessions::from_config(&config.server.api_clients)?,
            };
            app = app.with_looker(Arc::new(semantic), sessions);
            if !config.server.embed_secrets.is_empty() {
                let secrets = match overrides.embed_secrets {
                    Some(s) => s,
                    None => Embedding::secrets_from_env(&config.server)?,
                };
                if let Some(listener) = portal_listener.take() {
                    let semantic = app.looker.as_ref().map(|l| l.semantic.clone()).expect("set just above");
                    listener.serve(&config, &semantic, &secrets, warehouse.clone())?;
                }
                let embedding = Embedding::new(&config.server.base_url(), secrets, models, state.clone())?;
                app = app.with_embedding(embedding);
            }
        }
        if portal_listener.is_some() {
            eprintln!("  the customer portal is off: it signs embed URLs, so it needs server.embed_secrets");
        }
        // Signal handlers first: once the port accepts connections, a
        // supervisor (or the crash suite) may send SIGTERM at any moment, and
        // it must stop the daemon gracefully, not kill it.
        let signal = stop_signal()?;
        let addr = config.server.bind;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let server = tokio::spawn(ponte_server::serve(listener, app, stopped(stop_rx.clone())));
        tokio::spawn(async move {
            signal.await;
            let _ = stop_tx.send(true);
        });
        describe(&config, local, with_daemon);
        let summary = if with_daemon {
            let listeners = listen_for_events(&config, &state, &stop_rx, stopped);
            let options = DaemonOptions::for_config(&config);
            let summary =
                ponte_scheduler::run_daemon(config.clone(), state.clone(), runner, options, stopped(stop_rx)).await;
            stop_listeners(listeners, config.project.shutdown_grace).await;
            Some(summary?)
        } else {
            None
        };
        server.await.context("the HTTP server stopped")?.context("the HTTP server failed")?;
        match summary {
            Some(s) => eprintln!(
                "ponte daemon stopped: {} delivery(ies) run, {} abandoned at shutdown (to be delivered again)",
                s.delivered, s.abandoned
            ),
            None => eprintln!("ponte server stopped"),
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One task per transfer with an `event_stream`, reading its queue until
/// `stop` is sent.
fn listen_for_events<F: std::future::Future<Output = ()> + Send + 'static>(
    config: &Config,
    state: &Arc<StateDb>,
    stop: &watch::Receiver<bool>,
    stopped: impl Fn(watch::Receiver<bool>) -> F,
) -> tokio::task::JoinSet<()> {
    let mut listeners = tokio::task::JoinSet::new();
    for job in config.transfers.iter().filter(|t| t.event_stream.is_some()).cloned() {
        let (state, stop) = (state.clone(), stopped(stop.clone()));
        listeners.spawn(async move {
            if let Err(e) = ponte_transfer::events::listen(&job, state, stop).await {
                tracing::error!(transfer = %job.name, "its event stream is not read: {}", crate::error_text::error_text(&anyhow::Error::new(e)));
            }
        });
    }
    listeners
}

/// Waits up to `grace` for listeners to finish the run they are in, then
/// stops them: their messages were not deleted, so SQS hands them out again.
async fn stop_listeners(mut listeners: tokio::task::JoinSet<()>, grace: std::time::Duration) {
    let drained = tokio::time::timeout(grace, async { while listeners.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("event-driven runs still going at shutdown were stopped; their events will be handed out again");
        listeners.abort_all();
        while listeners.join_next().await.is_some() {}
    }
}

fn describe(config: &Config, local: std::net::SocketAddr, with_daemon: bool) {
    if with_daemon {
        tracing::info!(
            "{} schedule(s), {} scheduled transfer(s), {} event-driven transfer(s), {} function(s); state in {}",
            config.schedules.len(),
            config.transfers.iter().filter(|t| t.schedule.is_some()).count(),
            config.transfers.iter().filter(|t| t.event_stream.is_some()).count(),
            config.functions.len(),
            config.project.state_dir.display()
        );
    }
    let what = if with_daemon { "ponte daemon" } else { "ponte server" };
    let scheme = if config.server.tls.is_some() { "https" } else { "http" };
    eprintln!("{what} listening on {scheme}://{local}; SIGTERM or Ctrl-C stops it");
    let off = |on: bool, name: &str, key: &str| {
        if !on {
            eprintln!("  {name} is off (set server.{key})");
        }
    };
    off(
        config.server.push_token_env.is_some() || config.server.push_oidc.is_some(),
        "POST /pubsub/push",
        "push_token_env or push_oidc_audience",
    );
    off(config.server.admin_token_env.is_some(), "the admin API", "admin_token_env");
    if config.semantic.models.is_empty() {
        eprintln!("  the Looker API (/api/4.0) is off (list model files in [semantic] models)");
    } else {
        eprintln!("  the Looker API at http://{local}/api/4.0 with {} API client(s)", config.server.api_clients.len());
    }
}

/// Resolves on SIGTERM or SIGINT.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
    })
}
