//! `ponte import lookml`

use std::process::ExitCode;

use anyhow::Context as _;
use ponte_lookml::convert::convert_dir;
use ponte_lookml::write::write_atomically;

use crate::cli::ImportLookmlArgs;

pub fn run(args: &ImportLookmlArgs) -> anyhow::Result<ExitCode> {
    let conversion = convert_dir(&args.dir)
        .with_context(|| format!("cannot convert the LookML project in {}", args.dir.display()))?;
    let views: usize = conversion.models.iter().map(|m| m.views.len()).sum();
    let explores: usize = conversion.models.iter().map(|m| m.explores.len()).sum();
    let dashboards: usize = conversion.models.iter().map(|m| m.dashboards.len()).sum();
    let entries = &conversion.report.entries;
    println!(
        "read {} LookML file(s): {} model(s), {views} view(s), {explores} explore(s), {dashboards} dashboard(s); \
         {} construct(s) not converted",
        conversion.files_read,
        conversion.models.len(),
        entries.len()
    );
    for entry in entries {
        println!("  {entry}");
    }
    if args.strict && !entries.is_empty() {
        eprintln!(
            "--strict: nothing written, because {} construct(s) could not be converted (listed above)",
            entries.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let written = write_atomically(&args.out, &conversion.files())
        .with_context(|| format!("cannot write the model files into {}", args.out.display()))?;
    for path in written {
        println!("wrote {}", path.display());
    }
    println!("next: add the file(s) to [semantic] models in ponte.toml and run `ponte validate`");
    Ok(ExitCode::SUCCESS)
}
