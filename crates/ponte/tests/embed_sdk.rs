//! Looker's Embed SDK (`@looker/embed-sdk` 1.8.7 and 2.0.8, the published
//! bundles from npm, unmodified) embedding ponte's dashboard in headless
//! Chromium, through signed embedding: the handshake, the events, and the
//! host driving the page. ponte serves HTTPS here with a certificate made
//! for the test by `openssl` (Embed SDK 2.x loads only `https://<host>`).
//! The browser side is in `embed_sdk_suite.py`.

mod common;

use std::process::Command;

use common::{CLIENTS, Served, assert_passed, demo_with_clients, suite, text};

#[test]
fn the_official_embed_sdk_connects_hears_and_drives_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_with_clients(dir.path());
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let port = ponte_testkit::free_port();
    let portal_port = ponte_testkit::free_port();
    let toml = std::fs::read_to_string(&config).unwrap();
    let toml = toml
        .replace(
            "embed_domains = [\"http://localhost:8081\"]",
            &format!("embed_domains = [\"http://localhost:{portal_port}\"]"),
        )
        .replacen(
            "[server]\n",
            &format!(
                "[server]\npublic_url = \"https://localhost:{port}\"\ntls_cert_file = \"{}\"\ntls_key_file = \"{}\"\n",
                cert.display(),
                key.display()
            ),
            1,
        );
    std::fs::write(&config, toml).unwrap();
    let server = Served::start_on(&config, &CLIENTS, port);
    let landing = std::fs::read_dir(dir.path().join("data/gcs")).unwrap().next().unwrap().unwrap().path();
    let out = suite("embed_sdk_suite.py")
        .arg(&landing)
        .env("PONTE_BASE", format!("https://localhost:{port}"))
        .env("PONTE_JS_MODULES", ponte_testkit::js_modules())
        .env("PORTAL_PORT", portal_port.to_string())
        .envs(CLIENTS.iter().copied())
        .output()
        .unwrap();
    assert_passed(&out, &server.log());
}
