//! Model files: views over warehouse tables, explores that join them, and
//! the looks and dashboards built on those explores, in TOML in the spirit
//! of LookML (one model per file).
//!
//! Reading a model goes parse → validate → a typed, immutable [`Model`].
//! Every problem is reported at once as `file:line:column: message`
//! ([`ModelErrors`]), with did-you-mean suggestions for unknown keys and
//! names. [`check_columns`] then checks the model against the warehouse's
//! tables, given as a plain map so this crate needs no warehouse.
//!
//! No model text is **spliced** into SQL. A view names its table
//! (`sql_table_name`) or holds a SELECT (`derived_table`, parsed into
//! ponte's own tree and checked clause by clause: [`derived`]), a dimension or measure names one column of it
//! (`sql = "id_cliente"`) or an expression that is parsed into ponte's own
//! tree and checked against an allowlist ([`sql_expr`]), a `number`
//! measure combines other measures with arithmetic only
//! (`sql = "${a} + ${b}"`), and joins are equality pairs of fields
//! (`on = [["a.x", "b.y"]]`). The SQL compiler writes every query from
//! these checked pieces.
//!
//! ```
//! use std::path::Path;
//! let text = r#"
//! [model]
//! name = "shop"
//!
//! [[views]]
//! name = "orders"
//! sql_table_name = "orders"
//! dimensions = [{ name = "id", type = "number", primary_key = true }]
//! measures = [{ name = "count", type = "count" }]
//!
//! [[explores]]
//! name = "orders"
//! "#;
//! let model = ponte_semantic::model::parse_model(text, Path::new("shop.toml")).unwrap();
//! let field = model.explore("orders").unwrap().resolve_field("orders.count").unwrap();
//! assert!(field.is_measure());
//! ```

mod columns;
mod content;
pub mod derived;
mod explore;
mod field;
mod filter;
mod number_expr;
mod raw;
pub mod sql_expr;
#[cfg(test)]
mod tests;
mod theme;
mod types;
mod unknown_keys;
mod validate;
mod vis;

use std::fmt;
use std::path::{Path, PathBuf};

use ponte_config::Diagnostic;

pub use columns::{ColumnKind, check_columns, columns_of_config, columns_of_schema_file};
pub use content::*;
pub use explore::*;
pub use field::ResolvedField;
pub use filter::{FieldFilter, Filter, FilterSize, FilterType};
pub use number_expr::{BinaryOp, NumberExpr, NumberExprError, parse_number_expr};
pub use theme::Theme;
pub use types::*;
pub use vis::*;

use ponte_config::SourceText;
use unknown_keys::expected_keys;

/// Every problem that kept a model file from loading, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ModelErrors {
    /// The model file.
    pub path: PathBuf,
    /// Each problem with its place (an unreadable file is one diagnostic
    /// without a position).
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} has {} problem(s):", self.path.display(), self.diagnostics.len())?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// Reads and validates a model file.
pub fn load_model(path: &Path) -> Result<Model, ModelErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_model(&text, path),
        Err(e) => Err(ModelErrors {
            path: path.to_owned(),
            diagnostics: vec![Diagnostic {
                file: path.to_owned(),
                position: None,
                message: format!("cannot read model file: {e}"),
            }],
        }),
    }
}

/// Validates model text; `path` names the file in messages.
pub fn parse_model(text: &str, path: &Path) -> Result<Model, ModelErrors> {
    let src = SourceText { path, text };
    let invalid = |diagnostics| ModelErrors { path: path.to_owned(), diagnostics };

    let file: ponte_config::toml_file::TomlFile<raw::RawModelFile> =
        ponte_config::toml_file::read(src, expected_keys).map_err(|d| invalid(vec![d]))?;
    let raw = file.raw;
    let mut checker = validate::Checker::new(src, file.misspelt);
    checker.diagnostics.extend(file.unknown_keys);
    let model = validate::validate(&raw, &mut checker);
    let mut diagnostics = checker.diagnostics;
    match model {
        Some(model) if diagnostics.is_empty() => Ok(model),
        _ => {
            diagnostics.sort_by_key(|d| d.position);
            Err(invalid(diagnostics))
        }
    }
}
