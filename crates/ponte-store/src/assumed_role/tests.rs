//! The provider against an in-process STS: the request it sends, caching,
//! refresh near expiry, one fetch at a time, and STS's errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeDelta, Utc};
use object_store::CredentialProvider;

use super::fake_sts::{FakeSts, success};
use super::*;

/// A provider for a token file holding `token`, against `sts`.
fn provider_for(sts: &FakeSts, dir: &tempfile::TempDir, token: &str) -> AssumedRoleProvider {
    let path = dir.path().join("token");
    std::fs::write(&path, token).unwrap();
    let target = StsTarget {
        store: "aws".into(),
        url: sts.url.clone(),
        role: "arn:aws:iam::123456789012:role/ponte-reader".into(),
        session_name: "ponte-test".into(),
    };
    AssumedRoleProvider::new(target, TokenSource::File(path), true)
}

/// STS answers credentials valid for `ttl`, key ids `ASIA1`, `ASIA2`, …
async fn sts_granting(ttl: TimeDelta) -> (FakeSts, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let n = count.clone();
    let sts = FakeSts::start(move || {
        let i = n.fetch_add(1, Ordering::SeqCst) + 1;
        (200, success(&format!("ASIA{i}"), Utc::now() + ttl))
    })
    .await;
    (sts, count)
}

#[tokio::test]
async fn the_request_is_a_form_post_of_assume_role_with_web_identity() {
    let (sts, _) = sts_granting(TimeDelta::hours(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let c = provider_for(&sts, &dir, "header.payload+/=sig\n").get_credential().await.unwrap();
    assert_eq!((c.key_id.as_str(), c.secret_key.as_str(), c.token.as_deref()), ("ASIA1", "s", Some("t")));
    let body = &sts.bodies()[0];
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap();
    let want = [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", "arn:aws:iam::123456789012:role/ponte-reader"),
        ("RoleSessionName", "ponte-test"),
        ("WebIdentityToken", "header.payload+/=sig"),
        ("DurationSeconds", "3600"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    assert_eq!(form, want);
}

#[tokio::test]
async fn credentials_are_reused_until_five_minutes_before_expiry() {
    let (sts, count) = sts_granting(TimeDelta::hours(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider_for(&sts, &dir, "jwt");
    for _ in 0..5 {
        assert_eq!(p.get_credential().await.unwrap().key_id, "ASIA1");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(p.get_credential().await.unwrap().key_id, "ASIA1");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn credentials_near_expiry_are_refreshed_with_a_new_token() {
    // Four minutes left is inside the five-minute margin.
    let (sts, count) = sts_granting(TimeDelta::minutes(4)).await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider_for(&sts, &dir, "first");
    assert_eq!(p.get_credential().await.unwrap().key_id, "ASIA1");
    // Just fetched: used once more rather than asking STS for every request.
    assert_eq!(p.get_credential().await.unwrap().key_id, "ASIA1");
    std::fs::write(dir.path().join("token"), "rotated").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(p.get_credential().await.unwrap().key_id, "ASIA2");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert!(sts.bodies()[1].contains("WebIdentityToken=rotated"), "{:?}", sts.bodies());
}

#[tokio::test]
async fn concurrent_requests_share_one_fetch() {
    let (sts, count) = sts_granting(TimeDelta::hours(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let p = Arc::new(provider_for(&sts, &dir, "jwt"));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn({
                let p = p.clone();
                async move { p.get_credential().await.unwrap().key_id.clone() }
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "ASIA1");
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_sts_refusal_reaches_the_caller_named_and_is_not_cached() {
    let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                  <Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>";
    let sts = FakeSts::start(move || (403, denied.to_owned())).await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider_for(&sts, &dir, "secret-token-value");
    let err = p.get_credential().await.unwrap_err().to_string();
    assert!(err.contains("store `aws`: AWS STS refused to let ponte assume role arn:aws:iam::123456789012:role/ponte-reader: AccessDenied"), "{err}");
    assert!(!err.contains("secret-token-value"), "{err}");
    p.get_credential().await.unwrap_err();
    assert_eq!(sts.bodies().len(), 2, "a failure is asked again, not remembered");
    assert!(!format!("{p:?}").contains("secret-token-value"));
}

#[test]
fn usable_means_more_than_five_minutes_left_or_just_fetched() {
    let now = Utc::now();
    let long_ago = now - TimeDelta::hours(1);
    assert!(usable(now + TimeDelta::minutes(6), long_ago, now));
    assert!(!usable(now + TimeDelta::minutes(5), long_ago, now));
    assert!(!usable(now + TimeDelta::minutes(4), long_ago, now));
    assert!(usable(now + TimeDelta::minutes(4), now - TimeDelta::milliseconds(500), now));
    assert!(!usable(now - TimeDelta::seconds(1), now, now), "expired is never usable");
}

#[test]
fn the_sts_endpoint_is_the_configured_one_else_regional_else_global() {
    assert_eq!(sts_url(Some("http://127.0.0.1:5000"), Some("us-east-1")), "http://127.0.0.1:5000");
    assert_eq!(sts_url(None, Some("sa-east-1")), "https://sts.sa-east-1.amazonaws.com");
    assert_eq!(sts_url(None, Some("cn-north-1")), "https://sts.cn-north-1.amazonaws.com.cn");
    assert_eq!(sts_url(None, None), "https://sts.amazonaws.com");
}
