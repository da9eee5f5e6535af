//! The Looker API 4.0 routes: login and logout, queries (inline, saved,
//! URL-encoded, as tasks), content and the catalog; each with the status
//! and message a client gets when it is used wrong.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::fixture::{CLIENT_ID, Server, request};

fn query() -> Value {
    json!({
        "model": "comerc",
        "view": "faturas",
        "fields": ["faturas.mes_referencia_month", "faturas.custo_total"],
        "sorts": ["faturas.mes_referencia_month"],
        "limit": "10"
    })
}

#[tokio::test]
async fn login_refuses_bad_credentials_and_secrets_in_the_url() {
    let server = Server::start().await;
    let form = |body: String| {
        let mut r = request(Method::POST, "/api/4.0/login", None, Body::from(body));
        r.headers_mut().insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
        r
    };
    // Looker answers a failed login with 404, and so does ponte.
    let wrong = server.send(form(format!("client_id={CLIENT_ID}&client_secret=wrong"))).await;
    wrong.expect(StatusCode::NOT_FOUND);
    assert!(!wrong.text().contains("wrong"), "the secret is never echoed: {}", wrong.text());
    let missing = server.send(form(format!("client_id={CLIENT_ID}"))).await;
    assert!(missing.status.is_client_error(), "{} {}", missing.status, missing.text());
    missing.error_message();
    let in_url = server
        .send(request(
            Method::POST,
            &format!("/api/4.0/login?client_id={CLIENT_ID}&client_secret=router-secret"),
            None,
            Body::empty(),
        ))
        .await;
    in_url.expect(StatusCode::BAD_REQUEST);
    assert!(in_url.error_message().contains("sent in the URL"), "{}", in_url.text());
    assert!(!in_url.text().contains("router-secret"), "the secret is never echoed: {}", in_url.text());
}

#[tokio::test]
async fn a_token_works_until_logout() {
    let server = Server::start().await;
    let token = server.login().await;
    let me = server.get("/api/4.0/user", Some(&token)).await;
    me.expect(StatusCode::OK);
    assert!(me.json()["id"].is_string() || me.json()["id"].is_number(), "{}", me.text());
    server
        .send(request(Method::DELETE, "/api/4.0/logout", Some(&token), Body::empty()))
        .await
        .expect(StatusCode::NO_CONTENT);
    let after = server.get("/api/4.0/user", Some(&token)).await;
    after.expect(StatusCode::UNAUTHORIZED);
    after.error_message();
    server.get("/api/4.0/user", None).await.expect(StatusCode::UNAUTHORIZED);
    server.get("/api/4.0/user", Some("not-a-token")).await.expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn inline_queries_answer_rows_or_say_what_is_wrong() {
    let server = Server::start().await;
    let token = server.login().await;
    server.post_json("/api/4.0/queries/run/json", None, &query()).await.expect(StatusCode::UNAUTHORIZED);

    let rows = server.post_json("/api/4.0/queries/run/json", Some(&token), &query()).await;
    rows.expect(StatusCode::OK);
    let rows = rows.json();
    assert!(!rows.as_array().unwrap().is_empty(), "{rows}");
    assert!(rows[0]["faturas.custo_total"].is_number(), "{rows}");

    let csv = server.post_json("/api/4.0/queries/run/csv", Some(&token), &query()).await;
    csv.expect(StatusCode::OK);
    assert!(csv.text().lines().count() > 1, "{}", csv.text());

    let format = server.post_json("/api/4.0/queries/run/xlsx", Some(&token), &query()).await;
    format.expect(StatusCode::BAD_REQUEST);
    assert!(format.error_message().contains("xlsx"), "{}", format.text());

    let mut typo = query();
    typo["fields"] = json!(["faturas.custo_totl"]);
    let typo = server.post_json("/api/4.0/queries/run/json", Some(&token), &typo).await;
    typo.expect(StatusCode::BAD_REQUEST);
    assert!(typo.error_message().contains("did you mean `faturas.custo_total`?"), "{}", typo.text());

    let mut model = query();
    model["model"] = json!("nope");
    let model = server.post_json("/api/4.0/queries/run/json", Some(&token), &model).await;
    model.expect(StatusCode::NOT_FOUND);
    assert!(model.error_message().contains("nope"), "{}", model.text());

    let mut r = request(Method::POST, "/api/4.0/queries/run/json", Some(&token), Body::from("{not json"));
    r.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let malformed = server.send(r).await;
    malformed.expect(StatusCode::BAD_REQUEST);
    malformed.error_message();

    let mut many = query();
    let values: Vec<String> = (0..10_001).map(|i| i.to_string()).collect();
    many["filters"] = json!({ "faturas.id_unidade": values.join(",") });
    let many = server.post_json("/api/4.0/queries/run/json", Some(&token), &many).await;
    many.expect(StatusCode::BAD_REQUEST);
    assert!(many.error_message().contains("10000") || many.error_message().contains("10,000"), "{}", many.text());
}

#[tokio::test]
async fn saved_queries_and_query_tasks() {
    let server = Server::start().await;
    let token = server.login().await;
    let created = server.post_json("/api/4.0/queries", Some(&token), &query()).await;
    created.expect(StatusCode::OK);
    let id = created.json()["id"].as_str().expect("a string id").to_owned();
    server.get(&format!("/api/4.0/queries/{id}"), Some(&token)).await.expect(StatusCode::OK);
    let run = server.get(&format!("/api/4.0/queries/{id}/run/json"), Some(&token)).await;
    run.expect(StatusCode::OK);
    assert!(run.json().as_array().is_some_and(|rows| !rows.is_empty()));
    server.get("/api/4.0/queries/unknown/run/json", Some(&token)).await.expect(StatusCode::NOT_FOUND).error_message();

    let task = server
        .post_json("/api/4.0/query_tasks", Some(&token), &json!({ "query_id": id, "result_format": "json" }))
        .await;
    task.expect(StatusCode::OK);
    let task_id = task.json()["id"].as_str().unwrap().to_owned();
    let status = server.get(&format!("/api/4.0/query_tasks/{task_id}"), Some(&token)).await;
    status.expect(StatusCode::OK);
    // 202 while the query runs (as Looker documents), then the rows.
    let results_path = format!("/api/4.0/query_tasks/{task_id}/results");
    let mut results = server.get(&results_path, Some(&token)).await;
    for _ in 0..200 {
        if results.status != StatusCode::ACCEPTED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        results = server.get(&results_path, Some(&token)).await;
    }
    results.expect(StatusCode::OK);
    assert!(results.json().as_array().is_some_and(|rows| !rows.is_empty()), "{}", results.text());
    let multi = server.get(&format!("/api/4.0/query_tasks/multi_results?query_task_ids={task_id}"), Some(&token)).await;
    multi.expect(StatusCode::OK);
    server.get("/api/4.0/query_tasks/unknown", Some(&token)).await.expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn url_encoded_queries_run_with_the_url_parameters() {
    let server = Server::start().await;
    let token = server.login().await;
    let path = "/api/4.0/queries/models/comerc/views/faturas/run/json?fields=faturas.custo_total&limit=5";
    let rows = server.get(path, Some(&token)).await;
    rows.expect(StatusCode::OK);
    assert_eq!(rows.json().as_array().map(Vec::len), Some(1), "{}", rows.text());
    let unknown = server.get("/api/4.0/queries/models/comerc/views/nope/run/json?fields=x.y", Some(&token)).await;
    unknown.expect(StatusCode::NOT_FOUND);
    assert!(unknown.error_message().contains("nope"), "{}", unknown.text());
}

#[tokio::test]
async fn looks_dashboards_and_the_catalog() {
    let server = Server::start().await;
    let token = server.login().await;
    for path in [
        "/api/4.0/looks",
        "/api/4.0/looks/search?title=Custo%25",
        "/api/4.0/looks/1",
        "/api/4.0/dashboards",
        "/api/4.0/dashboards/search?title=Vis%25",
        "/api/4.0/dashboards/visao_geral",
        "/api/4.0/lookml_models",
        "/api/4.0/lookml_models/comerc",
        "/api/4.0/lookml_models/comerc/explores/faturas",
    ] {
        server.get(path, Some(&token)).await.expect(StatusCode::OK);
        server.get(path, None).await.expect(StatusCode::UNAUTHORIZED);
    }
    let look = server.get("/api/4.0/looks/1/run/json", Some(&token)).await;
    look.expect(StatusCode::OK);
    assert!(look.json().as_array().is_some_and(|rows| !rows.is_empty()));
    for path in [
        "/api/4.0/looks/999",
        "/api/4.0/looks/999/run/json",
        "/api/4.0/dashboards/nope",
        "/api/4.0/lookml_models/nope",
        "/api/4.0/lookml_models/comerc/explores/nope",
    ] {
        let answer = server.get(path, Some(&token)).await;
        answer.expect(StatusCode::NOT_FOUND);
        answer.error_message();
    }
    let fields = server.get("/api/4.0/looks/1?fields=id,title", Some(&token)).await;
    fields.expect(StatusCode::OK);
    let look = fields.json();
    assert_eq!(look.as_object().unwrap().len(), 2, "only the fields asked for: {}", fields.text());
    server.get("/api/4.0/looks/1?fields=id(", Some(&token)).await.expect(StatusCode::BAD_REQUEST);
}
