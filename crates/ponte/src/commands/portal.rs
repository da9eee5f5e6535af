//! The demo's customer portal: `examples/comerc/portal/index.html`, served
//! by `ponte demo` on a second port, with the main dashboard embedded.
//!
//! Its server side does what a real portal's backend does, and nothing
//! more: it knows which customer is signed in (here: picked from a list),
//! signs a one-time embed URL for that customer with the embed secret, which
//! never reaches the browser, and puts the URL in an iframe. The customer's
//! `id_cliente` goes into the URL's `user_attributes`, so the dashboard's
//! access filters show that customer's rows only.

use std::sync::Arc;

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

/// What the portal needs to sign and embed.
pub struct Portal {
    /// ponte's public URL (where the iframe points).
    pub ponte_base: String,
    /// The portal's own origin (`http://localhost:8081`): the dashboard's
    /// `embed_domain`, so it posts its events here.
    pub origin: String,
    /// The secret URLs are signed with.
    pub secret: Secret,
    /// The model and dashboard embedded.
    pub model: String,
    pub dashboard: String,
    /// Where customers come from.
    pub warehouse: Arc<dyn Warehouse>,
}

/// The portal's routes.
pub fn router(portal: Arc<Portal>) -> Router {
    Router::new().route("/", get(page)).with_state(portal)
}

#[derive(serde::Deserialize)]
struct Picked {
    cliente: Option<String>,
}

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
    let embed_url = sign(&portal, chosen);
    let options: String = customers
        .iter()
        .map(|c| {
            let selected = if c.id == chosen.id { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{} · {}</option>", c.id, c.id, escape_html(&c.name))
        })
        .collect();
    let ponte_origin = origin_of(&portal.ponte_base);
    let body = TEMPLATE
        .replace("{{customer_options}}", &options)
        .replace("{{customer_name}}", &escape_html(&chosen.name))
        .replace("{{embed_url}}", &escape_html(&embed_url))
        .replace("{{ponte_origin}}", &escape_html(&ponte_origin));
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// A one-time login URL for `customer`: their own rows, the dashboard's
/// permissions, an hour's session.
fn sign(portal: &Portal, customer: &Customer) -> String {
    let query = serde_urlencoded::to_string([("embed_domain", portal.origin.as_str())]).unwrap_or_default();
    let target = format!("/embed/dashboards/{}?{query}", portal.dashboard);
    let mut params =
        EmbedParams::new(target, format!("portal-cliente-{}", customer.id), chrono::Utc::now().timestamp());
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
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("https://bi.example.com/x"), "https://bi.example.com");
    }
}
