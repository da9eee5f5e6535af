//! Rebuilding persisted derived tables after a load: each one that reads
//! the table just loaded, one recorded run each (`derived:<view>` in
//! `ponte runs`), so a failure is in the history and on stderr while the
//! load itself stays a success and the previous table stays in place.

use ponte_config::Config;
use ponte_query::dialect_of;
use ponte_query::persist::{PersistError, plan_after_load, rebuild};
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
    let models: Vec<Model> = config.semantic.models.iter().filter_map(|p| load_model(p).ok()).collect();
    let columns = with_derived_columns(&models, &columns_of_config(config));
    let mut failed = 0;
    for plan in plan_after_load(&models, &columns, dialect_of(config), loaded) {
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
                    println!("{}: derived table rebuilt after `{loaded}` loaded, {} rows", plan.table, commit.rows);
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
