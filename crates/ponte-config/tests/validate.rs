//! `ponte validate`'s rules, each checked with the place it reports.

use std::path::{Path, PathBuf};

use ponte_config::{
    BigQueryConfig, ConfigError, Diagnostic, EmbeddedConfig, MaxDelete, OverwriteWhen, StoreUrl, Warehouse, WriteMode,
};

fn example_path() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .join("../../examples/comerc/ponte.toml")
}

/// Writes `text` as ponte.toml (plus a schema file) in a fresh folder.
fn config_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    std::fs::write(
        dir.path().join("schemas/t.json"),
        r#"{"t": [{"name": "id", "type": "INTEGER", "mode": "REQUIRED"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("ponte.toml"), text).unwrap();
    dir
}

fn problems(text: &str) -> Vec<Diagnostic> {
    let dir = config_dir(text);
    match ponte_config::load(&dir.path().join("ponte.toml")) {
        Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("config was accepted:\n{text}"),
    }
}

/// The 1-based line and column of the first occurrence of `needle`.
fn at(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    (line, col)
}

/// Asserts a diagnostic exists at `needle`'s place whose message holds `want`.
fn expect(diags: &[Diagnostic], text: &str, needle: &str, want: &str) {
    let (line, column) = at(text, needle);
    let found = diags
        .iter()
        .any(|d| d.position.is_some_and(|p| p.line == line && p.column == column) && d.message.contains(want));
    assert!(found, "no diagnostic at {line}:{column} containing `{want}`; got:\n{}", render(diags));
}

fn render(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("  {d}\n")).collect()
}

const GOOD: &str = r#"
[project]
name = "t"
time_zone = "America/Sao_Paulo"

[stores.src]
url = "file://./src"
[stores.dst]
url = "file://./dst"

[[topics]]
name = "ps_t"

[[schedules]]
name = "cs_t"
cron = "0 8 * * 1-5"
topic = "ps_t"

[[transfers]]
name = "sts_t"
source = { store = "src", include_prefixes = ["t/"] }
sink = { store = "dst" }

[[functions]]
name = "cf_t"
trigger_topic = "ps_t"
load = { store = "dst", prefix = "t/", table = "t", schema_file = "schemas/t.json" }
"#;

#[test]
fn the_reference_deployment_is_valid() {
    let config = ponte_config::load(&example_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.project.name, "comerc");
    assert_eq!(config.transfers.len(), 7);
    assert_eq!(config.schedules.len(), 7);
    assert_eq!(config.topics.len(), 7);
    assert_eq!(config.functions.len(), 7);
    let base = config.base_dir.clone();
    assert!(base.is_absolute());
    for t in &config.transfers {
        let dataset = t.name.strip_prefix("sts_").unwrap();
        assert_eq!(t.source.include_prefixes, vec![format!("{dataset}/")]);
        assert!(t.delete_unique_in_sink);
        assert_eq!(t.overwrite_when, OverwriteWhen::Different);
        assert_eq!(t.max_delete, MaxDelete::Percent(50.0));
        assert_eq!(t.source.store.url, StoreUrl::File { path: base.join("data/s3") });
        assert_eq!(
            t.sink.store.url,
            StoreUrl::File { path: base.join("data/gcs/804171967601-comerc-aws-destination-bucket") }
        );
        assert_eq!(t.schedule.as_ref().unwrap().expression(), "0 8 * * *");
    }
    for s in &config.schedules {
        let dataset = s.name.strip_prefix("cs_").unwrap();
        assert_eq!(s.cron.expression(), "0 8 * * 1-5");
        assert_eq!(s.cron.time_zone(), chrono_tz::America::Sao_Paulo);
        assert_eq!(s.topic, format!("ps_{dataset}"));
        let f = config.functions.iter().find(|f| f.trigger_topic == s.topic).unwrap();
        assert_eq!(f.name, format!("cf_carrega_tabela_{dataset}"));
        assert_eq!(f.load.table, dataset);
        assert_eq!(f.load.prefix, dataset);
        assert_eq!(f.load.write, WriteMode::Truncate);
        assert!(!f.load.schema.fields.is_empty());
    }
    assert_eq!(config.project.state_dir, base.join(".ponte"));
    assert_eq!(
        config.warehouse,
        Warehouse::Embedded(EmbeddedConfig {
            location: StoreUrl::File { path: base.join(".ponte/warehouse") },
            options: ponte_config::StoreOptions::default(),
            snapshots_to_keep: 1,
            result_cache_bytes: EmbeddedConfig::DEFAULT_RESULT_CACHE_BYTES,
            sort_memory_bytes: EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES,
        })
    );
    assert_eq!(config.server.embed_secrets[0].env, "PONTE_EMBED_SECRET");
}

#[test]
fn a_minimal_config_is_valid_and_relative_paths_follow_the_file() {
    let dir = config_dir(GOOD);
    let config = ponte_config::load(&dir.path().join("ponte.toml")).unwrap_or_else(|e| panic!("{e}"));
    let root = ponte_config::resolve_path(&std::env::current_dir().unwrap(), dir.path());
    assert_eq!(config.stores["src"].url, StoreUrl::File { path: root.join("src") });
    assert_eq!(config.functions[0].load.schema_file, root.join("schemas/t.json"));
    assert_eq!(config.transfers[0].concurrency, 128);
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let text = r#"
[project]
name = "t"
time_zone = "America/Sao Paulo"
colour = "blue"

[stores.src]
url = "file://./src"
[stores.dst]
url = "ftp://example.com/x"
[stores.s3]
url = "s3://bucket-x"
service_account_path_env = "GOOGLE_APPLICATION_CREDENTIALS"
[stores.gcs]
url = "gs://bucket-y"

[[topics]]
name = "ps_t"
[[topics]]
name = "ps_orphan"
[[topics]]
name = "ps_t"

[[schedules]]
name = "cs_t"
cron = "0 8 * * 1-5"
topic = "ps_missing"
[[schedules]]
name = "cs_typo"
cron = "0 8 * * 1-5"
topic = "ps_orphn"
[[schedules]]
name = "cs_bad_cron"
cron = "0 8 L * *"
topic = "ps_t"
[[schedules]]
name = "cs_seconds"
cron = "0 0 8 * * 1-5"
time_zone = "Mars/Olympus"
topic = "ps_t"

[[transfers]]
name = "sts_t"
sourc = { store = "src" }
sink = { store = "nowhere" }

[[transfers]]
name = "sts_rules"
source = { store = "src", include_prefixes = ["a/", "a/b/", "/c"], exclude_prefixes = ["z/"] }
sink = { store = "gcs" }
delete_unique_in_sink = true
min_age = "1h"
overwrite_when = "sometimes"
max_delete = "150%"

[[transfers]]
name = "sts_t"
source = { store = "gcs" }
sink = { store = "gcs", path = "sub" }

[[functions]]
name = "cf_orphan"
trigger_topic = "ps_orphan"
load = { store = "gcs", table = "t", schema_file = "schemas/missing.json" }

[[functions]]
name = "cf_t"
trigger_topic = "ps_t"
load = { store = "gcs", table = "not_in_file", schema_file = "schemas/t.json", write = "upsert" }

[server]
bind = "localhost"
embed_domains = ["https://portal.example.com/path"]
embed_secrets = [{ env = "my secret", algorithm = "md5" }]
"#;
    let d = problems(text);
    expect(&d, text, "\"America/Sao Paulo\"", "unknown time zone `America/Sao Paulo`");
    expect(&d, text, "colour", "unknown key `colour` in project");
    expect(&d, text, "\"ftp://example.com/x\"", "unknown scheme `ftp://`");
    expect(&d, text, "\"GOOGLE_APPLICATION_CREDENTIALS\"", "applies only to gs:// stores");
    expect(&d, text, "\"ps_t\"\n\n[[sched", "duplicate topic name `ps_t`");
    expect(&d, text, "\"ps_missing\"", "unknown topic `ps_missing`");
    expect(&d, text, "\"ps_orphn\"", "unknown topic `ps_orphn`; did you mean `ps_orphan`?");
    expect(&d, text, "\"0 8 L * *\"", "Quartz extension");
    expect(&d, text, "\"0 0 8 * * 1-5\"", "a seconds field is not supported");
    expect(&d, text, "\"Mars/Olympus\"", "unknown time zone");
    expect(&d, text, "sourc =", "unknown key `sourc` in transfers[0]; did you mean `source`?");
    expect(&d, text, "sourc =", "expected one of: name, description, source, sink");
    expect(&d, text, "\"nowhere\"", "unknown store `nowhere`");
    expect(&d, text, "\"a/b/\"", "no include prefix may be a prefix of another");
    expect(&d, text, "\"/c\"", "must omit the leading slash");
    expect(&d, text, "\"z/\"", "must start with one of the include prefixes");
    expect(&d, text, "\"1h\"", "cannot be combined with a time-based condition");
    expect(
        &d,
        text,
        "\"sometimes\"",
        "unknown `overwrite_when` value `sometimes` (expected one of: different, never, always)",
    );
    expect(&d, text, "\"150%\"", "bad `max_delete`");
    expect(&d, text, "\"sts_t\"\nsource = { store = \"gcs\"", "duplicate transfer name `sts_t`");
    expect(&d, text, "{ store = \"gcs\", path = \"sub\" }", "overlap");
    expect(&d, text, "\"ps_orphan\"\nload", "nothing publishes it");
    expect(&d, text, "\"schemas/missing.json\"", "cannot read schema file");
    expect(&d, text, "\"not_in_file\"", "has no table `not_in_file`");
    expect(&d, text, "\"upsert\"", "unknown `write` value `upsert` (expected one of: truncate, append)");
    expect(&d, text, "\"localhost\"", "bad bind address");
    expect(&d, text, "\"https://portal.example.com/path\"", "is not an origin");
    expect(&d, text, "\"my secret\"", "is not an environment variable name");
    expect(&d, text, "\"md5\"", "(expected one of: hmac/sha-256, hmac/sha-1)");
    // The transfer wrote `sourc`: that is one problem, reported once, not
    // also as a missing `source`.
    assert!(!d.iter().any(|x| x.message.contains("missing required key `source`")), "{}", render(&d));
    assert_eq!(d.len(), 28, "one diagnostic per fault:\n{}", render(&d));
    // Sorted in file order.
    let lines: Vec<usize> = d.iter().map(|x| x.position.unwrap().line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

#[test]
fn syntax_and_type_errors_are_located() {
    let text = "[project]\nname = \"t\"\nstate_dir = [1, 2]\n";
    let d = problems(text);
    assert_eq!(d.len(), 1, "{}", render(&d));
    expect(&d, text, "[1, 2]", "invalid type");

    let text = "[project]\nname = \"t\n";
    let d = problems(text);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].position.unwrap().line, 2, "{}", render(&d));
}

#[test]
fn bad_schema_files_are_named_with_the_field_at_fault() {
    let text = GOOD.replace("schemas/t.json", "schemas/bad.json");
    let dir = config_dir(&text);
    std::fs::write(
        dir.path().join("schemas/bad.json"),
        r#"{"t": [{"name": "id", "type": "INTEGR"}, {"name": "x", "type": "RECORD"}]}"#,
    )
    .unwrap();
    let Err(ConfigError::Invalid { diagnostics, .. }) = ponte_config::load(&dir.path().join("ponte.toml")) else {
        panic!("accepted")
    };
    let text = render(&diagnostics);
    assert!(text.contains("bad.json: t[0] (\"id\"): unknown type \"INTEGR\""), "{text}");
    assert!(text.contains("t[1] (\"x\"): a RECORD needs \"fields\""), "{text}");
    assert!(text.contains("(schema file named at"), "{text}");
}

#[test]
fn a_config_error_names_the_file() {
    let err = ponte_config::load(Path::new("/nonexistent/ponte.toml")).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/ponte.toml"), "{err}");
}

#[test]
fn unknown_warehouse_kind_and_misplaced_keys() {
    let text = format!("{GOOD}\n[warehouse]\nkind = \"snowflake\"\n");
    let d = problems(&text);
    expect(&d, &text, "\"snowflake\"", "unknown warehouse kind");

    let text = format!("{GOOD}\n[warehouse]\nkind = \"bigquery\"\nproject = \"Bad_Project\"\npath = \"x\"\n");
    let d = problems(&text);
    expect(&d, &text, "\"Bad_Project\"", "bad GCP project id");
    expect(&d, &text, "\"x\"\n", "does not apply to a warehouse of kind \"bigquery\"");
    expect(&d, &text, "[warehouse]", "missing required key `dataset`");

    let text = format!("{GOOD}\n[warehouse]\nresult_cache_bytes = -1\n");
    expect(&problems(&text), &text, "-1", "result_cache_bytes -1 is out of range");
    let text = format!(
        "{GOOD}\n[warehouse]\nkind = \"bigquery\"\nproject = \"my-project\"\ndataset = \"d\"\nresult_cache_bytes = 0\n"
    );
    expect(&problems(&text), &text, "0\n", "`result_cache_bytes` does not apply to a warehouse of kind \"bigquery\"");

    let text = format!("{GOOD}\n[warehouse]\nsort_memory_bytes = 1000\n");
    expect(&problems(&text), &text, "1000", "sort_memory_bytes 1000 is out of range 8388608-68719476736");
    let text = format!("{GOOD}\n[warehouse]\nsort_memory_bytes = 268435456\n");
    let dir = config_dir(&text);
    let config = ponte_config::load(&dir.path().join("ponte.toml")).unwrap();
    assert!(matches!(config.warehouse, Warehouse::Embedded(EmbeddedConfig { sort_memory_bytes: 268_435_456, .. })));
    let text = format!(
        "{GOOD}\n[warehouse]\nkind = \"bigquery\"\nproject = \"my-project\"\ndataset = \"d\"\nsort_memory_bytes = 8388608\n"
    );
    expect(
        &problems(&text),
        &text,
        "8388608",
        "`sort_memory_bytes` does not apply to a warehouse of kind \"bigquery\"",
    );
}

/// Each backend's settings come as a type of their own, the one its `open` takes.
#[test]
fn a_bigquery_warehouse_gets_its_own_config_type() {
    let text = format!(
        "{GOOD}\n[warehouse]\nkind = \"bigquery\"\nproject = \"my-project\"\ndataset = \"d\"\nendpoint = \"http://127.0.0.1:9050/\"\n"
    );
    let dir = config_dir(&text);
    let config = ponte_config::load(&dir.path().join("ponte.toml")).unwrap();
    assert_eq!(
        config.warehouse,
        Warehouse::BigQuery(BigQueryConfig {
            project: "my-project".into(),
            dataset: "d".into(),
            location: None,
            credentials_env: None,
            access_token_env: None,
            endpoint: Some("http://127.0.0.1:9050".into()),
        })
    );
}

/// `cluster_by` takes up to four columns of the table, each once, of a type
/// both warehouses can order; the names come back as the schema spells them.
#[test]
fn cluster_by_names_orderable_columns_of_the_table() {
    let schema = r#"{"t": [
        {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
        {"name": "Cliente", "type": "INTEGER"},
        {"name": "valor", "type": "FLOAT"},
        {"name": "tags", "type": "STRING", "mode": "REPEATED"},
        {"name": "dia", "type": "DATE"},
        {"name": "nome", "type": "STRING"},
        {"name": "ok", "type": "BOOLEAN"}
    ]}"#;
    let with = |cluster: &str| {
        let text = GOOD.replace(
            r#"schema_file = "schemas/t.json" }"#,
            &format!(r#"schema_file = "schemas/t.json", cluster_by = {cluster} }}"#),
        );
        let dir = config_dir(&text);
        std::fs::write(dir.path().join("schemas/t.json"), schema).unwrap();
        (text, ponte_config::load(&dir.path().join("ponte.toml")))
    };
    let (_, good) = with(r#"["cliente", "dia"]"#);
    assert_eq!(good.unwrap_or_else(|e| panic!("{e}")).functions[0].load.cluster_by, ["Cliente", "dia"]);
    let (_, none) = with("[]");
    assert!(none.unwrap().functions[0].load.cluster_by.is_empty());

    let (text, bad) = with(r#"["valor", "tags", "nada", "id", "ID"]"#);
    let Err(ConfigError::Invalid { diagnostics: d, .. }) = bad else { panic!("accepted") };
    expect(&d, &text, r#"["valor""#, "cluster_by names 5 columns; at most 4");
    expect(&d, &text, r#""valor""#, "cannot cluster by `valor`, a FLOAT column");
    expect(&d, &text, r#""tags""#, "cannot cluster by `tags`, a REPEATED column");
    expect(&d, &text, r#""nada""#, "`nada`, which is not a column of the table (its columns: id, Cliente,");
    expect(&d, &text, r#""ID""#, "cluster_by names `ID` twice");
    assert_eq!(d.len(), 5, "{}", render(&d));
}
