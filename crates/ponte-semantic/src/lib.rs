//! The semantic layer: models with views, explores, dimensions and measures
//! in the spirit of LookML; Looker filter expressions; and compilation of a
//! Looker-style query to SQL with every user value bound as a parameter and
//! access filters applied on every path.
//!
//! [`filter_expr`] parses Looker filter expressions for string,
//! number, date/time and yes/no fields into typed ASTs, and resolves date
//! filters to concrete time ranges. [`model`] reads TOML model files (views,
//! explores with joins and access filters, looks and dashboards) into a
//! typed, validated [`model::Model`], reporting every problem with
//! `file:line:column`, and checks a model against the warehouse's columns.
//! [`compile`] turns a Looker-style query (an API body, a look or a
//! dashboard tile) into SQL for DataFusion or BigQuery with every value a
//! bound parameter and the explore's access filters always applied.
//! [`limit`] is a query's row limit, parsed once wherever one enters.
//!
//! ```no_run
//! let model = ponte_semantic::model::load_model("examples/comerc/models/comerc.toml".as_ref())?;
//! let faturas = model.explore("faturas").expect("the demo has this explore");
//! let field = faturas.resolve_field("faturas.custo_total").expect("and this measure");
//! assert!(field.is_measure());
//! # Ok::<(), ponte_semantic::model::ModelErrors>(())
//! ```

pub mod calc;
pub mod compile;
pub mod filter_expr;
pub mod limit;
pub mod model;

pub use limit::Limit;
