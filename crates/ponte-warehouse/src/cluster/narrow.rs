//! Rows as a spill file holds them, and as the sort hands them to the
//! writer: decimals of up to 18 digits in 32 or 64 bits, the width parquet
//! stores them in.
//!
//! Arrow holds every `Decimal128` in 16 bytes; money columns (NUMERIC(18,2)
//! and the like) need 8 at most. A clustered write copies every row into
//! the spill file, back, and once more in order, so those bytes are
//! copied for nothing: the demo's invoices are 153 bytes a row, 64 of them
//! in four such decimals. Narrowed, a row is 121 bytes. The writer takes
//! a `Decimal64` column as the 64-bit integers it writes
//! ([`crate::parquet_writer`]), where a `Decimal128` one is cast first.
//!
//! Narrowing casts the way parquet's writer does for the same precision
//! (`v as i64`, `v as i32`), so the table file is the same whether its rows
//! went through a spill file or not. The cluster columns stay as they are:
//! their keys are compared in the schema's own types.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal32Type, Decimal64Type, Decimal128Type};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::types::stored_decimal;

/// A schema's rows, and their narrower form.
#[derive(Debug)]
pub(super) struct Narrowing {
    rows: SchemaRef,
    narrow: SchemaRef,
    /// The columns narrowed: index, and their narrow type.
    decimals: Vec<(usize, DataType)>,
}

impl Narrowing {
    /// The narrow form of `rows`, with the columns at `keep` as they are.
    pub(super) fn new(rows: &SchemaRef, keep: &[usize]) -> Self {
        let mut decimals = Vec::new();
        let fields: Vec<Field> = rows
            .fields()
            .iter()
            .enumerate()
            .map(|(index, field)| match (field.data_type(), stored_decimal(field.data_type())) {
                (DataType::Decimal128(..), Some(narrow)) if !keep.contains(&index) => {
                    decimals.push((index, narrow.clone()));
                    field.as_ref().clone().with_data_type(narrow)
                }
                _ => field.as_ref().clone(),
            })
            .collect();
        let narrow = Arc::new(Schema::new_with_metadata(fields, rows.metadata().clone()));
        Self { rows: rows.clone(), narrow, decimals }
    }

    /// The schema of the narrow rows (and of the spill file).
    pub(super) fn narrow_schema(&self) -> &SchemaRef {
        &self.narrow
    }

    /// `batch`, of the rows' schema or with some or all of its decimals
    /// narrow already (as a load reads them), in the narrow form.
    pub(super) fn narrow(&self, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
        if self.decimals.is_empty() || batch.schema_ref() == &self.narrow {
            return Ok(batch.clone());
        }
        let mut columns = batch.columns().to_vec();
        for (index, narrow) in &self.decimals {
            let Some(decimals) = columns[*index].as_primitive_opt::<Decimal128Type>() else { continue };
            columns[*index] = match *narrow {
                DataType::Decimal32(precision, scale) => Arc::new(
                    decimals.unary::<_, Decimal32Type>(|v| v as i32).with_precision_and_scale(precision, scale)?,
                ) as ArrayRef,
                DataType::Decimal64(precision, scale) => Arc::new(
                    decimals.unary::<_, Decimal64Type>(|v| v as i64).with_precision_and_scale(precision, scale)?,
                ),
                _ => unreachable!("stored_decimal gives Decimal32 or Decimal64"),
            };
        }
        RecordBatch::try_new(self.narrow.clone(), columns)
    }

    /// `batch`, narrow, in the rows' own schema: for DataFusion's external
    /// sort, whose spill files take the schema it was given.
    pub(super) fn widen(&self, batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
        if self.decimals.is_empty() {
            return Ok(batch);
        }
        let mut columns = batch.columns().to_vec();
        for (index, _) in &self.decimals {
            let column = &columns[*index];
            let wide = match *column.data_type() {
                DataType::Decimal32(precision, scale) => column
                    .as_primitive::<Decimal32Type>()
                    .unary::<_, Decimal128Type>(i128::from)
                    .with_precision_and_scale(precision, scale)?,
                DataType::Decimal64(precision, scale) => column
                    .as_primitive::<Decimal64Type>()
                    .unary::<_, Decimal128Type>(i128::from)
                    .with_precision_and_scale(precision, scale)?,
                // Wide already.
                _ => continue,
            };
            columns[*index] = Arc::new(wide);
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
    fn decimals_of_up_to_18_digits_are_narrowed_to_32_or_64_bits_and_come_back_the_same() {
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
        let narrowing = Narrowing::new(&schema, &[]);
        let types: Vec<DataType> = narrowing.narrow_schema().fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(
            types,
            [
                DataType::Int64,
                DataType::Decimal64(18, 2),
                DataType::Decimal32(9, 4),
                DataType::Decimal128(38, 9),
                DataType::Utf8
            ]
        );
        let spilled = narrowing.narrow(&batch).unwrap();
        assert!(spilled.get_array_memory_size() < batch.get_array_memory_size());
        // Narrow rows stay as they are.
        assert_eq!(narrowing.narrow(&spilled).unwrap(), spilled);
        // Sliced, as the spill file takes a chunk's rows share by share.
        assert_eq!(narrowing.widen(spilled.slice(1, 3)).unwrap(), batch.slice(1, 3));
        assert_eq!(narrowing.widen(spilled).unwrap(), batch);
        // A cluster column keeps its type.
        let keeping = Narrowing::new(&schema, &[1]);
        assert_eq!(keeping.narrow_schema().field(1).data_type(), &DataType::Decimal128(18, 2));
        assert_eq!(keeping.narrow_schema().field(2).data_type(), &DataType::Decimal32(9, 4));
    }

    #[test]
    fn a_schema_without_narrow_decimals_is_spilled_as_it_is() {
        let schema = Arc::new(Schema::new(vec![Field::new("big", DataType::Decimal128(19, 0), true)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![decimals(&[Some(10_i128.pow(18))], 19, 0)]).unwrap();
        let narrowing = Narrowing::new(&schema, &[]);
        assert_eq!(narrowing.narrow_schema(), &schema);
        assert_eq!(narrowing.widen(narrowing.narrow(&batch).unwrap()).unwrap(), batch);
    }
}
