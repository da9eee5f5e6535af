//! Queries over loaded tables, checked against DuckDB reading the source
//! files directly.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int64Type};
use futures::StreamExt;
use object_store::local::LocalFileSystem;
use ponte_config::{LoadSpec, Store, StoreOptions, StoreUrl, WriteMode};
use ponte_warehouse::{EmbeddedWarehouse, QueryOptions, QueryParam, Warehouse, WarehouseExt, load};

const TABLE: &str = "objeto_dados_energia_gestao_faturas_v2";

async fn loaded() -> (tempfile::TempDir, EmbeddedWarehouse) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut o = ponte_demo::DemoDataOptions::new(&src);
    (o.rows, o.days) = (30_000, 10);
    ponte_demo::write_demo_data(&o, &|_| {}).unwrap();
    let schemas =
        ponte_config::schema::load_schema_file(&ponte_testkit::repo_root().join("examples/comerc/schemas/comerc.json"))
            .unwrap();
    let spec = LoadSpec {
        store: Arc::new(Store {
            name: "src".into(),
            url: StoreUrl::File { path: src.clone() },
            options: StoreOptions::default(),
        }),
        prefix: TABLE.into(),
        table: TABLE.into(),
        schema_file: "comerc.json".into(),
        schema: Arc::new(schemas.table(TABLE).unwrap().clone()),
        write: WriteMode::Truncate,
        allow_empty: false,
        cluster_by: vec![],
    };
    std::fs::create_dir_all(dir.path().join("wh")).unwrap();
    let warehouse =
        EmbeddedWarehouse::new(Arc::new(LocalFileSystem::new_with_prefix(dir.path().join("wh")).unwrap()), 1);
    load(&spec, Arc::new(LocalFileSystem::new_with_prefix(&src).unwrap()), &warehouse).await.unwrap();
    (dir, warehouse)
}

const DUCKDB: &str = r#"
import json, sys, duckdb
files = sys.argv[1] + "/*.parquet"
con = duckdb.connect()
total = con.execute(f"select count(*), sum(valor_total)::varchar from read_parquet('{files}')").fetchone()
by_customer = con.execute(f"""
    select id_cliente, count(*), sum(valor_total)::varchar, round(sum(consumo_ponta_kwh), 1)
    from read_parquet('{files}') where status_pagamento = 'paga'
    group by id_cliente order by id_cliente limit 5""").fetchall()
customer3 = con.execute(f"select count(*) from read_parquet('{files}') where id_cliente = 3 and mes_referencia >= date '2025-01-01'").fetchone()[0]
print(json.dumps({"total": [total[0], total[1]], "by_customer": [list(r) for r in by_customer], "customer3": customer3}))
"#;

fn decimal(v: i128, scale: i8) -> String {
    let s = 10i128.pow(scale as u32);
    format!("{}.{:0width$}", v / s, (v % s).abs(), width = scale as usize)
}

#[tokio::test]
async fn results_match_duckdb_on_the_source_files() {
    let (dir, warehouse) = loaded().await;
    let truth: serde_json::Value = serde_json::from_str(&ponte_testkit::run_python(
        DUCKDB,
        &[dir.path().join("src").join(TABLE).to_str().unwrap()],
    ))
    .unwrap();

    let r =
        warehouse.query(&format!("SELECT count(*) AS n, sum(valor_total) AS total FROM {TABLE}"), &[]).await.unwrap();
    let b = &r.batches[0];
    let (scale, n) = match b.schema().field(1).data_type() {
        arrow_schema::DataType::Decimal128(_, s) => (*s, b.column(0).as_primitive::<Int64Type>().value(0)),
        other => panic!("{other}"),
    };
    assert_eq!(n, truth["total"][0].as_i64().unwrap());
    assert_eq!(
        decimal(b.column(1).as_primitive::<Decimal128Type>().value(0), scale),
        truth["total"][1].as_str().unwrap()
    );

    let r = warehouse
        .query(
            &format!(
                "SELECT id_cliente, count(*) AS n, sum(valor_total) AS total, round(sum(consumo_ponta_kwh), 1) AS ponta
                 FROM {TABLE} WHERE status_pagamento = $1 GROUP BY id_cliente ORDER BY id_cliente LIMIT 5"
            ),
            &[QueryParam::String("paga".into())],
        )
        .await
        .unwrap();
    let b = &r.batches[0];
    let rows = truth["by_customer"].as_array().unwrap();
    assert_eq!(b.num_rows(), rows.len());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(i), row[0].as_i64().unwrap());
        assert_eq!(b.column(1).as_primitive::<Int64Type>().value(i), row[1].as_i64().unwrap());
        assert_eq!(decimal(b.column(2).as_primitive::<Decimal128Type>().value(i), 2), row[2].as_str().unwrap());
        let ponta = b.column(3).as_primitive::<arrow_array::types::Float64Type>().value(i);
        assert!((ponta - row[3].as_f64().unwrap()).abs() < 0.05, "{ponta} vs {}", row[3]);
    }

    let r = warehouse
        .query(
            &format!("SELECT count(*) FROM {TABLE} WHERE id_cliente = $1 AND mes_referencia >= $2"),
            &[QueryParam::Int(3), QueryParam::Date(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())],
        )
        .await
        .unwrap();
    assert_eq!(r.batches[0].column(0).as_primitive::<Int64Type>().value(0), truth["customer3"].as_i64().unwrap());

    // Strings are read as string views, and come back as such, in the
    // schema and the rows alike.
    let r = warehouse
        .query(&format!("SELECT status_pagamento, count(*) AS n FROM {TABLE} GROUP BY 1 ORDER BY 1"), &[])
        .await
        .unwrap();
    assert_eq!(r.schema.field(0).data_type(), &arrow_schema::DataType::Utf8View);
    let b = &r.batches[0];
    assert_eq!(b.schema(), r.schema);
    let statuses: Vec<&str> = b.column(0).as_string_view().iter().map(Option::unwrap).collect();
    assert_eq!(statuses, ["em_aberto", "paga", "vencida"]);
    let n: i64 = b.column(1).as_primitive::<Int64Type>().values().iter().sum();
    assert_eq!(n, truth["total"][0].as_i64().unwrap());
}

#[tokio::test]
async fn only_queries_run_and_errors_are_clear() {
    let (_dir, warehouse) = loaded().await;
    // A bound value is a value, whatever it says.
    let r = warehouse
        .query(
            &format!("SELECT count(*) FROM {TABLE} WHERE status_pagamento = $1"),
            &[QueryParam::String("paga' OR '1'='1".into())],
        )
        .await
        .unwrap();
    assert_eq!(r.batches[0].column(0).as_primitive::<Int64Type>().value(0), 0);
    for (sql, want) in [
        (format!("DROP TABLE {TABLE}"), "query"),
        (format!("CREATE TABLE x AS SELECT * FROM {TABLE}"), "query"),
        (format!("INSERT INTO {TABLE} SELECT * FROM {TABLE}"), "query"),
        ("SELECT * FROM no_such_table".to_owned(), "no_such_table"),
        (format!("SELECT no_such_column FROM {TABLE}"), "no_such_column"),
    ] {
        let err = warehouse.query(&sql, &[]).await.unwrap_err().to_string();
        assert!(err.contains(want), "{sql}: {err}");
    }
    // The table is still there and whole.
    let r = warehouse.query(&format!("SELECT count(*) FROM {TABLE}"), &[]).await.unwrap();
    assert_eq!(r.batches[0].column(0).as_primitive::<Int64Type>().value(0), 30_000);
}

#[tokio::test]
async fn results_are_cached_per_snapshot_and_values() {
    let (dir, warehouse) = loaded().await;
    let sql = format!("SELECT count(*) FROM {TABLE} WHERE id_cliente = $1");
    let count = |r: &ponte_warehouse::QueryResult| r.batches[0].column(0).as_primitive::<Int64Type>().value(0);
    let first = warehouse.query(&sql, &[QueryParam::Int(3)]).await.unwrap();
    assert!(!first.cache_hit);
    let again = warehouse.query(&sql, &[QueryParam::Int(3)]).await.unwrap();
    assert!(again.cache_hit, "the same query over the same snapshot is answered from the cache");
    assert_eq!(count(&again), count(&first));
    let other = warehouse.query(&sql, &[QueryParam::Int(4)]).await.unwrap();
    assert!(!other.cache_hit, "another customer's value is another result");
    let fresh = warehouse.query_with(&sql, &[QueryParam::Int(3)], QueryOptions { use_cache: false }).await.unwrap();
    assert!(!fresh.cache_hit);
    assert_eq!(count(&fresh), count(&first));

    // A load commits a new snapshot: the next query reads it.
    let rows = count(&first);
    warehouse.replace_table(TABLE, &schema(), futures::stream::empty().boxed()).await.unwrap();
    let after = warehouse.query(&sql, &[QueryParam::Int(3)]).await.unwrap();
    assert!(!after.cache_hit, "a new snapshot is a new key");
    assert_eq!((rows > 0, count(&after)), (true, 0));

    // Turned off, nothing is kept.
    let off = EmbeddedWarehouse::new(Arc::new(LocalFileSystem::new_with_prefix(dir.path().join("wh")).unwrap()), 1)
        .with_result_cache(0);
    off.query(&sql, &[QueryParam::Int(3)]).await.unwrap();
    assert!(!off.query(&sql, &[QueryParam::Int(3)]).await.unwrap().cache_hit);
}

fn schema() -> ponte_config::TableSchema {
    let path = ponte_testkit::repo_root().join("examples/comerc/schemas/comerc.json");
    ponte_config::schema::load_schema_file(&path).unwrap().table(TABLE).unwrap().clone()
}

/// A query for more than a page of rows runs without DataFusion's TopK
/// aggregation (see `large_limits.rs`), a page keeps it; both give every
/// key in order. EXPLAIN shows the plan that runs.
#[tokio::test]
async fn many_rows_are_grouped_without_the_topk_heap_and_a_page_with_it() {
    let (_dir, warehouse) = loaded().await;
    let plan = |limit: u64| {
        let warehouse = &warehouse;
        async move {
            let sql =
                format!("EXPLAIN SELECT id_fatura FROM {TABLE} GROUP BY id_fatura ORDER BY id_fatura LIMIT {limit}");
            let r = warehouse.query(&sql, &[]).await.unwrap();
            arrow_cast::pretty::pretty_format_batches(&r.batches).unwrap().to_string()
        }
    };
    assert!(plan(500).await.contains("lim=[500]"));
    let every_row = plan(1_000_000).await;
    assert!(every_row.contains("AggregateExec") && !every_row.contains("lim=["), "{every_row}");
    for limit in [500, 1_000_000] {
        let sql = format!("SELECT id_fatura FROM {TABLE} GROUP BY id_fatura ORDER BY id_fatura LIMIT {limit}");
        let r = warehouse.query(&sql, &[]).await.unwrap();
        let ids: Vec<i64> =
            r.batches.iter().flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec()).collect();
        assert_eq!(ids.len(), limit.min(30_000) as usize);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order, each once");
    }
}
