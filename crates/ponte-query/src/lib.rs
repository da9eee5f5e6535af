//! The query runtime, without HTTP: model files loaded into a
//! [`SemanticLayer`], a Looker-style request compiled for a caller (access
//! filters included) and run on a [`ponte_warehouse::Warehouse`], and the
//! rows rendered in Looker's result formats ([`render`]).
//!
//! `ponte query` and the HTTP server both go through it, so the command
//! line answers exactly as the API does.
//!
//! ```no_run
//! # async fn example(config: &ponte_config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! use ponte_query::{SemanticLayer, render};
//! use ponte_semantic::compile::{Caller, QueryRequest};
//!
//! let warehouse = ponte_warehouse::open(&config.warehouse).await?;
//! let layer = SemanticLayer::load(config, warehouse)?;
//! let request = QueryRequest {
//!     model: "comerc".into(),
//!     view: "faturas".into(),
//!     fields: vec!["faturas.mes_referencia_month".into(), "faturas.custo_total".into()],
//!     ..QueryRequest::default()
//! };
//! let caller = Caller { user_attributes: [("id_cliente".into(), "7".into())].into() };
//! let (compiled, result) = layer.execute(&request, &caller, Default::default()).await?;
//! print!("{}", render::csv(&compiled, &result.batches));
//! # Ok(())
//! # }
//! ```

mod layer;
pub mod persist;
pub mod render;
pub mod suggest;
mod table_calcs;

pub use layer::{RunError, SemanticLayer, dialect_of};
