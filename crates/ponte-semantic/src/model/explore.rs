//! Explores: a base view and the views joined to it, with the row-level
//! security and default filters every query through them carries.

use std::sync::Arc;

use super::field::ResolvedField;
use super::filter::FieldFilter;
use super::types::{FieldRef, View};

/// An explore: a base view and the views joined to it, the unit users query.
#[derive(Debug, Clone)]
pub struct Explore {
    /// The explore's name, as in `model/explore` paths.
    pub name: String,
    /// What users see; defaults to the name.
    pub label: String,
    /// Shown as help text.
    pub description: Option<String>,
    /// The view in `FROM`.
    pub base: Arc<View>,
    /// Joined views, in file order.
    pub joins: Vec<Join>,
    /// Row-level security: predicates on user attributes added to every query.
    pub access_filters: Vec<AccessFilter>,
    /// Filters every query of the explore starts with (users may change the
    /// value, not remove the filter).
    pub always_filter: Vec<FieldFilter>,
}

impl Explore {
    /// A view reachable in this explore (the base or a joined one).
    pub fn view(&self, name: &str) -> Option<&Arc<View>> {
        std::iter::once(&self.base).chain(self.joins.iter().map(|j| &j.view)).find(|v| v.name == name)
    }

    /// Every view reachable in this explore, base first.
    pub fn views(&self) -> impl Iterator<Item = &Arc<View>> {
        std::iter::once(&self.base).chain(self.joins.iter().map(|j| &j.view))
    }

    /// Every field of every view of this explore, in view order and, within a
    /// view, dimensions, then each dimension group's timeframes, then
    /// measures: what a field picker lists.
    pub fn fields(&self) -> impl Iterator<Item = ResolvedField<'_>> {
        self.views().flat_map(|view| {
            let dimensions = view.dimensions.iter().map(FieldRef::Dimension);
            let timeframes =
                view.dimension_groups.iter().flat_map(|g| g.timeframes.iter().map(move |t| FieldRef::Timeframe(g, *t)));
            let measures = view.measures.iter().map(FieldRef::Measure);
            dimensions.chain(timeframes).chain(measures).map(move |field| ResolvedField { view: view.as_ref(), field })
        })
    }

    /// Looks up `view.field` among the views of this explore. `None` for
    /// anything else, so unknown names from a request never reach SQL.
    pub fn resolve_field(&self, name: &str) -> Option<ResolvedField<'_>> {
        let (view_name, field_name) = name.split_once('.')?;
        let view = self.view(view_name)?;
        let field = view.field(field_name)?;
        Some(ResolvedField { view, field })
    }
}

/// How a join adds rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinType {
    /// Keep every row of the left side (the default, as in LookML).
    LeftOuter,
    /// Keep only matching rows.
    Inner,
}

/// How many rows of the joined view match one row of the left side; the
/// compiler uses it to avoid double-counting measures over fanned-out rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// Many left rows share one joined row (the default, as in LookML).
    ManyToOne,
    /// At most one joined row per left row, and vice versa.
    OneToOne,
    /// One left row matches many joined rows.
    OneToMany,
    /// Both sides fan out.
    ManyToMany,
}

impl JoinType {
    /// Every join type with its name in model files (LookML's).
    pub const NAMES: [(&'static str, JoinType); 2] = [("left_outer", JoinType::LeftOuter), ("inner", JoinType::Inner)];

    /// The join type called `name` in model files.
    pub fn parse(name: &str) -> Option<JoinType> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

impl Relationship {
    /// Every relationship with its name in model files (LookML's).
    pub const NAMES: [(&'static str, Relationship); 4] = [
        ("many_to_one", Relationship::ManyToOne),
        ("one_to_one", Relationship::OneToOne),
        ("one_to_many", Relationship::OneToMany),
        ("many_to_many", Relationship::ManyToMany),
    ];

    /// The relationship called `name` in model files.
    pub fn parse(name: &str) -> Option<Relationship> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }

    /// Its name in model files.
    pub fn as_str(self) -> &'static str {
        Self::NAMES.iter().find(|(_, r)| *r == self).map_or("many_to_one", |(n, _)| n)
    }
}

/// A view joined into an explore.
#[derive(Debug, Clone)]
pub struct Join {
    /// The joined view.
    pub view: Arc<View>,
    /// Equality pairs of `view.field` names, AND-ed: each is a dimension of a
    /// view of the explore, and every pair involves the joined view.
    pub on: Vec<(String, String)>,
    /// Left outer or inner.
    pub join_type: JoinType,
    /// Cardinality.
    pub relationship: Relationship,
}

/// Row-level security: queries keep only rows whose `field` equals the
/// session's value of `user_attribute`; a session without the attribute
/// gets an error, never all rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFilter {
    /// A dimension, `view.field`.
    pub field: String,
    /// The user attribute (embed URL `user_attributes`, API client settings).
    pub user_attribute: String,
}
