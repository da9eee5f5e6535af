//! The binary end to end: exit codes, located errors, the demo.

mod common;

use common::{ponte, text};

fn example() -> std::path::PathBuf {
    ponte_testkit::repo_root().join("examples/comerc/ponte.toml")
}

#[test]
fn validate_accepts_the_reference_deployment() {
    let out = ponte(&["validate", "--config", example().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("7 transfer(s) · 7 schedule(s) · 7 topic(s) · 7 function(s)"), "{stdout}");
}

/// A copy of the example with one fault of each kind gets one located
/// error for each, and exit 1.
#[test]
fn validate_locates_every_fault_of_a_broken_copy() {
    let dir = tempfile::tempdir().unwrap();
    let src = ponte_testkit::repo_root().join("examples/comerc");
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    std::fs::copy(src.join("schemas/comerc.json"), dir.path().join("schemas/comerc.json")).unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::copy(src.join("models/comerc.toml"), dir.path().join("models/comerc.toml")).unwrap();
    let original = std::fs::read_to_string(src.join("ponte.toml")).unwrap();
    let broken = original
        .replacen("cron = \"0 8 * * 1-5\"", "cron = \"0 8 * * MON#2\"", 1)
        .replacen("topic = \"ps_objeto_mailing_powerview\"", "topic = \"ps_typo\"", 1)
        .replacen("url = \"file://./data/s3\"", "url = \"sftp://data/s3\"", 1)
        .replacen("overwrite_when = \"different\"", "overwrite_when = \"diferent\"", 1)
        .replacen("schema_file = \"schemas/comerc.json\"", "schema_file = \"schemas/nope.json\"", 1);
    assert_ne!(broken, original);
    let path = dir.path().join("ponte.toml");
    std::fs::write(&path, &broken).unwrap();

    let out = ponte(&["validate", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let p = path.display();
    for (needle, message) in [
        ("MON#2", "Quartz extension"),
        ("ps_typo", "unknown topic `ps_typo`"),
        ("sftp://", "unknown scheme `sftp://`"),
        ("diferent", "unknown `overwrite_when` value `diferent`; did you mean `different`?"),
        ("schemas/nope.json", "cannot read schema file"),
    ] {
        let prefix = format!("{p}:{}:", line_of(needle));
        assert!(
            stderr.lines().any(|l| l.starts_with(&prefix) && l.contains(message)),
            "no `{message}` at {prefix}\n{stderr}"
        );
    }
    // The function on ps_objeto_mailing_powerview now waits on a topic nothing publishes.
    assert!(stderr.contains("nothing publishes it"), "{stderr}");
    assert!(stderr.trim_end().ends_with(&format!("6 problems found in {p} and the files it names")), "{stderr}");
}

#[test]
fn a_missing_config_is_one_clear_error() {
    let out = ponte(&["validate", "--config", "/nonexistent/ponte.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: cannot read config file /nonexistent/ponte.toml: No such file or directory (os error 2)"
    );
}

#[test]
fn embed_url_needs_its_secret_and_an_embed_target() {
    let config = ponte_testkit::repo_root().join("examples/comerc/ponte.toml");
    let config = config.to_str().unwrap();
    let sign = |target: &str, secret: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ponte"));
        cmd.args(["embed-url", target, "--user", "u1", "--attr", "id_cliente=7", "--config", config]);
        cmd.env_remove("PONTE_CONFIG").env_remove("PONTE_EMBED_SECRET");
        if let Some(s) = secret {
            cmd.env("PONTE_EMBED_SECRET", s);
        }
        cmd.output().unwrap()
    };
    let out = sign("/embed/dashboards/visao_geral", None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("$PONTE_EMBED_SECRET, which is not set"), "{}", text(&out.stderr));
    let out = sign("https://evil.example/embed/x", Some("s3cret"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("must be an /embed/ page"), "{}", text(&out.stderr));
    let out = sign("/embed/dashboards/visao_geral", Some("s3cret"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout);
    assert!(url.starts_with("http://127.0.0.1:8080/login/embed/%2Fembed%2Fdashboards%2Fvisao_geral?nonce="), "{url}");
    for part in ["&models=%5B%22comerc%22%5D", "id_cliente", "&signature="] {
        assert!(url.contains(part), "{part} in {url}");
    }
    assert!(!url.contains("s3cret"));
}

#[test]
fn demo_writes_the_deployment_and_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("demo");
    let out = ponte(&["demo", "--dir", work.to_str().unwrap(), "--rows", "5000", "--no-serve"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(work.join("ponte.toml").is_file());
    assert!(work.join("schemas/comerc.json").is_file());
    let invoices = work.join("data/s3/objeto_dados_energia_gestao_faturas_v2");
    assert_eq!(std::fs::read_dir(&invoices).unwrap().count(), 365);
    // The demo folder is a working deployment: validate it from elsewhere.
    let config = work.join("ponte.toml");
    let out = ponte(&["validate", "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The demo loaded all seven tables, each in one table update.
    let out = ponte(&["load", "--all", "--json", "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 7);
    assert!(reports.iter().all(|r| r["table_updates"] == 1 && r["rows"].as_u64().unwrap() > 0), "{reports:?}");
    let invoice_load = reports.iter().find(|r| r["table"] == "objeto_dados_energia_gestao_faturas_v2").unwrap();
    assert_eq!(invoice_load["rows"], 5000);
    // Running again converges on the same files.
    let before = std::fs::read(invoices.join("2025-11-21.parquet")).unwrap();
    let out = ponte(&["demo", "--dir", work.to_str().unwrap(), "--rows", "5000", "--no-serve"]);
    assert!(out.status.success());
    assert_eq!(before, std::fs::read(invoices.join("2025-11-21.parquet")).unwrap());
}

/// `ponte validate` reads the model files the config names and checks
/// their tables and columns against the schema files.
#[test]
fn validate_checks_the_model_against_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let example = ponte_testkit::repo_root().join("examples/comerc");
    for rel in ["ponte.toml", "schemas/comerc.json", "models/comerc.toml"] {
        std::fs::create_dir_all(dir.path().join(rel).parent().unwrap()).unwrap();
        std::fs::copy(example.join(rel), dir.path().join(rel)).unwrap();
    }
    let config = dir.path().join("ponte.toml");
    let out = ponte(&["validate", "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("model comerc: 8 view(s) · 4 explore(s)"), "{}", text(&out.stdout));

    let model = dir.path().join("models/comerc.toml");
    let original = std::fs::read_to_string(&model).unwrap();
    let line = original.lines().position(|l| l.contains("sql = \"valor_total\"")).unwrap() + 1;
    std::fs::write(&model, original.replacen("sql = \"valor_total\"", "sql = \"valor_totl\"", 1)).unwrap();
    let out = ponte(&["validate", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("models/comerc.toml:{line}:")), "{stderr}");
    assert!(stderr.contains("valor_totl"), "{stderr}");
}

/// Regression: a look saved with `limit = "10000"` passed `validate` and
/// then showed 5,000 rows, cut without a word. `validate` now refuses it at
/// its line, naming the look and the maximum.
#[test]
fn validate_refuses_a_saved_limit_that_running_would_cut() {
    let dir = tempfile::tempdir().unwrap();
    let example = ponte_testkit::repo_root().join("examples/comerc");
    for rel in ["ponte.toml", "schemas/comerc.json", "models/comerc.toml"] {
        std::fs::create_dir_all(dir.path().join(rel).parent().unwrap()).unwrap();
        std::fs::copy(example.join(rel), dir.path().join(rel)).unwrap();
    }
    let config = dir.path().join("ponte.toml");
    let model = dir.path().join("models/comerc.toml");
    let original = std::fs::read_to_string(&model).unwrap();
    let look = original.find("[[looks]]\nid = 1\n").expect("the example has look 1");
    let at = look + original[look..].find(r#"limit = "500""#).unwrap();
    let line = original[..at].lines().count();
    let mut changed = original.clone();
    changed.replace_range(at..at + r#"limit = "500""#.len(), r#"limit = "10000""#);
    std::fs::write(&model, changed).unwrap();
    let out = ponte(&["validate", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("models/comerc.toml:{line}:")), "{stderr}");
    assert!(stderr.contains("look 1: `limit` must be a positive whole number up to 5000"), "{stderr}");
}

/// Without `--config` and with no `ponte.toml` in the folder, the error
/// says where it looked and what to do.
#[test]
fn no_config_in_the_folder_says_where_it_looked_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ponte"))
        .arg("validate")
        .current_dir(dir.path())
        .env_remove("PONTE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for words in ["no ponte.toml in", "--config", "PONTE_CONFIG", "ponte demo"] {
        assert!(stderr.contains(words), "{stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A reader that stops early (`| head`) closes the pipe: ponte ends
/// quietly, as Unix tools do, instead of panicking.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let config = ponte_testkit::repo_root().join("examples/comerc/ponte.toml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["schedules", "next", "cs_dados_infomerc", "--count", "100000", "--config"])
        .arg(&config)
        .env_remove("PONTE_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// `ponte runs --json` summarises each run's report (lists as their
/// length); `--details` gives the whole report.
#[test]
fn runs_json_summarises_reports_and_details_give_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::invoice_deployment(dir.path(), "", "");
    common::write_landing_data(dir.path(), "2000");
    let out = ponte(&["load", common::FUNCTION, "--config", &config]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let runs = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["runs", "--json", "--config", &config];
        args.extend(extra);
        let out = ponte(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let summary = runs(&[]);
    let details = runs(&["--details"]);
    let (brief, whole) = (&summary[0]["counters"], &details[0]["counters"]);
    let lists: Vec<&String> = whole.as_object().unwrap().iter().filter(|(_, v)| v.is_array()).map(|(k, _)| k).collect();
    assert!(!lists.is_empty(), "a load's report lists its files: {whole}");
    for key in lists {
        assert_eq!(brief[key], whole[key].as_array().unwrap().len(), "{key}");
    }
    assert_eq!(brief["rows"], whole["rows"]);
    // The table's columns line up whatever the names' lengths.
    let out = ponte(&["runs", "--config", &config]);
    let table = text(&out.stdout);
    let starts: Vec<usize> = table.lines().map(|l| l.find("succeeded").or(l.find("status")).unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{table}");
}
