//! The server's limits under hostile clients, on the demo's deployment with
//! tight settings: a client trickling its headers is cut off after
//! `server.header_timeout` while others are served; oversized headers are a
//! 431; a query slower than `server.request_timeout` is a 503 that names
//! the setting, and the server goes on serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{CLIENTS, Served, demo_with_clients};

/// The demo with `lines` added to its `[server]` table.
fn deployment(dir: &std::path::Path, lines: &str) -> String {
    let config = demo_with_clients(dir);
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, toml.replacen("[server]\n", &format!("[server]\n{lines}\n"), 1)).unwrap();
    config
}

/// Sends `request` raw and reads the answer until the server closes.
fn exchange(base: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(base: &str, path: &str) -> String {
    let answer = exchange(base, format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn slow_and_oversized_requests_are_cut_off_and_slow_queries_time_out() {
    let dir = tempfile::tempdir().unwrap();
    let config = deployment(dir.path(), "header_timeout = \"1s\"\nrequest_timeout = \"1ms\"");
    let server = Served::start(&config, &CLIENTS);
    let address = server.base.trim_start_matches("http://").to_owned();

    // Fifty clients trickle their headers, one line every 200 ms.
    let slow: Vec<_> = (0..50)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut stream = TcpStream::connect(&address).unwrap();
                stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
                let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
                let mut buf = [0u8; 1024];
                while start.elapsed() < Duration::from_secs(20) {
                    if stream.write_all(b"X-Slow: 1\r\n").is_err() {
                        break;
                    }
                    match stream.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) if !String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200") => break,
                        Ok(_) => panic!("a request whose headers never ended was answered 200"),
                        Err(_) => std::thread::sleep(Duration::from_millis(150)),
                    }
                }
                start.elapsed()
            })
        })
        .collect();
    // Meanwhile a well-behaved client is served.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status_of(&server.base, "/healthz"), "HTTP/1.1 200 OK", "{}", server.log());
    for client in slow {
        let held = client.join().unwrap();
        assert!(held < Duration::from_secs(5), "a slow client held its connection for {held:?}");
    }

    // Headers past hyper's limit are refused, not buffered.
    let huge = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(2 * 1024 * 1024));
    let answer = exchange(&server.base, huge.as_bytes());
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{}", answer.lines().next().unwrap_or_default());

    // A query slower than request_timeout (1 ms) is a 503 naming it.
    let form = "client_id=client-a&client_secret=secret-a-5b1f";
    let login = exchange(
        &server.base,
        format!(
            "POST /api/4.0/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
        .as_bytes(),
    );
    let run = if login.starts_with("HTTP/1.1 200") {
        let token = login.split("\"access_token\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        exchange(
            &server.base,
            format!(
                "GET /api/4.0/looks/1/run/json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: token {token}\r\n\r\n"
            )
            .as_bytes(),
        )
    } else {
        // Even the login took longer than 1 ms: the same answer.
        login
    };
    assert!(run.starts_with("HTTP/1.1 503"), "{run}");
    assert!(run.contains("server.request_timeout"), "{run}");
    assert_eq!(status_of(&server.base, "/healthz"), "HTTP/1.1 200 OK", "{}", server.log());
    assert_eq!(status_of(&server.base, "/readyz"), "HTTP/1.1 200 OK", "{}", server.log());
}
