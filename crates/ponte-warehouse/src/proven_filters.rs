//! Which of a query's filters the statistics of the row groups a scan
//! reads prove true of every row, so that they need not be evaluated row
//! by row.
//!
//! Every query a customer runs carries its access filter (`id_cliente =
//! 1`), and a table clustered by that column keeps each customer's rows in
//! row groups of their own, whose statistics say so: minimum and maximum
//! both 1, no nulls. Evaluating the filter there anyway took 27% of the
//! server's CPU in a `count(*)` tile at 10M invoices.
//!
//! The proof is deliberately narrow, because this is the row-level access
//! filter and a mistake shows one customer another's rows. A filter counts
//! as proven over a set of row groups only when, in each of them, every
//! column it reads holds one value (exact bounds that are equal, a null
//! count present and zero) and the filter, evaluated on those values, is
//! true. A deterministic filter of those columns is then true of every row.
//! Anything short of that (a bound truncated or missing, a float, a
//! volatile function, an evaluation that fails) leaves the filter to be
//! evaluated row by row, as before.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::cast::AsArray as _;
use arrow_array::{Array, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Schema};
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{Transformed, TreeNode as _};
use datafusion::logical_expr::{ColumnarValue, Expr};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{Column, Literal};
use datafusion::physical_expr::utils::collect_columns;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::file::metadata::ParquetMetaData;

/// Whether `filter` could ever be proven from statistics: deterministic,
/// and reading only columns whose parquet bounds are the values themselves
/// (integers, dates and strings; strings are checked for truncation per
/// row group). The scan answers for such filters itself
/// ([`crate::snapshot_table`]): proven, or applied row by row.
pub(crate) fn provable(filter: &Expr, schema: &Schema) -> bool {
    !filter.is_volatile()
        && filter
            .column_refs()
            .iter()
            .all(|c| schema.field_with_name(&c.name).is_ok_and(|f| exact_bounds(f.data_type())))
}

fn exact_bounds(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Date32 | Date64 | Utf8 | LargeUtf8 | Utf8View
    )
}

/// One filter, held against row groups' statistics one at a time.
pub(crate) struct Proof<'a> {
    /// Planned against `schema`, the table's.
    filter: &'a Arc<dyn PhysicalExpr>,
    schema: &'a Schema,
    columns: Vec<Column>,
    /// The values (of `columns`, in order) the filter was found true of:
    /// most row groups of a customer hold the same ones.
    true_of: HashSet<Vec<ScalarValue>>,
}

impl<'a> Proof<'a> {
    pub(crate) fn new(filter: &'a Arc<dyn PhysicalExpr>, schema: &'a Schema) -> Self {
        let columns = collect_columns(filter).into_iter().collect();
        Self { filter, schema, columns, true_of: HashSet::new() }
    }

    /// Whether the filter is true of every row of row group `group` of
    /// `footer`, by its statistics.
    pub(crate) fn holds_in(&mut self, footer: &ParquetMetaData, group: usize) -> bool {
        let values: Option<Vec<ScalarValue>> =
            self.columns.iter().map(|c| single_value(footer, group, self.schema, c.name())).collect();
        let Some(values) = values else { return false };
        if self.true_of.contains(&values) {
            return true;
        }
        let holds = is_true_of(self.filter, &self.columns, &values);
        if holds {
            self.true_of.insert(values);
        }
        holds
    }
}

/// The one value `column` holds in row group `group` of `footer`, if its
/// statistics show exactly one: exact, equal bounds and no nulls. Never for
/// floats: parquet leaves NaN out of their bounds.
fn single_value(footer: &ParquetMetaData, group: usize, schema: &Schema, column: &str) -> Option<ScalarValue> {
    if !schema.field_with_name(column).is_ok_and(|f| exact_bounds(f.data_type())) {
        return None;
    }
    let converter = StatisticsConverter::try_new(column, schema, footer.file_metadata().schema_descr())
        .ok()?
        .with_missing_null_counts_as_zero(false);
    let row_group = [footer.row_groups().get(group)?];
    let nulls = converter.row_group_null_counts(row_group).ok()?;
    let exact = |flags: arrow_array::BooleanArray| flags.is_valid(0) && flags.value(0);
    if !nulls.is_valid(0)
        || nulls.value(0) != 0
        || !exact(converter.row_group_is_min_value_exact(row_group).ok()?)
        || !exact(converter.row_group_is_max_value_exact(row_group).ok()?)
    {
        return None;
    }
    let min = ScalarValue::try_from_array(&converter.row_group_mins(row_group).ok()?, 0).ok()?;
    let max = ScalarValue::try_from_array(&converter.row_group_maxes(row_group).ok()?, 0).ok()?;
    (!min.is_null() && min == max).then_some(min)
}

/// Whether `filter` is true (not false, not null, not an error) with each
/// of `columns` replaced by its value.
fn is_true_of(filter: &Arc<dyn PhysicalExpr>, columns: &[Column], values: &[ScalarValue]) -> bool {
    let by_index: HashMap<usize, &ScalarValue> = columns.iter().map(Column::index).zip(values).collect();
    let constant = Arc::clone(filter).transform(|e| {
        Ok(match e.downcast_ref::<Column>().and_then(|c| by_index.get(&c.index())) {
            Some(value) => Transformed::yes(Arc::new(Literal::new((*value).clone())) as Arc<dyn PhysicalExpr>),
            None => Transformed::no(e),
        })
    });
    let Ok(constant) = constant else { return false };
    let Ok(one_row) = RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    ) else {
        return false;
    };
    match constant.data.evaluate(&one_row) {
        Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true)))) => true,
        Ok(ColumnarValue::Array(array)) => {
            array.len() == 1 && array.as_boolean_opt().is_some_and(|b| b.is_valid(0) && b.value(0))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray};
    use arrow_schema::Field;
    use datafusion::common::DFSchema;
    use datafusion::prelude::{SessionContext, col, lit, random};
    use parquet::arrow::ArrowWriter;
    use parquet::file::metadata::ParquetMetaDataReader;
    use parquet::file::properties::{EnabledStatistics, WriterProperties};

    /// A file of `k` (int), `s` (string), `f` (float) in row groups of
    /// `rows_per_group`, with the given writer properties, and its footer.
    fn footer_of(k: Vec<Option<i64>>, s: Vec<&str>, rows_per_group: usize, truncate: Option<usize>) -> ParquetMetaData {
        let f: Float64Array = k.iter().map(|k| k.map(|k| k as f64)).collect();
        let batch = RecordBatch::try_new(
            Arc::new(schema()),
            vec![Arc::new(Int64Array::from(k)), Arc::new(StringArray::from(s)), Arc::new(f)],
        )
        .unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(rows_per_group))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_statistics_truncate_length(truncate)
            .build();
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        ParquetMetaDataReader::new().parse_and_finish(&bytes::Bytes::from(bytes)).unwrap()
    }

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("k", DataType::Int64, true),
            Field::new("s", DataType::Utf8, false),
            Field::new("f", DataType::Float64, true),
        ])
    }

    fn physical(filter: Expr) -> Arc<dyn PhysicalExpr> {
        let schema = DFSchema::try_from(schema()).unwrap();
        SessionContext::new().state().create_physical_expr(filter, &schema).unwrap()
    }

    /// Whether `filter` is proven in every one of `groups`.
    fn holds(footer: &ParquetMetaData, groups: &[usize], filter: Expr) -> bool {
        let (filter, schema) = (physical(filter), schema());
        let mut proof = Proof::new(&filter, &schema);
        groups.iter().all(|&g| proof.holds_in(footer, g))
    }

    #[test]
    fn a_filter_is_proven_only_where_every_value_it_reads_is_one_known_value() {
        // Row groups of 2: k = [1, 1], [1, 2], [3, null].
        let footer = footer_of(
            vec![Some(1), Some(1), Some(1), Some(2), Some(3), None],
            vec!["a", "a", "a", "b", "c", "c"],
            2,
            None,
        );
        assert!(holds(&footer, &[0], col("k").eq(lit(1i64))));
        assert!(holds(&footer, &[0], col("k").in_list(vec![lit(1i64), lit(7i64)], false)));
        assert!(holds(&footer, &[0], col("k").eq(lit(1i64)).and(col("s").eq(lit("a")))));
        // Not true of the value.
        assert!(!holds(&footer, &[0], col("k").eq(lit(2i64))));
        // Two values in the row group, though the filter holds of both.
        assert!(!holds(&footer, &[1], col("k").lt(lit(5i64))));
        // One value and a null: the null row does not pass.
        assert!(!holds(&footer, &[2], col("k").eq(lit(3i64))));
        assert!(!holds(&footer, &[2], col("k").is_null().or(col("k").eq(lit(3i64)))));
        // Every row group must prove it.
        assert!(!holds(&footer, &[0, 1], col("k").eq(lit(1i64))));
        // Floats are never proven: parquet leaves NaN out of their bounds.
        assert!(!holds(&footer, &[0], col("f").eq(lit(1.0f64))));
        assert!(!provable(&col("f").eq(lit(1.0f64)), &schema()));
        // Nor volatile filters.
        assert!(!provable(&col("k").eq(lit(1i64)).and(random().lt(lit(2.0f64))), &schema()));
        assert!(provable(&col("k").eq(lit(1i64)).and(col("s").eq(lit("a"))), &schema()));
    }

    #[test]
    fn truncated_string_bounds_prove_nothing() {
        // Two different strings with the same 4-byte prefix: truncated, the
        // bounds would be equal.
        let footer = footer_of(vec![Some(1), Some(1)], vec!["abcdX", "abcdY"], 2, Some(4));
        assert!(!holds(&footer, &[0], col("s").eq(lit("abcd"))));
        assert!(!holds(&footer, &[0], col("s").like(lit("abcd%")).and(col("s").eq(lit("abcdX")))));
        // One value, longer than the truncation: its bounds are inexact.
        let footer = footer_of(vec![Some(1), Some(1)], vec!["abcdX", "abcdX"], 2, Some(4));
        assert!(!holds(&footer, &[0], col("s").eq(lit("abcdX"))));
        let footer = footer_of(vec![Some(1), Some(1)], vec!["abcdX", "abcdX"], 2, None);
        assert!(holds(&footer, &[0], col("s").eq(lit("abcdX"))));
    }
}
