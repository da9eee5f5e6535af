//! An in-process STS for the provider's tests: answers every request with
//! what the test's closure returns and keeps the form bodies it received.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Answer = dyn Fn() -> (u16, String) + Send + Sync;

pub(super) struct FakeSts {
    pub url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl FakeSts {
    pub async fn start(answer: impl Fn() -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let seen = bodies.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let (answer, seen) = (answer.clone(), seen.clone());
                tokio::spawn(async move {
                    let Some(body) = read_request(&mut socket).await else { return };
                    seen.lock().unwrap().push(body);
                    let (status, text) = answer();
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                        text.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self { url, bodies }
    }

    /// The request bodies received so far.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// The body of one HTTP/1.1 request with a content-length.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Some(String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into_owned());
            }
        }
    }
}

/// An STS success whose credentials expire at `expires`, with a key id
/// that counts the answers.
pub(super) fn success(key_id: &str, expires: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
         <AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
         <Expiration>{}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}
