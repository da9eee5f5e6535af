//! Rows as a spill file holds them: decimals of up to 18 digits as the
//! 32- or 64-bit integers parquet stores them as.
//!
//! Arrow holds every `Decimal128` in 16 bytes; money columns (NUMERIC(18,2)
//! and the like) need 8 at most. A clustered write copies every row into
//! the spill file and back, so those bytes are written, read and freed for
//! nothing: the demo's invoices are 153 bytes a row, 64 of them in four
//! such decimals. Narrowed, a row is 121 bytes.
//!
//! Narrowing casts the way parquet's writer does for the same precision
//! (`v as i64`, `v as i32`), so the table file is the same whether its rows
//! went through a spill file or not.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int32Type, Int64Type};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

/// Precision up to which parquet stores a decimal as an INT32.
const INT32_DIGITS: u8 = 9;
/// Precision up to which parquet stores a decimal as an INT64.
const INT64_DIGITS: u8 = 18;

/// A schema's rows, and their narrower form in a spill file.
#[derive(Debug)]
pub(super) struct Narrowing {
    rows: SchemaRef,
    spilled: SchemaRef,
    /// The columns narrowed: index, precision and scale.
    decimals: Vec<(usize, u8, i8)>,
}

impl Narrowing {
    pub(super) fn new(rows: &SchemaRef) -> Self {
        let mut decimals = Vec::new();
        let fields: Vec<Field> = rows
            .fields()
            .iter()
            .enumerate()
            .map(|(index, field)| match *field.data_type() {
                DataType::Decimal128(precision, scale) if precision <= INT64_DIGITS => {
                    decimals.push((index, precision, scale));
                    let narrow = if precision <= INT32_DIGITS { DataType::Int32 } else { DataType::Int64 };
                    field.as_ref().clone().with_data_type(narrow)
                }
                _ => field.as_ref().clone(),
            })
            .collect();
        let spilled = Arc::new(Schema::new_with_metadata(fields, rows.metadata().clone()));
        Self { rows: rows.clone(), spilled, decimals }
    }

    /// The schema of the spill file.
    pub(super) fn spilled_schema(&self) -> &SchemaRef {
        &self.spilled
    }

    /// What a row takes in memory beyond what it takes narrowed.
    pub(super) fn widened_bytes_per_row(&self) -> usize {
        self.decimals.iter().map(|&(_, precision, _)| if precision <= INT32_DIGITS { 12 } else { 8 }).sum()
    }

    /// `batch` (of the rows' schema) in the spill file's form.
    pub(super) fn narrow(&self, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
        if self.decimals.is_empty() {
            return Ok(batch.clone());
        }
        let mut columns = batch.columns().to_vec();
        for &(index, precision, _) in &self.decimals {
            let decimals = columns[index].as_primitive::<Decimal128Type>();
            columns[index] = if precision <= INT32_DIGITS {
                Arc::new(decimals.unary::<_, Int32Type>(|v| v as i32)) as ArrayRef
            } else {
                Arc::new(decimals.unary::<_, Int64Type>(|v| v as i64))
            };
        }
        RecordBatch::try_new(self.spilled.clone(), columns)
    }

    /// `batch`, read from the spill file, in the rows' own schema.
    pub(super) fn widen(&self, batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
        if self.decimals.is_empty() {
            return Ok(batch);
        }
        let mut columns = batch.columns().to_vec();
        for &(index, precision, scale) in &self.decimals {
            let column = &columns[index];
            let wide = if precision <= INT32_DIGITS {
                column.as_primitive::<Int32Type>().unary::<_, Decimal128Type>(i128::from)
            } else {
                column.as_primitive::<Int64Type>().unary::<_, Decimal128Type>(i128::from)
            };
            columns[index] = Arc::new(wide.with_precision_and_scale(precision, scale)?);
        }
        RecordBatch::try_new(self.rows.clone(), columns)
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Decimal128Array, Int64Array, StringArray};

    use super::*;

    fn decimals(values: &[Option<i128>], precision: u8, scale: i8) -> ArrayRef {
        Arc::new(Decimal128Array::from(values.to_vec()).with_precision_and_scale(precision, scale).unwrap())
    }

    #[test]
    fn decimals_of_up_to_18_digits_are_spilled_as_integers_and_come_back_the_same() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("amount", DataType::Decimal128(18, 2), true),
            Field::new("rate", DataType::Decimal128(9, 4), false),
            Field::new("big", DataType::Decimal128(38, 9), true),
            Field::new("name", DataType::Utf8, true),
        ]));
        let amounts = [Some(999_999_999_999_999_999), None, Some(-999_999_999_999_999_999), Some(0)];
        let rates = [Some(999_999_999), Some(-999_999_999), Some(1), Some(-1)];
        let bigs = [Some(i128::MAX / 7), Some(-5), None, Some(10_i128.pow(37))];
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
                decimals(&amounts, 18, 2),
                decimals(&rates, 9, 4),
                decimals(&bigs, 38, 9),
                Arc::new(StringArray::from(vec![Some("a"), None, Some("c"), Some("d")])),
            ],
        )
        .unwrap();
        let narrowing = Narrowing::new(&schema);
        assert_eq!(narrowing.widened_bytes_per_row(), 8 + 12);
        let types: Vec<DataType> = narrowing.spilled_schema().fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(
            types,
            [DataType::Int64, DataType::Int64, DataType::Int32, DataType::Decimal128(38, 9), DataType::Utf8]
        );
        let spilled = narrowing.narrow(&batch).unwrap();
        assert!(spilled.get_array_memory_size() < batch.get_array_memory_size());
        // Sliced, as the spill file takes a chunk's rows share by share.
        assert_eq!(narrowing.widen(spilled.slice(1, 3)).unwrap(), batch.slice(1, 3));
        assert_eq!(narrowing.widen(spilled).unwrap(), batch);
    }

    #[test]
    fn a_schema_without_narrow_decimals_is_spilled_as_it_is() {
        let schema = Arc::new(Schema::new(vec![Field::new("big", DataType::Decimal128(19, 0), true)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![decimals(&[Some(10_i128.pow(18))], 19, 0)]).unwrap();
        let narrowing = Narrowing::new(&schema);
        assert_eq!(narrowing.spilled_schema(), &schema);
        assert_eq!(narrowing.widen(narrowing.narrow(&batch).unwrap()).unwrap(), batch);
    }
}
