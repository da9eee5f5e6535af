//! `ponte query`: the semantic layer from the command line — the same
//! compiler, access filters, warehouse and result formats as the API.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use ponte_query::{SemanticLayer, dialect_of, render};
use ponte_semantic::compile::{Caller, CompiledQuery, QueryRequest, Target, compile};
use ponte_semantic::model::{Model, columns_of_config, load_model};

use crate::cli::{QueryArgs, QueryFormat};

pub fn run(config_path: &Path, args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    let Some((model_name, explore)) = args.explore.split_once('/') else {
        bail!("`{}` is not model/explore, e.g. comerc/faturas", args.explore)
    };
    let models: Vec<Model> =
        config.semantic.models.iter().map(|p| load_model(p).map_err(|e| anyhow!("{e}"))).collect::<Result<_, _>>()?;
    if !models.iter().any(|m| m.name == model_name) {
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        bail!("no model named `{model_name}`; models: {}", names.join(", "))
    }
    let request = QueryRequest {
        model: model_name.to_owned(),
        view: explore.to_owned(),
        fields: args.fields.clone(),
        filters: pairs(&args.filters, "--filter", "field=expression")?,
        sorts: args.sort.clone(),
        limit: args.limit,
        pivots: args.pivot.clone(),
        column_limit: args.column_limit.map(|n| n.to_string()),
        ..QueryRequest::default()
    };
    let caller = Caller { user_attributes: args.attrs.iter().map(|a| (a.key.clone(), a.value.clone())).collect() };
    let columns = ponte_semantic::model::derived::with_derived_columns(&models, &columns_of_config(&config));
    let dialect = dialect_of(&config);
    let now = chrono::Utc::now();
    if args.format == QueryFormat::Sql {
        // No warehouse needed: this works before anything is loaded.
        let model = models.iter().find(|m| m.name == model_name).expect("checked above");
        let compiled = compile(model, &request, &caller, &Target::new(dialect, &columns), now)?;
        print(&compiled, &[], QueryFormat::Sql)?;
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let warehouse = ponte_warehouse::open(&config.warehouse).await?;
        let semantic = SemanticLayer::new(models, columns, dialect, warehouse);
        let (compiled, result) = semantic.execute(&request, &caller, ponte_warehouse::QueryOptions::default()).await?;
        print(&compiled, &result.batches, args.format)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `k=v` arguments as a map.
fn pairs(args: &[String], flag: &str, shape: &str) -> anyhow::Result<BTreeMap<String, String>> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.to_owned())),
            None => bail!("{flag} `{a}` is not {shape}"),
        })
        .collect()
}

fn print(compiled: &CompiledQuery, batches: &[arrow_array::RecordBatch], format: QueryFormat) -> anyhow::Result<()> {
    match format {
        QueryFormat::Table => println!("{}", render::table(compiled, batches)?),
        QueryFormat::Json => println!("{}", String::from_utf8_lossy(&render::json_text(compiled, batches)?)),
        QueryFormat::Csv => print!("{}", render::csv(compiled, batches)),
        QueryFormat::Sql => println!("{}", render::sql_text(compiled)),
    }
    Ok(())
}
