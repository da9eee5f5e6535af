//! The HTML pages and their CSV downloads, embedded (an embed session's
//! cookie) and direct (an API token), and the error pages shown in their
//! place.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};

use crate::fixture::{Answer, Server, request};

async fn embedded(server: &Server, cookie: &str, path: &str) -> Answer {
    let mut r = request(Method::GET, path, None, Body::empty());
    r.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
    server.send(r).await
}

fn is_html(answer: &Answer) -> bool {
    answer.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html")
}

#[tokio::test]
async fn embedded_pages_and_downloads() {
    let server = Server::start().await;
    let cookie = server.embed_session("/embed/dashboards/visao_geral", "1").await;
    for path in
        ["/embed/dashboards/visao_geral", "/embed/looks/1", "/embed/explore/comerc/faturas?fields=faturas.custo_total"]
    {
        let page = embedded(&server, &cookie, path).await;
        page.expect(StatusCode::OK);
        assert!(is_html(&page), "{path}");
    }
    for path in [
        "/embed/looks/1/download/csv",
        "/embed/dashboards/visao_geral/tiles/1/download/csv",
        "/embed/explore/comerc/faturas/download/csv?fields=faturas.custo_total",
    ] {
        let csv = embedded(&server, &cookie, path).await;
        csv.expect(StatusCode::OK);
        assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"), "{path}");
        assert!(csv.text().lines().count() >= 2, "{path}: {}", csv.text());
    }
    let missing = embedded(&server, &cookie, "/embed/dashboards/nope").await;
    missing.expect(StatusCode::NOT_FOUND);
    assert!(is_html(&missing) && missing.text().contains("nope"), "{}", missing.text());
    let tile = embedded(&server, &cookie, "/embed/dashboards/visao_geral/tiles/99/download/csv").await;
    tile.expect(StatusCode::NOT_FOUND);
    let field = embedded(&server, &cookie, "/embed/explore/comerc/faturas?fields=faturas.nope").await;
    field.expect(StatusCode::BAD_REQUEST);
    assert!(is_html(&field));
    embedded(&server, &cookie, "/embed/elsewhere").await.expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_need_a_viewer() {
    let server = Server::start().await;
    let anonymous = server.get("/embed/dashboards/visao_geral", None).await;
    anonymous.expect(StatusCode::UNAUTHORIZED);
    assert!(is_html(&anonymous));
    server.get("/dashboards/visao_geral", None).await.expect(StatusCode::UNAUTHORIZED);
    let token = server.login().await;
    let direct = server.get("/dashboards/visao_geral", Some(&token)).await;
    direct.expect(StatusCode::OK);
    assert!(is_html(&direct));
    server.get("/looks/1/download/csv", Some(&token)).await.expect(StatusCode::OK);
}
