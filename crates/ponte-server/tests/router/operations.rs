//! Health, metrics, documentation, unknown routes and the routes that are
//! off unless configured.

use axum::http::StatusCode;
use serde_json::json;

use crate::fixture::Server;

#[tokio::test]
async fn health_readiness_metrics_and_docs_answer() {
    let server = Server::start().await;
    assert_eq!(server.get("/healthz", None).await.expect(StatusCode::OK).text(), "ok");
    assert_eq!(server.get("/readyz", None).await.expect(StatusCode::OK).text(), "ready");
    server.get("/healthz", None).await;
    let metrics = server.get("/metrics", None).await;
    metrics.expect(StatusCode::OK);
    assert!(metrics.text().contains("ponte_http_responses"), "{}", metrics.text());
    let docs = server.get("/docs", None).await;
    docs.expect(StatusCode::OK);
    assert!(docs.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(docs.text().contains("<h2"), "the README rendered as HTML");
}

#[tokio::test]
async fn an_unknown_route_is_a_looker_shaped_404() {
    let server = Server::start().await;
    let answer = server.get("/api/4.0/no_such_thing", None).await;
    answer.expect(StatusCode::NOT_FOUND);
    assert_eq!(answer.error_message(), "no such route");
    let documentation = answer.json()["documentation_url"].as_str().unwrap().to_owned();
    assert!(documentation.starts_with("http://127.0.0.1:8080/docs"), "{documentation}");
}

#[tokio::test]
async fn admin_and_push_are_off_without_their_secrets() {
    let server = Server::start().await;
    let runs = server.get("/api/runs", Some("anything")).await;
    runs.expect(StatusCode::NOT_FOUND);
    assert!(runs.error_message().contains("admin_token_env"), "{}", runs.text());
    let trigger = server.post_json("/api/admin/trigger/sts_dados_infomerc", Some("anything"), &json!({})).await;
    trigger.expect(StatusCode::NOT_FOUND);
    let push = server.post_json("/pubsub/push", None, &json!({"message": {"data": ""}})).await;
    assert!(push.status.is_client_error(), "push without configured auth: {} {}", push.status, push.text());
    assert!(push.error_message().contains("push"), "{}", push.text());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let server = Server::start().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let token = server.login().await;
    let answer = server.post_json("/api/4.0/queries", Some(&token), &json!({ "model": huge })).await;
    answer.expect(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_panic_in_a_handler_is_that_requests_500() {
    let server = Server::start_with(|mut app| {
        app.admin_token = Some(ponte_server::Token::new("admin"));
        app
    })
    .await;
    server
        .post_json("/api/admin/trigger/sts_dados_infomerc", Some("wrong"), &json!({}))
        .await
        .expect(StatusCode::FORBIDDEN);
    let failed = server.post_json("/api/admin/trigger/sts_dados_infomerc", Some("admin"), &json!({})).await;
    failed.expect(StatusCode::INTERNAL_SERVER_ERROR);
    assert!(failed.error_message().contains("log has details"), "{}", failed.text());
    assert!(!failed.text().contains("test runner panics"), "the panic's text stays in the log: {}", failed.text());
    server.get("/healthz", None).await.expect(StatusCode::OK);
    let unknown = server.post_json("/api/admin/trigger/nope", Some("admin"), &json!({})).await;
    unknown.expect(StatusCode::NOT_FOUND);
    assert!(unknown.error_message().contains("nope"), "{}", unknown.text());
}
