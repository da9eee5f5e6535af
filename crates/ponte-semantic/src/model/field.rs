//! A field found through an explore: what the SQL compiler needs to know
//! about `view.field` without looking anything up by string again.

use super::filter::FilterType;
use super::types::{DimensionType, FieldRef, SqlName, View};

/// A field of an explore, resolved from its `view.field` name.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedField<'a> {
    /// The view it belongs to (the base view or a joined one).
    pub view: &'a View,
    /// The field itself.
    pub field: FieldRef<'a>,
}

impl ResolvedField<'_> {
    /// The field's name within its view (`mes_referencia_month`).
    pub fn field_name(&self) -> String {
        match self.field {
            FieldRef::Dimension(d) => d.name.clone(),
            FieldRef::Timeframe(g, t) => g.field_name(t),
            FieldRef::Measure(m) => m.name.clone(),
        }
    }

    /// The full name, `view.field`, as queries write it.
    pub fn name(&self) -> String {
        format!("{}.{}", self.view.name, self.field_name())
    }

    /// What users see: the field's label (timeframes append theirs).
    pub fn label(&self) -> String {
        match self.field {
            FieldRef::Dimension(d) => d.label.clone(),
            FieldRef::Timeframe(g, t) => g.timeframe_label(t),
            FieldRef::Measure(m) => m.label.clone(),
        }
    }

    /// The type results carry for it, as the API's fields and the charts
    /// read it: a dimension's type, `date_<timeframe>`, a measure's kind.
    pub fn result_type(&self) -> String {
        match self.field {
            FieldRef::Dimension(d) => d.dimension_type.as_str().to_owned(),
            FieldRef::Timeframe(_, t) => format!("date_{}", t.as_str()),
            FieldRef::Measure(m) => m.type_name().to_owned(),
        }
    }

    /// Whether it aggregates (goes to `HAVING`, not `GROUP BY`).
    pub fn is_measure(&self) -> bool {
        matches!(self.field, FieldRef::Measure(_))
    }

    /// Which filter-expression grammar applies to it: a timeframe is a date,
    /// a measure a number.
    pub fn filter_type(&self) -> FilterType {
        match self.field {
            FieldRef::Dimension(d) => match d.dimension_type {
                DimensionType::String => FilterType::String,
                DimensionType::Number => FilterType::Number,
                DimensionType::YesNo => FilterType::YesNo,
                DimensionType::Date | DimensionType::Time => FilterType::Date,
            },
            FieldRef::Timeframe(..) => FilterType::Date,
            FieldRef::Measure(_) => FilterType::Number,
        }
    }

    /// The column read, for dimensions and timeframes (measures compute
    /// theirs from their kind).
    pub fn column(&self) -> Option<&SqlName> {
        match self.field {
            FieldRef::Dimension(d) => d.sql.column(),
            FieldRef::Timeframe(g, _) => Some(&g.column),
            FieldRef::Measure(_) => None,
        }
    }

    /// Whether it is kept out of field pickers.
    pub fn hidden(&self) -> bool {
        match self.field {
            FieldRef::Dimension(d) => d.hidden,
            FieldRef::Timeframe(g, _) => g.hidden,
            FieldRef::Measure(m) => m.hidden,
        }
    }
}
