//! Persisted derived tables on both warehouses (the embedded one, and the
//! BigQuery backend against the local server that follows Google's REST
//! reference): rebuilt from the SELECT after a source table loads, read by
//! queries instead of the SELECT, access filter included; a failed rebuild
//! keeps the previous table. The expected numbers are summed in Rust from
//! the rows written, not by SQL.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use futures::StreamExt;
use ponte_config::{FieldMode, FieldSchema, FieldType, TableSchema};
use ponte_query::SemanticLayer;
use ponte_query::persist::{plan_after_load, rebuild};
use ponte_semantic::compile::{Caller, Dialect, QueryRequest};
use ponte_semantic::model::derived::with_derived_columns;
use ponte_semantic::model::{ColumnKind, check_columns, parse_model};
use ponte_warehouse::{BigQueryWarehouse, Credentials, EmbeddedWarehouse, Location, Warehouse, WarehouseExt};

const MODEL: &str = r#"
[model]
name = "shop"

[[views]]
name = "lojas"
derived_table = { sql = "SELECT o.loja, o.cliente, SUM(o.valor) AS total, COUNT(*) AS pedidos FROM pedidos AS o GROUP BY o.loja, o.cliente", persist = true }
dimensions = [{ name = "loja", type = "string" }, { name = "cliente", type = "number" }]
measures = [{ name = "total", type = "sum", sql = "total" }, { name = "pedidos", type = "sum", sql = "pedidos" }]

[[explores]]
name = "lojas"
access_filters = [{ field = "lojas.cliente", user_attribute = "id_cliente" }]
"#;

fn field(name: &str, field_type: FieldType) -> FieldSchema {
    FieldSchema {
        name: name.to_owned(),
        field_type,
        mode: FieldMode::Nullable,
        fields: Vec::new(),
        description: None,
        max_length: None,
        precision: None,
        scale: None,
        range_element_type: None,
    }
}

/// Orders spread over three shops and two customers.
fn orders(n: i64) -> (TableSchema, RecordBatch) {
    let schema = TableSchema {
        fields: vec![
            field("loja", FieldType::String),
            field("cliente", FieldType::Int64),
            field("valor", FieldType::Float64),
        ],
    };
    let shops: Vec<String> = (0..n).map(|i| format!("loja {}", i % 3)).collect();
    let clients: Vec<i64> = (0..n).map(|i| 1 + i % 2).collect();
    let values: Vec<f64> = (0..n).map(|i| (i * 7 % 100) as f64 + 0.25).collect();
    let batch = RecordBatch::try_new(
        Arc::new(ponte_warehouse::arrow_schema(&schema)),
        vec![
            Arc::new(StringArray::from(shops)),
            Arc::new(Int64Array::from(clients)),
            Arc::new(Float64Array::from(values)),
        ],
    )
    .unwrap();
    (schema, batch)
}

/// Per shop, the customer's total and count, summed here from the rows.
fn expected(batch: &RecordBatch, customer: i64) -> BTreeMap<String, (f64, i64)> {
    let shops = batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
    let clients = batch.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
    let values = batch.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
    let mut out = BTreeMap::new();
    for i in 0..batch.num_rows() {
        if clients.value(i) == customer {
            let e = out.entry(shops.value(i).to_owned()).or_insert((0.0, 0));
            e.0 += values.value(i);
            e.1 += 1;
        }
    }
    out
}

async fn write(warehouse: &dyn Warehouse, table: &str, schema: &TableSchema, batch: RecordBatch) {
    let stream = futures::stream::iter([Ok(batch)]).boxed();
    warehouse.replace_table(table, schema, stream).await.unwrap();
}

/// What a customer sees per shop through the explore.
async fn seen(layer: &SemanticLayer, dialect: Dialect, customer: i64) -> BTreeMap<String, (f64, i64)> {
    let request: QueryRequest = serde_json::from_str(
        r#"{"model": "shop", "view": "lojas", "fields": ["lojas.loja", "lojas.total", "lojas.pedidos"], "limit": "-1"}"#,
    )
    .unwrap();
    let caller = Caller { user_attributes: BTreeMap::from([("id_cliente".to_owned(), customer.to_string())]) };
    let (compiled, result) = layer.execute(&request, &caller, Default::default()).await.unwrap();
    let from = match dialect {
        Dialect::DataFusion => "FROM \"lojas\" AS \"lojas\"",
        Dialect::BigQuery => "FROM `lojas` AS `lojas`",
    };
    assert!(compiled.sql.contains(from), "reads the persisted table: {}", compiled.sql);
    let rows = ponte_query::render::json_rows(&compiled, &result.batches);
    rows.iter()
        .map(|r| {
            let total = r["lojas.total"].as_f64().unwrap();
            // A whole number; the local BigQuery server (DuckDB) gives a
            // SUM of INT64 as a float.
            let count = r["lojas.pedidos"].as_f64().unwrap_or_else(|| panic!("{r:?}"));
            assert_eq!(count.fract(), 0.0, "{r:?}");
            let count = count as i64;
            (r["lojas.loja"].as_str().unwrap().to_owned(), (total, count))
        })
        .collect()
}

fn close(a: &BTreeMap<String, (f64, i64)>, b: &BTreeMap<String, (f64, i64)>) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ka, (ta, na)), (kb, (tb, nb)))| ka == kb && na == nb && (ta - tb).abs() < 1e-6)
}

#[tokio::test]
async fn embedded() {
    let warehouse = Arc::new(EmbeddedWarehouse::new(Arc::new(object_store::memory::InMemory::new()), 2));
    rebuilt_after_its_source_loads_and_kept_when_a_rebuild_fails(warehouse.clone(), Dialect::DataFusion).await;
    assert_eq!(warehouse.list_tables().await.unwrap(), ["lojas", "pedidos"]);
}

#[tokio::test]
async fn bigquery() {
    let fake = ponte_testkit::BigQueryFake::start();
    let location =
        Location { project: "comerc-analytics".into(), dataset: "comerc".into(), location: Some("US".into()) };
    let warehouse =
        BigQueryWarehouse::connect(location, Credentials::AccessToken(fake.token.clone()), Some(&fake.endpoint))
            .await
            .unwrap()
            .with_retry_wait(std::time::Duration::from_millis(20));
    rebuilt_after_its_source_loads_and_kept_when_a_rebuild_fails(Arc::new(warehouse), Dialect::BigQuery).await;
    // Each rebuild is one query job that BigQuery writes into the table
    // itself (no rows through ponte, no load job for it).
    let requests = fake.requests();
    let jobs: Vec<&serde_json::Value> = requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/jobs")))
        .map(|r| &r["body"]["configuration"])
        .collect();
    let rebuilds: Vec<_> = jobs.iter().filter_map(|c| c.get("query")).collect();
    assert_eq!(rebuilds.len(), 3, "two rebuilds and a failed one: {jobs:#?}");
    for q in &rebuilds {
        assert_eq!(q["destinationTable"]["tableId"], "lojas");
        assert_eq!(q["writeDisposition"], "WRITE_TRUNCATE");
        assert_eq!(q["useLegacySql"], false);
        assert!(q["query"].as_str().unwrap().contains("SUM(`o`.`valor`) AS `total`"), "{q}");
    }
    assert!(!jobs.iter().any(|c| c["load"]["destinationTable"]["tableId"] == "lojas"), "{jobs:#?}");
}

async fn rebuilt_after_its_source_loads_and_kept_when_a_rebuild_fails(warehouse: Arc<dyn Warehouse>, dialect: Dialect) {
    let model = parse_model(MODEL, Path::new("shop.toml")).unwrap_or_else(|e| panic!("{e}"));
    let (schema, batch) = orders(300);
    write(warehouse.as_ref(), "pedidos", &schema, batch.clone()).await;
    let tables = BTreeMap::from([(
        "pedidos".to_owned(),
        BTreeMap::from([
            ("loja".to_owned(), ColumnKind::String),
            ("cliente".to_owned(), ColumnKind::Integer),
            ("valor".to_owned(), ColumnKind::Float),
        ]),
    )]);
    assert_eq!(check_columns(&model, &tables), []);
    let models = vec![model];
    let columns = with_derived_columns(&models, &tables);

    // Only a load of a source table rebuilds it.
    assert!(plan_after_load(&models, &columns, dialect, "outra").is_empty());
    let plans = plan_after_load(&models, &columns, dialect, "pedidos");
    let [Ok(plan)] = plans.as_slice() else { panic!("{plans:?}") };
    assert_eq!(plan.table, "lojas");
    let kinds: Vec<(&str, FieldType)> = plan.schema.fields.iter().map(|f| (f.name.as_str(), f.field_type)).collect();
    assert_eq!(
        kinds,
        [
            ("loja", FieldType::String),
            ("cliente", FieldType::Int64),
            ("total", FieldType::Float64),
            ("pedidos", FieldType::Int64)
        ]
    );
    let commit = rebuild(plan, warehouse.as_ref()).await.unwrap();
    assert_eq!(commit.rows, 6, "three shops, two customers");

    let layer = SemanticLayer::new(models.clone(), columns.clone(), dialect, warehouse.clone());
    for customer in [1, 2] {
        let want = expected(&batch, customer);
        assert!(!want.is_empty());
        let got = seen(&layer, dialect, customer).await;
        assert!(close(&got, &want), "customer {customer}: {got:?} != {want:?}");
    }

    // New rows load: the rebuild follows them.
    let (_, more) = orders(450);
    write(warehouse.as_ref(), "pedidos", &schema, more.clone()).await;
    rebuild(plan, warehouse.as_ref()).await.unwrap();
    let got = seen(&layer, dialect, 2).await;
    assert!(close(&got, &expected(&more, 2)), "{got:?}");

    // A source that no longer fits the SELECT: the rebuild fails, says
    // why, and the table keeps the rows it had.
    let broken = TableSchema { fields: vec![field("loja", FieldType::String)] };
    let batch = RecordBatch::try_new(
        Arc::new(ponte_warehouse::arrow_schema(&broken)),
        vec![Arc::new(StringArray::from(vec!["x"])) as Arc<dyn Array>],
    )
    .unwrap();
    write(warehouse.as_ref(), "pedidos", &broken, batch).await;
    let e = rebuild(plan, warehouse.as_ref()).await.unwrap_err();
    assert!(e.to_string().contains("rebuilding table `lojas` failed; the previous table is kept"), "{e}");
    let got = seen(&layer, dialect, 2).await;
    assert!(close(&got, &expected(&more, 2)), "the previous table is still read: {got:?}");
}
