//! Running a page's queries and turning their rows into what
//! `ponte-charts` draws.

use arrow_array::RecordBatch;
use ponte_charts::{Column, TileData, TileKind, Value};
use ponte_semantic::Limit;
use ponte_semantic::compile::{CompiledQuery, FieldKind, QueryRequest, compile};

use super::viewer::{Download, Viewer, no_download};
use crate::AppState;
use crate::error::ApiError;
use crate::metrics::QuerySurface;
use ponte_query::render;
use ponte_warehouse::QueryOptions;

/// A query that ran: how it was compiled, and its rows.
pub(crate) struct Ran {
    pub compiled: CompiledQuery,
    pub batches: Vec<RecordBatch>,
}

impl Ran {
    /// The rows as chart data, values as the API's JSON shows them.
    pub fn tile_data(&self) -> TileData {
        tile_data(&self.compiled, &self.batches)
    }
}

/// Compiles `request` for the viewer, access filters included: a bad
/// field, filter or limit is a 4xx here, before anything runs.
pub(crate) fn compile_for(app: &AppState, request: &QueryRequest, viewer: &Viewer) -> Result<CompiledQuery, ApiError> {
    let semantic = super::semantic(app)?;
    let model = semantic.model(&request.model)?;
    Ok(compile(model, request, &viewer.caller, &semantic.target(), chrono::Utc::now())?)
}

/// Runs a compiled query on the warehouse.
pub(crate) async fn execute(app: &AppState, compiled: CompiledQuery) -> Result<Ran, ApiError> {
    let started = std::time::Instant::now();
    let result = super::semantic(app)?.run(&compiled, QueryOptions::default()).await?;
    app.metrics.observe_query(QuerySurface::Page, result.cache_hit, started.elapsed());
    Ok(Ran { compiled, batches: result.batches })
}

/// Compiles `request` for the viewer and runs it.
pub(crate) async fn run(app: &AppState, request: &QueryRequest, viewer: &Viewer) -> Result<Ran, ApiError> {
    execute(app, compile_for(app, request, viewer)?).await
}

/// Sets a download's row limit from the viewer's permission: every row
/// (up to the compiler's cap) with `download_without_limit`, the query's
/// own limit with `download_with_limit`, a 403 without either.
pub(crate) fn download_limit(request: &mut QueryRequest, viewer: &Viewer) -> Result<(), ApiError> {
    match viewer.download() {
        Download::None => Err(no_download()),
        Download::WithoutLimit => {
            request.limit = Some(Limit::All);
            Ok(())
        }
        Download::WithLimit => refuse_all_rows(request),
    }
}

/// A 400 for `limit=-1` ("every row") where only a download with
/// `download_without_limit` may ask for it: pages draw what they show, and
/// a million rows in HTML would only exhaust the server.
pub(crate) fn refuse_all_rows(request: &QueryRequest) -> Result<(), ApiError> {
    match request.limit {
        Some(Limit::All) => Err(ApiError::bad_request(format!(
            "`limit=-1` (every row) is only for downloads with the `download_without_limit` permission; \
             give a limit up to {}",
            Limit::MAX_ROWS
        ))),
        _ => Ok(()),
    }
}

/// Query results as chart data.
pub(crate) fn tile_data(compiled: &CompiledQuery, batches: &[RecordBatch]) -> TileData {
    let columns: Vec<Column> = compiled
        .columns
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            label: c.label.clone(),
            // A table calculation is a number drawn like a measure.
            is_measure: matches!(c.kind, FieldKind::Measure | FieldKind::TableCalculation),
            field_type: c.field_type.clone(),
            value_format: c.value_format.clone(),
        })
        .collect();
    let value = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::Number(n)) => n.as_f64().map_or(Value::Null, Value::Number),
        Some(serde_json::Value::String(s)) => Value::Text(s.clone()),
        Some(serde_json::Value::Bool(b)) => Value::Text(if *b { "Yes" } else { "No" }.to_owned()),
        _ => Value::Null,
    };
    if compiled.pivot.is_some() {
        // One row per table row and pivot value, as the charts' own pivot
        // spreads them (calculations included, per pivot column).
        let table = render::pivoted::PivotTable::build(compiled, batches);
        let mut rows = Vec::with_capacity(table.rows * table.pivots.len());
        for row in 0..table.rows {
            for (p, pivot) in table.pivots.iter().enumerate() {
                let cells = compiled
                    .columns
                    .iter()
                    .map(|c| match table.pivot_fields.iter().position(|f| f.name == c.name) {
                        Some(i) => value(pivot.values.get(i)),
                        None => value(Some(table.value(c, row, Some(p)))),
                    })
                    .collect();
                rows.push(cells);
            }
        }
        return TileData { columns, rows };
    }
    let rows = render::json_rows(compiled, batches)
        .into_iter()
        .map(|row| compiled.columns.iter().map(|c| value(row.get(&c.name))).collect())
        .collect();
    TileData { columns, rows }
}

/// The chart a result reads best as when nobody chose one: one number is a
/// single value, a time series a line, other categories columns, and rows
/// without a measure a table.
pub(crate) fn natural_kind(data: &TileData) -> TileKind {
    let measures = data.columns.iter().filter(|c| c.is_measure).count();
    let dimensions = data.columns.len() - measures;
    match (dimensions, measures) {
        (_, 0) => TileKind::Table,
        (0, _) => TileKind::SingleValue,
        (1, _) if data.columns.iter().any(|c| !c.is_measure && c.field_type.starts_with("date")) => TileKind::Line,
        (1, _) => TileKind::Column,
        _ => TileKind::Table,
    }
}

/// A CSV download of `request` for the viewer: compiled with the viewer's
/// access filters like every query, and streamed, so a download of every
/// row never holds the rows in memory as text.
pub(crate) async fn csv_download(
    app: &AppState,
    request: &QueryRequest,
    viewer: &Viewer,
    file_stem: &str,
) -> Result<axum::response::Response, ApiError> {
    let compiled = compile_for(app, request, viewer)?;
    if compiled.pivot.is_some() {
        // A pivoted table is spread whole: a page of rows at most.
        let ran = execute(app, compiled).await?;
        let body = render::csv(&ran.compiled, &ran.batches);
        return Ok(csv_response(file_stem, axum::body::Body::from(body)));
    }
    let rows = super::semantic(app)?.stream(&compiled).await?;
    Ok(csv_response(
        file_stem,
        axum::body::Body::from_stream(render::stream_chunks(compiled, render::ResultFormat::Csv, rows)),
    ))
}

/// A CSV attachment named after `file_stem`.
fn csv_response(file_stem: &str, body: axum::body::Body) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let stem: String =
        file_stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{stem}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'".to_owned()),
        ],
        body,
    )
        .into_response()
}
