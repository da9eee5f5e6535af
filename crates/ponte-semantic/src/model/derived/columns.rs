//! A derived table's output columns and their kinds, from its source
//! tables' columns: what `ponte validate` checks the view's fields against
//! and what the compiler asks when a time field sits on one of them.

use std::collections::BTreeMap;

use super::{DerivedQuery, Select};
use crate::compile::WarehouseColumns;
use crate::model::sql_expr::{AggregateFunction, CastType, Expr, ExprType, Typing, WindowFunction, infer};
use crate::model::{ColumnKind, Model};

/// Why a derived table does not fit the warehouse: a missing table or
/// column, or an expression whose types do not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DerivedColumnError(pub String);

/// The output columns of `query` and their kinds, given the warehouse's
/// tables; an error names the first table, column or expression that does
/// not fit.
pub fn derived_columns(
    query: &DerivedQuery,
    tables: &WarehouseColumns,
) -> Result<BTreeMap<String, ColumnKind>, DerivedColumnError> {
    let mut ctes: BTreeMap<&str, BTreeMap<String, ColumnKind>> = BTreeMap::new();
    for (name, select) in &query.ctes {
        let columns =
            select_columns(select, tables, &ctes).map_err(|e| DerivedColumnError(format!("in `{name}`: {e}")))?;
        ctes.insert(name, columns);
    }
    select_columns(&query.body, tables, &ctes).map_err(DerivedColumnError)
}

/// `tables` with every derived view's output columns added under its
/// table name (the view's name), for the compiler; derived views that do
/// not fit are left out (`ponte validate` reports them).
pub fn with_derived_columns(models: &[Model], tables: &WarehouseColumns) -> WarehouseColumns {
    let mut out = tables.clone();
    for view in models.iter().flat_map(|m| m.views.iter()) {
        if let Some(derived) = &view.derived
            && let Ok(columns) = derived_columns(&derived.query, tables)
        {
            out.insert(view.table.name.clone(), columns);
        }
    }
    out
}

fn select_columns(
    select: &Select,
    tables: &WarehouseColumns,
    ctes: &BTreeMap<&str, BTreeMap<String, ColumnKind>>,
) -> Result<BTreeMap<String, ColumnKind>, String> {
    let mut scope: Vec<(&str, &BTreeMap<String, ColumnKind>)> = Vec::new();
    for t in select.tables() {
        let columns = if t.cte { ctes.get(t.name.as_str()) } else { tables.get(&t.name) };
        let Some(columns) = columns else {
            return Err(format!("table `{}` is not in the warehouse", t.name));
        };
        scope.push((t.visible_name(), columns));
    }
    let aliases: Vec<&str> = select.items.iter().map(|i| i.alias.as_str()).collect();
    let lookup = |name: &str| -> Result<Option<ColumnKind>, String> {
        if let Some((table, column)) = name.split_once('.') {
            let columns = scope.iter().find(|(t, _)| *t == table).map(|(_, c)| *c);
            return match columns.and_then(|c| c.get(column)) {
                Some(kind) => Ok(Some(*kind)),
                None => Err(format!("column `{column}` is not in `{table}`")),
            };
        }
        let found: Vec<ColumnKind> = scope.iter().filter_map(|(_, c)| c.get(name).copied()).collect();
        match found.as_slice() {
            [kind] => Ok(Some(*kind)),
            [] if aliases.contains(&name) => Ok(None),
            [] => Err(format!("column `{name}` is not in any table of this `FROM`")),
            _ => Err(format!("column `{name}` is in several tables of this `FROM`; write `table.{name}`")),
        }
    };
    // Every column named must exist (and be unambiguous), in every clause.
    let mut missing = None;
    let exprs = select.items.iter().map(|i| &i.expr).chain(select.joins.iter().map(|j| &j.on));
    for e in exprs.chain(select.filter.iter()).chain(select.group_by.iter()).chain(select.having.iter()) {
        e.visit(&mut |n| {
            let name = match n {
                Expr::Column(c) => c.clone(),
                Expr::Qualified { table, column } => format!("{table}.{column}"),
                _ => return,
            };
            if let Err(e) = lookup(&name) {
                missing.get_or_insert(e);
            }
        });
        let column = |c: &str| lookup(c).ok().flatten();
        let no_fields = |_: &str| None;
        infer(e, &Typing { column: &column, field: &no_fields })?;
    }
    if let Some(e) = missing {
        return Err(e);
    }
    let column = |c: &str| lookup(c).ok().flatten();
    Ok(select.items.iter().map(|i| (i.alias.clone(), kind_of(&i.expr, &column))).collect())
}

/// The kind of an output column: a column keeps its own, an aggregate or a
/// window its argument's where that is what it gives, a cast its type,
/// anything else the broad type of the expression.
fn kind_of(e: &Expr, column: &dyn Fn(&str) -> Option<ColumnKind>) -> ColumnKind {
    let of_arg = |a: Option<&Expr>| a.map_or(ColumnKind::Other, |a| kind_of(a, column));
    match e {
        Expr::Column(c) => column(c).unwrap_or(ColumnKind::Other),
        Expr::Qualified { table, column: c } => column(&format!("{table}.{c}")).unwrap_or(ColumnKind::Other),
        Expr::Aggregate { function, arg, .. } => aggregate_kind(*function, of_arg(arg.as_deref())),
        Expr::Window { function, args, .. } => match function {
            WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank => ColumnKind::Integer,
            WindowFunction::Lag | WindowFunction::Lead => of_arg(args.first()),
            WindowFunction::Aggregate(f) => aggregate_kind(*f, of_arg(args.first())),
        },
        Expr::Cast { to, .. } => match to {
            CastType::String => ColumnKind::String,
            CastType::Integer => ColumnKind::Integer,
            CastType::Float => ColumnKind::Float,
            CastType::Numeric => ColumnKind::Numeric,
            CastType::Boolean => ColumnKind::Boolean,
            CastType::Date => ColumnKind::Date,
            CastType::Timestamp => ColumnKind::Timestamp,
        },
        other => {
            let no_fields = |_: &str| None;
            match infer(other, &Typing { column, field: &no_fields }) {
                Ok(ExprType::Number) => ColumnKind::Float,
                Ok(ExprType::String) => ColumnKind::String,
                Ok(ExprType::Boolean) => ColumnKind::Boolean,
                Ok(ExprType::Date) => ColumnKind::Date,
                Ok(ExprType::Timestamp) => ColumnKind::Timestamp,
                _ => ColumnKind::Other,
            }
        }
    }
}

fn aggregate_kind(function: AggregateFunction, arg: ColumnKind) -> ColumnKind {
    match function {
        AggregateFunction::Count => ColumnKind::Integer,
        AggregateFunction::Avg => ColumnKind::Float,
        AggregateFunction::Sum | AggregateFunction::Min | AggregateFunction::Max => arg,
    }
}
