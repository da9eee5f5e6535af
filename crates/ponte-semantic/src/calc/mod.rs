//! Looker's table calculations (`dynamic_fields` entries with a
//! `table_calculation`): expressions over a query's result columns,
//! evaluated after the query, row by row and down columns
//! (`running_total`, `offset`, `percent_of_column_sum`…), as Looker does.
//!
//! The expression is read with the same parser and bounds as model
//! expressions (`${view.field}` references, no `;`, no comments) into
//! [`Calc`], which only allows what is evaluated here; nothing of it
//! reaches SQL. Values are numbers, booleans (comparisons, for `if`) and
//! nulls; text columns take part as nulls.

mod eval;
mod parse;

use serde::Deserialize;

pub use eval::{Column, Input, Value, evaluate, evaluate_pivoted};
pub use parse::parse_calc;

use crate::compile::QueryError;

/// The most table calculations one query takes.
pub const MAX_TABLE_CALCULATIONS: usize = 16;
/// The most nodes one calculation's expression has (each is a pass over
/// every row).
pub const MAX_CALCULATION_NODES: usize = 64;

/// One table calculation of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct TableCalc {
    /// Its name (`table_calculation`): the result column's name.
    pub name: String,
    /// What users see.
    pub label: String,
    /// Looker's `value_format_name` (`percent_1`, `decimal_2`, `usd`…), if any.
    pub value_format_name: Option<String>,
    /// The expression as written.
    pub expression: String,
    /// The expression.
    pub calc: Calc,
}

/// A table calculation's expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Calc {
    /// A field of the query (`${view.field}`) or an earlier calculation (`${name}`).
    Field(String),
    /// A number.
    Number(f64),
    /// `null`.
    Null,
    /// `-x`.
    Negate(Box<Calc>),
    /// `NOT x`.
    Not(Box<Calc>),
    /// `l op r`.
    Binary {
        /// The operator.
        op: CalcOp,
        /// Its left side.
        left: Box<Calc>,
        /// Its right side.
        right: Box<Calc>,
    },
    /// A function of [`CalcFunction`].
    Call {
        /// Which.
        function: CalcFunction,
        /// Its arguments.
        args: Vec<Calc>,
    },
}

/// An operator of a table calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalcOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/` (null on a zero divisor, as Looker shows it)
    Divide,
    /// `=`
    Eq,
    /// `!=` or `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
}

/// The functions of Looker's table calculations that ponte evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalcFunction {
    /// `if(condition, then, else)`
    If,
    /// `coalesce(a, b, …)`
    Coalesce,
    /// `round(x[, digits])`
    Round,
    /// `abs(x)`
    Abs,
    /// `sum(column)`: the column's total, on every row.
    Sum,
    /// `mean(column)`
    Mean,
    /// `min(column)`
    Min,
    /// `max(column)`
    Max,
    /// `count(column)`: its non-null values.
    Count,
    /// `running_total(column)`
    RunningTotal,
    /// `percent_of_column_sum(column)`: each value over the column's total.
    PercentOfColumnSum,
    /// `percent_of_previous(column)`: each value over the row before's.
    PercentOfPrevious,
    /// `percent_change_from_previous(column)`: the change from the row before.
    PercentChangeFromPrevious,
    /// `offset(column, rows)`: the value `rows` rows away.
    Offset,
    /// `row()`: the row's number, from 1.
    Row,
    /// `pivot_offset(column, columns)`: the value in the same row,
    /// `columns` pivot columns away (a whole number as written).
    PivotOffset,
    /// `pivot_index(column, n)`: the value in the same row, in pivot
    /// column `n` (from 1, a whole number as written).
    PivotIndex,
}

impl CalcFunction {
    /// Every function with its name and how many arguments it takes.
    pub const ALL: [(CalcFunction, &'static str, usize, usize); 17] = [
        (CalcFunction::If, "if", 3, 3),
        (CalcFunction::Coalesce, "coalesce", 1, 16),
        (CalcFunction::Round, "round", 1, 2),
        (CalcFunction::Abs, "abs", 1, 1),
        (CalcFunction::Sum, "sum", 1, 1),
        (CalcFunction::Mean, "mean", 1, 1),
        (CalcFunction::Min, "min", 1, 1),
        (CalcFunction::Max, "max", 1, 1),
        (CalcFunction::Count, "count", 1, 1),
        (CalcFunction::RunningTotal, "running_total", 1, 1),
        (CalcFunction::PercentOfColumnSum, "percent_of_column_sum", 1, 1),
        (CalcFunction::PercentOfPrevious, "percent_of_previous", 1, 1),
        (CalcFunction::PercentChangeFromPrevious, "percent_change_from_previous", 1, 1),
        (CalcFunction::Offset, "offset", 2, 2),
        (CalcFunction::Row, "row", 0, 0),
        (CalcFunction::PivotOffset, "pivot_offset", 2, 2),
        (CalcFunction::PivotIndex, "pivot_index", 2, 2),
    ];
}

impl Calc {
    /// The names it refers to (`${…}`), each once.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Calc::Field(f) = c
                && !out.contains(&f.as_str())
            {
                out.push(f.as_str());
            }
        });
        out
    }

    /// The pivot function it calls (`pivot_offset`, `pivot_index`), if any:
    /// those read other pivot columns, so need a pivoted query.
    pub fn pivot_function(&self) -> Option<&'static str> {
        let mut found = None;
        self.visit(&mut |c| {
            if let Calc::Call { function: f @ (CalcFunction::PivotOffset | CalcFunction::PivotIndex), .. } = c {
                found = CalcFunction::ALL.iter().find(|(g, ..)| g == f).map(|(_, name, ..)| *name);
            }
        });
        found
    }

    fn visit<'c>(&'c self, f: &mut dyn FnMut(&'c Calc)) {
        f(self);
        match self {
            Calc::Field(_) | Calc::Number(_) | Calc::Null => {}
            Calc::Negate(c) | Calc::Not(c) => c.visit(f),
            Calc::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Calc::Call { args, .. } => args.iter().for_each(|a| a.visit(f)),
        }
    }
}

/// The `value_format` of Looker's built-in `value_format_name`s
/// (`percent_1` → `0.0%`, `decimal_2` → `#,##0.00`, `usd`, `eur`, `gbp`
/// and their `_0`, `id`): for table calculations and for models imported
/// from LookML.
pub fn value_format_of(name: &str) -> Option<String> {
    let digits = |n: &str| n.parse::<usize>().ok().filter(|d| *d <= 4);
    if let Some(d) = name.strip_prefix("percent_").and_then(digits) {
        return Some(if d == 0 { "0%".to_owned() } else { format!("0.{}%", "0".repeat(d)) });
    }
    if let Some(d) = name.strip_prefix("decimal_").and_then(digits) {
        return Some(if d == 0 { "#,##0".to_owned() } else { format!("#,##0.{}", "0".repeat(d)) });
    }
    match name {
        "usd" => Some("$#,##0.00".to_owned()),
        "usd_0" => Some("$#,##0".to_owned()),
        "eur" => Some("€#,##0.00".to_owned()),
        "eur_0" => Some("€#,##0".to_owned()),
        "gbp" => Some("£#,##0.00".to_owned()),
        "gbp_0" => Some("£#,##0".to_owned()),
        "id" => Some("0".to_owned()),
        _ => None,
    }
}

/// One entry of `dynamic_fields` as Looker writes it; only table
/// calculations are taken.
#[derive(Deserialize)]
struct RawDynamicField {
    table_calculation: Option<String>,
    label: Option<String>,
    expression: Option<String>,
    value_format_name: Option<String>,
    measure: Option<String>,
    dimension: Option<String>,
}

/// The table calculations of a query's `dynamic_fields` (a JSON array, as
/// Looker's WriteQuery carries it). `fields` are the query's fields: a
/// calculation may refer to them and to calculations before it. Custom
/// measures and dimensions are refused, as is anything else unread.
pub fn parse_dynamic_fields(json: &str, fields: &[String]) -> Result<Vec<TableCalc>, QueryError> {
    let bad = |reason: String| QueryError::BadTableCalculation { reason };
    let raw: Vec<RawDynamicField> =
        serde_json::from_str(json).map_err(|e| bad(format!("`dynamic_fields` is not a JSON array of fields: {e}")))?;
    if raw.len() > MAX_TABLE_CALCULATIONS {
        return Err(bad(format!("at most {MAX_TABLE_CALCULATIONS} table calculations")));
    }
    let mut calcs: Vec<TableCalc> = Vec::new();
    for entry in raw {
        let Some(name) = entry.table_calculation else {
            let what = if entry.measure.is_some() {
                "custom measures"
            } else if entry.dimension.is_some() {
                "custom dimensions"
            } else {
                "dynamic fields other than table calculations"
            };
            return Err(QueryError::Unsupported { feature: format!("{what} in `dynamic_fields`") });
        };
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(bad(format!(
                "table calculation name `{}` is not letters, digits and `_`",
                name.escape_debug()
            )));
        }
        if calcs.iter().any(|c| c.name == name) {
            return Err(bad(format!("`{name}` is named twice")));
        }
        let expression =
            entry.expression.ok_or_else(|| bad(format!("table calculation `{name}` has no `expression`")))?;
        let calc = parse_calc(&expression).map_err(|e| bad(format!("table calculation `{name}`: {e}")))?;
        let mut nodes = 0;
        calc.visit(&mut |_| nodes += 1);
        if nodes > MAX_CALCULATION_NODES {
            return Err(bad(format!("table calculation `{name}` has {nodes} terms; at most {MAX_CALCULATION_NODES}")));
        }
        for reference in calc.references() {
            let known = fields.iter().any(|f| f == reference) || calcs.iter().any(|c| c.name == reference);
            if !known {
                return Err(bad(format!(
                    "table calculation `{name}` refers to `${{{reference}}}`, which is neither a field of the query nor a calculation before it"
                )));
            }
        }
        calcs.push(TableCalc {
            label: entry.label.unwrap_or_else(|| name.clone()),
            value_format_name: entry.value_format_name,
            name,
            expression,
            calc,
        });
    }
    Ok(calcs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looker_dynamic_fields_give_table_calculations_in_order() {
        let fields = vec!["f.mes".to_owned(), "f.custo".to_owned()];
        let json = r#"[
          {"table_calculation": "share", "label": "Share", "expression": "${f.custo} / sum(${f.custo})", "value_format_name": "percent_1", "_kind_hint": "measure"},
          {"table_calculation": "acc", "expression": "running_total(${share})"}
        ]"#;
        let calcs = parse_dynamic_fields(json, &fields).unwrap();
        assert_eq!(calcs.len(), 2);
        assert_eq!((calcs[0].label.as_str(), calcs[1].label.as_str()), ("Share", "acc"));
        assert_eq!(calcs[1].calc.references(), ["share"]);
        let err = |json: &str| parse_dynamic_fields(json, &fields).unwrap_err().to_string();
        assert!(err(r#"[{"measure": "m", "based_on": "f.x", "type": "sum"}]"#).contains("custom measures"));
        assert!(err(r#"[{"table_calculation": "x", "expression": "${f.nada} + 1"}]"#).contains("`${f.nada}`"));
        assert!(
            err(r#"[{"table_calculation": "x", "expression": "${y}"}, {"table_calculation": "y", "expression": "1"}]"#)
                .contains("a calculation before it")
        );
        assert!(err(r#"[{"table_calculation": "x y", "expression": "1"}]"#).contains("not letters"));
        assert!(
            err(r#"[{"table_calculation": "x", "expression": "sleep(1)"}]"#)
                .contains("`sleep` is not a table calculation function")
        );
        assert!(err("{").contains("not a JSON array"));
    }
}
