//! A parsed LookML project → ponte model files and a report.
//!
//! One ponte model per `.model.lkml`, holding the views and explores of the
//! files its `include:` patterns reach (and its own), and the dashboards of
//! included `.dashboard.lookml` files. Each object keeps its origin for the
//! `# from file:line` comments. Whatever cannot be converted is a
//! [`report::Entry`]; finally each model's text is read back by ponte's own
//! model reader, and any problem it finds is an entry too, so a model that
//! `ponte validate` would refuse is never written without saying so.

mod dashboard;
mod derived;
mod exclusions;
mod explore;
pub mod out;
pub mod project;
mod prune;
mod reader;
pub mod report;
mod sql;
mod toml_out;
mod view;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use out::ModelOut;
pub use project::{FileKind, Project};
pub use report::{Entry, Reason, Report};

use crate::parse::{Limits, ParseError};
use crate::tree::Block;
use out::{Origin, ViewOut};
use reader::Reader;

/// Why a project could not be converted at all (as opposed to report
/// entries, which leave the rest converted).
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// A file or folder could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A LookML file does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// More files than a project may have.
    #[error("the folder holds more than {limit} files; is it a LookML project?")]
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// No `.model.lkml` file: nothing says which views belong together.
    #[error("no .model.lkml file under {0}: a LookML project has at least one model")]
    NoModels(PathBuf),
}

/// The outcome: models to write and what was left behind.
#[derive(Debug)]
pub struct Conversion {
    /// One per `.model.lkml`, in path order.
    pub models: Vec<ModelOut>,
    /// Everything not converted, sorted by file and line.
    pub report: Report,
    /// How many LookML files were read.
    pub files_read: usize,
}

impl Conversion {
    /// Each model's file name (`<model>.toml`) and text.
    pub fn files(&self) -> Vec<(String, String)> {
        self.models.iter().map(|m| (format!("{}.toml", m.name), toml_out::model_toml(m))).collect()
    }
}

/// Reads the project under `root` and converts it.
pub fn convert_dir(root: &Path) -> Result<Conversion, ConvertError> {
    let project = Project::read(root, Limits::default())?;
    if !project.files.iter().any(|f| f.kind == FileKind::Model) {
        return Err(ConvertError::NoModels(root.to_owned()));
    }
    Ok(convert(&project))
}

/// Converts a project already read.
pub fn convert(project: &Project) -> Conversion {
    let mut report = Report::default();
    // Each file's views, converted once even when several models include it.
    let mut views: BTreeMap<&Path, Vec<ViewOut>> = BTreeMap::new();
    for file in &project.files {
        if let Some(doc) = &file.doc {
            let top = Block { name: None, pairs: doc.pairs.clone() };
            let r = Reader::new(&top, &file.path, "file".into());
            let converted = r.all("view").into_iter().filter_map(|p| view::view(p, &file.path, &mut report)).collect();
            views.insert(&file.path, converted);
            // Model files' own keys are read with the model below.
            if file.kind != FileKind::Model {
                r.skip("explore");
                r.skip("include");
                r.finish(&mut report);
            }
        }
    }

    let mut included_anywhere: BTreeSet<&Path> = BTreeSet::new();
    let mut models = Vec::new();
    for file in project.files.iter().filter(|f| f.kind == FileKind::Model) {
        let Some(doc) = &file.doc else { continue };
        let top = Block { name: None, pairs: doc.pairs.clone() };
        let r = Reader::new(&top, &file.path, "model".into());
        let patterns: Vec<String> =
            r.all("include").iter().filter_map(|p| p.value.scalar()).map(reader::text_of).collect();
        let (included, unmatched) = project.included(&file.path, &patterns);
        for pattern in unmatched {
            let line = r.pair("include").map_or(0, |p| p.pos.line);
            report.push(
                &file.path,
                line,
                format!("include {pattern}"),
                Reason::Unresolved("matches no file of the project".into()),
            );
        }
        let sources: Vec<&project::SourceFile> =
            std::iter::once(file).chain(included.iter().copied().filter(|f| f.kind != FileKind::Model)).collect();
        included_anywhere.extend(sources.iter().map(|f| f.path.as_path()));

        let mut model_views: Vec<ViewOut> = Vec::new();
        for source in &sources {
            for v in views.get(source.path.as_path()).into_iter().flatten() {
                match model_views.iter().find(|m| m.name == v.name) {
                    Some(first) => report.push(
                        &v.origin.file,
                        v.origin.line,
                        format!("view {} (left out)", v.name),
                        Reason::Unresolved(format!(
                            "a second view of this name; the model keeps the one from {}:{}",
                            first.origin.file.display(),
                            first.origin.line
                        )),
                    ),
                    None => model_views.push(v.clone()),
                }
            }
        }
        let known = ModelViews(&model_views);
        let mut explores = Vec::new();
        for source in &sources {
            let Some(doc) = &source.doc else { continue };
            for pair in doc.pairs.iter().filter(|p| p.key == "explore") {
                if let Some(e) = explore::explore(pair, &source.path, &known, &mut report) {
                    explores.push(e);
                }
            }
        }
        exclusions::enforce(&mut model_views, &mut explores, &mut report);
        r.skip("explore");
        r.skip("view");
        let name = model_name(&file.path);
        let dashboards = sources
            .iter()
            .filter(|f| f.kind == FileKind::Dashboard)
            .flat_map(|f| dashboard::dashboards(f, &name, &mut report))
            .collect();
        let model = ModelOut {
            label: r.text("label"),
            connection: r.text("connection"),
            origin: Origin { file: file.path.clone(), line: 1 },
            name,
            views: model_views,
            explores,
            dashboards,
        };
        r.finish(&mut report);
        models.push(model);
    }

    for file in project.files.iter().filter(|f| f.kind == FileKind::Dashboard) {
        if !included_anywhere.contains(file.path.as_path()) {
            continue;
        }
        for (id, line) in dashboard::ids(file) {
            let taken = models.iter().any(|m| m.dashboards.iter().any(|d| d.id == id && d.origin.file == file.path));
            if !taken {
                report.push(
                    &file.path,
                    line,
                    format!("dashboard {id} (left out)"),
                    Reason::Unresolved("its tiles query models that do not include this file".into()),
                );
            }
        }
    }
    for file in &project.files {
        if file.kind != FileKind::Model && !included_anywhere.contains(file.path.as_path()) {
            report.push(
                &file.path,
                0,
                "file",
                Reason::Unresolved("no model includes it, so nothing in it is converted".into()),
            );
        }
    }

    let conversion = Conversion { models, report, files_read: project.files.len() };
    let mut report = conversion.report.clone();
    for (name, text) in conversion.files() {
        if let Err(errors) = ponte_semantic::model::parse_model(&text, Path::new(&name)) {
            for d in errors.diagnostics {
                report.push(
                    Path::new(&name),
                    d.position.map_or(0, |p| p.line as u32),
                    "converted model",
                    Reason::Unresolved(format!("ponte's model reader refuses it: {}", d.message)),
                );
            }
        }
    }
    let mut report = report.sorted();
    report.entries.dedup();
    Conversion { report, ..conversion }
}

/// A model's converted views, as explores see them.
struct ModelViews<'a>(&'a [ViewOut]);

impl explore::Views for ModelViews<'_> {
    fn has(&self, view: &str) -> bool {
        self.0.iter().any(|v| v.name == view)
    }

    fn primary_key(&self, view: &str) -> Option<String> {
        let view = self.0.iter().find(|v| v.name == view)?;
        view.dimensions.iter().find(|d| d.primary_key).map(|d| d.name.clone())
    }
}

/// `models/shop.model.lkml` → `shop`.
fn model_name(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    file.strip_suffix(".model.lkml").unwrap_or(&file).to_owned()
}
