//! `event_stream` on transfers: what `validate` accepts, what it refuses,
//! and where it says so.

mod common;

use common::{load, problems};

const STORES: &str = r#"
[stores.lake]
url = "s3://lake/raw"
region = "sa-east-1"
[stores.gcs]
url = "gs://landing"
"#;

#[test]
fn a_queue_arn_on_an_s3_source_is_read_into_its_url() {
    let (_dir, config) = load(&format!(
        "{STORES}\n[[transfers]]\nname = \"t\"\nsource = {{ store = \"lake\" }}\nsink = {{ store = \"gcs\" }}\n\
         event_stream = {{ queue = \"arn:aws:sqs:sa-east-1:123456789012:lake-events\" }}\n"
    ));
    let config = config.unwrap();
    let stream = config.transfers[0].event_stream.as_ref().expect("an event stream");
    assert_eq!(stream.queue.url, "https://sqs.sa-east-1.amazonaws.com/123456789012/lake-events");
    assert_eq!(stream.queue.region.as_deref(), Some("sa-east-1"));
}

#[test]
fn each_mistake_is_named_at_its_line() {
    let got = problems(&format!(
        "{STORES}\n[[transfers]]\nname = \"from_gcs\"\nsource = {{ store = \"gcs\" }}\nsink = {{ store = \"lake\" }}\n\
         event_stream = {{ queue = \"arn:aws:sqs:sa-east-1:123456789012:q\" }}\n\
         [[transfers]]\nname = \"bad_arn\"\nsource = {{ store = \"lake\" }}\nsink = {{ store = \"gcs\", path = \"a\" }}\n\
         event_stream = {{ queue = \"arn:aws:sqs:sa-east-1:42:q\" }}\n\
         [[transfers]]\nname = \"plain_http\"\nsource = {{ store = \"lake\" }}\nsink = {{ store = \"gcs\", path = \"b\" }}\n\
         event_stream = {{ queue = \"http://127.0.0.1:5000/123456789012/q\" }}\n\
         [[transfers]]\nname = \"no_queue\"\nsource = {{ store = \"lake\" }}\nsink = {{ store = \"gcs\", path = \"c\" }}\n\
         event_stream = {{ queu = \"x\" }}\n"
    ));
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[0].starts_with("ponte.toml:12:")
            && got[0].contains("transfer `from_gcs`: `event_stream` needs an `s3://` source")
            && got[0].contains("store `gcs` is gs://landing"),
        "{got:#?}"
    );
    assert!(got[1].starts_with("ponte.toml:17:") && got[1].contains("the account id is 12 digits"), "{got:#?}");
    assert!(
        got[2].contains("the queue URL is plain http, but store `lake` does not set `allow_http = true`"),
        "{got:#?}"
    );
    assert!(got.iter().any(|p| p.contains("queu")), "the misspelt key is named: {got:#?}");
}
