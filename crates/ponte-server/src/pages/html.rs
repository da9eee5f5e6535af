//! The shell every page shares: the document around the content, its
//! security headers, the messages it posts to an embedding portal, and
//! error pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ponte_charts::{Locale, escape_html};
use serde_json::Value;

use super::viewer::{Download, Viewer};
use crate::AppState;
use crate::error::ApiError;

/// Where the page's one script is served (same origin, so the CSP can say
/// `script-src 'self'` and allow no inline script).
pub(crate) const SCRIPT_PATH: &str = "/assets/ponte.js";

/// The script: posts the page's embed events to the parent window, and
/// small niceties. Pages work without it.
pub(crate) const SCRIPT: &str = include_str!("ponte.js");

/// The page's own styles, on top of ponte-charts' tile styles.
const PAGE_CSS: &str = include_str!("page.css");

/// The Looker release whose embed protocol the pages speak, reported in
/// `page:changed` as `page.lookerVersion`: Embed SDK 2.x loads other pages
/// into the frame with `page:load` only for Looker 25 and later, and the
/// pages handle `page:load`.
pub(crate) const LOOKER_VERSION: &str = "25.0.0";

/// Looker's `page:changed` event for a page at `url` (path and query, under
/// `/embed/` for embed pages: the SDK reads the page's kind from it).
pub(crate) fn page_changed(kind: &str, url: &str, absolute_url: &str) -> Value {
    serde_json::json!({
        "type": "page:changed",
        "page": { "type": kind, "url": url, "absoluteUrl": absolute_url, "lookerVersion": LOOKER_VERSION },
    })
}

/// How a page may be framed and whom it talks to.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// An embed page (framed by the portal) or a page of ponte's own.
    pub embedded: bool,
    /// The portal origin that receives embed events: the page's
    /// `embed_domain` parameter, only when the config allowlists it.
    pub parent_origin: Option<String>,
    /// The `frame-ancestors` sources.
    ancestors: String,
    /// A cookieless session's navigation token, which the page's links and
    /// forms carry on (and its script renews).
    pub navigation_token: Option<String>,
    /// The page's `theme=`, carried on to the pages it links to.
    pub theme: Option<String>,
}

impl Frame {
    /// The frame of a page; `embed_domain` is the page's parameter of that
    /// name, honoured only when it is one of `server.embed_domains`.
    pub fn new(app: &AppState, embedded: bool, embed_domain: Option<&str>) -> Self {
        let domains = &app.config.server.embed_domains;
        let normalize = |d: &str| d.trim_end_matches('/').to_owned();
        let parent_origin = embed_domain
            .filter(|_| embedded)
            .map(normalize)
            .filter(|wanted| domains.iter().any(|d| &normalize(d) == wanted));
        if let (true, Some(given), None) = (embedded, embed_domain, &parent_origin) {
            tracing::warn!(embed_domain = given, "embed_domain is not in server.embed_domains; no events are posted");
        }
        let ancestors = if embedded {
            std::iter::once("'self'".to_owned())
                .chain(domains.iter().map(|d| normalize(d)))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            "'none'".to_owned()
        };
        Self { embedded, parent_origin, ancestors, navigation_token: None, theme: None }
    }

    /// The prefix of this frame's page paths (`/embed` or nothing).
    pub fn prefix(&self) -> &'static str {
        if self.embedded { "/embed" } else { "" }
    }

    /// The query-string tail that keeps the frame's parameters on links
    /// and forms (`embed_domain`, a cookieless navigation token, `theme`).
    pub fn keep(&self) -> Vec<(&'static str, String)> {
        let origin = self.parent_origin.iter().map(|o| ("embed_domain", o.clone()));
        let token = self.navigation_token.iter().map(|t| (crate::embed::NAVIGATION_TOKEN, t.clone()));
        let theme = self.theme.iter().map(|t| ("theme", t.clone()));
        origin.chain(token).chain(theme).collect()
    }

    fn csp(&self) -> String {
        format!(
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors {}",
            self.ancestors
        )
    }
}

/// A page's content and metadata.
pub(crate) struct Page {
    /// The document title and heading.
    pub title: String,
    /// Shown under the heading.
    pub description: Option<String>,
    /// The model's locale (the document's `lang`).
    pub locale: Locale,
    /// Above the content: filters or the explore's controls.
    pub controls: String,
    /// The content.
    pub main: String,
    /// Looker-style embed events, posted to the portal in order on load.
    pub events: Vec<Value>,
    /// The theme's CSS (see [`theme_css`]), after the default stylesheet.
    pub theme_css: String,
}

impl Page {
    /// The page as a response with its security headers.
    pub fn into_response(self, frame: &Frame) -> Response {
        let events = Value::Array(self.events).to_string().replace('<', "\\u003c");
        let origin = frame.parent_origin.as_deref().map(escape_html).unwrap_or_default();
        let description = self
            .description
            .filter(|d| !d.is_empty())
            .map(|d| format!("<p class=\"page-desc\">{}</p>", escape_html(&d)))
            .unwrap_or_default();
        let body = format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>\n{charts}{page}{theme}</style>\n</head>\n\
             <body class=\"{class}\" data-parent-origin=\"{origin}\" data-prefix=\"{prefix}\" \
             data-cookieless=\"{cookieless}\">\n\
             <header class=\"page-head\"><h1>{title}</h1>{description}</header>\n{controls}\n\
             <main>\n{main}</main>\n\
             <script type=\"application/json\" id=\"ponte-events\">{events}</script>\n\
             <script src=\"{SCRIPT_PATH}\" defer></script>\n</body>\n</html>\n",
            lang = self.locale.tag(),
            title = escape_html(&self.title),
            charts = ponte_charts::stylesheet(),
            page = PAGE_CSS,
            theme = self.theme_css,
            class = if frame.embedded { "embedded" } else { "standalone" },
            prefix = frame.prefix(),
            cookieless = if frame.navigation_token.is_some() { "1" } else { "" },
            controls = self.controls,
            main = self.main,
        );
        respond(StatusCode::OK, frame, body)
    }
}

/// The CSS of the theme a page is drawn with: the URL's `theme=` when the
/// model has a theme of that name, else `default` (a dashboard's own),
/// else none. An unknown name falls back rather than failing, as a portal
/// built for Looker may pass a theme of its Looker instance (`Looker`).
pub(crate) fn theme_css(model: &ponte_semantic::model::Model, params: &super::Params, default: Option<&str>) -> String {
    let asked = params.get("theme").filter(|t| !t.is_empty());
    let theme = asked.and_then(|t| model.themes.iter().find(|th| th.name == t)).or_else(|| {
        if let Some(t) = asked {
            tracing::info!(theme = %crate::error::quoted(t), model = %model.name, "unknown theme; the page's default is used");
        }
        default.and_then(|d| model.themes.iter().find(|th| th.name == d))
    });
    theme.map(|t| t.css()).unwrap_or_default()
}

/// A refusal or failure as a page: the status, and the reason in words.
pub(crate) fn error_page(error: &ApiError, frame: &Frame) -> Response {
    let heading = match error.status {
        StatusCode::UNAUTHORIZED => "Not signed in",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        s if s.is_client_error() => "This page cannot be shown",
        _ => "Something went wrong",
    };
    message_page(error.status, heading, &error.message, frame)
}

/// A small page with a heading and one sentence, both escaped.
pub(crate) fn message_page(status: StatusCode, heading: &str, message: &str, frame: &Frame) -> Response {
    let heading = escape_html(heading);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>ponte: {heading}</title>\n<style>\n{PAGE_CSS}</style>\n</head>\n\
         <body class=\"error-page\">\n<main class=\"notice\"><h1>{heading}</h1><p>{}</p></main>\n</body>\n</html>\n",
        escape_html(message)
    );
    respond(status, frame, body)
}

fn respond(status: StatusCode, frame: &Frame, body: String) -> Response {
    let mut response = (status, axum::response::Html(body)).into_response();
    let headers = response.headers_mut();
    // A policy that cannot be a header (a configured domain with a control
    // character) fails closed: the page may not be framed at all.
    let csp = HeaderValue::from_str(&frame.csp()).unwrap_or_else(|_| {
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    });
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    // Pages hold one customer's rows: never cached by the browser or a proxy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Words on pages, in the model's language.
pub(crate) struct Words {
    pub filters: &'static str,
    pub apply: &'static str,
    pub clear: &'static str,
    pub any_value: &'static str,
    pub download_csv: &'static str,
    pub tile_failed: &'static str,
    pub fields: &'static str,
    pub dimensions: &'static str,
    pub measures: &'static str,
    pub filter: &'static str,
    pub sort: &'static str,
    /// The explore form's pivot control.
    pub pivot: &'static str,
    pub descending: &'static str,
    pub limit: &'static str,
    pub chart: &'static str,
    pub run: &'static str,
    pub pick_fields: &'static str,
    pub rows: &'static str,
    pub none: &'static str,
    pub back_to_dashboard: &'static str,
    /// A range's first end (`de`).
    pub from: &'static str,
    /// A range's last end, included (`até`).
    pub until: &'static str,
    /// The drill menu's name and its entries.
    pub drill: &'static str,
    pub show_rows: &'static str,
    pub drill_by: &'static str,
}

impl Words {
    const PT: Words = Words {
        filters: "Filtros",
        apply: "Aplicar",
        clear: "Limpar",
        any_value: "qualquer valor",
        download_csv: "Baixar CSV",
        tile_failed: "Não foi possível carregar este bloco.",
        fields: "Campos",
        dimensions: "Dimensões",
        measures: "Medidas",
        filter: "Filtro",
        sort: "Ordenar por",
        pivot: "Pivotar por",
        descending: "decrescente",
        limit: "Limite de linhas",
        chart: "Gráfico",
        run: "Executar",
        pick_fields: "Escolha ao menos um campo e clique em Executar.",
        rows: "linhas",
        none: "nenhum",
        back_to_dashboard: "Voltar ao painel",
        from: "de",
        until: "até",
        drill: "Detalhar",
        show_rows: "Ver linhas",
        drill_by: "Por",
    };
    const EN: Words = Words {
        filters: "Filters",
        apply: "Apply",
        clear: "Clear",
        any_value: "any value",
        download_csv: "Download CSV",
        tile_failed: "This tile could not be loaded.",
        fields: "Fields",
        dimensions: "Dimensions",
        measures: "Measures",
        filter: "Filter",
        sort: "Sort by",
        pivot: "Pivot on",
        descending: "descending",
        limit: "Row limit",
        chart: "Chart",
        run: "Run",
        pick_fields: "Pick at least one field and press Run.",
        rows: "rows",
        none: "none",
        back_to_dashboard: "Back to the dashboard",
        from: "from",
        until: "until",
        drill: "Drill",
        show_rows: "Show rows",
        drill_by: "By",
    };

    /// The words for `locale`.
    pub fn of(locale: &Locale) -> &'static Words {
        if locale.tag().starts_with("pt") { &Self::PT } else { &Self::EN }
    }
}

/// A tile with a download link below it, when the viewer may download.
pub(crate) fn with_download(tile: String, viewer: &Viewer, href: impl FnOnce() -> String, words: &Words) -> String {
    if viewer.download() == Download::None {
        return tile;
    }
    let link = format!(
        "<p class=\"tile-foot\"><a href=\"{}\" download>{}</a></p>\n",
        escape_html(&href()),
        words.download_csv
    );
    match tile.rfind("</section>") {
        Some(end) => format!("{}{link}{}", &tile[..end], &tile[end..]),
        None => tile + &link,
    }
}

/// `key=value&…`, form-encoded, for links.
pub(crate) fn query_string<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Hidden inputs that carry the frame's parameters through a form.
pub(crate) fn hidden_inputs(frame: &Frame) -> String {
    frame
        .keep()
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", escape_html(v)))
        .collect()
}
