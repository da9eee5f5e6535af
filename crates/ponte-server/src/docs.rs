//! `GET /docs`: the README, served by the server it documents, so that
//! every error's `documentation_url` leads somewhere on every deployment
//! (Looker's lead to its documentation site; ponte's to the section of
//! this page that explains the route that answered).
//!
//! Errors are written with a relative `documentation_url` of `/docs`
//! ([`crate::error`]); [`document_errors`] turns it into the server's
//! public URL plus the anchor of the section for the request's route.

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;

/// The README, as the binary was built with it.
const README: &str = include_str!("../../../README.md");

/// The largest error body rewritten; errors are a sentence or two.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Which README section explains a route, by path prefix (first match).
const SECTIONS: [(&str, &str); 10] = [
    ("/api/4.0/login", "the-looker-api"),
    ("/api/4.0/embed/", "signed-embedding"),
    ("/api/4.0/", "the-looker-api"),
    ("/api/logout", "the-looker-api"),
    ("/api/", "ponte-serve-and-ponte-run-http"),
    ("/pubsub/push", "pubsub-push"),
    ("/login/embed/", "signed-embedding"),
    ("/embed/logout", "signed-embedding"),
    ("/embed/", "dashboards-looks-and-explores"),
    ("/", "ponte-serve-and-ponte-run-http"),
];

/// The section of the README that explains `path`.
pub(crate) fn section_of(path: &str) -> &'static str {
    let page = ["/dashboards/", "/looks/", "/explore/"].iter().any(|p| path.starts_with(p));
    if page {
        return "dashboards-looks-and-explores";
    }
    SECTIONS.iter().find(|(prefix, _)| path.starts_with(prefix)).map_or("threat-model", |(_, s)| s)
}

/// `GET /docs`
pub(crate) async fn page() -> Response {
    static HTML: OnceLock<String> = OnceLock::new();
    let html = HTML.get_or_init(|| render(README));
    let mut response = axum::response::Html(html.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// Markdown to a page, every heading with GitHub's anchor for it.
fn render(markdown: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, Options::ENABLE_TABLES).collect();
    let mut used = std::collections::HashMap::<String, usize>::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level: HeadingLevel = *level;
            let end = events[i..].iter().position(|e| matches!(e, Event::End(TagEnd::Heading(_)))).map_or(i, |n| i + n);
            let text: String = events[i + 1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let mut id = slug(&text);
            let seen = used.entry(id.clone()).or_insert(0);
            if *seen > 0 {
                id = format!("{id}-{seen}");
            }
            *seen += 1;
            events[i] =
                Event::Start(Tag::Heading { level, id: Some(id.into()), classes: Vec::new(), attrs: Vec::new() });
        }
        i += 1;
    }
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, events.into_iter());
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ponte</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
         pre,code{{background:#f4f4f4}}pre{{padding:.75rem;overflow:auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}}</style>\n\
         </head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// GitHub's heading anchor: lower case, spaces to hyphens, punctuation
/// other than hyphens and underscores dropped.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Makes an error's relative `documentation_url` the server's public
/// `…/docs#section` for the route that answered.
pub(crate) async fn document_errors(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let section = section_of(request.uri().path());
    let response = next.run(request).await;
    if response.status().as_u16() < 400 || !crate::json_body::is_json(&response) {
        return response;
    }
    let url = format!("{}{}#{section}", app.config.server.base_url(), crate::error::DOCS);
    let rewritten = crate::json_body::map_json(response, MAX_ERROR_BYTES, |error| match error {
        Value::Object(mut error) if error.get("documentation_url") == Some(&Value::from(crate::error::DOCS)) => {
            error.insert("documentation_url".into(), Value::from(url));
            Value::Object(error)
        }
        other => other,
    });
    rewritten.await.unwrap_or_else(|parts| Response::from_parts(parts, Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_an_error_points_at_is_a_heading_of_the_readme() {
        let html = render(README);
        for (_, section) in SECTIONS {
            assert!(html.contains(&format!("id=\"{section}\"")), "no heading with the anchor `{section}`");
        }
        assert!(html.contains("id=\"dashboards-looks-and-explores\"") && html.contains("id=\"threat-model\""));
    }

    #[test]
    fn routes_lead_to_their_sections() {
        assert_eq!(section_of("/api/4.0/queries/run/json"), "the-looker-api");
        assert_eq!(section_of("/api/4.0/embed/sso_url"), "signed-embedding");
        assert_eq!(section_of("/embed/dashboards/1"), "dashboards-looks-and-explores");
        assert_eq!(section_of("/looks/1/download/csv"), "dashboards-looks-and-explores");
        assert_eq!(section_of("/pubsub/push"), "pubsub-push");
        assert_eq!(slug("`ponte serve` and `ponte run`: HTTP"), "ponte-serve-and-ponte-run-http");
    }
}
