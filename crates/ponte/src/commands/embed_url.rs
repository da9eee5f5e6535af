//! `ponte embed-url`: signs a Looker-style embed login URL, for ponte (the
//! config's public URL) or for any host given with `--host` (a Looker
//! instance signs and checks URLs the same way).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use ponte_embed::EmbedParams;
use ponte_server::embed::Embedding;

use crate::cli::EmbedUrlArgs;

/// Permissions a dashboard viewer needs, when none are given.
const DEFAULT_PERMISSIONS: [&str; 3] = ["access_data", "see_user_dashboards", "see_looks"];

pub fn run(config_path: &Path, args: &EmbedUrlArgs) -> anyhow::Result<ExitCode> {
    let config = ponte_config::load(config_path)?;
    if !args.target.starts_with("/embed/") {
        bail!("the target `{}` must be an /embed/ page, e.g. /embed/dashboards/visao_geral", args.target);
    }
    let secrets = Embedding::secrets_from_env(&config.server)?;
    let Some(secret) = secrets.into_iter().next() else {
        bail!("no embed secret: set server.embed_secrets in {}", config_path.display())
    };
    let mut params = EmbedParams::new(&args.target, &args.user, chrono::Utc::now().timestamp());
    params.permissions = if args.permissions.is_empty() {
        DEFAULT_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect()
    } else {
        args.permissions.clone()
    };
    params.models = if args.models.is_empty() {
        let models = config.semantic.models.iter().map(|p| ponte_semantic::model::load_model(p));
        models.map(|m| m.map(|m| m.name).map_err(|e| anyhow!("{e}"))).collect::<anyhow::Result<_>>()?
    } else {
        args.models.clone()
    };
    if let Some(length) = args.session_length {
        params.session_length = length;
    }
    let attributes: serde_json::Map<_, _> =
        args.attrs.iter().map(|a| (a.key.clone(), serde_json::Value::String(a.value.clone()))).collect();
    params.user_attributes = (!attributes.is_empty()).then_some(attributes);
    let host = args.host.clone().unwrap_or_else(|| config.server.base_url());
    println!("{}", ponte_embed::sign_url(&host, &params, &secret));
    Ok(ExitCode::SUCCESS)
}
