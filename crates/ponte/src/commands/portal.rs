//! The demo's customer portal: `examples/comerc/portal/index.html`, served
//! by `ponte demo` on a second port, with the main dashboard embedded (or
//! another of its model's, picked on the page).
//!
//! Its page embeds the dashboard with Looker's Embed SDK (the npm bundle in
//! `examples/comerc/portal/vendor/`, served from the portal's own origin),
//! and its server side does what a real portal's backend does for it, and
//! nothing more: it knows which customer is signed in (here: picked from a
//! list) and answers the SDK's auth call with a one-time embed URL for that
//! customer, signed with the embed secret, which never reaches the
//! browser. The customer's `id_cliente` goes into the URL's
//! `user_attributes`, so the dashboard's access filters show that
//! customer's rows only.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ponte_charts::escape_html;
use ponte_embed::{EmbedParams, Secret};
use ponte_warehouse::Warehouse;

/// The portal page, with `{{placeholders}}` filled per request.
const TEMPLATE: &str = include_str!("../../../../examples/comerc/portal/index.html");

/// The customers the picker offers (the first ones by id).
const CUSTOMERS_SHOWN: usize = 20;

/// What `ponte demo` asks for: where to serve the portal and which
/// dashboard it embeds.
#[derive(Debug, Clone)]
pub struct PortalSpec {
    /// `IP:port` to listen on.
    pub bind: String,
    /// The dashboard embedded (its id in the model that has it).
    pub dashboard: String,
}

/// The portal's socket, bound before the server starts so its origin can
/// be added to the embed domains (the dashboard accepts being framed by,
/// and posts events to, allowlisted origins only).
pub struct PortalListener {
    listener: std::net::TcpListener,
    /// The origins a browser may use for it (`http://localhost:8081` and
    /// `http://127.0.0.1:8081` for a loopback address).
    origins: Vec<String>,
    dashboard: String,
}

impl PortalListener {
    /// Binds `spec.bind`.
    pub fn bind(spec: &PortalSpec) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind(&spec.bind)
            .with_context(|| format!("cannot listen on {} for the portal", spec.bind))?;
        let addr = listener.local_addr()?;
        let origins = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
            vec![format!("http://localhost:{}", addr.port()), format!("http://127.0.0.1:{}", addr.port())]
        } else {
            vec![format!("http://{addr}")]
        };
        Ok(Self { listener, origins, dashboard: spec.dashboard.clone() })
    }

    /// Adds the portal's origins to `embed_domains`.
    pub fn allow_in(&self, embed_domains: &mut Vec<String>) {
        for origin in &self.origins {
            if !embed_domains.contains(origin) {
                embed_domains.push(origin.clone());
            }
        }
    }

    /// Serves the portal in the background, signing with the first of
    /// `secrets` for the model that has the dashboard.
    pub fn serve(
        self,
        config: &ponte_config::Config,
        semantic: &ponte_query::SemanticLayer,
        secrets: &[Secret],
        warehouse: Arc<dyn Warehouse>,
    ) -> anyhow::Result<()> {
        let secret = secrets.first().cloned().context("the portal needs an embed secret")?;
        let model = semantic
            .models()
            .iter()
            .find(|m| m.dashboard(&self.dashboard).is_some())
            .with_context(|| format!("no model has the dashboard `{}` the portal embeds", self.dashboard))?;
        let portal = Portal {
            ponte_base: config.server.base_url(),
            origins: self.origins.clone(),
            secret,
            model: model.name.clone(),
            dashboard: self.dashboard.clone(),
            dashboards: model.dashboards.iter().map(|d| (d.id.clone(), d.title.clone())).collect(),
            warehouse,
        };
        self.listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let url = format!("{}/", self.origins[0]);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router(Arc::new(portal))).await {
                tracing::error!("the customer portal stopped: {e}");
            }
        });
        eprintln!("  the customer portal at {url} (embeds the dashboard {})", self.dashboard);
        Ok(())
    }
}

/// What the portal needs to sign and embed.
struct Portal {
    /// ponte's public URL (where the iframe points).
    ponte_base: String,
    /// The portal's own origins; the one the browser used becomes the
    /// dashboard's `embed_domain`, so events come back to it.
    origins: Vec<String>,
    /// The secret URLs are signed with.
    secret: Secret,
    /// The model, and the dashboard embedded unless the page picks another.
    model: String,
    dashboard: String,
    /// The model's dashboards (id, title), which the page offers.
    dashboards: Vec<(String, String)>,
    /// Where customers come from.
    warehouse: Arc<dyn Warehouse>,
}

/// The portal's routes.
fn router(portal: Arc<Portal>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/auth/{cliente}", get(auth))
        .route("/vendor/looker-embed-sdk.js", get(embed_sdk))
        .with_state(portal)
}

/// `GET /vendor/looker-embed-sdk.js`
async fn embed_sdk() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        crate::examples::EMBED_SDK_JS,
    )
        .into_response()
}

/// The SDK's auth call: `?src=` is the embed page it is about to load.
#[derive(serde::Deserialize)]
struct AuthQuery {
    src: String,
}

/// `GET /auth/{cliente}?src=…`: what the Embed SDK asks the portal's server
/// for: `{"url": <a signed login URL for src>}`. A portal signs only what
/// its user may open: here the model's dashboards, for the customer signed
/// in, with the `embed_domain` the SDK gives (one of the portal's origins).
async fn auth(
    State(portal): State<Arc<Portal>>,
    axum::extract::Path(cliente): axum::extract::Path<String>,
    Query(query): Query<AuthQuery>,
) -> Response {
    let customers = match customers(portal.warehouse.as_ref()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("portal: cannot list customers: {e}");
            return (StatusCode::SERVICE_UNAVAILABLE, "cannot list customers; see the server log").into_response();
        }
    };
    let Some(customer) = cliente.parse::<i64>().ok().and_then(|id| customers.into_iter().find(|c| c.id == id)) else {
        return (StatusCode::NOT_FOUND, "no such customer").into_response();
    };
    let (path, params) = query.src.split_once('?').unwrap_or((&query.src, ""));
    let allowed_origin = serde_urlencoded::from_str::<Vec<(String, String)>>(params)
        .unwrap_or_default()
        .into_iter()
        .any(|(k, v)| k == "embed_domain" && portal.origins.contains(&v));
    let own = portal.dashboards.iter().any(|(id, _)| path == format!("/embed/dashboards/{id}"));
    if !own || !allowed_origin {
        return (StatusCode::FORBIDDEN, "the portal signs its own dashboards for its own pages only").into_response();
    }
    let url = sign(&portal, &customer, &query.src);
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(serde_json::json!({ "url": url }))).into_response()
}

#[derive(serde::Deserialize)]
struct Picked {
    cliente: Option<String>,
    tema: Option<String>,
    painel: Option<String>,
}

/// The themes the portal offers (the demo model's), with their labels.
const THEMES: [(&str, &str); 3] = [("", "Padrão"), ("claro", "Claro"), ("escuro", "Escuro")];

/// A customer of the demo data.
struct Customer {
    id: i64,
    name: String,
}

/// The demo's customers, from the warehouse (a real portal has its own
/// customer records).
async fn customers(warehouse: &dyn Warehouse) -> Result<Vec<Customer>, String> {
    let sql = format!(
        "SELECT id_cliente, MIN(nome_cliente) AS nome FROM objeto_estrutura_atendimento \
         GROUP BY id_cliente ORDER BY id_cliente LIMIT {CUSTOMERS_SHOWN}"
    );
    let result = warehouse.query(&sql, &[]).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in &result.batches {
        let options = arrow_cast::display::FormatOptions::default();
        let ids = arrow_cast::display::ArrayFormatter::try_new(batch.column(0), &options).map_err(|e| e.to_string())?;
        let names =
            arrow_cast::display::ArrayFormatter::try_new(batch.column(1), &options).map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            let id = ids.value(row).to_string().parse().map_err(|_| "a customer id is not a number".to_owned())?;
            out.push(Customer { id, name: names.value(row).to_string() });
        }
    }
    Ok(out)
}

/// `GET /?cliente=N`: the portal page for customer N (the first by default).
async fn page(State(portal): State<Arc<Portal>>, Query(picked): Query<Picked>) -> Response {
    let customers = match customers(portal.warehouse.as_ref()).await {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "no customers yet: load the demo data first").into_response();
        }
        Err(e) => {
            tracing::error!("portal: cannot list customers: {e}");
            return (StatusCode::SERVICE_UNAVAILABLE, "cannot list customers; see the server log").into_response();
        }
    };
    let chosen = picked
        .cliente
        .and_then(|c| c.parse::<i64>().ok())
        .and_then(|id| customers.iter().find(|c| c.id == id))
        .unwrap_or(&customers[0]);
    let options: String = customers
        .iter()
        .map(|c| {
            let selected = if c.id == chosen.id { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{} · {}</option>", c.id, c.id, escape_html(&c.name))
        })
        .collect();
    let theme = THEMES.iter().find(|(name, _)| Some(*name) == picked.tema.as_deref()).map_or("", |(name, _)| name);
    let theme_options: String = THEMES
        .iter()
        .map(|(name, label)| {
            let selected = if *name == theme { " selected" } else { "" };
            format!("<option value=\"{name}\"{selected}>{label}</option>")
        })
        .collect();
    let (dashboard, dashboard_title) = portal
        .dashboards
        .iter()
        .find(|(id, _)| Some(id.as_str()) == picked.painel.as_deref())
        .or_else(|| portal.dashboards.iter().find(|(id, _)| *id == portal.dashboard))
        .map_or((portal.dashboard.as_str(), ""), |(id, title)| (id.as_str(), title.as_str()));
    let dashboard_options: String = portal
        .dashboards
        .iter()
        .map(|(id, title)| {
            let selected = if id == dashboard { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{}</option>", escape_html(id), escape_html(title))
        })
        .collect();
    let ponte_origin = origin_of(&portal.ponte_base);
    // A value inside <script> is JSON, with `<` escaped so it cannot close
    // the script; everything else is HTML-escaped.
    let portal_js = serde_json::json!({
        "ponteBase": portal.ponte_base,
        "customer": chosen.id,
        "dashboard": dashboard,
        "theme": theme,
    })
    .to_string()
    .replace('<', "\\u003c");
    let body = fill(
        TEMPLATE,
        &[
            ("customer_options", options.as_str()),
            ("theme_options", theme_options.as_str()),
            ("dashboard_options", dashboard_options.as_str()),
            ("dashboard_title", &escape_html(dashboard_title)),
            ("customer_name", &escape_html(&chosen.name)),
            ("ponte_origin", &escape_html(&ponte_origin)),
            ("portal_js", &portal_js),
        ],
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// `template` with each `{{name}}` replaced by its value, in one pass, so a
/// value that holds `{{…}}` is not filled again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| values.iter().find(|(k, _)| *k == &after[..end]).map(|(_, v)| (end, v))) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A one-time login URL for `customer` to open `target`: their own rows,
/// the dashboard's permissions, an hour's session.
fn sign(portal: &Portal, customer: &Customer, target: &str) -> String {
    let mut params =
        EmbedParams::new(target.to_owned(), format!("portal-cliente-{}", customer.id), chrono::Utc::now().timestamp());
    params.session_length = 3600;
    params.permissions = ["access_data", "see_user_dashboards", "see_looks", "explore", "download_with_limit"]
        .map(str::to_owned)
        .to_vec();
    params.models = vec![portal.model.clone()];
    let mut attributes = serde_json::Map::new();
    attributes.insert("id_cliente".to_owned(), customer.id.to_string().into());
    params.user_attributes = Some(attributes);
    params.first_name = Some(customer.name.clone());
    ponte_embed::sign_url(&portal.ponte_base, &params, &portal.secret)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, authority) = ponte_embed::split_host(url);
    format!("{scheme}://{authority}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        let filled = fill("<p>{{a}} {{b}} {{unknown}}</p>", &[("a", "{{b}}"), ("b", "x")]);
        assert_eq!(filled, "<p>{{b}} x {{unknown}}</p>");
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("https://bi.example.com/x"), "https://bi.example.com");
    }
}
