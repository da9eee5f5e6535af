//! What a caller may query: `lookml_models` and `lookml_model_explore`,
//! in Looker's `LookmlModel` and `LookmlModelExplore` shapes. An explore
//! whose access filters the caller has no attribute for is left out of
//! listings and refused (403) when asked for by name.

use axum::Json;
use axum::extract::{Path, Query};
use ponte_semantic::compile::{Caller, QueryError, check_access};
use ponte_semantic::model::{DimensionType, Explore, FieldRef, JoinType, Model, Relationship, ResolvedField};
use serde_json::{Value, json};

use super::Authenticated;
use crate::error::ApiError;

/// The options of `all_lookml_models`.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct ModelsOptions {
    limit: Option<String>,
    offset: Option<String>,
    exclude_empty: Option<String>,
    exclude_hidden: Option<String>,
    include_internal: Option<String>,
    include_self_service: Option<String>,
}

/// `GET /api/4.0/lookml_models`: the models, each with the explores the
/// caller may query; `exclude_empty` leaves out models with none of those,
/// `exclude_hidden` hidden explores (ponte has none), `limit`/`offset` page.
/// ponte has no internal or self-service models, so those options change
/// nothing; every option is still checked.
pub(super) async fn models(auth: Authenticated, Query(options): Query<ModelsOptions>) -> Result<Json<Value>, ApiError> {
    let (limit, offset) = super::paging(options.limit.as_deref(), options.offset.as_deref())?;
    let flag = |name: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => {
            Err(ApiError::bad_request(format!("`{name}` is true or false, not `{}`", crate::error::quoted(other))))
        }
    };
    let exclude_empty = flag("exclude_empty", &options.exclude_empty)?;
    flag("exclude_hidden", &options.exclude_hidden)?;
    flag("include_internal", &options.include_internal)?;
    flag("include_self_service", &options.include_self_service)?;
    let caller = &auth.session.caller;
    let models = auth
        .api
        .semantic
        .models()
        .iter()
        .map(|m| model_json(m, caller))
        .filter(|m| !exclude_empty || m["explores"].as_array().is_some_and(|e| !e.is_empty()))
        .skip(offset)
        .take(limit);
    Ok(Json(Value::Array(models.collect())))
}

/// `GET /api/4.0/lookml_models/{model}`
pub(super) async fn model(auth: Authenticated, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let model = auth.api.semantic.model(&name)?;
    Ok(Json(model_json(model, &auth.session.caller)))
}

/// `GET /api/4.0/lookml_models/{model}/explores/{explore}`
pub(super) async fn explore(
    auth: Authenticated,
    Path((model_name, explore_name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let model = auth.api.semantic.model(&model_name)?;
    let explore = model.explore(&explore_name).ok_or_else(|| QueryError::UnknownExplore {
        model: model.name.clone(),
        explore: explore_name.clone(),
        suggestion: None,
    })?;
    check_access(explore, &auth.session.caller)?;
    Ok(Json(explore_json(model, explore)))
}

fn model_json(model: &Model, caller: &Caller) -> Value {
    let explores: Vec<Value> = model
        .explores
        .iter()
        .filter(|e| check_access(e, caller).is_ok())
        .map(|e| {
            json!({
                "name": e.name, "label": e.label, "description": e.description,
                "hidden": false, "group_label": model.label, "can": {},
            })
        })
        .collect();
    json!({
        "name": model.name,
        "label": model.label,
        "project_name": model.name,
        "allowed_db_connection_names": ["ponte"],
        "unlimited_db_connections": false,
        "has_content": !model.looks.is_empty() || !model.dashboards.is_empty(),
        "explores": explores,
        "can": {},
    })
}

fn explore_json(model: &Model, explore: &Explore) -> Value {
    let fields: Vec<ResolvedField<'_>> = explore.fields().collect();
    let of = |measures: bool| -> Vec<Value> {
        fields.iter().filter(|f| f.is_measure() == measures).map(|f| field_json(model, explore, f)).collect()
    };
    let joins: Vec<Value> = explore
        .joins
        .iter()
        .map(|j| {
            json!({
                "name": j.view.name,
                "from": j.view.name,
                "relationship": match j.relationship {
                    Relationship::ManyToOne => "many_to_one",
                    Relationship::OneToOne => "one_to_one",
                    Relationship::OneToMany => "one_to_many",
                    Relationship::ManyToMany => "many_to_many",
                },
                "type": match j.join_type {
                    JoinType::LeftOuter => "left_outer",
                    JoinType::Inner => "inner",
                },
                "sql_on": Value::Null,
                "foreign_key": Value::Null,
            })
        })
        .collect();
    json!({
        "id": format!("{}::{}", model.name, explore.name),
        "name": explore.name,
        "label": explore.label,
        "title": explore.label,
        "description": explore.description,
        "model_name": model.name,
        "project_name": model.name,
        "view_name": explore.base.name,
        "sql_table_name": explore.base.table.name,
        "connection_name": "ponte",
        "hidden": false,
        "access_filters": explore.access_filters.iter()
            .map(|a| json!({ "field": a.field, "user_attribute": a.user_attribute }))
            .collect::<Vec<_>>(),
        "always_filter": explore.always_filter.iter()
            .map(|f| json!({ "name": f.field, "value": f.expression }))
            .collect::<Vec<_>>(),
        "joins": joins,
        "fields": {
            "dimensions": of(false),
            "measures": of(true),
            "filters": [],
            "parameters": [],
        },
        "can": {},
    })
}

fn field_json(model: &Model, explore: &Explore, field: &ResolvedField<'_>) -> Value {
    let (field_type, description, value_format, dimension_group, is_numeric, primary_key) = match field.field {
        FieldRef::Dimension(d) => (
            d.dimension_type.as_str().to_owned(),
            d.description.clone(),
            d.value_format.clone(),
            None,
            d.dimension_type == DimensionType::Number,
            d.primary_key,
        ),
        FieldRef::Timeframe(g, t) => {
            (format!("date_{}", t.as_str()), g.description.clone(), None, Some(g.name.clone()), false, false)
        }
        FieldRef::Measure(m) => {
            (m.type_name().to_owned(), m.description.clone(), m.value_format.clone(), None, true, false)
        }
    };
    let label_short = field.label();
    json!({
        "name": field.name(),
        "label": format!("{} {}", field.view.label, label_short),
        "label_short": label_short,
        "view": field.view.name,
        "view_label": field.view.label,
        "type": field_type,
        "category": if field.is_measure() { "measure" } else { "dimension" },
        "measure": field.is_measure(),
        "description": description,
        "value_format": value_format,
        "dimension_group": dimension_group,
        "is_timeframe": matches!(field.field, FieldRef::Timeframe(..)),
        "is_numeric": is_numeric,
        "is_filter": false,
        "primary_key": primary_key,
        "hidden": field.hidden(),
        "sortable": true,
        "can_filter": true,
        "suggestable": !field.is_measure(),
        "project_name": model.name,
        "scope": field.view.name,
        "suggest_explore": explore.name,
        "suggest_dimension": field.name(),
        "sql": Value::Null,
    })
}
