//! The command line: every subcommand and flag, with the help text users read.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ponte_semantic::Limit;

/// ponte mirrors S3 prefixes into a landing bucket, loads every parquet file
/// of a folder into a warehouse table on a schedule, and serves the tables as
/// embeddable dashboards and a Looker-compatible JSON API — one binary, with
/// no cloud at all on its embedded defaults.
///
/// Start with `ponte demo`: it writes the reference deployment and sample
/// data into ./ponte-demo and runs it.
#[derive(Debug, Parser)]
#[command(name = "ponte", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The config file [default: ./ponte.toml].
    #[arg(long, short = 'c', global = true, env = "PONTE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate sample data, then run every stage of the reference deployment on it.
    ///
    /// Copies examples/comerc into the work folder, writes a few years of
    /// sample parquet files into its local "S3" folder and validates the
    /// config. Each stage that exists runs in order; the summary says what
    /// ran. Re-running reuses the folder and converges.
    Demo(DemoArgs),
    /// Write deterministic sample data for the seven datasets.
    ///
    /// Files are laid out as the S3 source holds them:
    /// <DIR>/<dataset>/<yyyy-mm-dd>.parquet, one per day. The same seed gives
    /// the same bytes. --rows sets the invoice count; the other datasets scale
    /// from it (one unit per 36 invoices, one customer per 40 units).
    DemoData(DemoDataArgs),
    /// Check ponte.toml and every file it points to; report every problem at once.
    ///
    /// Exits 0 only when the whole config is sound. Each problem is printed as
    /// file:line:column: what is wrong and what was expected.
    Validate,
    /// Mirror a transfer job's source into its sink (Storage Transfer Service semantics).
    ///
    /// Lists both sides within the job's include/exclude prefixes, plans every
    /// key (+ copy, ~ update, - delete, = skip), refuses before changing
    /// anything when the source is empty or the deletes exceed max_delete,
    /// copies with every byte hashed and checked, and deletes only after every
    /// copy succeeded. Exit 0 only when the whole plan was carried out.
    /// Example: ponte sync sts_dados_infomerc --dry-run
    Sync(SyncArgs),
    /// Replace a function's table with every parquet file of its folder.
    ///
    /// Checks every file's schema against the table's schema file before any
    /// data moves, coerces types as BigQuery does, streams the rows into a new
    /// snapshot and switches the table once. Any failure leaves the table as
    /// it was. Example: ponte load --all
    Load(LoadArgs),
    /// Run a SQL query against the embedded warehouse and print the rows.
    ///
    /// Tables are named as in the config (`objeto_dados_energia_gestao_faturas_v2`);
    /// each query reads every table's current snapshot. Only queries run:
    /// statements that would change anything are refused.
    Sql {
        /// The query, e.g. "SELECT count(*) FROM dados_infomerc".
        statement: String,
    },
    /// Publish a schedule's message now, run its subscribers, wait, exit with their status.
    ///
    /// Cloud Scheduler's "Force run". The message goes into the durable
    /// queue like a scheduled fire; with no daemon on the state folder its
    /// subscribers run in this process, otherwise the daemon runs them and
    /// this waits. A transfer job's name runs that job. A failed run is
    /// retried later by the daemon (with backoff) until max_attempts.
    /// Exit 0 only when every subscriber succeeded (or skipped because it
    /// was already running). Example: ponte trigger cs_dados_infomerc
    Trigger(TriggerArgs),
    /// Publish a message on a topic, as `gcloud pubsub topics publish` does.
    ///
    /// The message goes into the durable queue with one delivery per
    /// function subscribed to the topic; the daemon (`ponte run`) runs them.
    /// Prints the message id. Example: ponte publish ps_dados_infomerc --data "carregar"
    Publish(PublishArgs),
    /// Inspect schedules: when they fire next.
    #[command(subcommand)]
    Schedules(SchedulesCommand),
    /// Show run history: syncs, loads, dead-lettered messages, missed fires.
    ///
    /// Newest first: id, kind, name, trigger, start, duration, status and
    /// error; --json prints them as JSON with each report summarised, --details in full.
    Runs {
        /// Most recent runs to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Machine-readable output: each run's summary (its report's
        /// counters, lists as their length).
        #[arg(long)]
        json: bool,
        /// With --json: each run's whole report (every file of every load).
        #[arg(long, requires = "json")]
        details: bool,
    },
    /// Run a query through the semantic layer, as the API would.
    ///
    /// Fields are `view.field` of the explore; filters are Looker filter
    /// expressions; access filters apply, so pass the user attributes they
    /// read (--attr id_cliente=7): without them the query is refused.
    /// Example: ponte query comerc/faturas --fields faturas.mes_referencia_month,faturas.custo_total --attr id_cliente=7
    Query(QueryArgs),
    /// Sign a one-time embed login URL for a portal user.
    ///
    /// Signed with the first of server.embed_secrets (read from its
    /// environment variable), for server.public_url (or --host: a Looker
    /// host checks the same signature). The URL works once, within five
    /// minutes. Example:
    /// ponte embed-url /embed/dashboards/visao_geral --user maria@cliente-7 --attr id_cliente=7
    EmbedUrl(EmbedUrlArgs),
    /// Serve HTTP only: the Looker API, signed embed login, Pub/Sub push, the admin API, health checks.
    ///
    /// For Cloud Run behind Cloud Scheduler → Pub/Sub push: each pushed
    /// message runs its functions before the answer (2xx only on success,
    /// so Pub/Sub retries a failure). No schedules fire: use `ponte run`
    /// for that.
    Serve {
        /// Listen address [default: server.bind from the config].
        #[arg(long)]
        bind: Option<String>,
    },
    /// The daemon: schedules, topics, functions and the HTTP server in one process.
    ///
    /// Publishes every schedule's fires (a fire missed while no daemon ran
    /// follows the schedule's misfire policy), delivers each message to its
    /// functions at least once, retries failures with backoff and
    /// dead-letters a message after max_attempts. One daemon per state
    /// folder. SIGTERM stops taking work and lets runs in flight finish
    /// within project.shutdown_grace; unfinished messages are delivered
    /// again by the next daemon. The HTTP server (`ponte serve`) runs in
    /// the same process.
    Run {
        /// Listen address [default: server.bind from the config].
        #[arg(long)]
        bind: Option<String>,
    },
    /// Convert another tool's project into ponte model files.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert a LookML project (views, explores, models, dashboards) into ponte model files.
    ///
    /// Reads every .model.lkml, .view.lkml, .explore.lkml and
    /// .dashboard.lookml under PROJECT and writes one <model>.toml per
    /// .model.lkml into --out, with the views and explores its include:
    /// patterns reach. Each object in the TOML names the LookML file and
    /// line it came from; SQL derived tables become ponte derived tables.
    /// What ponte cannot express (Liquid, parameters, html, links, native
    /// derived tables, joins that are not field equalities, unknown keys…)
    /// is listed as file:line: construct: reason, never
    /// dropped silently; --strict makes any such entry an error. A file
    /// that does not parse stops the import before anything is written;
    /// each model file is written atomically. Add the files to [semantic]
    /// models and run `ponte validate`.
    /// Example: ponte import lookml ./looker-project --out models/ && ponte validate
    Lookml(ImportLookmlArgs),
}

#[derive(Debug, Args)]
pub struct ImportLookmlArgs {
    /// The LookML project's folder (the one holding the .model.lkml files).
    #[arg(value_name = "PROJECT")]
    pub dir: PathBuf,
    /// Where to write the model files (created if missing; other files in it are kept).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Fail (exit 1, nothing written) if anything could not be converted.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Work folder.
    #[arg(long, default_value = "ponte-demo")]
    pub dir: PathBuf,
    /// Invoice rows of sample data.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Run every stage, print a summary and exit (0 only if every stage succeeded).
    #[arg(long)]
    pub no_serve: bool,
    /// Where to serve [default: server.bind from the config, 127.0.0.1:8080].
    #[arg(long)]
    pub bind: Option<String>,
    /// Where to serve the example customer portal, which embeds the main
    /// dashboard for a customer picked from a list.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub portal_bind: String,
}

#[derive(Debug, Args)]
pub struct DemoDataArgs {
    /// Output folder.
    #[arg(long)]
    pub dir: PathBuf,
    /// Invoice rows; the other datasets scale from it.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Days of daily files, ending 2025-11-21.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub days: u32,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The transfer job.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub job: Option<String>,
    /// Every transfer job.
    #[arg(long)]
    pub all: bool,
    /// Print the plan (+ copy, ~ update, - delete, = skip) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Machine-readable report.
    #[arg(long)]
    pub json: bool,
    /// Carry out deletes that the safety checks would refuse.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The topic.
    pub topic: String,
    /// The message's data.
    #[arg(long, default_value = "")]
    pub data: String,
    /// An attribute key=value; repeatable.
    #[arg(long = "attr", value_name = "KEY=VALUE", value_parser = attr)]
    pub attrs: Vec<Attr>,
}

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The schedule (or transfer job) to run now.
    pub schedule: String,
    /// Machine-readable report.
    #[arg(long)]
    pub json: bool,
    /// With a daemon running: seconds to wait for it to run the subscribers.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    /// Trigger through a remote ponte's admin API (`ponte run` or `ponte
    /// serve` elsewhere, e.g. on Cloud Run) instead of this machine's state folder.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// With --server: the environment variable holding its admin token.
    #[arg(long, default_value = "PONTE_ADMIN_TOKEN", value_name = "VAR")]
    pub token_env: String,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The function whose load to run.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub function: Option<String>,
    /// Every function.
    #[arg(long)]
    pub all: bool,
    /// Machine-readable report.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    /// Print a schedule's next fire times, one per line, RFC 3339 with the zone's offset.
    ///
    /// A wall-clock time skipped by a DST change fires at the first valid
    /// time after the gap; a repeated one fires once. A transfer job with a
    /// schedule of its own can be named too.
    /// Example: ponte schedules next cs_dados_infomerc --count 3 --after 2026-03-01T00:00:00Z
    Next {
        /// The schedule's name.
        schedule: String,
        /// How many.
        #[arg(long, default_value_t = 5)]
        count: usize,
        /// Start after this instant (RFC 3339) [default: now].
        #[arg(long, value_name = "TIME", value_parser = rfc3339)]
        after: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// model/explore
    pub explore: String,
    /// Fields, comma-separated (view.field).
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// field=Looker filter expression; repeatable.
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// Sort field (append " desc" to reverse).
    #[arg(long)]
    pub sort: Vec<String>,
    /// Row limit (default 500, at most 5000; -1 for all rows, capped at 1,000,000).
    #[arg(long, allow_hyphen_values = true, value_parser = str::parse::<Limit>)]
    pub limit: Option<Limit>,
    /// Dimensions (among --fields) whose values become columns, comma-separated (Looker's pivots).
    #[arg(long, value_delimiter = ',')]
    pub pivot: Vec<String>,
    /// The most pivot columns (default 50, at most 200).
    #[arg(long)]
    pub column_limit: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// A user attribute key=value the explore's access filters read; repeatable.
    #[arg(long = "attr", value_name = "KEY=VALUE", value_parser = attr)]
    pub attrs: Vec<Attr>,
}

#[derive(Debug, Args)]
pub struct EmbedUrlArgs {
    /// The page to embed, e.g. /embed/dashboards/1.
    pub target: String,
    /// external_user_id.
    #[arg(long)]
    pub user: String,
    /// User attribute key=value; repeatable.
    #[arg(long = "attr", value_name = "KEY=VALUE", value_parser = attr)]
    pub attrs: Vec<Attr>,
    /// Permissions, comma-separated [default: access_data,see_user_dashboards,see_looks].
    #[arg(long, value_delimiter = ',')]
    pub permissions: Vec<String>,
    /// Models, comma-separated [default: every model of the config].
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// How long the session lasts, in seconds (at most 30 days) [default: 3600].
    #[arg(long)]
    pub session_length: Option<u64>,
    /// The server to sign for, e.g. https://analytics.example.com [default: server.public_url, else http://<server.bind>].
    #[arg(long)]
    pub host: Option<String>,
}

/// What `ponte query` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// A table for people to read, values formatted as in csv and json.
    Table,
    /// The API's `json`: an array of rows keyed `view.field`.
    Json,
    /// The API's `csv`: a header of field labels, then the rows.
    Csv,
    /// The compiled SQL and its bound parameters; runs nothing.
    Sql,
}

/// One `--attr KEY=VALUE`: a user attribute (`query`, `embed-url`) or a
/// message attribute (`publish`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// The name before the first `=`, without surrounding blanks.
    pub key: String,
    /// Everything after the first `=`, as written (it may hold `=` or
    /// blanks: `--attr note=a=b`).
    pub value: String,
}

/// Every `--attr` flag's parser, so a pair means the same to each command.
fn attr(text: &str) -> Result<Attr, String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok(Attr { key: key.trim().to_owned(), value: value.to_owned() })
        }
        _ => Err("expected KEY=VALUE with a non-empty key, e.g. id_cliente=7".to_owned()),
    }
}

/// `--after`: an instant with its offset, as `schedules next` prints them.
fn rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "expected an RFC 3339 time such as 2026-01-05T08:00:00-03:00".to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("ponte").chain(args.iter().copied())).map_err(|e| e.to_string())
    }

    #[test]
    fn attr_splits_at_the_first_equals_sign_and_needs_a_key() {
        assert_eq!(attr(" id_cliente =7"), Ok(Attr { key: "id_cliente".into(), value: "7".into() }));
        assert_eq!(attr("note=a=b "), Ok(Attr { key: "note".into(), value: "a=b ".into() }));
        assert_eq!(attr("empty="), Ok(Attr { key: "empty".into(), value: String::new() }));
        for bad in ["id_cliente", "=7", " =7", ""] {
            assert!(attr(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn typed_flags_are_refused_by_name_with_what_is_expected() {
        for (args, flag, expected) in [
            (&["query", "m/e", "--format", "xml"][..], "--format <FORMAT>", "table, json, csv, sql"),
            (&["query", "m/e", "--attr", "id_cliente"][..], "--attr <KEY=VALUE>", "expected KEY=VALUE"),
            (&["publish", "t", "--attr", "=x"][..], "--attr <KEY=VALUE>", "expected KEY=VALUE"),
            (&["embed-url", "/embed/x", "--user", "u", "--attr", "x"][..], "--attr <KEY=VALUE>", "expected KEY=VALUE"),
            (&["query", "m/e", "--limit", "lots"][..], "--limit <LIMIT>", "bad limit `lots`"),
            (&["schedules", "next", "s", "--after", "yesterday"][..], "--after <TIME>", "expected an RFC 3339 time"),
        ] {
            let error = parse(args).unwrap_err();
            assert!(error.contains(flag) && error.contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn typed_flags_parse_into_their_values() {
        let Command::Query(query) =
            parse(&["query", "m/e", "--format", "csv", "--attr", "k=v", "--limit", "-1"]).unwrap().command
        else {
            panic!("a query")
        };
        assert_eq!(query.format, QueryFormat::Csv);
        assert_eq!(query.attrs, vec![Attr { key: "k".into(), value: "v".into() }]);
        assert_eq!(query.limit, Some(Limit::All));
        let Command::Schedules(SchedulesCommand::Next { after, .. }) =
            parse(&["schedules", "next", "s", "--after", "2026-01-05T08:00:00-03:00"]).unwrap().command
        else {
            panic!("schedules next")
        };
        assert_eq!(after.map(|t| t.to_rfc3339()), Some("2026-01-05T11:00:00+00:00".to_owned()));
    }
}
