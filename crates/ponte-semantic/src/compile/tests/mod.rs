//! Compiler tests over the comerc demo model: exact SQL and parameters for
//! both dialects, and every refusal.

mod derived;
mod errors;
mod filters;
mod security;
mod snapshots;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};

use super::{Caller, CompiledQuery, Dialect, QueryError, QueryRequest, Target, WarehouseColumns, compile};
use crate::model::{ColumnKind, Model, load_model};

fn demo() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
            .join("../../examples/comerc/models/comerc.toml");
        load_model(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The demo's warehouse columns, from its BigQuery schema file.
fn demo_columns() -> &'static WarehouseColumns {
    static COLUMNS: OnceLock<WarehouseColumns> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
            .join("../../examples/comerc/schemas/comerc.json");
        let tables = crate::model::columns_of_schema_file(&ponte_config::schema::load_schema_file(&path).unwrap());
        // Derived views' output columns, as the server adds them.
        crate::model::derived::with_derived_columns(std::slice::from_ref(demo()), &tables)
    })
}

/// A fixed "now": Wednesday 2024-05-15 15:30 UTC, 12:30 in São Paulo.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 15, 15, 30, 0).unwrap()
}

/// A customer of the portal: sees only client 7.
fn customer() -> Caller {
    Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), "7".to_owned())]) }
}

fn df() -> Target<'static> {
    Target::new(Dialect::DataFusion, demo_columns())
}

fn bq() -> Target<'static> {
    Target::new(Dialect::BigQuery, demo_columns())
}

/// A request from its JSON body, as the API receives it.
fn request(json: &str) -> QueryRequest {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn run(json: &str, target: &Target<'_>) -> Result<CompiledQuery, QueryError> {
    compile(demo(), &request(json), &customer(), target, now())
}

fn ok(json: &str, target: &Target<'_>) -> CompiledQuery {
    run(json, target).unwrap_or_else(|e| panic!("{e}"))
}

fn err(json: &str) -> QueryError {
    let error = run(json, &df()).expect_err("the query should be refused");
    assert_eq!(run(json, &bq()).expect_err("refused in both dialects"), error);
    error
}
