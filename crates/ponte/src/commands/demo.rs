//! `ponte demo`: the reference deployment, end to end, on sample data.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ponte_config::{Config, StoreUrl};
use ponte_demo::DemoDataOptions;
use ponte_server::looker::session::Sessions;
use ponte_state::{StateDb, Trigger};
use ponte_transfer::SyncOptions;

use super::daemon::Overrides;
use super::demo_data;
use crate::cli::DemoArgs;
use crate::examples;

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    println!("ponte demo in {}", dir.display());
    write_example(dir)?;
    let config_path = dir.join("ponte.toml");
    let config = ponte_config::load(&config_path)?;
    println!("  ✓ config       {} (valid)", config_path.display());

    let source = source_folder(&config)?;
    let mut options = DemoDataOptions::new(&source);
    options.rows = args.rows;
    let report = demo_data::write(&options)?;
    let rows: u64 = report.datasets.iter().map(|d| d.rows).sum();
    let files: u64 = report.datasets.iter().map(|d| d.files).sum();
    println!("  ✓ sample data  {files} files, {rows} rows in {}", source.display());

    let synced = sync_all(&config)?;
    let loaded = synced && load_all(&config)?;

    print_schedules(&config);
    if !(synced && loaded) {
        return Ok(ExitCode::FAILURE);
    }
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let clients = api_clients(&config);
    let bind = args.bind.clone().unwrap_or_else(|| config.server.bind.to_string());
    print_api_example(&config, &bind, &clients);
    let embed_secrets = embed_secrets(&config);
    super::daemon::start_config(
        std::sync::Arc::new(config),
        Some(&bind),
        false,
        Overrides {
            api_clients: Some(Sessions::new(
                clients.into_iter().map(|c| (c.id, c.secret, c.user_attributes)).collect(),
            )),
            embed_secrets: Some(embed_secrets),
            portal: Some(super::portal::PortalSpec {
                bind: args.portal_bind.clone(),
                dashboard: "visao_geral".to_owned(),
            }),
        },
    )
}

/// The config's embed secrets from their environment variables, each made
/// up (and printed) where the variable is unset.
fn embed_secrets(config: &Config) -> Vec<ponte_embed::Secret> {
    config
        .server
        .embed_secrets
        .iter()
        .map(|s| {
            let value = std::env::var(&s.env).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
                let made_up = random_hex(32);
                println!("  embed secret made up for this run (set ${} to keep one): {}={made_up}", s.env, s.env);
                made_up
            });
            ponte_embed::Secret::new(value, ponte_server::embed::algorithm(s.algorithm))
        })
        .collect()
}

/// `bytes` random bytes as hex.
fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS has randomness");
    hex::encode(buf)
}

/// An API client of the demo, with its credentials.
struct DemoClient {
    id: String,
    secret: String,
    user_attributes: std::collections::BTreeMap<String, String>,
    /// Where the id and secret came from, for the message.
    made_up: bool,
}

/// The config's API clients, with ids and secrets from their environment
/// variables or, where those are unset, made up for this run.
fn api_clients(config: &Config) -> Vec<DemoClient> {
    let random = || random_hex(12);
    config
        .server
        .api_clients
        .iter()
        .map(|c| {
            let id = std::env::var(&c.client_id_env).ok().filter(|v| !v.is_empty());
            let secret = std::env::var(&c.client_secret_env).ok().filter(|v| !v.is_empty());
            let made_up = id.is_none() || secret.is_none();
            DemoClient {
                id: id.unwrap_or_else(|| format!("demo-{}", random())),
                secret: secret.unwrap_or_else(random),
                user_attributes: c.user_attributes.clone(),
                made_up,
            }
        })
        .collect()
}

fn print_api_example(config: &Config, bind: &str, clients: &[DemoClient]) {
    let base = format!("http://{bind}");
    println!("  ✓ serve        {base}");
    for (client, c) in clients.iter().zip(&config.server.api_clients) {
        let attrs: Vec<String> = client.user_attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let origin =
            if client.made_up { "made up for this run".to_owned() } else { format!("from ${}", c.client_id_env) };
        println!(
            "  API client ({origin}; user attributes: {})",
            if attrs.is_empty() { "none".into() } else { attrs.join(", ") }
        );
        println!("    {}={}", c.client_id_env, client.id);
        println!("    {}={}", c.client_secret_env, client.secret);
    }
    if let Some(client) = clients.first() {
        println!("Try it (the Looker API 4.0; Looker's SDKs work too):");
        println!(
            "  TOKEN=$(curl -s -d client_id={} -d client_secret={} {base}/api/4.0/login | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
            client.id, client.secret
        );
        println!("  curl -s -H \"Authorization: token $TOKEN\" {base}/api/4.0/looks/1/run/json");
    }
}

/// Runs every transfer job once, as their schedules would.
fn sync_all(config: &Config) -> anyhow::Result<bool> {
    let state = StateDb::open(&config.project.state_dir)?;
    let runtime = crate::runtime()?;
    let options = SyncOptions { trigger: Trigger::Demo, ..SyncOptions::default() };
    let (mut copied, mut current, mut deleted, mut failed) = (0, 0, 0, Vec::new());
    for job in &config.transfers {
        match runtime.block_on(super::sync::sync_one(job, &state, &options, true)) {
            Ok(r) => {
                copied += r.counters.objects_copied_to_sink;
                current += r.counters.objects_from_source_skipped_by_sync;
                deleted += r.counters.objects_deleted_from_sink;
                if !r.succeeded() {
                    failed.push(format!("{}: {} object(s) failed", job.name, r.counters.objects_from_source_failed));
                }
            }
            Err(e) => failed.push(crate::error_text::error_text(&anyhow::Error::new(e))),
        }
    }
    let sink = config.transfers.first().map(|t| t.sink.store.url.to_string()).unwrap_or_default();
    if failed.is_empty() {
        println!(
            "  ✓ sync         {} jobs: {copied} copied, {current} already up to date, {deleted} deleted → {sink}",
            config.transfers.len()
        );
    } else {
        println!("  ✗ sync         {} of {} jobs failed:", failed.len(), config.transfers.len());
        for f in &failed {
            println!("                 {f}");
        }
    }
    Ok(failed.is_empty())
}

/// Runs every function's load once, as the schedules would.
fn load_all(config: &Config) -> anyhow::Result<bool> {
    let state = StateDb::open(&config.project.state_dir)?;
    let runtime = crate::runtime()?;
    let warehouse = runtime.block_on(ponte_warehouse::open(&config.warehouse))?;
    let (mut rows, mut failed) = (0, Vec::new());
    for f in &config.functions {
        match runtime.block_on(super::load::load_one(config, f, &state, warehouse.as_ref(), &Trigger::Demo, true)) {
            Ok(ponte_state::Started::Ran(r)) => rows += r.rows,
            Ok(ponte_state::Started::AlreadyRunning(already)) => failed.push(already.to_string()),
            Err(e) => failed.push(crate::error_text::error_text(&e)),
        }
    }
    if failed.is_empty() {
        println!(
            "  ✓ load         {} tables, {rows} rows, one table update each → {}",
            config.functions.len(),
            describe(&config.warehouse)
        );
    } else {
        println!("  ✗ load         {} of {} loads failed:", failed.len(), config.functions.len());
        for f in &failed {
            println!("                 {f}");
        }
    }
    Ok(failed.is_empty())
}

/// When the schedules fire next: what `ponte run` would do from here.
fn print_schedules(config: &Config) {
    let now = chrono::Utc::now();
    let next = config
        .schedules
        .iter()
        .filter_map(|s| ponte_scheduler::fire::next_fire(&s.cron, now).map(|t| (t, s)))
        .min_by_key(|(t, _)| t.with_timezone(&chrono::Utc));
    if let Some((t, s)) = next {
        println!(
            "  ✓ schedules    {} schedules; next fire {} ({}: {} {}); `ponte run` keeps them, `ponte trigger {}` runs one now",
            config.schedules.len(),
            t.to_rfc3339(),
            s.name,
            s.cron.expression(),
            s.cron.time_zone(),
            s.name
        );
    }
}

fn describe(w: &ponte_config::Warehouse) -> String {
    match w {
        ponte_config::Warehouse::Embedded(e) => match &e.location {
            StoreUrl::File { path } => path.display().to_string(),
            location => location.to_string(),
        },
        ponte_config::Warehouse::BigQuery(b) => format!("{}.{}", b.project, b.dataset),
    }
}

/// Writes the built-in example into `dir`, replacing earlier copies of its
/// files and leaving everything else (data, state) alone.
fn write_example(dir: &Path) -> anyhow::Result<()> {
    for (rel, text) in examples::COMERC {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The local folder the transfers read from: where sample data goes.
fn source_folder(config: &Config) -> anyhow::Result<std::path::PathBuf> {
    let Some(job) = config.transfers.first() else { bail!("the demo config has no transfers") };
    match &job.source.store.url {
        StoreUrl::File { path } => {
            Ok(if job.source.path.is_empty() { path.clone() } else { path.join(&job.source.path) })
        }
        other => bail!("the demo writes sample data into a local folder, but the source store is {other}"),
    }
}
