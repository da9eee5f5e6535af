//! moto's request recorder: every request the server received, with its
//! headers and body, as the tests' record of what ponte sent (which key
//! signed an S3 request, what reached STS).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;

use crate::Moto;

/// One request moto received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL as sent.
    pub url: String,
    /// Headers by name as sent.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// A header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Moto {
    /// Forgets what was recorded and records every request from now on.
    pub fn start_recording(&self) {
        let script = "import sys, urllib.request\n\
            for action in ('reset-recording', 'start-recording'):\n    \
                urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/recorder/' + action, \
                data=b'', method='POST')).read()\n";
        crate::run_python(script, &[&self.endpoint]);
    }

    /// The requests recorded since [`Moto::start_recording`].
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        let text = std::fs::read_to_string(self.recording.path().join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line).expect("a JSON line");
                let body = v["body"].as_str().unwrap_or_default();
                let body = if v["body_encoded"].as_bool() == Some(true) {
                    base64::engine::general_purpose::STANDARD.decode(body).expect("base64 body")
                } else {
                    body.as_bytes().to_vec()
                };
                let headers = v["headers"]
                    .as_object()
                    .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                    .unwrap_or_default();
                RecordedRequest {
                    method: v["method"].as_str().unwrap_or_default().to_owned(),
                    url: v["url"].as_str().unwrap_or_default().to_owned(),
                    headers,
                    body,
                }
            })
            .collect()
    }
}
