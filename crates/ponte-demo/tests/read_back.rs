//! The generated files, read back with the parquet crate.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use ponte_config::{FieldMode, FieldType};
use ponte_demo::{DATASETS, DemoDataOptions, Scale, write_demo_data};

fn generate(dir: &Path, rows: u64, days: u32, seed: u64) -> ponte_demo::DemoDataReport {
    let mut o = DemoDataOptions::new(dir);
    (o.rows, o.days, o.seed) = (rows, days, seed);
    write_demo_data(&o, &|_| {}).unwrap()
}

fn read_dataset(dir: &Path, name: &str) -> (Vec<RecordBatch>, usize) {
    let mut paths: Vec<_> = std::fs::read_dir(dir.join(name)).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut batches = Vec::new();
    for p in &paths {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(p).unwrap()).unwrap().build().unwrap();
        batches.extend(reader.map(|b| b.unwrap()));
    }
    (batches, paths.len())
}

#[test]
fn files_read_back_with_their_schemas_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let report = generate(dir.path(), 20_000, 12, 1);
    let scale = Scale::new(20_000, 12);
    assert_eq!(report.scale, scale);
    let expected_rows: BTreeMap<&str, u64> = [
        ("dados_infomerc", 12 * 96),
        ("objeto_dados_energia_gestao_faturas_v2", 20_000),
        ("objeto_estrutura_atendimento", scale.customers),
        ("objeto_mailing_powerview", scale.customers * 3),
        ("objeto_unidades_atributos", scale.units),
        ("objeto_vis_orcamento_multiunidades", scale.units * 12),
        ("permissionamento_usuarios", scale.customers * 2 + (scale.customers / 5).max(1) * 3),
    ]
    .into();
    for dataset in &DATASETS {
        let (batches, files) = read_dataset(dir.path(), dataset.name);
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows as u64, expected_rows[dataset.name], "{}", dataset.name);
        let r = report.datasets.iter().find(|d| d.name == dataset.name).unwrap();
        assert_eq!((r.rows, r.files), (rows as u64, files as u64));
        assert!(files as u32 <= 12 && files > 0);
        for b in &batches {
            assert_eq!(b.schema(), dataset.schema(), "{}", dataset.name);
            for (field, column) in b.schema().fields().iter().zip(b.columns()) {
                if !field.is_nullable() {
                    assert_eq!(column.null_count(), 0, "{}.{}", dataset.name, field.name());
                }
            }
        }
    }
    // Every nullable column of the invoices holds some nulls or none by design;
    // the ones meant to be sparse do hold nulls.
    let (invoices, _) = read_dataset(dir.path(), "objeto_dados_energia_gestao_faturas_v2");
    let nulls = |name: &str| invoices.iter().map(|b| b.column_by_name(name).unwrap().null_count()).sum::<usize>();
    assert!(nulls("demanda_medida_kw") > 0);
    assert!(nulls("data_pagamento") > 0);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(a.path(), 3000, 5, 42);
    generate(b.path(), 3000, 5, 42);
    generate(c.path(), 3000, 5, 43);
    let key = "objeto_dados_energia_gestao_faturas_v2/2025-11-21.parquet";
    for d in &DATASETS {
        for entry in std::fs::read_dir(a.path().join(d.name)).unwrap() {
            let name = entry.unwrap().file_name();
            let x = std::fs::read(a.path().join(d.name).join(&name)).unwrap();
            let y = std::fs::read(b.path().join(d.name).join(&name)).unwrap();
            assert!(x == y, "{}/{} differs between two runs with the same seed", d.name, name.to_string_lossy());
        }
    }
    assert_ne!(std::fs::read(a.path().join(key)).unwrap(), std::fs::read(c.path().join(key)).unwrap());
}

#[test]
fn a_second_run_with_fewer_days_removes_stale_day_files_only() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 2000, 10, 1);
    std::fs::write(dir.path().join("dados_infomerc/notes.txt"), "keep me").unwrap();
    let report = generate(dir.path(), 2000, 4, 1);
    let keys = |days| {
        let mut o = DemoDataOptions::new(dir.path());
        (o.rows, o.days) = (2000, days);
        ponte_demo::plan(&o).into_iter().map(|f| f.key).collect::<std::collections::BTreeSet<_>>()
    };
    let (before, after) = (keys(10), keys(4));
    assert_eq!(report.removed_stale, before.difference(&after).count() as u64);
    let mut on_disk = std::collections::BTreeSet::new();
    for d in &DATASETS {
        for e in std::fs::read_dir(dir.path().join(d.name)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".parquet") {
                on_disk.insert(format!("{}/{name}", d.name));
            }
        }
    }
    assert_eq!(on_disk, after);
    assert!(dir.path().join("dados_infomerc/notes.txt").exists());
}

/// The generator's Arrow schemas and the example's BigQuery schema file are
/// written independently; they must agree column by column.
#[test]
fn schemas_match_the_reference_schema_file() {
    let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .join("../../examples/comerc/schemas/comerc.json");
    let file = ponte_config::schema::load_schema_file(&path).unwrap();
    assert_eq!(file.table_names().len(), DATASETS.len());
    for dataset in &DATASETS {
        let table = file.table(dataset.name).unwrap_or_else(|| panic!("{} not in schema file", dataset.name));
        let schema = dataset.schema();
        assert_eq!(table.fields.len(), schema.fields().len(), "{}", dataset.name);
        for (bq, arrow) in table.fields.iter().zip(schema.fields()) {
            let at = format!("{}.{}", dataset.name, bq.name);
            assert_eq!(&bq.name, arrow.name(), "{at}");
            assert_eq!(bq.mode == FieldMode::Required, !arrow.is_nullable(), "{at} mode");
            let expected = match bq.field_type {
                FieldType::Int64 => DataType::Int64,
                FieldType::Float64 => DataType::Float64,
                FieldType::String => DataType::Utf8,
                FieldType::Bool => DataType::Boolean,
                FieldType::Date => DataType::Date32,
                FieldType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                FieldType::Numeric => DataType::Decimal128(bq.precision.unwrap() as u8, bq.scale.unwrap() as i8),
                other => panic!("{at}: unexpected type {other}"),
            };
            assert_eq!(arrow.data_type(), &expected, "{at}");
        }
    }
}

/// Invoices, budgets and units agree on which customer owns which unit, and
/// every permission points at an existing customer.
#[test]
fn references_between_datasets_hold() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 8000, 6, 3);
    let pairs = |name: &str, a: &str, b: &str| -> Vec<(i64, i64)> {
        read_dataset(dir.path(), name)
            .0
            .iter()
            .flat_map(|batch| {
                let x = batch.column_by_name(a).unwrap().as_primitive::<Int64Type>().clone();
                let y = batch.column_by_name(b).unwrap().as_primitive::<Int64Type>().clone();
                (0..batch.num_rows()).map(move |i| (x.value(i), y.value(i)))
            })
            .collect()
    };
    let owner: HashMap<i64, i64> = pairs("objeto_unidades_atributos", "id_unidade", "id_cliente").into_iter().collect();
    for (name, unit, customer) in [
        ("objeto_dados_energia_gestao_faturas_v2", "id_unidade", "id_cliente"),
        ("objeto_vis_orcamento_multiunidades", "id_unidade", "id_cliente"),
    ] {
        for (u, c) in pairs(name, unit, customer) {
            assert_eq!(owner.get(&u), Some(&c), "{name}: unit {u}");
        }
    }
    let customers: Vec<i64> =
        pairs("objeto_estrutura_atendimento", "id_cliente", "id_cliente").into_iter().map(|p| p.0).collect();
    for (_, c) in pairs("permissionamento_usuarios", "id_usuario", "id_cliente") {
        assert!(customers.contains(&c), "permission for unknown customer {c}");
    }
}
