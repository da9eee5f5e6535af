//! `ponte query`: the semantic layer from the command line — the same
//! compiler, access filters and warehouse as the API.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use ponte_semantic::compile::{Caller, CompiledQuery, Dialect, QueryParam, QueryRequest, Target, compile};
use ponte_semantic::model::{Model, columns_of_config, load_model};
use ponte_warehouse::Param;

use crate::cli::QueryArgs;

pub fn run(config_path: &Path, args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let Some((model_name, explore)) = args.explore.split_once('/') else {
        bail!("`{}` is not model/explore, e.g. comerc/faturas", args.explore)
    };
    let models: Vec<Model> = config
        .semantic
        .models
        .iter()
        .map(|p| load_model(p).map_err(|e| anyhow::anyhow!("{e}")))
        .collect::<anyhow::Result<_>>()?;
    let Some(model) = models.iter().find(|m| m.name == model_name) else {
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        bail!("no model named `{model_name}`; models: {}", names.join(", "))
    };
    let mut filters = BTreeMap::new();
    for f in &args.filters {
        let Some((field, expr)) = f.split_once('=') else { bail!("--filter `{f}` is not field=expression") };
        filters.insert(field.trim().to_owned(), expr.to_owned());
    }
    let mut user_attributes = BTreeMap::new();
    for a in &args.attrs {
        let Some((k, v)) = a.split_once('=') else { bail!("--attr `{a}` is not key=value") };
        user_attributes.insert(k.trim().to_owned(), v.to_owned());
    }
    let request = QueryRequest {
        model: model_name.to_owned(),
        view: explore.to_owned(),
        fields: args.fields.clone(),
        filters,
        sorts: args.sort.clone(),
        limit: args.limit.clone(),
        ..QueryRequest::default()
    };
    let dialect = match config.warehouse {
        ponte_config::Warehouse::BigQuery { .. } => Dialect::BigQuery,
        ponte_config::Warehouse::Embedded { .. } => Dialect::DataFusion,
    };
    let columns = columns_of_config(&config);
    let compiled =
        compile(model, &request, &Caller { user_attributes }, &Target::new(dialect, &columns), chrono::Utc::now())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.format == "sql" {
        println!("{}", compiled.sql);
        for (i, p) in compiled.params.iter().enumerate() {
            println!("-- ${} = {p:?}", i + 1);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = crate::runtime()?;
    let result = runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        let params: Vec<Param> = compiled.params.iter().map(param).collect();
        anyhow::Ok(warehouse.query(&compiled.sql, &params).await?)
    })?;
    print(&compiled, &result.batches, &args.format)?;
    Ok(ExitCode::SUCCESS)
}

/// The warehouse's value for a compiled parameter.
pub fn param(p: &QueryParam) -> Param {
    match p {
        QueryParam::Null => Param::Null,
        QueryParam::Bool(b) => Param::Bool(*b),
        QueryParam::Int(i) => Param::Int(*i),
        QueryParam::Float(f) => Param::Float(*f),
        QueryParam::String(s) => Param::String(s.clone()),
        QueryParam::Date(d) => Param::Date(*d),
        QueryParam::Timestamp(t) => Param::Timestamp(*t),
    }
}

fn print(compiled: &CompiledQuery, batches: &[arrow_array::RecordBatch], format: &str) -> anyhow::Result<()> {
    // Columns come back under their SQL aliases; people read `view.field`.
    let renamed: Vec<arrow_array::RecordBatch> = batches
        .iter()
        .map(|b| {
            let fields: Vec<arrow_schema::Field> = b
                .schema()
                .fields()
                .iter()
                .map(|f| {
                    let name = compiled.columns.iter().find(|c| c.alias == *f.name()).map_or(f.name(), |c| &c.name);
                    f.as_ref().clone().with_name(name)
                })
                .collect();
            arrow_array::RecordBatch::try_new(
                std::sync::Arc::new(arrow_schema::Schema::new(fields)),
                b.columns().to_vec(),
            )
        })
        .collect::<Result<_, _>>()?;
    match format {
        "table" => println!("{}", arrow_cast::pretty::pretty_format_batches(&renamed)?),
        "json" => {
            let mut writer = arrow_json::ArrayWriter::new(std::io::stdout());
            for b in &renamed {
                writer.write(b)?;
            }
            writer.finish()?;
            println!();
        }
        "csv" => print_csv(&renamed)?,
        other => bail!("--format `{other}`: expected table, json, csv or sql"),
    }
    Ok(())
}

/// CSV with a header row, values as Arrow displays them, quoted where needed.
fn print_csv(batches: &[arrow_array::RecordBatch]) -> anyhow::Result<()> {
    use arrow_cast::display::{ArrayFormatter, FormatOptions};
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
    };
    let Some(first) = batches.first() else { return Ok(()) };
    let header: Vec<String> = first.schema().fields().iter().map(|f| quote(f.name())).collect();
    println!("{}", header.join(","));
    let options = FormatOptions::default();
    for b in batches {
        let formatters: Vec<ArrayFormatter> =
            b.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<Result<_, _>>()?;
        for row in 0..b.num_rows() {
            let cells: Vec<String> = formatters.iter().map(|f| quote(&f.value(row).to_string())).collect();
            println!("{}", cells.join(","));
        }
    }
    Ok(())
}
