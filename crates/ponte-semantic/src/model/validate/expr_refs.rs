//! The references between model expressions (`${field}`, `${view.field}`),
//! checked once the explores are known: each names a plain dimension the
//! explores have; none loops back; a measure (its `sql` and its `filters`)
//! and a join key stay on their own view; and what a dimension becomes once
//! every reference is inlined stays small and shallow enough to compile
//! (the warehouse's SQL parser has a nesting limit too).
//!
//! Each dimension is summarised once and remembered (its inlined size,
//! depth and the views it reaches), so shared references cost nothing more
//! and a model cannot make validation or compilation exponential.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::Checker;
use crate::model::sql_expr::Expr;
use crate::model::{Explore, FieldRef, FieldSql, MeasureKind, View};

/// The most nodes a dimension's expression has with every reference inlined.
const MAX_INLINED_NODES: usize = 2_000;
/// The deepest a dimension's expression nests with every reference inlined
/// (DataFusion's SQL parser stops at 50, and a query wraps it in more).
const MAX_INLINED_DEPTH: usize = 30;

/// What a dimension becomes when inlined.
#[derive(Clone)]
struct Summary {
    nodes: usize,
    depth: usize,
    /// Every view it reads (its own included).
    views: BTreeSet<String>,
}

enum State {
    InProgress,
    Done(Result<Summary, String>),
}

struct Graph<'v> {
    views: &'v [Arc<View>],
    states: BTreeMap<String, State>,
}

impl Graph<'_> {
    /// The summary of `view.field` (qualified), or why it cannot be had
    /// (a loop, with its path).
    fn summary(&mut self, key: &str, path: &mut Vec<String>) -> Result<Summary, String> {
        match self.states.get(key) {
            Some(State::Done(done)) => return done.clone(),
            Some(State::InProgress) => {
                path.push(key.to_owned());
                let start = path.iter().position(|p| p == key).unwrap_or(0);
                return Err(format!("refers to itself: {}", path[start..].join(" → ")));
            }
            None => {}
        }
        let Some((v, f)) = key.split_once('.') else { return Ok(empty()) };
        let Some(view) = self.views.iter().find(|x| x.name == v).cloned() else { return Ok(empty()) };
        let Some(sql) = view.dimensions.iter().find(|d| d.name == f).map(|d| d.sql.clone()) else {
            return Ok(empty());
        };
        self.states.insert(key.to_owned(), State::InProgress);
        path.push(key.to_owned());
        let done = match &sql {
            FieldSql::Column(_) => Ok(Summary { nodes: 1, depth: 1, views: BTreeSet::from([v.to_owned()]) }),
            FieldSql::Expression(at) => {
                let mut views = BTreeSet::from([v.to_owned()]);
                self.walk(&at.expr.expr, v, 1, path, &mut views).map(|(nodes, depth)| Summary { nodes, depth, views })
            }
        };
        path.pop();
        self.states.insert(key.to_owned(), State::Done(done.clone()));
        done
    }

    /// Nodes and depth of `expr` (at `depth`) with references inlined.
    fn walk(
        &mut self,
        expr: &Expr,
        view: &str,
        depth: usize,
        path: &mut Vec<String>,
        views: &mut BTreeSet<String>,
    ) -> Result<(usize, usize), String> {
        if let Expr::Field(name) = expr {
            let key = if name.contains('.') { name.clone() } else { format!("{view}.{name}") };
            let sub = self.summary(&key, path)?;
            views.extend(sub.views);
            return Ok((sub.nodes, depth + sub.depth));
        }
        let mut nodes = 1;
        let mut deepest = depth;
        let mut children = Vec::new();
        expr.children(&mut |c| children.push(c.clone()));
        for child in &children {
            let (n, d) = self.walk(child, view, depth + 1, path, views)?;
            nodes += n;
            deepest = deepest.max(d);
        }
        Ok((nodes, deepest))
    }
}

fn empty() -> Summary {
    Summary { nodes: 1, depth: 1, views: BTreeSet::new() }
}

/// Checks every expression's references (see the module's docs).
pub(super) fn check_references(views: &[Arc<View>], explores: &[Explore], checker: &mut Checker<'_>) {
    for explore in explores {
        for view in explore.views() {
            for d in &view.dimensions {
                let FieldSql::Expression(at) = &d.sql else { continue };
                for reference in at.expr.fields().into_iter().filter(|f| f.contains('.')) {
                    let found = explore.resolve_field(reference);
                    if !found.is_some_and(|f| matches!(f.field, FieldRef::Dimension(_))) {
                        checker.error_at(
                            at.position,
                            format!(
                                "`{}.{}` refers to `${{{reference}}}`, which is not a dimension of a view explore `{}` has",
                                view.name, d.name, explore.name
                            ),
                        );
                    }
                }
            }
        }
    }
    let mut graph = Graph { views, states: BTreeMap::new() };
    // A loop is reported once, at the first of its fields.
    let mut loops_reported = BTreeSet::new();
    for view in views {
        for d in &view.dimensions {
            let FieldSql::Expression(at) = &d.sql else { continue };
            let qualified = format!("{}.{}", view.name, d.name);
            match graph.summary(&qualified, &mut Vec::new()) {
                Err(why) => {
                    if loops_reported.insert(why.clone()) {
                        checker.error_at(at.position, format!("`{qualified}` {why}"));
                    }
                }
                Ok(s) if s.nodes > MAX_INLINED_NODES || s.depth > MAX_INLINED_DEPTH => checker.error_at(
                    at.position,
                    format!(
                        "`{qualified}` is {} nodes {} levels deep with its references written out; at most \
                         {MAX_INLINED_NODES} nodes and {MAX_INLINED_DEPTH} levels",
                        s.nodes, s.depth
                    ),
                ),
                Ok(_) => {}
            }
        }
    }
    // A measure aggregates its own view's rows: its `sql` and the fields
    // its `filters` test may not reach another view.
    for view in views {
        for m in &view.measures {
            let reached = |field: &str, graph: &mut Graph<'_>| -> Option<String> {
                let key = if field.contains('.') { field.to_owned() } else { format!("{}.{field}", view.name) };
                let s = graph.summary(&key, &mut Vec::new()).ok()?;
                s.views.into_iter().find(|v| *v != view.name)
            };
            let mut refs: Vec<String> = m.filters.iter().map(|f| f.field.clone()).collect();
            let position = match &m.kind {
                MeasureKind::Aggregate { sql: FieldSql::Expression(at), .. } => {
                    refs.extend(at.expr.fields().into_iter().map(str::to_owned));
                    Some(at.position)
                }
                _ => None,
            };
            for field in refs {
                if let Some(other) = reached(&field, &mut graph) {
                    let message = format!(
                        "measure `{}.{}` reaches view `{other}` through `{field}`; a measure aggregates its own view's rows",
                        view.name, m.name
                    );
                    match position {
                        Some(p) => checker.error_at(p, message),
                        None => checker.error_at(view.table.position, message),
                    }
                    break;
                }
            }
        }
    }
    // A join key is compared as written: an expression reaching a third
    // view would need a join the condition cannot order.
    for explore in explores {
        for join in &explore.joins {
            for field in join.on.iter().flat_map(|(a, b)| [a, b]) {
                let Some((v, _)) = field.split_once('.') else { continue };
                let Ok(s) = graph.summary(field, &mut Vec::new()) else { continue };
                if let Some(other) = s.views.iter().find(|x| *x != v) {
                    checker.error_at(
                        join.view.table.position,
                        format!(
                            "explore `{}`: join key `{field}` reaches view `{other}`; a join key must read its own view",
                            explore.name
                        ),
                    );
                }
            }
        }
    }
}
