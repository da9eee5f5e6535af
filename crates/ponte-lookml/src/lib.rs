//! LookML → ponte: reads a Looker project (`.model.lkml`, `.view.lkml`,
//! `.explore.lkml`, `.dashboard.lookml`) and converts it into ponte model
//! files, listing everything it could not convert instead of dropping it.
//!
//! [`parse`] turns LookML text into a typed [`tree`] where every pair keeps
//! its line; its grammar follows Looker's reference parser (`lkml`), which
//! the test suite runs as an oracle on a corpus of files. [`convert`] maps a
//! parsed project onto ponte's model format (views, dimensions, dimension
//! groups, measures, explores with joins and access filters, dashboards)
//! and produces a [`convert::Report`] of what was left behind and why;
//! [`write`] puts the resulting TOML files in place atomically.
//!
//! ```
//! use ponte_lookml::parse::{parse_str, Limits};
//! let doc = parse_str(
//!     "view: orders {\n  sql_table_name: shop.orders ;;\n  measure: count { type: count }\n}\n",
//!     "orders.view.lkml".as_ref(),
//!     Limits::default(),
//! )
//! .unwrap();
//! let view = doc.pairs[0].value.block().unwrap();
//! assert_eq!(view.get("sql_table_name").unwrap().value.scalar().unwrap().text, "shop.orders");
//! ```

pub mod convert;
pub mod lkml_json;
pub mod parse;
pub mod tree;
pub mod write;
