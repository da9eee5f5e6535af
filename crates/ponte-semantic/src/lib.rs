//! The semantic layer: models with views, explores, dimensions and measures
//! in the spirit of LookML; Looker filter expressions; and compilation of a
//! Looker-style query to SQL with every user value bound as a parameter and
//! access filters applied on every path.
//!
//! Status: still to come; this crate marks its place in the workspace.
