//! `ponte query`: the semantic layer over the embedded warehouse, checked
//! against DuckDB reading the same parquet files.

mod common;

use common::{FUNCTION, TABLE, invoice_deployment, ponte, text, write_landing_data};

/// A deployment with the demo model, its invoices loaded.
fn loaded() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = invoice_deployment(dir.path(), "", "");
    let model = ponte_testkit::repo_root().join("examples/comerc/models/comerc.toml");
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::copy(model, dir.path().join("models/comerc.toml")).unwrap();
    let mut text_config = std::fs::read_to_string(&config).unwrap();
    text_config.push_str("\n[semantic]\nmodels = [\"models/comerc.toml\"]\n");
    std::fs::write(&config, text_config).unwrap();
    write_landing_data(dir.path(), "20000");
    let out = ponte(&["load", FUNCTION, "--config", &config]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, config)
}

#[test]
fn query_results_match_duckdb_and_access_filters_apply() {
    let (dir, config) = loaded();
    let out = ponte(&[
        "query",
        "comerc/faturas",
        "--fields",
        "faturas.mes_referencia_month,faturas.custo_total,faturas.quantidade_faturas",
        "--filter",
        "faturas.status_pagamento=-pago",
        "--attr",
        "id_cliente=3",
        "--limit",
        "-1",
        "--format",
        "json",
        "--config",
        &config,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["faturas.mes_referencia_month"].as_str().unwrap(),
                r["faturas.custo_total"].as_str().map_or_else(|| r["faturas.custo_total"].to_string(), str::to_owned),
                r["faturas.quantidade_faturas"]
            )
        })
        .collect();
    let landing = dir.path().join("landing").join(TABLE);
    let truth = ponte_testkit::run_python(
        r#"
import sys, duckdb
rows = duckdb.sql(f"""
  SELECT strftime(mes_referencia, '%Y-%m'), sum(valor_total), count(DISTINCT id_fatura)
  FROM read_parquet('{sys.argv[1]}/*.parquet')
  WHERE id_cliente = 3 AND (status_pagamento <> 'pago' OR status_pagamento IS NULL)
  GROUP BY 1 ORDER BY 1 DESC""").fetchall()
for m, total, n in rows:
    print(f"{m} {total} {n}")
"#,
        &[landing.to_str().unwrap()],
    );
    // No --sort: Looker's default for a time series, newest month first.
    // Compared as numbers: JSON writes 24974027.9 where DuckDB prints 24974027.90.
    let parse = |line: &str| -> (String, f64, u64) {
        let mut parts = line.split(' ');
        let (m, total, n) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        (m.to_owned(), total.parse().unwrap(), n.parse().unwrap())
    };
    let truth: Vec<_> = truth.lines().map(parse).collect();
    let ours: Vec<_> = ours.iter().map(|l| parse(l)).collect();
    assert!(!truth.is_empty(), "customer 3 has invoices");
    assert_eq!(ours, truth);

    // No attribute: refused, never all rows.
    let out = ponte(&["query", "comerc/faturas", "--fields", "faturas.custo_total", "--config", &config]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("access denied"), "{}", text(&out.stderr));
    // Request text never reaches SQL: a hostile field is unknown, a hostile value is a parameter.
    let out = ponte(&[
        "query",
        "comerc/faturas",
        "--fields",
        "faturas.custo_total; DROP TABLE x",
        "--attr",
        "id_cliente=3",
        "--config",
        &config,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("faturas.custo_total; DROP TABLE x"), "{}", text(&out.stderr));
    let out = ponte(&[
        "query",
        "comerc/faturas",
        "--fields",
        "faturas.custo_total",
        "--filter",
        "faturas.status_pagamento='; DROP TABLE x; --",
        "--attr",
        "id_cliente=3",
        "--format",
        "sql",
        "--config",
        &config,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sql = text(&out.stdout);
    let statement: String = sql.lines().filter(|l| !l.starts_with("-- $")).collect();
    assert!(!statement.contains("DROP"), "{sql}");
    assert!(sql.contains("DROP TABLE x"), "the value is bound as a parameter: {sql}");
}

#[test]
fn number_filters_beyond_a_decimal_columns_range_match_nothing_instead_of_failing() {
    let (_dir, config) = loaded();
    for filter in [
        "faturas.valor=1e30",
        "faturas.valor=>1e30",
        "faturas.valor=99999999999999999999999",
        "faturas.valor=[-1e30,1e30]",
    ] {
        let out = ponte(&[
            "query",
            "comerc/faturas",
            "--fields",
            "faturas.quantidade_faturas",
            "--filter",
            filter,
            "--attr",
            "id_cliente=3",
            "--format",
            "json",
            "--config",
            &config,
        ]);
        assert!(out.status.success(), "{filter}: {}", text(&out.stderr));
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let count = rows[0]["faturas.quantidade_faturas"].as_i64().unwrap_or(0);
        if filter.contains('[') {
            assert!(count > 0, "{filter}: every invoice is in range: {rows}");
        } else {
            assert_eq!(count, 0, "{filter}: {rows}");
        }
    }
}

/// `--format table` prints the values `csv` prints (a month as `2024-03`,
/// not `2024-03-01`), and without `--sort` a time series comes newest
/// first, as Looker sorts it; DuckDB lists the months independently.
#[test]
fn the_table_shows_csvs_values_newest_month_first() {
    let (dir, config) = loaded();
    let run = |format: &str| {
        let out = ponte(&[
            "query",
            "comerc/faturas",
            "--fields",
            "faturas.mes_referencia_month,faturas.quantidade_faturas",
            "--attr",
            "id_cliente=3",
            "--limit",
            "-1",
            "--format",
            format,
            "--config",
            &config,
        ]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let csv: Vec<Vec<String>> = run("csv").lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
    let table = run("table");
    let table: Vec<Vec<String>> = table
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    assert!(!csv.is_empty());
    assert_eq!(table, csv, "the table and the CSV show the same values in the same order");

    let landing = dir.path().join("landing").join(TABLE);
    let months = ponte_testkit::run_python(
        r#"
import sys, duckdb
for (m,) in duckdb.sql(f"""
  SELECT DISTINCT strftime(mes_referencia, '%Y-%m') FROM read_parquet('{sys.argv[1]}/*.parquet')
  WHERE id_cliente = 3 ORDER BY 1 DESC""").fetchall():
    print(m)
"#,
        &[landing.to_str().unwrap()],
    );
    let ours: Vec<&str> = csv.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(ours, months.lines().collect::<Vec<_>>());
}

#[test]
fn a_pivoted_query_spreads_status_into_columns_as_duckdb_groups_it() {
    let (dir, config) = loaded();
    let out = ponte(&[
        "query",
        "comerc/faturas",
        "--fields",
        "faturas.mes_referencia_month,faturas.status_pagamento,faturas.custo_total",
        "--pivot",
        "faturas.status_pagamento",
        "--column-limit",
        "2",
        "--attr",
        "id_cliente=3",
        "--format",
        "json",
        "--config",
        &config,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ours = Vec::new();
    for row in rows.as_array().unwrap() {
        let month = row["faturas.mes_referencia_month"].as_str().unwrap();
        for (status, cost) in row["faturas.custo_total"].as_object().unwrap() {
            let cost = cost.as_f64().map_or_else(|| "-".to_owned(), |c| format!("{c:.2}"));
            ours.push(format!("{month} {status} {cost}"));
        }
    }
    let landing = dir.path().join("landing").join(TABLE);
    let truth = ponte_testkit::run_python(
        r#"
import sys, duckdb
src = f"read_parquet('{sys.argv[1]}/*.parquet')"
statuses = [s for (s,) in duckdb.sql(f"SELECT DISTINCT status_pagamento FROM {src} WHERE id_cliente = 3 ORDER BY 1 LIMIT 2").fetchall()]
cells = dict(((m, s), c) for m, s, c in duckdb.sql(f"""
  SELECT strftime(mes_referencia, '%Y-%m'), status_pagamento, sum(valor_total)::DOUBLE
  FROM {src} WHERE id_cliente = 3 GROUP BY 1, 2""").fetchall())
for m in sorted({m for m, _ in cells}, reverse=True):
    for s in statuses:
        c = cells.get((m, s))
        print(f"{m} {s} {'-' if c is None else f'{c:.2f}'}")
"#,
        &[landing.to_str().unwrap()],
    );
    let truth: Vec<&str> = truth.lines().collect();
    assert!(truth.len() > 4, "customer 3 has months of invoices");
    assert_eq!(ours, truth, "rows newest month first, the first two statuses as columns");
}
