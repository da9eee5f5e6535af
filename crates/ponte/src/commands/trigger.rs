//! `ponte trigger`: "force run" a schedule or a transfer job.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ponte_scheduler::{RanBy, RunOutcome, Settled, TriggerReport, TriggeredDelivery};
use ponte_state::StateDb;

use super::runner::PonteRunner;
use crate::cli::{PublishArgs, TriggerArgs};

pub fn publish(config_path: &Path, args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let state = StateDb::open(&config.project.state_dir)?;
    let attributes = args.attrs.iter().map(|a| (a.key.clone(), a.value.clone())).collect();
    let message = ponte_state::NewMessage {
        data: args.data.clone().into_bytes(),
        attributes,
        origin: "cli".into(),
        ..Default::default()
    };
    let bus = ponte_scheduler::Bus::new(&config, &state);
    let subscribers = bus.subscribers(&args.topic).len();
    let published = bus.publish(&args.topic, message)?;
    println!("{}", published.id);
    eprintln!("published message {} on {} for {subscribers} subscriber(s)", published.id, args.topic);
    Ok(ExitCode::SUCCESS)
}

pub fn run(config_path: &Path, args: &TriggerArgs) -> anyhow::Result<ExitCode> {
    if let Some(server) = &args.server {
        return remote(server, args);
    }
    let config = Arc::new(ponte_config::load(config_path)?);
    let state = Arc::new(StateDb::open(&config.project.state_dir)?);
    let runtime = crate::runtime()?;
    let report = runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        let runner = PonteRunner { config: config.clone(), state: state.clone(), warehouse };
        let timeout = Duration::from_secs(args.timeout);
        anyhow::Ok(ponte_scheduler::trigger(&config, &state, &runner, &args.schedule, timeout).await?)
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if report.succeeded() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_report(r: &TriggerReport) {
    let topic = if r.message.topic.is_empty() { String::new() } else { format!(" on topic {}", r.message.topic) };
    println!(
        "{}: published message {}{topic}, data: {}",
        r.name,
        r.message.id,
        String::from_utf8_lossy(&r.message.data)
    );
    if r.ran_by == RanBy::Daemon {
        println!("  (run by the daemon on this state folder)");
    }
    if r.deliveries.is_empty() {
        println!("  no function subscribes to {}", r.message.topic);
    }
    for d in &r.deliveries {
        match d {
            TriggeredDelivery::Ran(d) => {
                let (mark, what) = match &d.outcome {
                    RunOutcome::Succeeded { report } => ("✓", summary(report)),
                    RunOutcome::Skipped { reason } => ("·", format!("skipped: {reason}")),
                    RunOutcome::Failed { error } => ("✗", format!("failed: {error}")),
                };
                let next = match &d.settled {
                    Settled::Acked => String::new(),
                    Settled::Retry { at } => format!(" (will be retried at {})", at.to_rfc3339()),
                    Settled::DeadLettered => " (dead-lettered)".into(),
                };
                println!("  {mark} {} attempt {}/{}: {what}{next}", d.target, d.attempt, d.max_attempts);
            }
            TriggeredDelivery::Daemon(d) => {
                let mark = if d.state == ponte_state::DeliveryState::Acked { "✓" } else { "✗" };
                let error = d.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                println!("  {mark} {} {:?} after {} attempt(s){error}", d.subscriber, d.state, d.attempts);
            }
        }
    }
}

/// One line from a load or sync report.
fn summary(report: &serde_json::Value) -> String {
    if let Some(rows) = report.get("rows") {
        format!("{rows} rows into {}", report["table"].as_str().unwrap_or("?"))
    } else if let Some(c) = report.get("counters") {
        format!("{} copied, {} deleted", c["objectsCopiedToSink"], c["objectsDeletedFromSink"])
    } else {
        "succeeded".into()
    }
}

/// `ponte trigger --server URL`: the same through a remote admin API.
fn remote(server: &str, args: &TriggerArgs) -> anyhow::Result<ExitCode> {
    use anyhow::{Context, bail};
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty())
        .with_context(|| format!("--server needs the admin token in ${}", args.token_env))?;
    let url = format!("{}/api/admin/trigger/{}", server.trim_end_matches('/'), args.schedule);
    let runtime = crate::runtime()?;
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&token)
            .timeout(Duration::from_secs(args.timeout))
            .send()
            .await
            .with_context(|| format!("cannot reach {server}"))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        anyhow::Ok((status, body))
    })?;
    if !status.is_success() {
        bail!("{server} answered {status}: {}", body["message"].as_str().unwrap_or("(no message)"));
    }
    let succeeded = body["succeeded"].as_bool() == Some(true);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        println!("{}: published message {} on {server}", args.schedule, body["message"]["id"].as_str().unwrap_or("?"));
        for d in body["deliveries"].as_array().into_iter().flatten() {
            let target = d["target"].as_str().or(d["subscriber"].as_str()).unwrap_or("?");
            let outcome = d["outcome"].as_str().or(d["state"].as_str()).unwrap_or("?");
            let error = d["error"].as_str().or(d["last_error"].as_str()).map(|e| format!(": {e}")).unwrap_or_default();
            println!("  {} {target} {outcome}{error}", if outcome == "failed" { "✗" } else { "✓" });
        }
    }
    Ok(if succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
