//! `parse_model` on model-file text, and the queries a valid model holds.
//!
//! Properties: never panics; an invalid model comes with at least one
//! diagnostic, each with a line and column inside the text; in a valid
//! model every explore field compiles on its own and every look and
//! dashboard tile compiles, in both dialects, for a caller that has every
//! user attribute (refusals are allowed only for what the model cannot
//! know: a column type the warehouse must tell, or a measure a join would
//! double count).
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ponte_semantic::compile::{
    Caller, CompiledQuery, Dialect, QueryError, QueryRequest, Target, compile, compile_element, compile_look,
};
use ponte_semantic::model::parse_model;

/// Compiles per input at most, so one input with many fields stays fast.
const MAX_COMPILES: usize = 40;

fn allowed(result: Result<CompiledQuery, QueryError>, what: &str) {
    match result {
        Ok(query) => assert!(!query.sql.is_empty()),
        Err(QueryError::UnknownColumnType { .. } | QueryError::FanOut { .. }) => {}
        Err(e) => panic!("{what} of a valid model does not compile: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = ponte_fuzz::text(data) else { return };
    let path = Path::new("model.toml");
    let model = match parse_model(text, path) {
        Ok(model) => model,
        Err(errors) => {
            assert!(errors.diagnostics.iter().all(|d| d.file == path));
            ponte_fuzz::assert_located(&errors.diagnostics, path, text);
            return;
        }
    };
    let caller = Caller {
        user_attributes: model
            .explores
            .iter()
            .flat_map(|e| &e.access_filters)
            .map(|a| (a.user_attribute.clone(), "1".to_owned()))
            .collect(),
    };
    let columns = BTreeMap::new();
    let now = Utc.with_ymd_and_hms(2024, 11, 3, 3, 30, 0).unwrap();
    let mut budget = MAX_COMPILES;
    for dialect in [Dialect::DataFusion, Dialect::BigQuery] {
        let target = Target::new(dialect, &columns);
        for explore in &model.explores {
            for field in explore.fields().take(budget) {
                budget -= 1;
                let request = QueryRequest {
                    model: model.name.clone(),
                    view: explore.name.clone(),
                    fields: vec![field.name()],
                    ..QueryRequest::default()
                };
                allowed(compile(&model, &request, &caller, &target, now), &format!("field {}", field.name()));
            }
        }
        for look in model.looks.iter().take(budget) {
            budget -= 1;
            allowed(compile_look(&model, look.id, &caller, &target, now), &format!("look {}", look.id));
        }
        for dashboard in &model.dashboards {
            for i in 0..dashboard.elements.len().min(budget) {
                budget -= 1;
                let tile = compile_element(&model, &dashboard.id, i, &BTreeMap::new(), &caller, &target, now);
                allowed(tile, &format!("dashboard {} tile {i}", dashboard.id));
            }
        }
    }
});
