//! Running the `ponte` binary from tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `ponte` with `args`, ignoring any PONTE_CONFIG of the caller.
pub fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte")).args(args).env_remove("PONTE_CONFIG").output().expect("ponte runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The function and table of [`invoice_deployment`].
pub const FUNCTION: &str = "carrega_faturas";
/// The table the function loads: the demo's invoices.
pub const TABLE: &str = "objeto_dados_energia_gestao_faturas_v2";

/// Writes, into `dir`, a deployment of one schedule (`diario`, weekday
/// mornings in São Paulo) publishing topic `faturas`, and one function
/// loading the invoices folder of the local store `landing` (`./landing`)
/// on it, with the example's schema file. `schedule_extra` and
/// `function_extra` are more TOML lines for each. Returns the config's path.
pub fn invoice_deployment(dir: &std::path::Path, schedule_extra: &str, function_extra: &str) -> String {
    let schemas = ponte_testkit::repo_root().join("examples/comerc/schemas");
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::copy(schemas.join("comerc.json"), dir.join("schemas/comerc.json")).unwrap();
    let config = dir.join("ponte.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[project]
name = "t"
shutdown_grace = "60s"

[stores.landing]
url = "file://./landing"

[[topics]]
name = "faturas"

[[schedules]]
name = "diario"
cron = "0 8 * * 1-5"
time_zone = "America/Sao_Paulo"
topic = "faturas"
data = "carregar faturas"
{schedule_extra}

[[functions]]
name = "{FUNCTION}"
trigger_topic = "faturas"
{function_extra}
[functions.load]
store = "landing"
prefix = "{TABLE}/"
table = "{TABLE}"
schema_file = "schemas/comerc.json"
"#
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_owned()
}

/// Writes the demo's sample data for `rows` invoices (120 days) into `dir/landing`.
pub fn write_landing_data(dir: &std::path::Path, rows: &str) {
    let out = ponte(&["demo-data", "--dir", dir.join("landing").to_str().unwrap(), "--rows", rows, "--days", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `ponte serve` on a free loopback port, stopped when dropped. Its log
/// goes to a file that [`Served::log`] reads, for failure messages.
pub struct Served {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    log: tempfile::NamedTempFile,
}

impl Served {
    /// Starts `ponte serve --config config` with `envs` set, and waits until
    /// it accepts connections.
    pub fn start(config: &str, envs: &[(&str, &str)]) -> Self {
        Self::start_on(config, envs, ponte_testkit::free_port())
    }

    /// [`Served::start`] on a port chosen beforehand (a config that names
    /// its own public URL needs it).
    pub fn start_on(config: &str, envs: &[(&str, &str)], port: u16) -> Self {
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--config", config])
            .env_remove("PONTE_CONFIG")
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        let mut served = Self { child, base: format!("http://127.0.0.1:{port}"), log };
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("ponte serve exited with {status}:\n{}", served.log());
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "ponte serve did not listen:\n{}",
                served.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        served
    }

    /// What the server wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Python suite of this folder (`crates/ponte/tests/<name>`), to run in
/// the test environment of independent oracles.
pub fn suite(name: &str) -> Command {
    let mut command = Command::new(ponte_testkit::python());
    command.arg(ponte_testkit::repo_root().join("crates/ponte/tests").join(name));
    command
}

/// Asserts a suite ran to its end (`all checks passed`), showing its
/// output and `server_log` when it did not.
pub fn assert_passed(out: &Output, server_log: &str) {
    let report = format!("{}{}\n--- server log ---\n{server_log}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(text(&out.stdout).contains("all checks passed"), "{report}");
}

/// The demo's deployment with three API clients: customer 1, customer 2,
/// and one without the `id_cliente` attribute.
pub fn demo_with_clients(dir: &std::path::Path) -> String {
    demo_with(dir, "20000", "1")
}

/// The demo at `rows` invoices with the API clients of
/// [`demo_with_clients`], client A seeing the customers `a_customers`
/// (one id, or several comma-separated).
pub fn demo_with(dir: &std::path::Path, rows: &str, a_customers: &str) -> String {
    let out = ponte(&["demo", "--dir", dir.to_str().unwrap(), "--rows", rows, "--no-serve"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let config = dir.join("ponte.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    let start = toml.find("api_clients = [").expect("the example has API clients");
    let end = start + toml[start..].find("\n]\n").expect("a multi-line list") + 3;
    let clients = format!(
        r#"api_clients = [
  {{ client_id_env = "A_ID", client_secret_env = "A_SECRET", user_attributes = {{ id_cliente = "{a_customers}" }} }},
  {{ client_id_env = "B_ID", client_secret_env = "B_SECRET", user_attributes = {{ id_cliente = "2" }} }},
  {{ client_id_env = "C_ID", client_secret_env = "C_SECRET" }},
]
"#
    );
    std::fs::write(&config, format!("{}{clients}{}", &toml[..start], &toml[end..])).unwrap();
    config.to_str().unwrap().to_owned()
}

/// The environment of [`demo_with_clients`]: its embed secret and each client's id and secret.
pub const CLIENTS: [(&str, &str); 7] = [
    ("PONTE_EMBED_SECRET", "embed-secret-41ab"),
    ("A_ID", "client-a"),
    ("A_SECRET", "secret-a-5b1f"),
    ("B_ID", "client-b"),
    ("B_SECRET", "secret-b-90c2"),
    ("C_ID", "client-c"),
    ("C_SECRET", "secret-c-77ad"),
];
