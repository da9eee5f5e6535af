//! The semantic layer: models with views, explores, dimensions and measures
//! in the spirit of LookML; Looker filter expressions; and compilation of a
//! Looker-style query to SQL with every user value bound as a parameter and
//! access filters applied on every path.
//!
//! Status: [`filter_expr`] parses Looker filter expressions for string,
//! number, date/time and yes/no fields into typed ASTs, and resolves date
//! filters to concrete time ranges; models, explores and SQL compilation are
//! still to come.

pub mod filter_expr;
