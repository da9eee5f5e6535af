//! Schedules, topics and the daemon as users run them: `ponte trigger`,
//! `ponte publish`, `ponte run` killed, stopped and restarted.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{FUNCTION, TABLE, invoice_deployment, ponte, text, write_landing_data};

struct Deployment {
    dir: tempfile::TempDir,
    config: String,
}

impl Deployment {
    /// One schedule publishing topic `faturas`, one function loading the
    /// invoices folder on it. `function_extra` and `schedule_extra` are
    /// extra TOML lines for each.
    fn new(rows: &str, schedule_extra: &str, function_extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = invoice_deployment(dir.path(), schedule_extra, function_extra);
        write_landing_data(dir.path(), rows);
        Self { dir, config }
    }

    fn ponte(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--config", &self.config]);
        ponte(&all)
    }

    fn runs(&self) -> Vec<serde_json::Value> {
        let out = self.ponte(&["runs", "--limit", "100", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }

    /// (kind, status) of every run, oldest first.
    fn statuses(&self) -> Vec<(String, String)> {
        let mut runs: Vec<(String, String)> = self
            .runs()
            .iter()
            .map(|r| (r["kind"].as_str().unwrap().to_owned(), r["status"].as_str().unwrap().to_owned()))
            .collect();
        runs.reverse();
        runs
    }

    fn count(&self, kind: &str, status: &str) -> usize {
        self.statuses().iter().filter(|(k, s)| k == kind && s == status).count()
    }

    fn wait_for(&self, what: &str, timeout: Duration, mut done: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(start.elapsed() < timeout, "timed out waiting for {what}; runs: {:?}", self.statuses());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn daemon(&self) -> Daemon {
        let log = self.dir.path().join(format!("daemon-{}.log", Instant::now().elapsed().as_nanos()));
        let child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["run", "--bind", "127.0.0.1:0", "--config", &self.config])
            .env_remove("PONTE_CONFIG")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    fn landing(&self) -> PathBuf {
        self.dir.path().join("landing").join(TABLE)
    }
}

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then the exit status and the log.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        self.signal("-TERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            assert!(start.elapsed() < Duration::from_secs(90), "the daemon did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn load_running(d: &Deployment) -> bool {
    d.statuses().iter().any(|(k, s)| k == "load" && s == "running")
}

#[test]
fn schedules_next_prints_fire_times_with_the_zone_offset() {
    let d = Deployment::new("100", "", "");
    let out = d.ponte(&["schedules", "next", "diario", "--count", "3", "--after", "2026-01-02T12:00:00Z"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2026-01-05T08:00:00-03:00\n2026-01-06T08:00:00-03:00\n2026-01-07T08:00:00-03:00\n");
    let out = d.ponte(&["schedules", "next", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no schedule named `nope`") && text(&out.stderr).contains("diario"));
    let out = d.ponte(&["schedules", "next", "diario", "--after", "yesterday"]);
    assert!(text(&out.stderr).contains("for '--after <TIME>': expected an RFC 3339"), "{}", text(&out.stderr));
}

#[test]
fn trigger_runs_the_subscribers_and_reports_them() {
    let d = Deployment::new("2000", "", "");
    let out = d.ponte(&["trigger", "diario"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("diario: published message 1 on topic faturas, data: carregar faturas"), "{stdout}");
    assert!(stdout.contains(&format!("✓ function:{FUNCTION} attempt 1/5:")), "{stdout}");
    let runs = d.runs();
    assert_eq!(runs[0]["kind"], "load");
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "message:1 (trigger:diario)");

    let out = d.ponte(&["trigger", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no schedule or transfer job named `nope`; known: diario"));
}

#[test]
fn overlapping_triggers_give_one_run_and_one_skip() {
    let d = Deployment::new("400000", "", "");
    let first = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["trigger", "diario", "--config", &d.config])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    d.wait_for("the first load to start", Duration::from_secs(60), load_running);
    let second = d.ponte(&["trigger", "diario"]);
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}{}", text(&first.stdout), text(&first.stderr));
    assert!(second.status.success(), "a skip is not a failure: {}", text(&second.stdout));
    assert!(text(&second.stdout).contains("skipped: function `carrega_faturas` is already running"));
    assert_eq!((d.count("load", "succeeded"), d.count("load", "skipped")), (1, 1), "{:?}", d.statuses());
}

#[test]
fn a_poisoned_message_is_dead_lettered_after_max_attempts() {
    let d = Deployment::new("2000", "", "max_attempts = 3\nmin_backoff = \"1s\"\nmax_backoff = \"1s\"");
    std::fs::write(d.landing().join("2025-99-99.parquet"), b"PAR1 not really").unwrap();
    let daemon = d.daemon();
    let out = d.ponte(&["publish", "faturas", "--data", "carregar"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.wait_for("the message to be dead-lettered", Duration::from_secs(60), |d| {
        d.count("message", "dead_lettered") == 1
    });
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert_eq!(d.count("load", "failed"), 3, "{:?}", d.statuses());
    let runs = d.runs();
    let dead = runs.iter().find(|r| r["status"] == "dead_lettered").unwrap();
    let error = dead["error"].as_str().unwrap();
    assert!(error.contains("dead-lettered after 3 attempts") && error.contains("2025-99-99.parquet"), "{error}");
    assert!(log.contains("message data: carregar"), "the message's data opens the function's log:\n{log}");
}

#[test]
fn a_daemon_killed_mid_run_redelivers_and_exactly_one_load_succeeds() {
    let d = Deployment::new("400000", "", "");
    let daemon = d.daemon();
    let out = d.ponte(&["publish", "faturas"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.wait_for("the load to start", Duration::from_secs(60), load_running);
    daemon.kill();
    let daemon = d.daemon();
    d.wait_for("the redelivered load to succeed", Duration::from_secs(120), |d| d.count("load", "succeeded") == 1);
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert!(log.contains("delivering them again"), "{log}");
    assert_eq!(d.count("load", "succeeded"), 1, "{:?}", d.statuses());
    assert_eq!(d.count("load", "interrupted"), 1, "{:?}", d.statuses());
}

#[test]
fn sigterm_lets_the_run_in_flight_finish() {
    let d = Deployment::new("400000", "", "");
    let daemon = d.daemon();
    let out = d.ponte(&["publish", "faturas"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.wait_for("the load to start", Duration::from_secs(60), load_running);
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert_eq!(d.statuses().last().unwrap(), &("load".to_owned(), "succeeded".to_owned()), "{log}");
    // Nothing is left to deliver: a new daemon runs nothing.
    let daemon = d.daemon();
    std::thread::sleep(Duration::from_secs(2));
    let (_, log) = daemon.stop();
    assert!(log.contains("0 delivery(ies) run"), "{log}");
}

/// Fires missed while no daemon ran: `run_once` publishes once for them,
/// `skip` records them and runs nothing.
#[test]
fn missed_fires_follow_the_misfire_policy() {
    for (policy, runs_expected) in [("run_once", 1), ("skip", 0)] {
        let d = Deployment::new("2000", &format!("misfire = \"{policy}\""), "");
        let config = std::fs::read_to_string(&d.config).unwrap().replace("0 8 * * 1-5", "* * * * *");
        std::fs::write(&d.config, config).unwrap();
        // The daemon last saw the schedule ten minutes ago.
        let state = ponte_state::StateDb::open(&d.dir.path().join(".ponte")).unwrap();
        state.record_fire("schedule:diario", chrono::Utc::now() - chrono::TimeDelta::minutes(10), None).unwrap();
        drop(state);
        let daemon = d.daemon();
        d.wait_for("the missed fires to be handled", Duration::from_secs(60), |d| {
            d.runs().iter().any(|r| r["kind"] == "schedule" && r["trigger"] == "misfire")
                && d.count("load", "succeeded") == runs_expected
        });
        let (status, log) = daemon.stop();
        assert!(status.success(), "{log}");
        let runs = d.runs();
        let misfire = runs.iter().find(|r| r["kind"] == "schedule").unwrap();
        let missed = misfire["counters"]["missed"].as_u64().unwrap();
        assert!((9..=11).contains(&missed), "{misfire}");
        assert_eq!(misfire["status"], if policy == "skip" { "skipped" } else { "succeeded" });
        assert!(d.count("load", "succeeded") <= runs_expected + 1, "{:?}", d.statuses());
    }
}

/// `ponte serve` with Pub/Sub push and the admin API on, on a free port.
struct Server {
    child: Child,
    base: String,
}

const PUSH_TOKEN: &str = "push-token-3f9a";
const ADMIN_TOKEN: &str = "admin-token-77c1";

impl Server {
    fn start(d: &Deployment) -> Self {
        let mut config = std::fs::read_to_string(&d.config).unwrap();
        if !config.contains("[server]") {
            config.push_str("\n[server]\npush_token_env = \"T_PUSH\"\nadmin_token_env = \"T_ADMIN\"\n");
            std::fs::write(&d.config, config).unwrap();
        }
        let port = ponte_testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--config", &d.config])
            .env_remove("PONTE_CONFIG")
            .env("T_PUSH", PUSH_TOKEN)
            .env("T_ADMIN", ADMIN_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, base: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "ponte serve did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An envelope as Pub/Sub pushes it: some fields twice, in both cases.
fn envelope(message_id: &str, data: &str, subscription: &str) -> serde_json::Value {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(data);
    serde_json::json!({
        "message": {
            "attributes": { "origem": "cloud-scheduler" },
            "data": data,
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": "2026-11-25T11:00:00.123Z",
            "publish_time": "2026-11-25T11:00:00.123Z"
        },
        "subscription": subscription,
        "deliveryAttempt": 1
    })
}

fn post(url: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    })
}

fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(url);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    })
}

#[test]
fn pubsub_push_runs_the_function_before_answering() {
    let d = Deployment::new("2000", "", "");
    let server = Server::start(&d);
    let url = format!("{}/pubsub/push?token={PUSH_TOKEN}", server.base);
    let body = envelope("4242", "carregar faturas", &format!("projects/comerc/subscriptions/{FUNCTION}")).to_string();
    let (status, reply) = post(&url, body.as_bytes());
    assert_eq!(status, 204, "{reply}");
    let runs = d.runs();
    assert_eq!(
        (runs.len(), runs[0]["kind"].as_str(), runs[0]["status"].as_str()),
        (1, Some("load"), Some("succeeded"))
    );
    assert_eq!(runs[0]["trigger"], format!("message:1 (push:projects/comerc/subscriptions/{FUNCTION})"));
    // Pub/Sub pushes the same message again (its ack was lost): done already.
    let (status, _) = post(&url, body.as_bytes());
    assert_eq!(status, 204);
    assert_eq!(d.runs().len(), 1, "a redelivered message is not run twice once it succeeded");
    // A subscription named after the topic, or ?topic=, routes too.
    let (status, _) = post(&url, envelope("4243", "", "projects/comerc/subscriptions/faturas").to_string().as_bytes());
    assert_eq!(status, 204);
    let (status, _) = post(
        &format!("{url}&topic=faturas"),
        envelope("4244", "", "projects/p/subscriptions/x").to_string().as_bytes(),
    );
    assert_eq!(status, 204);
    assert_eq!(d.count("load", "succeeded"), 3);
}

#[test]
fn pubsub_push_refuses_bad_tokens_and_bodies_and_runs_nothing() {
    let d = Deployment::new("100", "", "");
    let server = Server::start(&d);
    let good = envelope("1", "x", &format!("projects/p/subscriptions/{FUNCTION}")).to_string();
    let push = |query: &str, body: &str| post(&format!("{}/pubsub/push{query}", server.base), body.as_bytes());
    let cases = [
        ("", good.as_str(), 401, "needs ?token="),
        ("?token=wrong", good.as_str(), 403, "wrong push token"),
        (&*format!("?token={PUSH_TOKEN}"), "{not json", 400, "not a Pub/Sub push envelope"),
        (
            &*format!("?token={PUSH_TOKEN}"),
            r#"{"message":{"data":"***","messageId":"2"},"subscription":"s"}"#,
            400,
            "not base64",
        ),
        (&*format!("?token={PUSH_TOKEN}"), r#"{"message":{"data":""},"subscription":"s"}"#, 400, "no messageId"),
        (
            &*format!("?token={PUSH_TOKEN}"),
            r#"{"message":{"messageId":"3"},"subscription":"projects/p/subscriptions/nope"}"#,
            400,
            "names no function or topic",
        ),
        (&*format!("?token={PUSH_TOKEN}&topic=nope"), good.as_str(), 400, "no topic by that name"),
    ];
    for (query, body, want, says) in cases {
        let (status, reply) = push(query, body);
        assert_eq!(status, want, "{query} {body}: {reply}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{query} {body}: {reply}");
        assert!(!message.contains(PUSH_TOKEN), "the token is never echoed");
    }
    let (status, _) = post(&format!("{}/pubsub/push?token={PUSH_TOKEN}", server.base), &vec![b'x'; 17 << 20]);
    assert_eq!(status, 413, "an oversized body is refused");
    assert!(d.runs().is_empty(), "nothing ran: {:?}", d.statuses());
}

#[test]
fn pubsub_push_answers_503_on_failure_until_dead_lettered() {
    let d = Deployment::new("100", "", "max_attempts = 2\nmin_backoff = \"0s\"\nmax_backoff = \"0s\"");
    std::fs::write(d.landing().join("2025-99-99.parquet"), b"PAR1 not really").unwrap();
    let server = Server::start(&d);
    let url = format!("{}/pubsub/push?token={PUSH_TOKEN}", server.base);
    let body = envelope("77", "", &format!("projects/p/subscriptions/{FUNCTION}")).to_string();
    let (status, reply) = post(&url, body.as_bytes());
    assert_eq!(status, 503, "Pub/Sub must retry a failure: {reply}");
    assert!(reply["message"].as_str().unwrap().contains("2025-99-99.parquet"), "{reply}");
    // The second (last) attempt fails too: ponte keeps it dead-lettered and
    // acknowledges it, so Pub/Sub stops pushing.
    let (status, _) = post(&url, body.as_bytes());
    assert_eq!(status, 204);
    assert_eq!((d.count("load", "failed"), d.count("message", "dead_lettered")), (2, 1), "{:?}", d.statuses());
}

#[test]
fn the_admin_api_needs_its_token() {
    let d = Deployment::new("100", "", "");
    let server = Server::start(&d);
    let runs = format!("{}/api/runs", server.base);
    assert_eq!(get(&runs, None).0, 401);
    assert_eq!(get(&runs, Some("wrong")).0, 403);
    let (status, reply) = post(&format!("{}/api/admin/trigger/diario", server.base), b"");
    assert_eq!(status, 401, "{reply}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (status, report): (u16, serde_json::Value) = runtime.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/api/admin/trigger/diario", server.base))
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    });
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["succeeded"], true, "{report}");
    // `ponte trigger --server` goes through the same API.
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["trigger", "diario", "--server", &server.base])
        .env("PONTE_ADMIN_TOKEN", ADMIN_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("✓ function:{FUNCTION} succeeded")), "{}", text(&out.stdout));
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["trigger", "diario", "--server", &server.base])
        .env("PONTE_ADMIN_TOKEN", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("403 Forbidden: wrong admin token"), "{}", text(&out.stderr));
    let (status, runs) = get(&runs, Some(ADMIN_TOKEN));
    assert_eq!(status, 200);
    assert_eq!(runs[0]["status"], "succeeded", "{runs}");
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
    let (status, reply) = get(&format!("{}/no/such/route", server.base), None);
    assert_eq!((status, reply["message"].as_str()), (404, Some("no such route")));
}

/// Makes an RSA key, its JWKS and ID tokens as Google signs them for push
/// subscriptions: a good one and one wrong in each way.
const OIDC_TOKENS: &str = r#"
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

out = sys.argv[1]
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def uint(n): return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))
key, other = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
pub = key.public_key().public_numbers()
json.dump({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1", "n": uint(pub.n), "e": uint(pub.e)}]},
          open(out + "/jwks.json", "w"))
def token(signer=key, **overrides):
    claims = {"iss": "https://accounts.google.com", "aud": "https://ponte.example/pubsub/push",
              "email": "scheduler@comerc.iam.gserviceaccount.com", "email_verified": True,
              "iat": int(time.time()), "exp": int(time.time()) + 3600, "sub": "1234"}
    claims.update(overrides)
    head = b64(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = signer.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(sig)}"
print(json.dumps({
    "good": token(),
    "wrong_audience": token(aud="https://elsewhere.example"),
    "expired": token(exp=int(time.time()) - 600, iat=int(time.time()) - 4000),
    "wrong_email": token(email="intruder@evil.iam.gserviceaccount.com"),
    "wrong_issuer": token(iss="https://evil.example"),
    "other_key": token(signer=other),
}))
"#;

#[test]
fn pubsub_push_checks_the_subscriptions_oidc_token() {
    let d = Deployment::new("100", "", "");
    let keys = d.dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let tokens: serde_json::Value =
        serde_json::from_str(&ponte_testkit::run_python(OIDC_TOKENS, &[keys.to_str().unwrap()])).unwrap();
    let jwks_port = ponte_testkit::free_port();
    let mut jwks_server = Command::new(ponte_testkit::python())
        .args(["-m", "http.server", &jwks_port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(&keys)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", jwks_port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "the JWKS server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut config = std::fs::read_to_string(&d.config).unwrap();
    config.push_str(&format!(
        "\n[server]\npush_oidc_audience = \"https://ponte.example/pubsub/push\"\npush_oidc_email = \"scheduler@comerc.iam.gserviceaccount.com\"\npush_oidc_jwks_url = \"http://127.0.0.1:{jwks_port}/jwks.json\"\n"
    ));
    std::fs::write(&d.config, config).unwrap();
    let server = Server::start(&d);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let push = |token: Option<&str>, id: &str| -> (u16, serde_json::Value) {
        runtime.block_on(async {
            let mut request = reqwest::Client::new()
                .post(format!("{}/pubsub/push", server.base))
                .body(envelope(id, "x", &format!("projects/p/subscriptions/{FUNCTION}")).to_string());
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.json().await.unwrap_or_default())
        })
    };
    let (status, reply) = push(None, "1");
    assert_eq!(status, 401, "{reply}");
    for bad in ["wrong_audience", "expired", "wrong_email", "wrong_issuer", "other_key"] {
        let (status, reply) = push(tokens[bad].as_str(), "1");
        assert_eq!(status, 403, "{bad}: {reply}");
        assert!(!reply.to_string().contains(tokens[bad].as_str().unwrap()), "a token is never echoed");
    }
    assert!(d.runs().is_empty(), "nothing ran with a bad token");
    let (status, reply) = push(tokens["good"].as_str(), "1");
    assert_eq!(status, 204, "{reply}");
    assert_eq!(d.count("load", "succeeded"), 1);
    let _ = jwks_server.kill();
    let _ = jwks_server.wait();
}

/// A transfer job with its own schedule publishes its notification when it
/// finishes, and the function on that topic loads: sync, then load.
#[test]
fn a_finished_transfer_triggers_the_load() {
    let d = Deployment::new("2000", "", "");
    let mut config = std::fs::read_to_string(&d.config).unwrap();
    config.push_str(&format!(
        r#"
[stores.copy]
url = "file://./copy"

[[transfers]]
name = "espelho"
source = {{ store = "landing", include_prefixes = ["{TABLE}/"] }}
sink = {{ store = "copy" }}
schedule = {{ cron = "0 5 * * *", time_zone = "UTC" }}
notify_topic = "faturas"
"#
    ));
    std::fs::write(&d.config, config).unwrap();
    let daemon = d.daemon();
    let out = d.ponte(&["trigger", "espelho"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let start = Instant::now();
    while d.count("load", "succeeded") != 1 {
        if start.elapsed() > Duration::from_secs(60) {
            let log = std::fs::read_to_string(&daemon.log).unwrap_or_default();
            panic!(
                "no load after the transfer; runs: {:?}\ntrigger: {}\ndaemon log:\n{log}",
                d.statuses(),
                text(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    let runs = d.runs();
    let load = runs.iter().find(|r| r["kind"] == "load").unwrap();
    assert!(load["trigger"].as_str().unwrap().ends_with("(transfer:espelho)"), "{load}");
    assert_eq!(d.count("transfer", "succeeded"), 1);
    let out = d.ponte(&["schedules", "next", "espelho", "--count", "1", "--after", "2026-01-01T06:00:00Z"]);
    assert_eq!(text(&out.stdout), "2026-01-02T05:00:00+00:00\n");
}
