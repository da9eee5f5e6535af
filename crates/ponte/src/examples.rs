//! The reference deployment, built into the binary so `ponte demo` works
//! from any folder, with or without a checkout of the repository.

/// Looker's Embed SDK bundle that the example portal loads (copied from
/// the npm package by `scripts/vendor-embed-sdk.sh`).
pub const EMBED_SDK_JS: &str = include_str!("../../../examples/comerc/portal/vendor/looker-embed-sdk.js");

/// Files of `examples/comerc`, relative to it, with their contents.
pub const COMERC: &[(&str, &str)] = &[
    ("ponte.toml", include_str!("../../../examples/comerc/ponte.toml")),
    ("schemas/comerc.json", include_str!("../../../examples/comerc/schemas/comerc.json")),
    ("models/comerc.toml", include_str!("../../../examples/comerc/models/comerc.toml")),
    ("portal/index.html", include_str!("../../../examples/comerc/portal/index.html")),
    ("portal/vendor/looker-embed-sdk.js", EMBED_SDK_JS),
    (
        "portal/vendor/looker-embed-sdk.LICENSE.txt",
        include_str!("../../../examples/comerc/portal/vendor/looker-embed-sdk.LICENSE.txt"),
    ),
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file of the example folder is built in, and built in as it is.
    #[test]
    fn built_in_example_matches_the_folder() {
        let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
            .join("../../examples/comerc");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                if rel == "data" || rel == ".ponte" {
                    continue;
                }
                if path.is_dir() { stack.push(path) } else { on_disk.push(rel) }
            }
        }
        on_disk.sort();
        let mut built_in: Vec<String> = super::COMERC.iter().map(|(p, _)| (*p).to_owned()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in, "update COMERC in examples.rs");
        for (rel, text) in super::COMERC {
            assert_eq!(std::fs::read_to_string(root.join(rel)).unwrap(), *text, "{rel}");
        }
    }
}
