//! LookML dashboards (`.dashboard.lookml`, YAML) → ponte dashboards.

use super::out::DashboardOut;
use super::project::SourceFile;
use super::report::{Reason, Report};

/// The dashboards of one file that belong to `model`.
pub(crate) fn dashboards(file: &SourceFile, _model: &str, report: &mut Report) -> Vec<DashboardOut> {
    report.push(&file.path, 0, "dashboard file", Reason::NoEquivalent("not converted yet"));
    Vec::new()
}
