//! One server, in process: the reference deployment's config and model
//! (`examples/comerc`) over a small embedded warehouse loaded from the demo
//! data, one API client and one embed secret; requests go straight into
//! the router with `tower::ServiceExt::oneshot`, no socket.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use object_store::local::LocalFileSystem;
use ponte_config::{Config, LoadSpec, Store, StoreOptions, StoreUrl};
use ponte_embed::{Algorithm, EmbedParams, Secret};
use ponte_query::SemanticLayer;
use ponte_scheduler::{RunOutcome, Runner, Target};
use ponte_server::embed::Embedding;
use ponte_server::looker::session::Sessions;
use ponte_server::{AppState, router};
use ponte_state::Delivery;
use ponte_state::StateDb;
use ponte_warehouse::EmbeddedWarehouse;
use serde_json::Value;
use tower::ServiceExt as _;

pub const CLIENT_ID: &str = "router-client";
pub const CLIENT_SECRET: &str = "router-secret";
pub const EMBED_SECRET: &str = "router-embed-secret";
pub const BASE_URL: &str = "http://127.0.0.1:8080";

/// A runner that panics: the admin and push routes are off unless a test
/// turns them on, and the one that does checks that the panic stays inside
/// its request.
struct PanickingRunner;

#[async_trait::async_trait]
impl Runner for PanickingRunner {
    async fn run(&self, target: &Target, _: &Delivery) -> RunOutcome {
        panic!("the test runner panics on {}", target.name())
    }
}

/// The in-process server and the folder its files live in.
pub struct Server {
    _dir: tempfile::TempDir,
    router: Router,
}

/// What the server answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: status {} body {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A Looker-shaped error body: its `message`, after checking it has a
    /// `documentation_url` too.
    pub fn error_message(&self) -> String {
        let body = self.json();
        assert!(body["documentation_url"].is_string(), "no documentation_url in {body}");
        body["message"].as_str().unwrap_or_else(|| panic!("no message in {body}")).to_owned()
    }

    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.text());
        self
    }
}

fn example_config() -> Config {
    let path = ponte_testkit::repo_root().join("examples/comerc/ponte.toml");
    ponte_config::load(&path).expect("the example config is valid")
}

/// Loads every function's table from freshly written demo data.
async fn warehouse(dir: &std::path::Path, config: &Config) -> EmbeddedWarehouse {
    let src = dir.join("src");
    let mut options = ponte_demo::DemoDataOptions::new(&src);
    (options.rows, options.days) = (600, 3);
    ponte_demo::write_demo_data(&options, &|_| {}).expect("demo data");
    std::fs::create_dir_all(dir.join("wh")).unwrap();
    let warehouse = EmbeddedWarehouse::new(Arc::new(LocalFileSystem::new_with_prefix(dir.join("wh")).unwrap()), 1);
    let store = Arc::new(Store {
        name: "src".into(),
        url: StoreUrl::File { path: src.clone() },
        options: StoreOptions::default(),
    });
    for function in &config.functions {
        let spec = LoadSpec { store: store.clone(), ..function.load.clone() };
        ponte_warehouse::load(&spec, Arc::new(LocalFileSystem::new_with_prefix(&src).unwrap()), &warehouse)
            .await
            .unwrap_or_else(|e| panic!("loading {}: {e}", spec.table));
    }
    warehouse
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|app| app).await
    }

    /// A server whose state `change` adjusts before routing (a token set, say).
    pub async fn start_with(change: impl FnOnce(AppState) -> AppState) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(example_config());
        let warehouse: Arc<dyn ponte_warehouse::Warehouse> = Arc::new(warehouse(dir.path(), &config).await);
        let state = Arc::new(StateDb::open(&dir.path().join("state")).unwrap());
        let semantic = SemanticLayer::load(&config, warehouse).expect("the example model is valid");
        let models = semantic.models().iter().map(|m| m.name.clone()).collect();
        let attributes = BTreeMap::from([("id_cliente".to_owned(), "1".to_owned())]);
        let sessions = Sessions::new(vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), attributes)]);
        let secrets = vec![Secret::new(EMBED_SECRET, Algorithm::Sha256)];
        let embedding = Embedding::new(BASE_URL, secrets, models, state.clone()).unwrap();
        let app = AppState::new(config, state, Arc::new(PanickingRunner))
            .unwrap()
            .with_looker(Arc::new(semantic), sessions)
            .with_embedding(embedding);
        Self { _dir: dir, router: router(change(app)) }
    }

    /// Sends one request.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(request(Method::GET, path, token, Body::empty())).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        let mut request = request(Method::POST, path, token, Body::from(body.to_string()));
        request.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        self.send(request).await
    }

    /// An API access token for the test client.
    pub async fn login(&self) -> String {
        let form = format!("client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}");
        let mut request = request(Method::POST, "/api/4.0/login", None, Body::from(form));
        request.headers_mut().insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
        let answer = self.send(request).await;
        answer.expect(StatusCode::OK);
        answer.json()["access_token"].as_str().expect("access_token").to_owned()
    }

    /// The cookie of an embed session for customer `id_cliente`, opened
    /// with a signed URL for `target`.
    pub async fn embed_session(&self, target: &str, id_cliente: &str) -> String {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let mut params = EmbedParams::new(target, format!("user-{id_cliente}"), now);
        params.models = vec!["comerc".into()];
        params.permissions = ["access_data", "see_user_dashboards", "see_looks", "explore", "download_with_limit"]
            .map(String::from)
            .to_vec();
        let mut attributes = serde_json::Map::new();
        attributes.insert("id_cliente".into(), id_cliente.into());
        params.user_attributes = Some(attributes);
        let url = ponte_embed::sign_url(BASE_URL, &params, &Secret::new(EMBED_SECRET, Algorithm::Sha256));
        let path = url.strip_prefix(BASE_URL).expect("signed for the base URL");
        let answer = self.get(path, None).await;
        assert!(answer.status.is_redirection(), "login answered {}: {}", answer.status, answer.text());
        let cookie = answer.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }
}

pub fn request(method: Method, path: &str, token: Option<&str>, body: Body) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("token {token}"));
    }
    builder.body(body).unwrap()
}
