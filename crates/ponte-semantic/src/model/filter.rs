//! A filter expression tied to a field, parsed with the grammar of the
//! field's type once, at load time.

use crate::filter_expr::{
    DateFilter, FilterError, NumberFilter, StringFilter, YesNoFilter, parse_date, parse_number, parse_string,
    parse_yesno,
};

/// Which Looker filter-expression grammar a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterType {
    /// String fields.
    String,
    /// Number fields and measures.
    Number,
    /// Date and time fields, and timeframes.
    Date,
    /// Yes/no fields.
    YesNo,
}

impl FilterType {
    /// Parses `expr` with this type's grammar.
    pub fn parse(self, expr: &str) -> Result<Filter, FilterError> {
        Ok(match self {
            FilterType::String => Filter::String(parse_string(expr)?),
            FilterType::Number => Filter::Number(parse_number(expr)?),
            FilterType::Date => Filter::Date(parse_date(expr)?),
            FilterType::YesNo => Filter::YesNo(parse_yesno(expr)?),
        })
    }
}

/// A parsed filter expression of any type.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// On a string field.
    String(StringFilter),
    /// On a number field or a measure.
    Number(NumberFilter),
    /// On a date or time field.
    Date(DateFilter),
    /// On a yes/no field.
    YesNo(YesNoFilter),
}

/// How much SQL a filter compiles to: the values that go into `IN` lists
/// and the other conditions (ranges, patterns, date periods, NULL tests),
/// each of which the warehouse evaluates for every row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterSize {
    /// Plain values (`5`, `SP`), compiled into `IN` lists.
    pub values: usize,
    /// Every other item.
    pub conditions: usize,
}

impl Filter {
    /// How much SQL this filter compiles to; the compiler refuses filters
    /// beyond its limits rather than send the warehouse an unbounded
    /// expression.
    pub fn size(&self) -> FilterSize {
        use crate::filter_expr::{NumberTerm, StringPattern};
        let mut size = FilterSize::default();
        match self {
            Filter::String(StringFilter::Match { any_of, none_of }) => {
                for p in any_of.iter().chain(none_of) {
                    match p {
                        StringPattern::Equals(_) => size.values += 1,
                        _ => size.conditions += 1,
                    }
                }
            }
            Filter::Number(NumberFilter::Match { any_of, none_of }) => {
                for t in any_of.iter().chain(none_of) {
                    match t {
                        NumberTerm::Equals(_) => size.values += 1,
                        _ => size.conditions += 1,
                    }
                }
            }
            Filter::Date(DateFilter::AnyOf(items)) => size.conditions = items.len(),
            Filter::String(StringFilter::Any)
            | Filter::Number(NumberFilter::Any)
            | Filter::Date(_)
            | Filter::YesNo(_) => size.conditions = 1,
        }
        size
    }
}

/// `view.field` filtered by a Looker expression, kept both as written (for
/// the API, which echoes it) and parsed (for the compiler).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    /// The field, `view.field`.
    pub field: String,
    /// The expression as written.
    pub expression: String,
    /// The expression parsed with the field's grammar.
    pub filter: Filter,
}
