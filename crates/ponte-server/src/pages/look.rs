//! The look page: a saved query's chart and rows.

use ponte_charts::{Locale, TileKind, render_tile};
use ponte_semantic::compile::{QueryRequest, look_request};
use ponte_semantic::model::{Look, Model};
use serde_json::json;

use super::html::{Frame, Page, Words, query_string, with_download};
use super::results::{csv_download, download_limit, natural_kind, run};
use super::viewer::{Viewer, permission};
use super::{Params, semantic};
use crate::AppState;
use crate::error::ApiError;

/// The look, checked for the viewer, with its query.
fn open<'m>(app: &'m AppState, viewer: &Viewer, id: &str) -> Result<(&'m Model, &'m Look, QueryRequest), ApiError> {
    let semantic = semantic(app)?;
    let (model, look) = crate::looker::find_look(semantic, id)?;
    viewer.require_model(model)?;
    viewer.require(
        &[permission::ACCESS_DATA],
        &[permission::SEE_LOOKS, permission::SEE_USER_DASHBOARDS],
        "this look",
    )?;
    let request = look_request(model, look.id)?;
    Ok((model, look, request))
}

/// `GET /embed/looks/{id}` and `GET /looks/{id}`. Filters given as
/// `f[view.field]=expression` replace the look's own on that field, as a
/// Looker look URL's do (and as the Embed SDK's `updateFilters` sends
/// them).
pub(super) async fn page(
    app: &AppState,
    viewer: &Viewer,
    id: &str,
    params: &Params,
    frame: &Frame,
) -> Result<Page, ApiError> {
    let (model, look, mut request) = open(app, viewer, id)?;
    // Only the filters (`f[view.field]=`) of Looker's parameters apply to
    // a look; the look keeps its own fields, sorts and limit.
    let filter_pairs = params.pairs().filter(|(k, _)| k.starts_with("f["));
    let filters: Vec<(String, String)> =
        QueryRequest::from_url_params("", "", filter_pairs)?.filters.into_iter().collect();
    for (field, expression) in &filters {
        request.filters.insert(field.clone(), expression.clone());
    }
    let ran = run(app, &request, viewer).await?;
    let locale = Locale::from_tag(&model.locale);
    let words = Words::of(&locale);
    // A pivoted look is drawn as tiles draw theirs.
    let data = ponte_charts::pivot(&ran.tile_data(), &request.pivots, &locale).data;
    let path = format!("{}/looks/{}", frame.prefix(), look.id);
    let mut main = String::from("<div class=\"grid\">\n");
    let kind = natural_kind(&data);
    if kind != TileKind::Table {
        main.push_str("<div class=\"cell\" style=\"grid-column: 1 / -1;\">\n");
        main.push_str(&render_tile(kind, &look.title, &data, &locale));
        main.push_str("</div>\n");
    }
    let rows_title = format!("{} ({} {})", look.title, data.rows.len(), words.rows);
    let table = render_tile(TileKind::Table, &rows_title, &data, &locale);
    let href = || {
        let keep = frame.keep();
        if keep.is_empty() {
            format!("{path}/download/csv")
        } else {
            format!("{path}/download/csv?{}", query_string(&keep))
        }
    };
    main.push_str("<div class=\"cell\" style=\"grid-column: 1 / -1;\">\n");
    main.push_str(&with_download(table, viewer, href, words));
    main.push_str("</div>\n</div>\n");

    let url = if filters.is_empty() {
        path.clone()
    } else {
        let pairs: Vec<(String, String)> = filters.iter().map(|(f, e)| (format!("f[{f}]"), e.clone())).collect();
        format!("{path}?{}", query_string(&pairs))
    };
    let absolute = format!("{}{url}", app.config.server.base_url());
    let about = json!({ "id": look.id.to_string(), "title": look.title, "url": url, "absoluteUrl": absolute });
    let events = vec![
        super::html::page_changed("looks", &url, &absolute),
        json!({ "type": "look:ready", "look": about }),
        json!({ "type": "look:run:start", "look": about }),
        json!({ "type": "look:run:complete", "look": about }),
    ];
    Ok(Page {
        title: look.title.clone(),
        description: look.description.clone(),
        locale,
        controls: String::new(),
        main,
        events,
        theme_css: super::html::theme_css(model, params, None),
    })
}

/// `GET …/looks/{id}/download/csv`
pub(super) async fn download(app: &AppState, viewer: &Viewer, id: &str) -> Result<axum::response::Response, ApiError> {
    let (_, look, mut request) = open(app, viewer, id)?;
    download_limit(&mut request, viewer)?;
    csv_download(app, &request, viewer, &format!("look-{}", look.id)).await
}
