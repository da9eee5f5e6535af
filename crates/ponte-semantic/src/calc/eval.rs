//! Evaluating table calculations over a result's columns: every operation
//! works on whole columns, so column functions (`sum`, `running_total`,
//! `offset`) see every row, and row operations go row by row.
//!
//! In a pivoted result a measure has one column per pivot value, and so
//! does every calculation that refers to one (directly or through another
//! calculation): it is evaluated once per pivot column, its column
//! functions going down that column, as in Looker. `pivot_offset` and
//! `pivot_index` read another pivot column of the same row.

use std::collections::BTreeMap;

use super::{Calc, CalcFunction, CalcOp, TableCalc};

/// A cell: a number, or null (text and dates take part as nulls).
pub type Value = Option<f64>;

/// A column of values, one per row.
pub type Column = Vec<Value>;

/// A column a calculation reads or gives: one column, or one per pivot
/// column (a pivoted measure, or a calculation over one).
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The same values under every pivot column (dimensions).
    Plain(Column),
    /// One column per pivot column, in pivot order.
    Pivoted(Vec<Column>),
}

/// The columns of `calcs`, in order, from the result's `columns` (by
/// field name) with `rows` rows. A calculation sees the ones before it.
pub fn evaluate(calcs: &[TableCalc], columns: &BTreeMap<String, Column>, rows: usize) -> Vec<Column> {
    let inputs = columns.iter().map(|(name, c)| (name.clone(), Input::Plain(c.clone()))).collect();
    evaluate_pivoted(calcs, &inputs, rows, 1)
        .into_iter()
        .map(|c| match c {
            Input::Plain(c) => c,
            Input::Pivoted(mut cs) => cs.pop().unwrap_or_else(|| vec![None; rows]),
        })
        .collect()
}

/// The columns of `calcs` over a pivoted result of `pivots` pivot columns:
/// a calculation referring to a pivoted input is pivoted itself.
pub fn evaluate_pivoted(
    calcs: &[TableCalc],
    inputs: &BTreeMap<String, Input>,
    rows: usize,
    pivots: usize,
) -> Vec<Input> {
    let mut known = inputs.clone();
    let mut out = Vec::with_capacity(calcs.len());
    for calc in calcs {
        let pivoted = calc.calc.references().iter().any(|r| matches!(known.get(*r), Some(Input::Pivoted(_))));
        let context = Context { known: &known, rows, pivots };
        let column = if pivoted {
            Input::Pivoted((0..pivots).map(|p| context.eval(&calc.calc, p)).collect())
        } else {
            Input::Plain(context.eval(&calc.calc, 0))
        };
        known.insert(calc.name.clone(), column.clone());
        out.push(column);
    }
    out
}

/// What an expression is evaluated against.
struct Context<'k> {
    known: &'k BTreeMap<String, Input>,
    rows: usize,
    pivots: usize,
}

impl Context<'_> {
    /// `calc`'s column under pivot column `p` (0 when not pivoted).
    fn eval(&self, calc: &Calc, p: usize) -> Column {
        let rows = self.rows;
        let sub = |c: &Calc| self.eval(c, p);
        match calc {
            Calc::Field(name) => match self.known.get(name) {
                Some(Input::Plain(c)) => c.clone(),
                Some(Input::Pivoted(cs)) => cs.get(p).cloned().unwrap_or_else(|| vec![None; rows]),
                None => vec![None; rows],
            },
            Calc::Number(n) => vec![Some(*n); rows],
            Calc::Null => vec![None; rows],
            Calc::Negate(c) => sub(c).into_iter().map(|v| v.map(|v| -v)).collect(),
            Calc::Not(c) => sub(c).into_iter().map(|v| v.map(|v| if v == 0.0 { 1.0 } else { 0.0 })).collect(),
            Calc::Binary { op, left, right } => {
                let (l, r) = (sub(left), sub(right));
                l.into_iter().zip(r).map(|(a, b)| binary(*op, a, b)).collect()
            }
            Calc::Call { function: CalcFunction::PivotOffset, args } => {
                let to = constant(&args[1]).and_then(|by| usize::try_from(p as i64 + by).ok());
                self.at_pivot(&args[0], to)
            }
            Calc::Call { function: CalcFunction::PivotIndex, args } => {
                let to = constant(&args[1]).and_then(|n| usize::try_from(n - 1).ok());
                self.at_pivot(&args[0], to)
            }
            Calc::Call { function, args } => call(*function, args, &|c| sub(c), rows),
        }
    }

    /// `calc` under another pivot column; nulls past the last.
    fn at_pivot(&self, calc: &Calc, p: Option<usize>) -> Column {
        match p.filter(|p| *p < self.pivots) {
            Some(p) => self.eval(calc, p),
            None => vec![None; self.rows],
        }
    }
}

/// A whole number as written (`pivot_offset`'s and `pivot_index`'s
/// second argument; the parser allows nothing else there).
fn constant(calc: &Calc) -> Option<i64> {
    match calc {
        Calc::Number(n) if n.fract() == 0.0 && n.abs() < 1e9 => Some(*n as i64),
        Calc::Negate(inner) => constant(inner).map(|n| -n),
        _ => None,
    }
}

fn binary(op: CalcOp, a: Value, b: Value) -> Value {
    let truth = |x: bool| Some(if x { 1.0 } else { 0.0 });
    match op {
        // `x = null` is how Looker's expressions ask "is null".
        CalcOp::Eq if a.is_none() || b.is_none() => truth(a.is_none() && b.is_none()),
        CalcOp::NotEq if a.is_none() || b.is_none() => truth(a.is_some() != b.is_some()),
        CalcOp::And => truth(a.is_some_and(|a| a != 0.0) && b.is_some_and(|b| b != 0.0)),
        CalcOp::Or => truth(a.is_some_and(|a| a != 0.0) || b.is_some_and(|b| b != 0.0)),
        _ => {
            let (a, b) = (a?, b?);
            match op {
                CalcOp::Add => Some(a + b),
                CalcOp::Subtract => Some(a - b),
                CalcOp::Multiply => Some(a * b),
                CalcOp::Divide => (b != 0.0).then(|| a / b),
                CalcOp::Eq => truth(a == b),
                CalcOp::NotEq => truth(a != b),
                CalcOp::Lt => truth(a < b),
                CalcOp::LtEq => truth(a <= b),
                CalcOp::Gt => truth(a > b),
                CalcOp::GtEq => truth(a >= b),
                CalcOp::And | CalcOp::Or => unreachable!("handled above"),
            }
        }
    }
    .filter(|v| v.is_finite())
}

fn call(function: CalcFunction, args: &[Calc], eval: &dyn Fn(&Calc) -> Column, rows: usize) -> Column {
    let arg = |i: usize| args.get(i).map_or_else(|| vec![None; rows], eval);
    let total = |c: &Column| c.iter().flatten().sum::<f64>();
    let whole = |v: Value| vec![v; rows];
    let x = || arg(0);
    match function {
        CalcFunction::If => {
            let (c, a, b) = (arg(0), arg(1), arg(2));
            (0..rows).map(|i| if c[i].is_some_and(|c| c != 0.0) { a[i] } else { b[i] }).collect()
        }
        CalcFunction::Coalesce => {
            let cols: Vec<Column> = (0..args.len()).map(arg).collect();
            (0..rows).map(|i| cols.iter().find_map(|c| c[i])).collect()
        }
        CalcFunction::Round => {
            let (v, digits) = (arg(0), if args.len() > 1 { arg(1) } else { whole(Some(0.0)) });
            v.into_iter()
                .zip(digits)
                .map(|(v, d)| {
                    let scale = 10f64.powi(d?.clamp(-15.0, 15.0) as i32);
                    v.map(|v| (v * scale).round() / scale)
                })
                .collect()
        }
        CalcFunction::Abs => x().into_iter().map(|v| v.map(f64::abs)).collect(),
        CalcFunction::Sum => whole(Some(total(&x()))),
        CalcFunction::Mean => {
            let c = x();
            let n = c.iter().flatten().count();
            whole((n > 0).then(|| total(&c) / n as f64))
        }
        CalcFunction::Min => whole(x().into_iter().flatten().reduce(f64::min)),
        CalcFunction::Max => whole(x().into_iter().flatten().reduce(f64::max)),
        CalcFunction::Count => whole(Some(x().iter().flatten().count() as f64)),
        CalcFunction::RunningTotal => {
            let mut sum = 0.0;
            x().into_iter()
                .map(|v| {
                    sum += v.unwrap_or(0.0);
                    v.map(|_| sum)
                })
                .collect()
        }
        CalcFunction::PercentOfColumnSum => {
            let c = x();
            let t = total(&c);
            c.into_iter().map(|v| v.filter(|_| t != 0.0).map(|v| v / t)).collect()
        }
        CalcFunction::PercentOfPrevious => {
            let c = x();
            (0..rows).map(|i| ratio(c[i], i.checked_sub(1).and_then(|p| c[p]))).collect()
        }
        CalcFunction::PercentChangeFromPrevious => {
            let c = x();
            (0..rows).map(|i| ratio(c[i], i.checked_sub(1).and_then(|p| c[p])).map(|r| r - 1.0)).collect()
        }
        CalcFunction::Offset => {
            let (c, by) = (arg(0), arg(1));
            (0..rows)
                .map(|i| {
                    let step = by[i]?;
                    if step.fract() != 0.0 || step.abs() > rows as f64 {
                        return None;
                    }
                    let at = i as i64 + step as i64;
                    usize::try_from(at).ok().and_then(|at| c.get(at).copied().flatten())
                })
                .collect()
        }
        CalcFunction::Row => (1..=rows).map(|i| Some(i as f64)).collect(),
        // Evaluated by the context, which knows the pivot columns.
        CalcFunction::PivotOffset | CalcFunction::PivotIndex => vec![None; rows],
    }
}

fn ratio(a: Value, b: Value) -> Value {
    let (a, b) = (a?, b?);
    (b != 0.0).then(|| a / b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::parse_dynamic_fields;

    fn run(expression: &str, x: &[Value]) -> Column {
        let json = format!(r#"[{{"table_calculation": "c", "expression": "{expression}"}}]"#);
        let calcs = parse_dynamic_fields(&json, &["v.x".to_owned()]).unwrap();
        let columns = BTreeMap::from([("v.x".to_owned(), x.to_vec())]);
        evaluate(&calcs, &columns, x.len()).remove(0)
    }

    #[test]
    fn column_functions_see_every_row_and_row_operations_each() {
        let x = [Some(10.0), Some(30.0), None, Some(60.0)];
        assert_eq!(run("running_total(${v.x})", &x), [Some(10.0), Some(40.0), None, Some(100.0)]);
        assert_eq!(run("percent_of_column_sum(${v.x})", &x), [Some(0.1), Some(0.3), None, Some(0.6)]);
        assert_eq!(run("offset(${v.x}, -1)", &x), [None, Some(10.0), Some(30.0), None]);
        assert_eq!(run("offset(${v.x}, 1)", &x), [Some(30.0), None, Some(60.0), None]);
        assert_eq!(run("percent_of_previous(${v.x})", &x), [None, Some(3.0), None, None]);
        assert_eq!(run("percent_change_from_previous(${v.x})", &x)[1], Some(2.0));
        assert_eq!(run("${v.x} / sum(${v.x})", &x), [Some(0.1), Some(0.3), None, Some(0.6)]);
        assert_eq!(run("if(${v.x} > 20, 1, 0)", &x), [Some(0.0), Some(1.0), Some(0.0), Some(1.0)]);
        assert_eq!(run("coalesce(${v.x}, 0)", &x)[2], Some(0.0));
        assert_eq!(run("if(${v.x} = null, row(), null)", &x), [None, None, Some(3.0), None]);
        assert_eq!(run("round(${v.x} / 7, 2)", &x)[0], Some(1.43));
        assert_eq!(run("mean(${v.x})", &x)[3], Some(100.0 / 3.0));
        assert_eq!(run("${v.x} / 0", &x), [None; 4], "no infinities");
    }

    #[test]
    fn a_calculation_over_a_pivoted_measure_is_evaluated_per_pivot_column() {
        let fields = ["v.d".to_owned(), "v.m".to_owned()];
        let json = r#"[
          {"table_calculation": "share", "expression": "${v.m} / sum(${v.m})"},
          {"table_calculation": "growth", "expression": "${v.m} - pivot_offset(${v.m}, -1)"},
          {"table_calculation": "vs_first", "expression": "${v.m} / pivot_index(${v.m}, 1)"},
          {"table_calculation": "double_d", "expression": "${v.d} * 2"},
          {"table_calculation": "acc", "expression": "running_total(${share})"}
        ]"#;
        let calcs = parse_dynamic_fields(json, &fields).unwrap();
        // Two rows, three pivot columns.
        let m = vec![vec![Some(1.0), Some(3.0)], vec![Some(2.0), None], vec![Some(4.0), Some(6.0)]];
        let inputs = BTreeMap::from([
            ("v.d".to_owned(), Input::Plain(vec![Some(10.0), Some(20.0)])),
            ("v.m".to_owned(), Input::Pivoted(m)),
        ]);
        let out = evaluate_pivoted(&calcs, &inputs, 2, 3);
        assert_eq!(
            out[0],
            Input::Pivoted(vec![vec![Some(0.25), Some(0.75)], vec![Some(1.0), None], vec![Some(0.4), Some(0.6)]])
        );
        assert_eq!(
            out[1],
            Input::Pivoted(vec![vec![None, None], vec![Some(1.0), None], vec![Some(2.0), None]]),
            "the first column has none before it; a null on either side is null"
        );
        assert_eq!(
            out[2],
            Input::Pivoted(vec![vec![Some(1.0), Some(1.0)], vec![Some(2.0), None], vec![Some(4.0), Some(2.0)]])
        );
        assert_eq!(out[3], Input::Plain(vec![Some(20.0), Some(40.0)]), "over dimensions only: not pivoted");
        assert_eq!(
            out[4],
            Input::Pivoted(vec![vec![Some(0.25), Some(1.0)], vec![Some(1.0), None], vec![Some(0.4), Some(1.0)]])
        );
        let err = |e: &str| {
            let json = format!(r#"[{{"table_calculation": "c", "expression": "{e}"}}]"#);
            parse_dynamic_fields(&json, &fields).unwrap_err().to_string()
        };
        assert!(err("pivot_offset(${v.m}, ${v.d})").contains("must be a whole number"));
        assert!(err("pivot_index(${v.m}, 1.5)").contains("must be a whole number"));
    }
}
