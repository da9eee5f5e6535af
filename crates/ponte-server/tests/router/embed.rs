//! Signed embedding: the login URL, logout, the API calls a portal's
//! backend makes (sso_url, validate, cookieless sessions), each refused the
//! way a Looker portal expects when used wrong.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::fixture::{BASE_URL, Server, request};

#[tokio::test]
async fn a_signed_url_opens_a_session_once() {
    let server = Server::start().await;
    let cookie = server.embed_session("/embed/dashboards/visao_geral", "1").await;
    assert!(cookie.starts_with("ponte_embed="), "{cookie}");

    let token = server.login().await;
    let body = json!({ "target_url": format!("{BASE_URL}/embed/looks/1"), "external_user_id": "u1",
                       "models": ["comerc"], "permissions": ["access_data", "see_looks"],
                       "user_attributes": { "id_cliente": "1" } });
    let signed = server.post_json("/api/4.0/embed/sso_url", Some(&token), &body).await;
    signed.expect(StatusCode::OK);
    let url = signed.json()["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(BASE_URL).unwrap().to_owned();

    let validated = server.get(&format!("/api/4.0/embed/sso/validate?url={}", urlencode(&url)), Some(&token)).await;
    validated.expect(StatusCode::OK);

    server.get(&path, None).await.expect(StatusCode::SEE_OTHER);
    let replay = server.get(&path, None).await;
    replay.expect(StatusCode::UNAUTHORIZED);
    assert!(replay.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(replay.text().contains("cannot be used"), "{}", replay.text());

    let tampered = path.replace("looks%2F1", "looks%2F2");
    assert_ne!(tampered, path);
    let tampered = server.get(&tampered, None).await;
    tampered.expect(StatusCode::UNAUTHORIZED);
    assert!(tampered.text().contains("signature"), "{}", tampered.text());
}

#[tokio::test]
async fn sso_url_refuses_what_the_client_may_not_grant() {
    let server = Server::start().await;
    let token = server.login().await;
    let url = "/api/4.0/embed/sso_url";
    let body = json!({ "target_url": format!("{BASE_URL}/embed/looks/1"), "external_user_id": "u1",
                       "models": ["comerc"], "user_attributes": { "id_cliente": "2" } });
    server.post_json(url, None, &body).await.expect(StatusCode::UNAUTHORIZED);
    let other_customer = server.post_json(url, Some(&token), &body).await;
    other_customer.expect(StatusCode::FORBIDDEN);
    other_customer.error_message();
    // The host of a target is not checked (a portal moving from Looker may
    // still name Looker's), but its path must be an embed page.
    let mut bad_target = body.clone();
    bad_target["target_url"] = json!(format!("{BASE_URL}/admin"));
    bad_target["user_attributes"] = json!({ "id_cliente": "1" });
    let bad_target = server.post_json(url, Some(&token), &bad_target).await;
    bad_target.expect(StatusCode::BAD_REQUEST);
    bad_target.error_message();
    let mut r = request(Method::POST, url, Some(&token), Body::from("[]"));
    r.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    server.send(r).await.expect(StatusCode::BAD_REQUEST);
    let not_signed = server.get("/api/4.0/embed/sso/validate?url=https%3A%2F%2Fx.example.com%2F", Some(&token)).await;
    not_signed.expect(StatusCode::BAD_REQUEST);
    assert!(not_signed.error_message().contains("not a signed embed URL"), "{}", not_signed.text());
}

#[tokio::test]
async fn cookieless_sessions_acquire_renew_and_end() {
    let server = Server::start().await;
    let token = server.login().await;
    let agent = "Mozilla/5.0 (router test)";
    let call = |method: Method, path: &str, body: serde_json::Value, agent: &str| {
        let mut r = request(method, path, Some(&token), Body::from(body.to_string()));
        r.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        r.headers_mut().insert(header::USER_AGENT, agent.parse().unwrap());
        r
    };
    let acquire = json!({ "external_user_id": "u1", "models": ["comerc"], "permissions": ["access_data"],
                          "user_attributes": { "id_cliente": "1" } });
    let acquired =
        server.send(call(Method::POST, "/api/4.0/embed/cookieless_session/acquire", acquire.clone(), agent)).await;
    acquired.expect(StatusCode::OK);
    let reference = acquired.json()["session_reference_token"].as_str().unwrap().to_owned();
    assert!(!acquired.json()["authentication_token"].as_str().unwrap().is_empty());

    let generate = json!({ "session_reference_token": reference });
    let path = "/api/4.0/embed/cookieless_session/generate_tokens";
    let renewed = server.send(call(Method::PUT, path, generate.clone(), agent)).await;
    renewed.expect(StatusCode::OK);
    assert!(renewed.json()["navigation_token_ttl"].as_i64().unwrap() > 0, "{}", renewed.text());
    server.send(call(Method::PUT, path, generate.clone(), "another browser")).await.expect(StatusCode::FORBIDDEN);
    server.send(call(Method::PUT, path, json!({}), agent)).await.expect(StatusCode::BAD_REQUEST);

    let mut no_user = acquire.clone();
    no_user["external_user_id"] = json!("");
    let no_user = server.send(call(Method::POST, "/api/4.0/embed/cookieless_session/acquire", no_user, agent)).await;
    no_user.expect(StatusCode::BAD_REQUEST);
    assert!(no_user.error_message().contains("external_user_id"), "{}", no_user.text());

    let end = format!("/api/4.0/embed/cookieless_session/{reference}");
    server.send(call(Method::DELETE, &end, json!({}), agent)).await.expect(StatusCode::NO_CONTENT);
    server.send(call(Method::DELETE, &end, json!({}), agent)).await.expect(StatusCode::NOT_FOUND);
    let ended = server.send(call(Method::PUT, path, generate, agent)).await;
    ended.expect(StatusCode::OK);
    assert_eq!(ended.json()["navigation_token_ttl"], 0, "an ended session renews nothing: {}", ended.text());
}

#[tokio::test]
async fn logout_ends_the_embed_session() {
    let server = Server::start().await;
    let cookie = server.embed_session("/embed/dashboards/visao_geral", "1").await;
    let page = |cookie: &str| {
        let mut r = request(Method::GET, "/embed/dashboards/visao_geral", None, Body::empty());
        r.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
        r
    };
    server.send(page(&cookie)).await.expect(StatusCode::OK);
    let mut out = request(Method::POST, "/embed/logout", None, Body::empty());
    out.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
    server.send(out).await.expect(StatusCode::OK);
    let after = server.send(page(&cookie)).await;
    after.expect(StatusCode::UNAUTHORIZED);
    assert!(after.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
