//! Evaluating table calculations over a result's columns: every operation
//! works on whole columns, so column functions (`sum`, `running_total`,
//! `offset`) see every row, and row operations go row by row.

use std::collections::BTreeMap;

use super::{Calc, CalcFunction, CalcOp, TableCalc};

/// A cell: a number, or null (text and dates take part as nulls).
pub type Value = Option<f64>;

/// A column of values, one per row.
pub type Column = Vec<Value>;

/// The columns of `calcs`, in order, from the result's `columns` (by
/// field name) with `rows` rows. A calculation sees the ones before it.
pub fn evaluate(calcs: &[TableCalc], columns: &BTreeMap<String, Column>, rows: usize) -> Vec<Column> {
    let mut known: BTreeMap<String, Column> = columns.clone();
    let mut out = Vec::with_capacity(calcs.len());
    for calc in calcs {
        let column = eval(&calc.calc, &known, rows);
        known.insert(calc.name.clone(), column.clone());
        out.push(column);
    }
    out
}

fn eval(calc: &Calc, known: &BTreeMap<String, Column>, rows: usize) -> Column {
    let sub = |c: &Calc| eval(c, known, rows);
    match calc {
        Calc::Field(name) => known.get(name).cloned().unwrap_or_else(|| vec![None; rows]),
        Calc::Number(n) => vec![Some(*n); rows],
        Calc::Null => vec![None; rows],
        Calc::Negate(c) => sub(c).into_iter().map(|v| v.map(|v| -v)).collect(),
        Calc::Not(c) => sub(c).into_iter().map(|v| v.map(|v| if v == 0.0 { 1.0 } else { 0.0 })).collect(),
        Calc::Binary { op, left, right } => {
            let (l, r) = (sub(left), sub(right));
            l.into_iter().zip(r).map(|(a, b)| binary(*op, a, b)).collect()
        }
        Calc::Call { function, args } => call(*function, args, known, rows),
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

fn call(function: CalcFunction, args: &[Calc], known: &BTreeMap<String, Column>, rows: usize) -> Column {
    let arg = |i: usize| args.get(i).map_or_else(|| vec![None; rows], |a| eval(a, known, rows));
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
}
