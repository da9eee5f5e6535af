//! BigQuery column types as Arrow types, and which parquet column types load
//! into each, the way BigQuery's parquet loader coerces them.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use ponte_config::{FieldMode, FieldSchema, FieldType, TableSchema};

/// NUMERIC without declared precision: 38 digits, 9 after the point.
const NUMERIC: (u8, i8) = (38, 9);
/// BIGNUMERIC without declared precision: 76 digits, 38 after the point.
const BIGNUMERIC: (u8, i8) = (76, 38);

/// The Arrow schema a table with this BigQuery schema is stored with.
pub fn arrow_schema(schema: &TableSchema) -> Schema {
    Schema::new(schema.fields.iter().map(arrow_field).collect::<Vec<_>>())
}

fn arrow_field(f: &FieldSchema) -> Field {
    let item = arrow_type(f);
    match f.mode {
        FieldMode::Repeated => Field::new(&f.name, DataType::List(Arc::new(Field::new("item", item, true))), true),
        FieldMode::Required => Field::new(&f.name, item, false),
        FieldMode::Nullable => Field::new(&f.name, item, true),
    }
}

fn arrow_type(f: &FieldSchema) -> DataType {
    let decimal = |(p, s): (u8, i8)| match (f.precision, f.scale) {
        (Some(p), s) => (p as u8, s.unwrap_or(0) as i8),
        _ => (p, s),
    };
    match f.field_type {
        FieldType::String | FieldType::Json | FieldType::Geography => DataType::Utf8,
        FieldType::Bytes => DataType::Binary,
        FieldType::Int64 => DataType::Int64,
        FieldType::Float64 => DataType::Float64,
        FieldType::Numeric => {
            let (p, s) = decimal(NUMERIC);
            DataType::Decimal128(p, s)
        }
        FieldType::BigNumeric => {
            let (p, s) = decimal(BIGNUMERIC);
            DataType::Decimal256(p, s)
        }
        FieldType::Bool => DataType::Boolean,
        FieldType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        FieldType::Datetime => DataType::Timestamp(TimeUnit::Microsecond, None),
        FieldType::Date => DataType::Date32,
        FieldType::Time => DataType::Time64(TimeUnit::Microsecond),
        FieldType::Record => DataType::Struct(Fields::from(f.fields.iter().map(arrow_field).collect::<Vec<_>>())),
        // Stored as its bounds' type pair would need a struct; kept as text.
        FieldType::Range => DataType::Utf8,
    }
}

/// The narrower decimal type parquet stores a `Decimal128` of up to 18
/// digits in: `Decimal32` up to 9 digits, `Decimal64` up to 18, of the same
/// precision and scale. `None` for any other type. Loads and clustered
/// writes carry such columns narrow, and the parquet writer takes them as
/// the integers it stores ([`crate::parquet_writer`]).
pub(crate) fn stored_decimal(t: &DataType) -> Option<DataType> {
    match *t {
        DataType::Decimal128(precision, scale) if precision <= 9 => Some(DataType::Decimal32(precision, scale)),
        DataType::Decimal128(precision, scale) if precision <= 18 => Some(DataType::Decimal64(precision, scale)),
        _ => None,
    }
}

/// Whether a parquet column of type `from` loads into `to` (a type made by
/// [`arrow_schema`]), following BigQuery's parquet rules: integers widen to
/// INT64, timestamps of any unit become microseconds, decimals fit NUMERIC,
/// dictionary-encoded strings are strings, and so on.
pub fn loads_into(from: &DataType, to: &DataType) -> bool {
    use DataType as D;
    let from = match from {
        D::Dictionary(_, value) => value.as_ref(),
        other => other,
    };
    match to {
        D::Int64 => {
            matches!(from, D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64)
        }
        D::Float64 => from.is_numeric() && !matches!(from, D::Decimal128(..) | D::Decimal256(..)),
        D::Decimal128(..) | D::Decimal256(..) => {
            matches!(from, D::Decimal32(..) | D::Decimal64(..) | D::Decimal128(..) | D::Decimal256(..))
                || from.is_integer()
        }
        D::Boolean => matches!(from, D::Boolean),
        D::Utf8 => matches!(from, D::Utf8 | D::LargeUtf8 | D::Utf8View),
        D::Binary => matches!(from, D::Binary | D::LargeBinary | D::BinaryView | D::FixedSizeBinary(_)),
        D::Date32 => matches!(from, D::Date32 | D::Date64),
        D::Timestamp(_, _) => matches!(from, D::Timestamp(_, _)),
        D::Time64(_) => matches!(from, D::Time32(_) | D::Time64(_)),
        D::Struct(to_fields) => match from {
            D::Struct(from_fields) => to_fields.iter().all(|t| {
                from_fields
                    .iter()
                    .find(|f| f.name().eq_ignore_ascii_case(t.name()))
                    .map_or(t.is_nullable(), |f| loads_into(f.data_type(), t.data_type()))
            }),
            _ => false,
        },
        D::List(to_item) => match from {
            D::List(f) | D::LargeList(f) => loads_into(f.data_type(), to_item.data_type()),
            _ => false,
        },
        _ => from == to,
    }
}

/// A short name for a type in messages: `INT32`, `STRING`, `TIMESTAMP(ns)`.
pub fn describe(t: &DataType) -> String {
    use DataType as D;
    match t {
        D::Int8 => "INT8".into(),
        D::Int16 => "INT16".into(),
        D::Int32 => "INT32".into(),
        D::Int64 => "INT64".into(),
        D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64 => format!("unsigned {t}"),
        D::Float16 | D::Float32 => "FLOAT".into(),
        D::Float64 => "DOUBLE".into(),
        D::Utf8 | D::LargeUtf8 | D::Utf8View => "STRING".into(),
        D::Binary | D::LargeBinary | D::BinaryView | D::FixedSizeBinary(_) => "BYTES".into(),
        D::Boolean => "BOOLEAN".into(),
        D::Date32 | D::Date64 => "DATE".into(),
        D::Timestamp(unit, tz) => format!("TIMESTAMP({unit:?}{})", if tz.is_some() { ", UTC" } else { "" }),
        D::Decimal128(p, s) | D::Decimal256(p, s) => format!("DECIMAL({p},{s})"),
        D::Dictionary(_, v) => describe(v),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigquery_types_map_to_arrow() {
        let schema = ponte_config::schema::parse_schema(
            std::path::Path::new("t.json"),
            r#"[
              {"name": "i", "type": "INTEGER", "mode": "REQUIRED"},
              {"name": "n", "type": "NUMERIC", "precision": "18", "scale": "2"},
              {"name": "n2", "type": "NUMERIC"},
              {"name": "ts", "type": "TIMESTAMP"},
              {"name": "dt", "type": "DATETIME"},
              {"name": "tags", "type": "STRING", "mode": "REPEATED"},
              {"name": "r", "type": "RECORD", "fields": [{"name": "x", "type": "BOOL"}]}
            ]"#,
        )
        .unwrap();
        let a = arrow_schema(schema.table("t").unwrap());
        assert_eq!(a.field(0).data_type(), &DataType::Int64);
        assert!(!a.field(0).is_nullable());
        assert_eq!(a.field(1).data_type(), &DataType::Decimal128(18, 2));
        assert_eq!(a.field(2).data_type(), &DataType::Decimal128(38, 9));
        assert_eq!(a.field(3).data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
        assert_eq!(a.field(4).data_type(), &DataType::Timestamp(TimeUnit::Microsecond, None));
        assert!(matches!(a.field(5).data_type(), DataType::List(_)));
        assert!(matches!(a.field(6).data_type(), DataType::Struct(_)));
    }

    #[test]
    fn coercions_follow_bigquery() {
        use DataType as D;
        let dict = D::Dictionary(Box::new(D::Int32), Box::new(D::Utf8));
        for (from, to) in [
            (D::Int32, D::Int64),
            (D::UInt16, D::Int64),
            (D::Float32, D::Float64),
            (D::Int64, D::Float64),
            (D::Decimal128(10, 2), D::Decimal128(18, 2)),
            (D::Int32, D::Decimal128(38, 9)),
            (dict, D::Utf8),
            (D::LargeUtf8, D::Utf8),
            (D::Timestamp(TimeUnit::Nanosecond, None), D::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))),
            (D::Date64, D::Date32),
            (D::Time32(TimeUnit::Millisecond), D::Time64(TimeUnit::Microsecond)),
        ] {
            assert!(loads_into(&from, &to), "{from} → {to}");
        }
        for (from, to) in [
            (D::Utf8, D::Int64),
            (D::Float64, D::Int64),
            (D::Int64, D::Utf8),
            (D::Boolean, D::Int64),
            (D::Date32, D::Timestamp(TimeUnit::Microsecond, None)),
            (D::Decimal128(10, 2), D::Float64),
        ] {
            assert!(!loads_into(&from, &to), "{from} → {to}");
        }
    }
}
