//! Pivoted queries (Looker's `pivots`): the values of the pivoted
//! dimensions become columns, each measure repeated under each.
//!
//! The warehouse still returns one row per combination of dimensions; the
//! SQL ranks them so that the limits apply as Looker applies them, on the
//! table people see rather than on the rows underneath:
//!
//! - `__pivot_col_rank` numbers the distinct pivot values in pivot order
//!   (each pivoted field ascending unless the query sorts it), and only
//!   the first `column_limit` are kept;
//! - `__pivot_row_rank` numbers the rows of the table (the combinations of
//!   the other dimensions) by the query's sorts, a row taking the place of
//!   its best-placed cell, and only the first `limit` are kept;
//! - `__pivot_columns` is how many pivot values there were in all, so a
//!   result can say its columns were cut.
//!
//! As in Looker, a row whose cells all fall in columns past the limit is
//! still a row (its first cell is kept, to be shown empty), and a pivot
//! column with no cell in the rows kept is still a column (its first cell
//! is kept, to head it): the result holds a few cells outside the table,
//! which spreading it skips.
//!
//! Spreading the ranked rows into the table happens after the query
//! (`ponte_query`'s pivot module), where the table calculations run too.

use super::dialect::SqlWriter;
use super::resolve::Plan;
use super::{Dialect, FieldKind, OutputColumn};

/// The rank of a result row's table row (1-based), in every pivoted result.
pub const PIVOT_ROW_RANK: &str = "__pivot_row_rank";
/// The rank of a result row's pivot column (1-based).
pub const PIVOT_COLUMN_RANK: &str = "__pivot_col_rank";
/// How many pivot columns the query had before `column_limit` cut them.
pub const PIVOT_COLUMN_COUNT: &str = "__pivot_columns";

/// How a pivoted query's rows become a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivotLayout {
    /// The pivoted fields (`view.field`), in pivot order.
    pub fields: Vec<String>,
    /// The most pivot columns the result holds.
    pub column_limit: u64,
    /// The most rows the table has.
    pub row_limit: u64,
}

/// The grouped query `body` (its output columns `columns`, no ORDER BY or
/// LIMIT) ranked and cut to the plan's rows and pivot columns, ordered by
/// table row, then pivot column.
pub(crate) fn wrap(w: &SqlWriter, plan: &Plan<'_>, columns: &[OutputColumn], body: &str) -> String {
    let pivot_of = |i: usize| plan.pivots.contains(&i);
    let nulls_last = |alias: &str, descending: bool| {
        format!("{}{} NULLS LAST", w.ident(alias), if descending { " DESC" } else { "" })
    };
    // Pivot values in pivot order, each as the query sorts it (ascending
    // when it does not).
    let column_order: Vec<String> = plan
        .pivots
        .iter()
        .map(|&i| {
            let descending = plan.sorts.iter().find(|(s, _)| *s == i).is_some_and(|(_, d)| *d);
            nulls_last(&columns[i].alias, descending)
        })
        .collect();
    // Table rows by the sorts on what is not pivoted, ties by pivot column;
    // a sort on one pivot column of a measure (`f desc 0`) orders rows by
    // the measure's value in that column, the same on every cell of a row.
    let mut column_keys: Vec<(String, String)> = Vec::new();
    let mut row_order: Vec<String> = Vec::new();
    for (at, (i, descending)) in plan.sorts.iter().enumerate().filter(|(_, (i, _))| !pivot_of(*i)) {
        match plan.sort_pivot_columns.get(at).copied().flatten() {
            Some(column) => {
                let key = format!("__pivot_sort_{at}");
                column_keys.push((
                    key.clone(),
                    format!(
                        "MAX(CASE WHEN {} = {} THEN {} END)",
                        w.ident(PIVOT_COLUMN_RANK),
                        column + 1,
                        w.ident(&columns[*i].alias)
                    ),
                ));
                row_order.push(nulls_last(&key, *descending));
            }
            None => row_order.push(nulls_last(&columns[*i].alias, *descending)),
        }
    }
    row_order.push(w.ident(PIVOT_COLUMN_RANK));
    // BigQuery partitions by groupable types only: by JSON text, as the
    // symmetric aggregates do.
    let partition: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.kind == FieldKind::Dimension && !pivot_of(*i))
        .map(|(_, c)| match w.dialect {
            Dialect::DataFusion => w.ident(&c.alias),
            Dialect::BigQuery => format!("TO_JSON_STRING({})", w.ident(&c.alias)),
        })
        .collect();
    let over_rows = if partition.is_empty() { String::new() } else { format!("PARTITION BY {}", partition.join(", ")) };
    let (rank, min_rank) = (w.ident("__pivot_rank"), w.ident("__pivot_min_rank"));
    let (first_col, first_row) = (w.ident("__pivot_row_first_col"), w.ident("__pivot_col_first_row"));
    let (row_rank, col_rank, col_count) =
        (w.ident(PIVOT_ROW_RANK), w.ident(PIVOT_COLUMN_RANK), w.ident(PIVOT_COLUMN_COUNT));
    // The sort keys of pivot columns: one more level, over the ranked columns.
    let (keys_open, keys_close) = if column_keys.is_empty() {
        (String::new(), String::new())
    } else {
        let keys: Vec<String> =
            column_keys.iter().map(|(key, sql)| format!("{sql} OVER ({over_rows}) AS {}", w.ident(key))).collect();
        (format!("SELECT *, {}\nFROM (\n", keys.join(", ")), format!("\n) AS {}", w.ident("__pivot_sort_keys")))
    };
    let mut select: Vec<String> = columns.iter().map(|c| w.ident(&c.alias)).collect();
    select.extend([row_rank.clone(), col_rank.clone(), col_count.clone()]);
    format!(
        "SELECT {select}\nFROM (\n\
         SELECT *, DENSE_RANK() OVER (ORDER BY {min_rank}) AS {row_rank}, \
         ROW_NUMBER() OVER (PARTITION BY {col_rank} ORDER BY {min_rank}) AS {first_row}\nFROM (\n\
         SELECT *, MIN({rank}) OVER ({over_rows}) AS {min_rank}, MIN({col_rank}) OVER ({over_rows}) AS {first_col}\nFROM (\n\
         SELECT *, RANK() OVER (ORDER BY {row_order}) AS {rank}, MAX({col_rank}) OVER () AS {col_count}\nFROM (\n\
         {keys}SELECT *, DENSE_RANK() OVER (ORDER BY {column_order}) AS {col_rank}\nFROM (\n{body}\n) AS {q0}\n\
         ) AS {q1}{keys_end}\n) AS {q2}\n) AS {q3}\n) AS {q4}\n\
         WHERE ({row_rank} <= {limit} AND ({col_rank} <= {column_limit} OR {col_rank} = {first_col}))\n  \
         OR ({col_rank} <= {column_limit} AND {first_row} = 1)\n\
         ORDER BY {row_rank}, {col_rank}",
        select = select.join(", "),
        keys = keys_open,
        keys_end = keys_close,
        row_order = row_order.join(", "),
        column_order = column_order.join(", "),
        q0 = w.ident("__pivot_groups"),
        q1 = w.ident("__pivot_columns_ranked"),
        q2 = w.ident("__pivot_cells_ranked"),
        q3 = w.ident("__pivot_rows_placed"),
        q4 = w.ident("__pivot_rows_ranked"),
        limit = plan.limit,
        column_limit = plan.column_limit,
    )
}

/// The layout of `plan`'s result, if it is pivoted.
pub(crate) fn layout(plan: &Plan<'_>, columns: &[OutputColumn]) -> Option<PivotLayout> {
    (!plan.pivots.is_empty()).then(|| PivotLayout {
        fields: plan.pivots.iter().map(|&i| columns[i].name.clone()).collect(),
        column_limit: plan.column_limit,
        row_limit: plan.limit,
    })
}
