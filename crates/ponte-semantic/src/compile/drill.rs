//! Drilling into a mark, as Looker does: the query behind a tile, plus the
//! clicked mark's dimension values as filters, listing the drilled
//! measure's `drill_fields`. The result is an ordinary [`QueryRequest`]
//! compiled by the same compiler, so the caller's access filters apply to
//! it exactly as to the tile; a drill can narrow a tile, never widen it.

use super::QueryError;
use super::request::QueryRequest;
use crate::limit::Limit;
use crate::model::{DimensionType, Explore, FieldRef, FilterType, Model, Timeframe};

/// The longest clicked value taken (a dimension's value, as shown).
pub const MAX_DRILL_VALUE_CHARS: usize = 1_000;

/// One clicked dimension value: the field (`view.field`) and its value as
/// results carry it (`2025-03`, `Unidade Campinas`), or `None` for a null.
pub type Clicked = (String, Option<String>);

/// The rows behind one mark of `base` (a tile's query, with the
/// dashboard's filters applied): `measure` is the clicked measure,
/// `clicked` the mark's dimension values. Both must be fields of `base`;
/// the drill lists the measure's drill fields (its own, else its view's)
/// that the explore has, with `base`'s filters and one exact filter per
/// clicked value.
///
/// With [`DrillTo::By`], the measure broken down by one of its drill
/// fields instead (Looker's drill menu entries "by Unit", "by Month"):
/// that field and the measure, largest first.
pub fn drill_request(
    model: &Model,
    base: &QueryRequest,
    measure: &str,
    clicked: &[Clicked],
    to: DrillTo<'_>,
) -> Result<QueryRequest, QueryError> {
    let bad = |reason: String| QueryError::BadDrill { reason };
    let explore = explore_of(model, base)?;
    if !base.fields.iter().any(|f| f == measure) {
        return Err(bad(format!("`{measure}` is not a field of the query drilled into")));
    }
    let resolved = explore.resolve_field(measure).ok_or_else(|| bad(format!("`{measure}` is not in the explore")))?;
    let FieldRef::Measure(m) = resolved.field else {
        return Err(bad(format!("`{measure}` is not a measure")));
    };
    let fields: Vec<String> =
        resolved.view.drill_fields_of(m).iter().filter(|f| explore.resolve_field(f).is_some()).cloned().collect();
    if fields.is_empty() {
        return Err(bad(format!("measure `{measure}` has no drill fields")));
    }
    let (fields, sorts) = match to {
        DrillTo::Rows => (fields, Vec::new()),
        DrillTo::By(by) if drill_breakdowns(model, &base.view, measure).iter().any(|f| f == by) => {
            (vec![by.to_owned(), measure.to_owned()], vec![format!("{measure} desc")])
        }
        DrillTo::By(by) => return Err(bad(format!("`{by}` is not a drill field of `{measure}` to break it down by"))),
    };
    narrowed(explore, base, fields, sorts, clicked)
}

/// The explore `base` queries.
fn explore_of<'m>(model: &'m Model, base: &QueryRequest) -> Result<&'m Explore, QueryError> {
    model.explore(&base.view).ok_or_else(|| QueryError::UnknownExplore {
        model: model.name.clone(),
        explore: base.view.clone(),
        suggestion: None,
    })
}

/// A query of `fields` sorted by `sorts`, with `base`'s filters plus one
/// exact filter per clicked value; each clicked field must be a dimension
/// of `base`.
fn narrowed(
    explore: &Explore,
    base: &QueryRequest,
    fields: Vec<String>,
    sorts: Vec<String>,
    clicked: &[Clicked],
) -> Result<QueryRequest, QueryError> {
    let bad = |reason: String| QueryError::BadDrill { reason };
    let mut request = QueryRequest {
        model: base.model.clone(),
        view: base.view.clone(),
        fields,
        sorts,
        filters: base.filters.clone(),
        limit: Some(Limit::DEFAULT),
        query_timezone: base.query_timezone.clone(),
        ..QueryRequest::default()
    };
    for (field, value) in clicked {
        if !base.fields.iter().any(|f| f == field) {
            return Err(bad(format!("`{field}` is not a field of the query drilled into")));
        }
        let f = explore.resolve_field(field).ok_or_else(|| bad(format!("`{field}` is not in the explore")))?;
        if f.is_measure() {
            return Err(bad(format!("`{field}` is a measure; a drill filters by dimension values")));
        }
        if value.as_ref().is_some_and(|v| v.chars().count() > MAX_DRILL_VALUE_CHARS) {
            return Err(bad(format!("the value of `{field}` is over {MAX_DRILL_VALUE_CHARS} characters")));
        }
        let week = matches!(f.field, FieldRef::Timeframe(_, Timeframe::Week));
        let kind = match f.field {
            FieldRef::Dimension(d) if d.dimension_type == DimensionType::YesNo => FilterType::YesNo,
            _ => f.filter_type(),
        };
        request.filters.insert(field.clone(), exact_filter(value.as_deref(), kind, week));
    }
    Ok(request)
}

/// The fields a click on a value of `dimension` breaks a tile down by
/// (its `drill_fields` that `explore` has and that are not measures).
pub fn dimension_drill_fields(model: &Model, explore: &str, dimension: &str) -> Vec<String> {
    let Some(explore) = model.explore(explore) else { return Vec::new() };
    let Some(FieldRef::Dimension(d)) = explore.resolve_field(dimension).map(|f| f.field) else { return Vec::new() };
    d.drill_fields.iter().filter(|f| explore.resolve_field(f).is_some_and(|r| !r.is_measure())).cloned().collect()
}

/// Drilling into one value of a dimension of `base` (a tile's query), as
/// Looker's dimension `drill_fields` do: the tile's measures by `by` (one
/// of [`dimension_drill_fields`]), within the clicked value, the first
/// measure largest first. A state's cost by its cities.
pub fn dimension_drill_request(
    model: &Model,
    base: &QueryRequest,
    clicked: &Clicked,
    by: &str,
) -> Result<QueryRequest, QueryError> {
    let bad = |reason: String| QueryError::BadDrill { reason };
    let explore = explore_of(model, base)?;
    let dimension = &clicked.0;
    if !dimension_drill_fields(model, &base.view, dimension).iter().any(|f| f == by) {
        return Err(bad(format!("`{by}` is not a drill field of dimension `{dimension}`")));
    }
    let measures: Vec<String> =
        base.fields.iter().filter(|f| explore.resolve_field(f).is_some_and(|r| r.is_measure())).cloned().collect();
    let sorts = match measures.first() {
        Some(first) => vec![format!("{first} desc")],
        None => vec![by.to_owned()],
    };
    let fields = std::iter::once(by.to_owned()).chain(measures).collect();
    narrowed(explore, base, fields, sorts, std::slice::from_ref(clicked))
}

/// What a drill shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillTo<'a> {
    /// The rows behind the mark, as the measure's drill fields list them.
    Rows,
    /// The measure by one of [`drill_breakdowns`].
    By(&'a str),
}

/// The fields a drill into `measure` can break it down by, in its
/// `drill_fields` order: the dimensions among them that group rows (not a
/// primary key, whose groups are the rows themselves, and not a number).
pub fn drill_breakdowns(model: &Model, explore: &str, measure: &str) -> Vec<String> {
    let Some(explore) = model.explore(explore) else { return Vec::new() };
    let Some(resolved) = explore.resolve_field(measure) else { return Vec::new() };
    let FieldRef::Measure(m) = resolved.field else { return Vec::new() };
    resolved
        .view
        .drill_fields_of(m)
        .iter()
        .filter(|name| {
            explore.resolve_field(name).is_some_and(|f| match f.field {
                FieldRef::Dimension(d) => !d.primary_key && d.dimension_type != DimensionType::Number,
                FieldRef::Timeframe(..) => true,
                FieldRef::Measure(_) => false,
            })
        })
        .cloned()
        .collect()
}

/// Adds a cross-filter to `request` (a tile's query): an exact filter on
/// `field` when the tile's explore has that dimension, replacing the
/// tile's own filter on it (the click is within what the dashboard
/// showed). Whether the tile listens to it.
pub fn add_cross_filter(model: &Model, request: &mut QueryRequest, (field, value): &Clicked) -> bool {
    let Some(explore) = model.explore(&request.view) else { return false };
    let Some(f) = explore.resolve_field(field) else { return false };
    if f.is_measure() || value.as_ref().is_some_and(|v| v.chars().count() > MAX_DRILL_VALUE_CHARS) {
        return false;
    }
    let week = matches!(f.field, FieldRef::Timeframe(_, Timeframe::Week));
    let kind = match f.field {
        FieldRef::Dimension(d) if d.dimension_type == DimensionType::YesNo => FilterType::YesNo,
        _ => f.filter_type(),
    };
    request.filters.insert(field.clone(), exact_filter(value.as_deref(), kind, week));
    true
}

/// A Looker filter expression matching exactly `value` of a field whose
/// filters are of `kind`: a string is escaped (`^`) wherever the grammar
/// would read it as a list, a pattern, a negation or a keyword; a week
/// value (its first day) is the whole week; a null is `NULL`.
pub fn exact_filter(value: Option<&str>, kind: FilterType, week: bool) -> String {
    let Some(value) = value else { return "NULL".to_owned() };
    match kind {
        FilterType::String => {
            if value.is_empty() {
                return "EMPTY".to_owned();
            }
            let mut out = String::with_capacity(value.len() + 2);
            for (i, c) in value.chars().enumerate() {
                let keyword_start = i == 0 && ["NULL", "EMPTY"].iter().any(|k| value.eq_ignore_ascii_case(k));
                if matches!(c, '%' | '_' | ',' | '^' | '"' | '\\') || (i == 0 && c == '-') || keyword_start {
                    out.push('^');
                }
                if c == ' ' && (i == 0 || i + 1 == value.chars().count()) {
                    out.push('^');
                }
                out.push(c);
            }
            out
        }
        FilterType::Date if week => format!("{value} for 1 week"),
        FilterType::Number | FilterType::Date | FilterType::YesNo => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_model;

    const MODEL: &str = r#"
[model]
name = "m"
[[views]]
name = "faturas"
drill_fields = ["id_fatura", "unidades.nome_unidade", "valor"]
dimensions = [{ name = "id_fatura", type = "number", primary_key = true }, { name = "status" }, { name = "valor", type = "number" }]
dimension_groups = [{ name = "mes", type = "time", timeframes = ["week", "month"] }]
measures = [
  { name = "custo", type = "sum", sql = "valor" },
  { name = "quantidade", type = "count", drill_fields = ["id_fatura", "status"] },
]
[[views]]
name = "unidades"
dimensions = [{ name = "id_unidade", type = "number", primary_key = true }, { name = "nome_unidade" }]
[[explores]]
name = "faturas"
[[explores.joins]]
view = "unidades"
on = [["faturas.id_fatura", "unidades.id_unidade"]]
relationship = "many_to_one"
"#;

    fn model() -> Model {
        parse_model(MODEL, "m.toml".as_ref()).unwrap()
    }

    fn tile() -> QueryRequest {
        QueryRequest {
            model: "m".into(),
            view: "faturas".into(),
            fields: vec![
                "faturas.mes_month".into(),
                "faturas.status".into(),
                "faturas.custo".into(),
                "faturas.quantidade".into(),
            ],
            filters: [("faturas.mes_month".to_owned(), "2025".to_owned())].into(),
            ..QueryRequest::default()
        }
    }

    #[test]
    fn a_drill_is_the_tile_plus_the_clicked_values_listing_the_drill_fields() {
        let clicked = [
            ("faturas.mes_month".to_owned(), Some("2025-03".to_owned())),
            ("faturas.status".to_owned(), Some("paga".into())),
        ];
        let drill = drill_request(&model(), &tile(), "faturas.custo", &clicked, DrillTo::Rows).unwrap();
        assert_eq!(
            drill.fields,
            ["faturas.id_fatura", "unidades.nome_unidade", "faturas.valor"],
            "the view's drill fields"
        );
        assert_eq!(drill.filters["faturas.mes_month"], "2025-03", "the click narrows the tile's filter");
        assert_eq!(drill.filters["faturas.status"], "paga");
        assert_eq!(drill.view, "faturas");
        let own = drill_request(&model(), &tile(), "faturas.quantidade", &clicked, DrillTo::Rows).unwrap();
        assert_eq!(own.fields, ["faturas.id_fatura", "faturas.status"], "a measure's own drill fields win");
    }

    #[test]
    fn a_drill_names_only_what_the_tile_has() {
        let err = |measure: &str, clicked: &[Clicked]| {
            drill_request(&model(), &tile(), measure, clicked, DrillTo::Rows).unwrap_err().to_string()
        };
        assert_eq!(err("faturas.nada", &[]), "bad drill: `faturas.nada` is not a field of the query drilled into");
        assert_eq!(err("faturas.status", &[]), "bad drill: `faturas.status` is not a measure");
        let hidden = [("faturas.id_fatura".to_owned(), Some("1".to_owned()))];
        assert_eq!(
            err("faturas.custo", &hidden),
            "bad drill: `faturas.id_fatura` is not a field of the query drilled into"
        );
        let measure = [("faturas.quantidade".to_owned(), Some("1".to_owned()))];
        assert_eq!(
            err("faturas.custo", &measure),
            "bad drill: `faturas.quantidade` is a measure; a drill filters by dimension values"
        );
        let long = [("faturas.status".to_owned(), Some("x".repeat(1001)))];
        assert!(err("faturas.custo", &long).contains("over 1000 characters"));
    }

    #[test]
    fn a_drill_breaks_the_measure_down_by_a_grouping_drill_field_only() {
        // id_fatura is a primary key and valor a number: no groups.
        assert_eq!(drill_breakdowns(&model(), "faturas", "faturas.custo"), ["unidades.nome_unidade"]);
        assert_eq!(drill_breakdowns(&model(), "faturas", "faturas.quantidade"), ["faturas.status"]);
        let clicked = [("faturas.mes_month".to_owned(), Some("2025-03".to_owned()))];
        let by =
            drill_request(&model(), &tile(), "faturas.custo", &clicked, DrillTo::By("unidades.nome_unidade")).unwrap();
        assert_eq!(by.fields, ["unidades.nome_unidade", "faturas.custo"]);
        assert_eq!(by.sorts, ["faturas.custo desc"]);
        assert_eq!(by.filters["faturas.mes_month"], "2025-03", "the clicked values filter the breakdown too");
        let not_offered = drill_request(&model(), &tile(), "faturas.custo", &clicked, DrillTo::By("faturas.id_fatura"));
        assert_eq!(
            not_offered.unwrap_err().to_string(),
            "bad drill: `faturas.id_fatura` is not a drill field of `faturas.custo` to break it down by"
        );
    }

    #[test]
    fn a_dimension_value_drills_into_the_tiles_measures_by_its_drill_fields() {
        let text = MODEL.replace(
            r#"{ name = "status" }"#,
            r#"{ name = "status", drill_fields = ["unidades.nome_unidade", "custo", "faturas.nada"] }"#,
        );
        let model = parse_model(&text, "m.toml".as_ref()).unwrap();
        assert_eq!(
            dimension_drill_fields(&model, "faturas", "faturas.status"),
            ["unidades.nome_unidade"],
            "measures and unknown fields are no drill target"
        );
        let clicked = ("faturas.status".to_owned(), Some("paga".to_owned()));
        let by = dimension_drill_request(&model, &tile(), &clicked, "unidades.nome_unidade").unwrap();
        assert_eq!(by.fields, ["unidades.nome_unidade", "faturas.custo", "faturas.quantidade"]);
        assert_eq!((by.filters["faturas.status"].as_str(), by.filters["faturas.mes_month"].as_str()), ("paga", "2025"));
        assert_eq!(by.sorts, ["faturas.custo desc"]);
        let err = dimension_drill_request(&model, &tile(), &clicked, "faturas.id_fatura").unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad drill: `faturas.id_fatura` is not a drill field of dimension `faturas.status`"
        );
    }

    #[test]
    fn clicked_values_are_matched_exactly_whatever_they_hold() {
        assert_eq!(exact_filter(Some("a,b%_c"), FilterType::String, false), "a^,b^%^_c");
        assert_eq!(exact_filter(Some("-x"), FilterType::String, false), "^-x");
        assert_eq!(exact_filter(Some("null"), FilterType::String, false), "^null");
        assert_eq!(exact_filter(Some(" padded "), FilterType::String, false), "^ padded^ ");
        assert_eq!(exact_filter(Some(""), FilterType::String, false), "EMPTY");
        assert_eq!(exact_filter(None, FilterType::Number, false), "NULL");
        assert_eq!(exact_filter(Some("2025-03-10"), FilterType::Date, true), "2025-03-10 for 1 week");
        assert_eq!(exact_filter(Some("2025-Q1"), FilterType::Date, false), "2025-Q1");
    }
}
