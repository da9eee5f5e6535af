//! Checking a model against the warehouse: every view's table exists, every
//! field's column exists, and each column's type fits what the field does.
//!
//! The warehouse is given as a plain map (table → column → [`ColumnKind`])
//! so that this crate stays independent of the warehouse crate; callers
//! build the map from a BigQuery schema file or from the warehouse itself.

use std::collections::BTreeMap;

use ponte_config::{Diagnostic, Position};

use super::sql_expr::{ExprType, Typing, infer};
use super::types::{Aggregate, DimensionType, FieldSql, MeasureKind, Model, SqlName};
use super::validate::closest;

/// The broad type of a warehouse column, enough to tell whether a field fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text (`STRING`).
    String,
    /// Whole numbers (`INTEGER`, `INT64`).
    Integer,
    /// Floating point (`FLOAT`, `FLOAT64`).
    Float,
    /// Exact decimals (`NUMERIC`, `BIGNUMERIC`).
    Numeric,
    /// `BOOLEAN`.
    Boolean,
    /// A calendar date.
    Date,
    /// A point in time (`TIMESTAMP`, `DATETIME`).
    Timestamp,
    /// Anything else (records, bytes, geography...): only counted distinct.
    Other,
}

impl ColumnKind {
    fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float | ColumnKind::Numeric)
    }

    fn is_temporal(self) -> bool {
        matches!(self, ColumnKind::Date | ColumnKind::Timestamp)
    }

    fn describe(self) -> &'static str {
        match self {
            ColumnKind::String => "a string",
            ColumnKind::Integer => "an integer",
            ColumnKind::Float => "a float",
            ColumnKind::Numeric => "a numeric",
            ColumnKind::Boolean => "a boolean",
            ColumnKind::Date => "a date",
            ColumnKind::Timestamp => "a timestamp",
            ColumnKind::Other => "an unsupported",
        }
    }
}

/// Reports views whose table is missing, fields whose column is missing, and
/// fields whose type does not fit their column (a `number` dimension on a
/// string column, a `sum` over dates, a dimension group on a string...).
/// Returns nothing when the model fits the warehouse.
pub fn check_columns(model: &Model, tables: &BTreeMap<String, BTreeMap<String, ColumnKind>>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut error = |position: Position, message: String| {
        out.push(Diagnostic { file: model.file.clone(), position: Some(position), message });
    };
    for view in &model.views {
        // A derived view's columns are its query's output columns, typed
        // from its source tables.
        let derived_columns;
        let columns = match &view.derived {
            Some(derived) => {
                if tables.contains_key(&view.table.name) {
                    error(
                        derived.position,
                        format!(
                            "derived view `{}` has the name of a warehouse table; name it otherwise (its columns, and its persisted table, go by the view's name)",
                            view.name
                        ),
                    );
                    continue;
                }
                match super::derived::derived_columns(&derived.query, tables) {
                    Ok(c) => {
                        // A persisted table needs a type for each column.
                        if derived.persist
                            && let Some((name, _)) = c.iter().find(|(_, k)| **k == ColumnKind::Other)
                        {
                            error(
                                derived.position,
                                format!(
                                    "view `{}`: derived table: column `{name}` has no type ponte can keep as a table column (persist = true); give it one with CAST",
                                    view.name
                                ),
                            );
                        }
                        derived_columns = c
                    }
                    Err(e) => {
                        error(derived.position, format!("view `{}`: derived table: {e}", view.name));
                        continue;
                    }
                }
                Some(&derived_columns)
            }
            None => tables.get(&view.table.name),
        };
        let Some(columns) = columns else {
            let mut message = format!("view `{}`: table `{}` is not in the warehouse", view.name, view.table.name);
            if let Some(best) = closest(&view.table.name, tables.keys().map(String::as_str)) {
                message.push_str(&format!("; did you mean `{best}`?"));
            }
            error(view.table.position, message);
            continue;
        };
        // An expression's type, from its columns' kinds and its
        // references' declared types, must be what its field is.
        let typing_column = |c: &str| columns.get(c).copied();
        let typing_field = |f: &str| view.dimensions.iter().find(|d| d.name == f).map(|d| declared(d.dimension_type));
        let typing = Typing { column: &typing_column, field: &typing_field };
        let mut type_error = |field: &str, sql: &FieldSql, wanted: ExprType| {
            let FieldSql::Expression(at) = sql else { return };
            match infer(&at.expr.expr, &typing) {
                Ok(t) if t.fits(wanted) => {}
                Ok(t) => error(
                    at.position,
                    format!("`{}.{field}` is {}, but its `sql` gives {}", view.name, wanted.describe(), t.describe()),
                ),
                Err(e) => error(at.position, format!("`{}.{field}`: {e}", view.name)),
            }
        };
        for d in &view.dimensions {
            // A string dimension shows whatever its expression gives, as Looker does.
            let wanted = match d.dimension_type {
                DimensionType::String => ExprType::Unknown,
                t => declared(t),
            };
            type_error(&d.name, &d.sql, wanted);
        }
        for m in &view.measures {
            if let MeasureKind::Aggregate { function: Aggregate::Sum | Aggregate::Average, sql } = &m.kind {
                type_error(&m.name, sql, ExprType::Number);
            } else if let MeasureKind::Aggregate { sql, .. } = &m.kind {
                type_error(&m.name, sql, ExprType::Unknown);
            }
        }
        let mut check = |field: &str, column: &SqlName, fits: &dyn Fn(ColumnKind) -> bool, wants: &str| match columns
            .get(&column.name)
        {
            None => {
                let mut message =
                    format!("`{}.{field}`: column `{}` is not in table `{}`", view.name, column.name, view.table.name);
                if let Some(best) = closest(&column.name, columns.keys().map(String::as_str)) {
                    message.push_str(&format!("; did you mean `{best}`?"));
                }
                error(column.position, message);
            }
            Some(kind) if *kind != ColumnKind::Other && !fits(*kind) => error(
                column.position,
                format!(
                    "`{}.{field}` {wants}, but `{}.{}` is {} column",
                    view.name,
                    view.table.name,
                    column.name,
                    kind.describe()
                ),
            ),
            Some(_) => {}
        };
        for d in &view.dimensions {
            let (fits, wants): (fn(ColumnKind) -> bool, _) = match d.dimension_type {
                DimensionType::String => (|k| k == ColumnKind::String, "is of type string"),
                DimensionType::Number => (ColumnKind::is_numeric, "is of type number"),
                DimensionType::YesNo => (|k| k == ColumnKind::Boolean, "is of type yesno"),
                DimensionType::Date | DimensionType::Time => (ColumnKind::is_temporal, "is a date or time"),
            };
            check_sql(&mut check, &d.name, &d.sql, &fits, wants);
        }
        for g in &view.dimension_groups {
            check(&g.name, &g.column, &ColumnKind::is_temporal, "is a time dimension group");
        }
        for m in &view.measures {
            if let MeasureKind::Aggregate { function, sql } = &m.kind {
                let (fits, wants): (fn(ColumnKind) -> bool, _) = match function {
                    Aggregate::Sum | Aggregate::Average => (ColumnKind::is_numeric, "adds numbers"),
                    Aggregate::Min | Aggregate::Max => {
                        (|k| k.is_numeric() || k.is_temporal() || k == ColumnKind::String, "compares values")
                    }
                    Aggregate::CountDistinct => (|_| true, "counts values"),
                };
                check_sql(&mut check, &m.name, sql, &fits, wants);
            }
        }
    }
    out
}

/// The type a dimension's expression must give.
fn declared(t: DimensionType) -> ExprType {
    match t {
        DimensionType::String => ExprType::String,
        DimensionType::Number => ExprType::Number,
        DimensionType::YesNo => ExprType::Boolean,
        DimensionType::Date => ExprType::Date,
        DimensionType::Time => ExprType::Timestamp,
    }
}

/// Checks one column for a field: the field, the column, whether a kind
/// fits, and what the field wants (for the message).
type CheckColumn<'c> = dyn FnMut(&str, &SqlName, &dyn Fn(ColumnKind) -> bool, &str) + 'c;

/// Checks a field's column, or every column its expression reads (an
/// expression's own type is not inferred yet: each column need only exist).
fn check_sql(check: &mut CheckColumn<'_>, field: &str, sql: &FieldSql, fits: &dyn Fn(ColumnKind) -> bool, wants: &str) {
    match sql {
        FieldSql::Column(column) => check(field, column, fits, wants),
        FieldSql::Expression(at) => {
            for name in at.expr.columns() {
                let column = SqlName { name: name.to_owned(), position: at.position };
                check(field, &column, &|_| true, wants);
            }
        }
    }
}

impl ColumnKind {
    /// The kind of a BigQuery schema file's column type.
    pub fn of(field_type: ponte_config::FieldType) -> Self {
        use ponte_config::FieldType as F;
        match field_type {
            F::String => Self::String,
            F::Int64 => Self::Integer,
            F::Float64 => Self::Float,
            F::Numeric | F::BigNumeric => Self::Numeric,
            F::Bool => Self::Boolean,
            F::Date => Self::Date,
            F::Timestamp | F::Datetime => Self::Timestamp,
            _ => Self::Other,
        }
    }
}

/// The tables and columns the config's functions load, from their schema
/// files: what [`check_columns`] checks a model against without asking
/// the warehouse.
pub fn columns_of_config(config: &ponte_config::Config) -> BTreeMap<String, BTreeMap<String, ColumnKind>> {
    config
        .functions
        .iter()
        .map(|f| {
            let columns = f.load.schema.fields.iter().map(|c| (c.name.clone(), ColumnKind::of(c.field_type))).collect();
            (f.load.table.clone(), columns)
        })
        .collect()
}

/// The tables and columns of a per-table BigQuery schema file (a
/// single-table file names no table, so it gives nothing).
pub fn columns_of_schema_file(file: &ponte_config::SchemaFile) -> BTreeMap<String, BTreeMap<String, ColumnKind>> {
    file.table_names()
        .into_iter()
        .filter_map(|table| file.table(table).map(|schema| (table, schema)))
        .map(|(table, schema)| {
            let columns = schema.fields.iter().map(|c| (c.name.clone(), ColumnKind::of(c.field_type))).collect();
            (table.to_owned(), columns)
        })
        .collect()
}
