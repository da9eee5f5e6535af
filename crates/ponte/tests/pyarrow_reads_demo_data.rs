//! `ponte demo-data` output read by an independent parquet reader: pyarrow.

use std::collections::BTreeMap;
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const READER: &str = r#"
import json, sys, pathlib
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
root = pathlib.Path(sys.argv[1])
out = {}
for folder in sorted(p for p in root.iterdir() if p.is_dir()):
    files = sorted(folder.glob("*.parquet"))
    table = pa.concat_tables(pq.read_table(f) for f in files)
    out[folder.name] = {
        "files": len(files),
        "rows": table.num_rows,
        "columns": [[f.name, str(f.type), f.nullable] for f in table.schema],
        "nulls": {c: table.column(c).null_count for c in table.column_names},
    }
    if "valor_total" in table.column_names:
        out[folder.name]["valor_total_cents"] = int(pc.sum(table.column("valor_total")).as_py() * 100)
print(json.dumps(out))
"#;

#[test]
fn pyarrow_reads_every_file_with_the_expected_schema_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args([
            "demo-data",
            "--dir",
            dir.path().to_str().unwrap(),
            "--rows",
            "30000",
            "--days",
            "9",
            "--seed",
            "11",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let seen: serde_json::Value =
        serde_json::from_str(&ponte_testkit::run_python(READER, &[dir.path().to_str().unwrap()])).unwrap();
    let types: BTreeMap<&str, &str> =
        [("Int64", "int64"), ("Float64", "double"), ("Utf8", "string"), ("Boolean", "bool"), ("Date32", "date32[day]")]
            .into();
    for dataset in &ponte_demo::DATASETS {
        let got = &seen[dataset.name];
        let reported = report["datasets"].as_array().unwrap().iter().find(|d| d["name"] == dataset.name).unwrap();
        assert_eq!(got["rows"], reported["rows"], "{}", dataset.name);
        assert_eq!(got["files"], reported["files"], "{}", dataset.name);
        let columns = got["columns"].as_array().unwrap();
        let schema = dataset.schema();
        assert_eq!(columns.len(), schema.fields().len());
        for (field, col) in schema.fields().iter().zip(columns) {
            assert_eq!(col[0], field.name().as_str());
            let want = match field.data_type() {
                arrow_schema::DataType::Decimal128(p, s) => format!("decimal128({p}, {s})"),
                arrow_schema::DataType::Timestamp(_, Some(_)) => "timestamp[us, tz=UTC]".to_owned(),
                other => types[format!("{other:?}").as_str()].to_owned(),
            };
            assert_eq!(col[1], want.as_str(), "{}.{}", dataset.name, field.name());
            assert_eq!(col[2], field.is_nullable(), "{}.{} nullability", dataset.name, field.name());
            if !field.is_nullable() {
                assert_eq!(got["nulls"][field.name()], 0);
            }
        }
    }
    // The money the invoices add up to, computed by both readers.
    let folder = dir.path().join("objeto_dados_energia_gestao_faturas_v2");
    let mut ours: i128 = 0;
    for entry in std::fs::read_dir(folder).unwrap() {
        let file = std::fs::File::open(entry.unwrap().path()).unwrap();
        for batch in ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap() {
            let batch = batch.unwrap();
            let col = batch.column_by_name("valor_total").unwrap().as_primitive::<Decimal128Type>();
            ours += col.iter().flatten().sum::<i128>();
        }
    }
    assert_eq!(seen["objeto_dados_energia_gestao_faturas_v2"]["valor_total_cents"].as_i64().unwrap() as i128, ours);
    assert!(ours > 0);
}
