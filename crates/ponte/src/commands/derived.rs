//! Rebuilding persisted derived tables: after a load, each one that reads
//! the table just loaded; when a server starts, each one whose table is
//! not there yet. One recorded run each (`derived:<view>` in `ponte
//! runs`), so a failure is in the history and on stderr while the load
//! itself stays a success and the previous table stays in place.

use ponte_config::Config;
use ponte_query::dialect_of;
use ponte_query::persist::{PersistError, Rebuild, plan_after_load, plan_all, rebuild};
use ponte_semantic::compile::WarehouseColumns;
use ponte_semantic::model::derived::with_derived_columns;
use ponte_semantic::model::{Model, columns_of_config, load_model};
use ponte_state::{RunEnd, RunKind, Started, StateDb, Trigger};
use ponte_warehouse::{Commit, Warehouse};

/// Rebuilds the persisted derived tables that read `loaded`; returns how
/// many failed (each is reported as it happens).
pub async fn rebuild_after_load(
    config: &Config,
    loaded: &str,
    state: &StateDb,
    warehouse: &dyn Warehouse,
    trigger: &Trigger,
    verbose: bool,
) -> usize {
    let (models, columns) = models_of(config);
    let plans = plan_after_load(&models, &columns, dialect_of(config), loaded);
    run_plans(plans, state, warehouse, trigger, verbose, &format!("after `{loaded}` loaded")).await
}

/// Builds the persisted derived tables the warehouse does not have yet
/// (a first start, or a model that just gained one), so that their
/// queries have a table to read; returns how many failed.
pub async fn build_missing(config: &Config, state: &StateDb, warehouse: &dyn Warehouse) -> anyhow::Result<usize> {
    let (models, columns) = models_of(config);
    let plans = plan_all(&models, &columns, dialect_of(config));
    if plans.is_empty() {
        return Ok(0);
    }
    let present = warehouse.list_tables().await?;
    let missing = plans.into_iter().filter(|p| p.as_ref().map_or(true, |p| !present.contains(&p.table))).collect();
    Ok(run_plans(missing, state, warehouse, &Trigger::Cli, true, "at start: its table was missing").await)
}

fn models_of(config: &Config) -> (Vec<Model>, WarehouseColumns) {
    let models: Vec<Model> = config.semantic.models.iter().filter_map(|p| load_model(p).ok()).collect();
    let columns = with_derived_columns(&models, &columns_of_config(config));
    (models, columns)
}

async fn run_plans(
    plans: Vec<Result<Rebuild, PersistError>>,
    state: &StateDb,
    warehouse: &dyn Warehouse,
    trigger: &Trigger,
    verbose: bool,
    why: &str,
) -> usize {
    let mut failed = 0;
    for plan in plans {
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        let name = format!("derived:{}", plan.view);
        let end = |r: &Result<Commit, PersistError>| match r {
            Ok(commit) => RunEnd::succeeded(serde_json::to_value(commit).ok()),
            Err(e) => RunEnd::failed(None, e.to_string()),
        };
        match state.run_recorded(RunKind::Load, &name, trigger, |_| rebuild(&plan, warehouse), end).await {
            Ok(Started::Ran(Ok(commit))) => {
                if verbose {
                    println!("{}: derived table rebuilt {why}, {} rows", plan.table, commit.rows);
                }
            }
            Ok(Started::Ran(Err(e))) => {
                eprintln!("{e}");
                failed += 1;
            }
            Ok(Started::AlreadyRunning(already)) => eprintln!("{}: {already}", plan.table),
            Err(e) => {
                eprintln!("derived view `{}`: {e}", plan.view);
                failed += 1;
            }
        }
    }
    failed
}
