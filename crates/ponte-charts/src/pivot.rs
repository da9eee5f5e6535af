//! Spreading pivoted dimensions into columns (Looker's `pivots`); the
//! contract is on [`crate::pivot`].

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::{Column, Locale, Pivoted, TileData, Value, format_value};

/// At most this many pivot values are spread into columns.
pub(crate) const MAX_PIVOT_VALUES: usize = 50;

/// A cell as a key: hashable (to group rows) and ordered the way Looker
/// orders pivot values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// The number's bits (zero normalised, so `-0` and `0` are one key).
    Number(u64),
    Text(String),
    Null,
}

impl Key {
    /// `value` of `column` as a key: numbers (and numeric text in a numeric
    /// column, as some drivers send decimals) by value, other text as it is;
    /// non-finite numbers are nulls, as everywhere in the crate.
    fn of(value: &Value, column: &Column) -> Key {
        match (value, value.as_f64()) {
            (Value::Text(t), _) if !column.is_numeric() => Key::Text(t.clone()),
            (Value::Text(t), None) => Key::Text(t.clone()),
            (_, Some(n)) => Key::Number(if n == 0.0 { 0 } else { n.to_bits() }),
            (_, None) => Key::Null,
        }
    }
}

impl Ord for Key {
    /// Numbers numerically, then text (by its characters: ISO dates sort as
    /// dates), nulls last.
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => f64::from_bits(*a).total_cmp(&f64::from_bits(*b)),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Null, Key::Null) => Ordering::Equal,
            (Key::Number(_), _) | (Key::Text(_), Key::Null) => Ordering::Less,
            _ => Ordering::Greater,
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// See [`crate::pivot`].
pub(crate) fn spread(data: &TileData, pivots: &[String], locale: &Locale) -> Pivoted {
    let is_pivot = |c: &Column| !c.is_measure && pivots.contains(&c.name);
    let pivot_cols: Vec<usize> = (0..data.columns.len()).filter(|&c| is_pivot(&data.columns[c])).collect();
    if pivot_cols.is_empty() {
        return Pivoted {
            data: data.clone(),
            origin: (0..data.rows.len()).map(|r| vec![Some(r); data.columns.len()]).collect(),
            source_column: (0..data.columns.len()).collect(),
        };
    }
    let key_cols: Vec<usize> =
        (0..data.columns.len()).filter(|&c| !data.columns[c].is_measure && !is_pivot(&data.columns[c])).collect();
    let measure_cols: Vec<usize> = (0..data.columns.len()).filter(|&c| data.columns[c].is_measure).collect();
    let key = |row: usize, cols: &[usize]| -> Vec<Key> {
        cols.iter().map(|&c| Key::of(data.cell(row, c), &data.columns[c])).collect()
    };

    // The pivot values in order, each with the first row that has it (for
    // its label); the sort is total and the keys distinct, so the order does
    // not depend on the map's.
    let mut first_with: HashMap<Vec<Key>, usize> = HashMap::new();
    for row in 0..data.rows.len() {
        first_with.entry(key(row, &pivot_cols)).or_insert(row);
    }
    let mut values: Vec<(Vec<Key>, usize)> = first_with.into_iter().collect();
    values.sort();
    values.truncate(MAX_PIVOT_VALUES);
    let value_index: HashMap<&[Key], usize> = values.iter().enumerate().map(|(i, (k, _))| (k.as_slice(), i)).collect();

    // One output row per row key: its first row, and its row per pivot value.
    let mut row_of_key: HashMap<Vec<Key>, usize> = HashMap::new();
    let mut out_rows: Vec<(usize, Vec<Option<usize>>)> = Vec::new();
    for row in 0..data.rows.len() {
        let Some(&p) = value_index.get(key(row, &pivot_cols).as_slice()) else { continue };
        let at = *row_of_key.entry(key(row, &key_cols)).or_insert_with(|| {
            out_rows.push((row, vec![None; values.len()]));
            out_rows.len() - 1
        });
        out_rows[at].1[p].get_or_insert(row);
    }

    let several = measure_cols.len() > 1;
    let mut columns: Vec<Column> = key_cols.iter().map(|&c| data.columns[c].clone()).collect();
    let mut source_column = key_cols.clone();
    // (pivot value, measure column) of each spread column.
    let mut spread: Vec<(usize, usize)> = Vec::new();
    for (p, (_, row)) in values.iter().enumerate() {
        let names: Vec<String> =
            pivot_cols.iter().map(|&c| format_value(data.cell(*row, c), &data.columns[c], locale)).collect();
        let name = names.join(" · ");
        for &m in &measure_cols {
            let measure = &data.columns[m];
            let label = if several { format!("{} · {name}", measure.label) } else { name.clone() };
            columns.push(Column { label, ..measure.clone() });
            source_column.push(m);
            spread.push((p, m));
        }
    }

    let mut rows = Vec::with_capacity(out_rows.len());
    let mut origin = Vec::with_capacity(out_rows.len());
    for (first, by_value) in &out_rows {
        let mut cells: Vec<Value> = key_cols.iter().map(|&c| data.cell(*first, c).clone()).collect();
        let mut from: Vec<Option<usize>> = vec![Some(*first); key_cols.len()];
        for &(p, m) in &spread {
            let row = by_value[p];
            cells.push(row.map_or(Value::Null, |r| data.cell(r, m).clone()));
            from.push(row);
        }
        rows.push(cells);
        origin.push(from);
    }
    Pivoted { data: TileData { columns, rows }, origin, source_column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_numbers_then_text_then_nulls() {
        let number = Column::dimension("n", "N", "number");
        let text = Column::dimension("t", "T", "string");
        let mut keys = vec![
            Key::of(&Value::Null, &text),
            Key::of(&Value::from("b"), &text),
            Key::of(&Value::from(10.0), &number),
            Key::of(&Value::from("9"), &number),
            Key::of(&Value::from("a"), &text),
            Key::of(&Value::from(-1.0), &number),
        ];
        keys.sort();
        let expected = [
            Key::Number((-1.0f64).to_bits()),
            Key::Number(9.0f64.to_bits()),
            Key::Number(10.0f64.to_bits()),
            Key::Text("a".into()),
            Key::Text("b".into()),
            Key::Null,
        ];
        assert_eq!(keys, expected);
        assert_eq!(Key::of(&Value::from(-0.0), &number), Key::of(&Value::from(0.0), &number));
        assert_eq!(Key::of(&Value::from("10"), &text), Key::Text("10".into()), "text stays text outside numbers");
    }
}
