//! Settings for a statement that asks for many rows.
//!
//! DataFusion's TopK aggregation turns `GROUP BY k ORDER BY k LIMIT n` (one
//! key, no aggregate but MIN/MAX) into a group-by that keeps only the best
//! `n` keys, in a heap beside the hash table. That pays when there are
//! many more keys than `n`, as with a 500-row table tile over a million
//! invoices. Past a few thousand rows it costs more than it saves. The
//! Looker API asks for up to 1,000,000 rows with `limit=-1` (a download of
//! every row), and the heap then holds them all. Measured at 10M invoices
//! (customer 1, release build, `limit=-1`):
//!
//! | key | distinct keys | with the rule | without |
//! |---|---:|---:|---:|
//! | invoice id | 1.1 M | 1,891 ms | 678 ms |
//! | unit name | 30,671 | 387 ms | 87 ms |
//! | issue date | 360 | 108 ms | 14 ms |
//!
//! At 500 rows the rule won for the invoice id (21 against 69 ms) and lost
//! for the date (24 against 12 ms). The number of keys is not known when a
//! query is planned, so the rule stays on up to [`TOPK_AGGREGATION_MAX_ROWS`],
//! a page of rows in Looker, and is off above it.

use datafusion::execution::SessionState;
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast::{self, Expr, LimitClause};

/// The largest `LIMIT` that DataFusion's TopK aggregation is used for.
pub(crate) const TOPK_AGGREGATION_MAX_ROWS: u64 = 5_000;

/// Turns TopK aggregation off in `state` when `statement` asks for more
/// than [`TOPK_AGGREGATION_MAX_ROWS`] rows (its outermost `LIMIT`, also
/// behind `EXPLAIN`, so that a plan shown is the plan run).
pub(crate) fn tune_for_limit(state: &mut SessionState, statement: &Statement) {
    if outer_limit(statement).is_some_and(|rows| rows > TOPK_AGGREGATION_MAX_ROWS) {
        state.config_mut().options_mut().optimizer.enable_topk_aggregation = false;
    }
}

/// The statement's outermost `LIMIT`, when it is a number.
fn outer_limit(statement: &Statement) -> Option<u64> {
    match statement {
        Statement::Statement(statement) => sql_limit(statement),
        Statement::Explain(explain) => outer_limit(&explain.statement),
        _ => None,
    }
}

fn sql_limit(statement: &ast::Statement) -> Option<u64> {
    match statement {
        ast::Statement::Query(query) => {
            let limit = match query.limit_clause.as_ref()? {
                LimitClause::LimitOffset { limit, .. } => limit.as_ref()?,
                LimitClause::OffsetCommaLimit { limit, .. } => limit,
            };
            match limit {
                Expr::Value(value) => match &value.value {
                    ast::Value::Number(n, _) => n.parse().ok(),
                    _ => None,
                },
                _ => None,
            }
        }
        ast::Statement::Explain { statement, .. } => sql_limit(statement),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch};
    use datafusion::datasource::MemTable;
    use datafusion::physical_plan::displayable;

    use super::*;
    use crate::query::QueryCache;

    /// The physical plan of `sql` over a table `t` of one key column, as
    /// the warehouse plans it.
    async fn plan_text(sql: &str) -> String {
        let cache = QueryCache::new(Arc::new(object_store::memory::InMemory::new()), 0);
        let ctx = cache.new_session().unwrap();
        let batch = RecordBatch::try_from_iter([("k", Arc::new(Int64Array::from_iter_values(0..100)) as _)]).unwrap();
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        let mut state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state.sql_to_statement(sql, &dialect).unwrap();
        tune_for_limit(&mut state, &statement);
        let logical = state.statement_to_plan(statement).await.unwrap();
        let physical = state.create_physical_plan(&logical).await.unwrap();
        if !sql.starts_with("EXPLAIN") {
            return displayable(physical.as_ref()).indent(false).to_string();
        }
        let rows = datafusion::physical_plan::collect(physical, state.task_ctx()).await.unwrap();
        arrow_cast::pretty::pretty_format_batches(&rows).unwrap().to_string()
    }

    #[tokio::test]
    async fn a_page_of_rows_keeps_the_topk_aggregation_and_more_rows_turn_it_off() {
        let page = plan_text("SELECT k FROM t GROUP BY k ORDER BY k LIMIT 5000").await;
        assert!(page.contains("lim=[5000]"), "{page}");
        let every_row = plan_text("SELECT k FROM t GROUP BY k ORDER BY k LIMIT 1000000").await;
        assert!(every_row.contains("AggregateExec") && !every_row.contains("lim=["), "{every_row}");
        let explained = plan_text("EXPLAIN SELECT k FROM t GROUP BY k ORDER BY k LIMIT 5001").await;
        assert!(explained.contains("AggregateExec") && !explained.contains("lim=["), "{explained}");
    }

    #[test]
    fn only_a_number_is_a_limit() {
        let parse = |sql: &str| datafusion::sql::parser::DFParser::parse_sql(sql).unwrap().pop_front().unwrap();
        assert_eq!(outer_limit(&parse("SELECT 1 LIMIT 7")), Some(7));
        assert_eq!(outer_limit(&parse("SELECT 1 LIMIT 3 OFFSET 2")), Some(3));
        assert_eq!(outer_limit(&parse("EXPLAIN SELECT 1 LIMIT 9")), Some(9));
        assert_eq!(outer_limit(&parse("SELECT 1 LIMIT $1")), None);
        assert_eq!(outer_limit(&parse("SELECT 1")), None);
        assert_eq!(outer_limit(&parse("SELECT * FROM (SELECT 1 LIMIT 9) s")), None);
    }
}
